"""Expert and firm visits that form firm–university ties (e.g. 双百: experts visit firms, firms visit
universities; 科技特派员: researchers sent to firms). Caps from the city's menu (万 yuan); amounts in yuan."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from innosim.agents.world import World
from innosim.model.instruments.base import Ask, Call, Grant, Instrument, Options
from innosim.model.units import WAN


class VisitOptions(Options):
    caps: ClassVar[tuple[str, ...]] = ("cap_visit_wan",)
    cap_visit_wan: float = Field(2.0, gt=0, description="cost of one visit (expert's fee, travel), 万 yuan")
    key_chain_first: bool = Field(True, description="firms of the key industrial chains are visited first")


class Visits(Instrument):
    """Every quarter, firms whose technology need arises this quarter and that have no university tie are
    visited (key-chain firms first, then in random order) until the year's budget is gone. A visit forms a tie
    to a university drawn in proportion to its researchers — the expert's institution. Nothing else is assumed:
    the tie acts as every tie does (it lasts with ``p_tie_persist`` a year, yields contracts, counts in
    investors' screening), so what the visits achieve is what the ties achieve."""

    key = "visits"
    family = "transfer"
    label_en = "Expert and firm visits (tie-forming)"
    label_zh = "专家进企业与企业进院校"
    Options = VisitOptions

    def eligible(self, w: World, call: Call) -> np.ndarray:
        f = w.firms
        return f.alive & f.tech & (f.voucher_need_q == call.q) & (f.tie_uni < 0)

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        idx = np.flatnonzero(mask)
        idx = idx[call.rng.permutation(idx.size)]
        if self.opt.key_chain_first:
            idx = idx[np.argsort(~w.firms.key_chain[idx], kind="stable")]
        return idx

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        return Ask(np.full(idx.size, self.opt.cap_visit_wan * WAN))

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        u = w.universities
        weights = u.researchers / u.researchers.sum()
        w.firms.tie_uni[grant.idx] = call.rng.choice(u.n, size=grant.idx.size, p=weights)
