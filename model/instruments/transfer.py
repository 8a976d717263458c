"""Technology-transfer support: rewards to technology-contract service points and broker training (硕果计划)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from innosim.agents.world import World
from innosim.model.instruments.base import Ask, Call, Grant, Instrument, Options
from innosim.model.units import WAN


class TransferOptions(Options):
    caps: ClassVar[tuple[str, ...]] = ("cap_point_wan",)
    cap_point_wan: float = Field(50.0, gt=0, description="≤ 50万 per service point")
    reward_rate: float = Field(0.002, gt=0, le=0.05, description="reward per yuan of last year's turnover")
    training_share: float = Field(0.4, ge=0, le=1, description="share of the budget for broker training")
    broker_cost_wan: float = Field(10.0, gt=0, description="yearly cost of one broker at a service point")


class TransferSupport(Instrument):
    """Annual (Q2): service points receive rewards by last year's registered turnover and hire brokers with
    them; the training share of the budget trains brokers, of whom ``trainee_retention`` become active."""

    key = "transfer_support"
    family = "transfer"
    label_en = "Service points and broker training"
    label_zh = "技术转移服务与经纪人培育"
    quarters = (2,)
    recipients = "service points"
    Options = TransferOptions

    def eligible(self, w: World, call: Call) -> np.ndarray:
        return np.ones(w.brokers.service_points + 1, dtype=bool)

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        # Row 0 is the training programme; rows 1.. are service points in random order.
        pts = 1 + call.rng.permutation(mask.size - 1)
        return np.concatenate(([0], pts))

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        training = self.opt.training_share * call.budget_left
        turnover = w.last_year_turnover
        share = call.rng.dirichlet(np.ones(max(1, idx.size - 1)))[: idx.size - 1]
        rewards = np.minimum(self.opt.reward_rate * turnover * share, self.opt.cap_point_wan * WAN)
        return Ask(np.concatenate(([training], rewards)))

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        idx, paid = grant.idx, grant.paid
        training = float(paid[idx == 0].sum())
        rewards = float(paid[idx != 0].sum())
        w.brokers.train(training / (w.city.transfer.training_cost_wan * WAN), w.params["trainee_retention"])
        w.brokers.hire(rewards / (self.opt.broker_cost_wan * WAN))
