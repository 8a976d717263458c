"""Finance instruments: the 10% VC seed reward and loan interest / guarantee subsidies."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from innosim.agents.enterprise_rules import constrained
from innosim.agents.world import World
from innosim.model.instruments.base import Ask, Call, Grant, Instrument, Options
from innosim.model.units import WAN


class SeedRewardOptions(Options):
    caps: ClassVar[tuple[str, ...]] = ("rate",)
    rate: float = Field(0.10, gt=0, description="10% of the amount invested at seed stage")
    max_age_years: float = Field(3.0, gt=0, description="seed-stage / talent firm: at most this old")


class VCSeedReward(Instrument):
    """Pays VCs 10% of this quarter's seed-stage investments (after the investors' step). VCs do more seed deals
    in proportion to the reward rate they can expect (``e_seed`` per 10%), of lower average quality
    (``q_shift``)."""

    key = "vc_seed_reward"
    family = "finance"
    label_en = "VC seed reward"
    label_zh = "天使/种子投资奖励"
    Options = SeedRewardOptions

    def eligible(self, w: World, call: Call) -> np.ndarray:
        f = w.firms
        mask = np.zeros(f.n, dtype=bool)
        deals = w.investors.deals_this_quarter
        # Ages of the deals only (the same expression as ``age_years``), not of the whole table.
        mask[deals[(call.q - f.birth_q[deals]) / 4.0 <= self.opt.max_age_years]] = True
        return mask

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        return np.flatnonzero(mask)

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        return Ask(self.opt.rate * w.investors.deal_amount[idx])

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        w.flows["seed_rewards"] += float(grant.paid.sum())

    def signals(self, budget_left: float) -> dict[str, float | bool]:
        """VCs weigh the expected reward rate when choosing how many seed deals to do (``agents.investors``)."""
        return {"seed_budget": budget_left, "seed_rate": self.opt.rate}


class LoanOptions(Options):
    caps: ClassVar[tuple[str, ...]] = ("cap_wan",)
    cap_wan: float = Field(30.0, gt=0, description="≤ 30万 per firm")
    p_loan: float = Field(0.06, ge=0, le=1, description="quarterly probability a whitelisted firm borrows")
    loan_share_of_revenue: float = Field(0.3, gt=0, le=3)
    interest_rate: float = Field(0.045, gt=0, le=0.2)
    subsidised_share: float = Field(0.5, gt=0, le=1)
    min_loan_wan: float = Field(100.0, gt=0)
    max_loan_wan: float = Field(5000.0, gt=0)


class LoanSubsidy(Instrument):
    """Interest / guarantee subsidy on bank loans to credit-white-list firms (registered or certified),
    投保贷联动. Financially constrained firms borrow (unconstrained ones fund themselves); a subsidised firm's exit
    hazard is multiplied by ``h_loan`` for a year (Hottenrott & Richstein 2020: grant + loan lowers bankruptcy)."""

    key = "loan_subsidy"
    family = "finance"
    label_en = "Loan interest / guarantee subsidy"
    label_zh = "贷款贴息与担保补助"
    Options = LoanOptions

    def eligible(self, w: World, call: Call) -> np.ndarray:
        f = w.firms
        borrows = call.rng.random(f.n) < self.opt.p_loan
        needs = constrained(f)
        return f.alive & (f.hte | f.tech_sme) & (f.loan_until_q < call.q) & borrows & needs

    def signals(self, budget_left: float) -> dict[str, float | bool]:
        return {"loan_budget": budget_left, "loan_subsidy": self.opt.cap_wan * WAN}

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        o = self.opt
        loan = np.clip(o.loan_share_of_revenue * w.firms.revenue[idx], o.min_loan_wan * WAN, o.max_loan_wan * WAN)
        return Ask(np.minimum(loan * o.interest_rate * o.subsidised_share, o.cap_wan * WAN))

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        w.firms.loan_until_q[grant.idx] = call.q + 4
        w.investors.book_loans(grant.idx)
