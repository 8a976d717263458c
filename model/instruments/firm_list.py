"""A targeted firm list (e.g. 创新50强): the city names its most innovative firms and concentrates support on
them, reviewing the list every few years. Caps from the city's menu (万 yuan); amounts in yuan."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from innosim.agents.world import World
from innosim.model.instruments.base import Ask, Call, Grant, Instrument, Options, fund_rd
from innosim.model.units import WAN


class FirmListOptions(Options):
    caps: ClassVar[tuple[str, ...]] = ("cap_wan",)
    cap_wan: float = Field(50.0, gt=0, description="support per listed firm per year, 万 yuan")
    list_size: int = Field(50, ge=1, le=1000, description="firms on the list")
    review_years: int = Field(2, ge=1, le=10, description="the list is re-ranked every this many years")
    share_of_rd: float = Field(0.2, gt=0, le=2, description="support asked, as a share of last year's R&D")


class FirmList(Instrument):
    """Once a year (Q3) the listed firms receive project money for R&D (``fund_rd``: it enters their R&D
    pipeline like any grant, with the same additionality). The list is the ``list_size`` certified HTEs with the
    largest R&D last year; between reviews members stay while they remain HTEs and empty places are refilled by
    rank. Selection is by rank, not by call: firms do not apply, so nothing is announced in advance."""

    key = "firm_list"
    family = "subsidy"
    label_en = "Targeted firm list (top innovators)"
    label_zh = "创新型领军企业名单"
    quarters = (3,)
    Options = FirmListOptions

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self.members = np.empty(0, dtype=np.int64)
        self.reviewed = -1  # calendar year of the last full re-ranking

    def eligible(self, w: World, call: Call) -> np.ndarray:
        f = w.firms
        return f.alive & f.hte & (f.rd_last_year > 0)

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        idx = np.flatnonzero(mask)
        ranked = idx[np.argsort(-w.firms.rd_last_year[idx], kind="stable")]
        if self.reviewed < 0 or call.year - self.reviewed >= self.opt.review_years:
            self.reviewed = call.year
            self.members = ranked[: self.opt.list_size]
        else:
            stay = self.members[mask[self.members]]
            fill = ranked[~np.isin(ranked, stay)][: max(0, self.opt.list_size - stay.size)]
            self.members = np.concatenate((stay, fill))
        return self.members

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        ask = self.opt.share_of_rd * w.firms.rd_last_year[idx]
        return Ask(np.minimum(ask, self.opt.cap_wan * WAN))

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        fund_rd(w, grant.idx, grant.paid)
