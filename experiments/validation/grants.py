"""(c) A grant lottery: the tech-SME project support and key-technology grant calls of one year pick a random half
of the eligible firms. Extra own R&D per grant yuan is the winners' R&D over the following 8 quarters minus the
losers', minus the grant itself, per grant yuan — it comes from the firms' R&D spending under financing constraints
(``agents.enterprise_rules.spend_rd_and_grow``), not from a drawn effect.

Outcome per firm: R&D (yuan) in the call's quarter and the 7 after it, minus twice its R&D of the year before the
call (a pre-period the lottery cannot affect; it removes the size differences between firms from the comparison
without biasing it). The lottery is pair-matched (``paired_coin``) within size class; the estimate is Σ (winner −
loser − grant) / Σ grant over the pairs (per grant yuan, so the large firms' big key-technology grants weigh most);
a firm-level variant weights each pair by 1 / its R&D. The pipeline spends 35% of a grant a quarter, so 3% of it is
still unspent after 8 quarters: the figure is ≈ 0.03 lower than the eventual one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from innosim.agents.world import World
from innosim.experiments.validation.common import Measured, Published, baseline, check_sets
from innosim.model.calendar import index
from innosim.model.instruments.base import Call, Grant
from innosim.model.instruments.grants import KeyTechGrants, SMEProjectSupport
from innosim.model.run import run_one
from innosim.model.simulation import InnosimModel

LOTTERY_YEAR = 2022
HORIZON_Q = 8  # quarters of R&D counted from the call's quarter on
SMALL_REVENUE = 2e7  # yuan/yr: a "small" firm has revenue below 2,000万
BUDGET_YI = 50.0  # 亿元 in the lottery year (none in other years): every winner is paid what it asks
INSTRUMENTS = ("key_tech_grants", "sme_project_support")
WEIGHT_FLOOR = 2e5  # yuan: a pair counts as if each firm had at least 10万 of R&D (the smallest tech-SME grant)
CORREA = Published("0.166–0.252 extra own R&D per grant yuan (meta-analytic average)", 0.166, 0.252,
                   "Correa, Andrés, Borja-Vega et al. 2013, World Bank meta-analysis; Dimos & Pugh 2016")
SMALL_ABOVE = Published("small firms above large (difference > 0)", 0.0, float("inf"),
                        "Lach 2002; Dimos & Pugh 2016; Hottenrott & Peters 2012", one_sided=True)


@dataclass
class Draw:
    """One lottery: its instrument, quarter, every eligible firm, who won, and their state at the call."""

    key: str
    q: int
    ids: np.ndarray
    won: np.ndarray
    pair: np.ndarray  # pair number (−1: the odd one out, left out of the estimate)
    rd_before: np.ndarray  # yuan of R&D in the year before the call
    revenue: np.ndarray  # yuan/yr at the call
    paid: np.ndarray  # yuan of grant paid to each
    rd: np.ndarray  # yuan of R&D over the horizon


def paired_coin(small: np.ndarray, rd: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(won, pair) of a pair-matched lottery: firms sorted by size class and last year's R&D are paired with their
    neighbour and a coin picks one of each pair (an odd one out wins with probability ½ and has pair −1). Every firm
    wins with probability ½, and winners and losers match closely in size."""
    order = np.lexsort((rd, small))
    won = np.zeros(rd.size, dtype=bool)
    pair = np.full(rd.size, -1, dtype=np.int64)
    coin = rng.random(rd.size)
    for cls in (False, True):
        ids = order[small[order] == cls]
        pairs = ids[: ids.size // 2 * 2].reshape(-1, 2)
        first = coin[pairs[:, 0]] < 0.5
        won[pairs[:, 0]] = first
        won[pairs[:, 1]] = ~first
        pair[pairs.ravel()] = np.repeat(np.arange(pairs.shape[0]) + (pair.max() + 1), 2)
        if ids.size % 2:
            won[ids[-1]] = coin[ids[-1]] < 0.5
    return won, pair


def lottery(base: type) -> type:
    """``base`` (a grant instrument) with ``select`` replaced by a lottery: a random half of the eligible firms win
    (pair-matched, ``paired_coin``), in random order; every draw and payment is recorded in ``self.log``."""

    class Lottery(base):  # type: ignore[misc, valid-type]
        log: list[Draw]

        def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
            f = w.firms
            idx = np.flatnonzero(mask)
            won, pair = paired_coin(f.revenue[idx] < SMALL_REVENUE, f.rd_last_year[idx], call.rng)
            z = np.zeros(idx.size)
            self.log.append(Draw(self.key, call.q, idx, won, pair, f.rd_last_year[idx].copy(),
                                 f.revenue[idx].copy(), z, z.copy()))
            winners = idx[won]
            return winners[call.rng.permutation(winners.size)]

        def effect(self, w: World, call: Call, grant: Grant) -> None:
            d = self.log[-1]
            pos = np.searchsorted(d.ids, grant.idx)
            np.add.at(d.paid, pos, grant.paid)
            super().effect(w, call, grant)

    Lottery.__name__ = f"{base.__name__}Lottery"
    return Lottery


@dataclass
class GrantLotteryProbe:
    """Installs the lotteries and adds each quarter's R&D (``firms.rd``) of every drawn firm over its horizon."""

    name: str = "grant_lottery"
    log: list[Draw] = field(default_factory=list)

    def start(self, model: InnosimModel) -> None:
        for key, cls in (("key_tech_grants", KeyTechGrants), ("sme_project_support", SMEProjectSupport)):
            inst = lottery(cls)(model.instruments[key].opt)
            inst.log = self.log
            model.instruments[key] = inst

    def after_quarter(self, model: InnosimModel, q: int) -> None:
        for d in self.log:
            if d.q <= q < d.q + HORIZON_Q:
                d.rd += model.firms.rd[d.ids]

    def finish(self, model: InnosimModel) -> list[Draw]:
        return self.log


def pair_terms(d: Draw) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per matched pair of draw ``d``: (extra own R&D, grant, small-firm pair, weight). Extra = winner's outcome −
    loser's − winner's grant (yuan). The weight 1 / max(both firms' R&D of the year before, ``WEIGHT_FLOOR``)
    depends only on the pre-period, so a weighted ratio stays unbiased for its own estimand (each pair counts by its
    grant relative to its R&D, as in a firm-level regression) and the giants' growth noise no longer swamps it."""
    p = d.pair >= 0
    ids = np.flatnonzero(p)[np.argsort(d.pair[p], kind="stable")].reshape(-1, 2)
    w = np.where(d.won[ids[:, 0]], ids[:, 0], ids[:, 1])
    lo = np.where(d.won[ids[:, 0]], ids[:, 1], ids[:, 0])
    y = d.rd - 2.0 * d.rd_before
    weight = 1.0 / np.maximum(d.rd_before[w] + d.rd_before[lo], WEIGHT_FLOOR)
    return y[w] - y[lo] - d.paid[w], d.paid[w], d.revenue[w] < SMALL_REVENUE, weight


def per_yuan(draws: Sequence[Draw], cls: str, weighted: bool = False) -> float:
    """Extra own R&D per grant yuan of size class ``cls`` ('all', 'small', 'large') over the draws: Σ extra /
    Σ grant over the matched pairs (each pair weighted by ``pair_terms``' weight if ``weighted``)."""
    num = den = 0.0
    for d in draws:
        extra, grant, small, weight = pair_terms(d)
        sel = np.ones_like(small) if cls == "all" else (small if cls == "small" else ~small)
        wt = weight[sel] if weighted else 1.0
        num += float(np.sum(wt * extra[sel]))
        den += float(np.sum(wt * grant[sel]))
    return num / den if den > 0 else float("nan")


def grant_lottery(sets: Sequence[dict[str, float]], seed: int = 0) -> list[Measured]:
    """Extra own R&D per grant yuan, overall, small and large firms, and small minus large, one replicate per
    parameter set (lotteries in ``LOTTERY_YEAR``'s key-technology (Q2) and tech-SME (Q3) calls)."""
    check_sets(sets)
    sc = baseline({k: {LOTTERY_YEAR - 1: 0.0, LOTTERY_YEAR: BUDGET_YI, LOTTERY_YEAR + 1: 0.0} for k in INSTRUMENTS})
    last_call = index(LOTTERY_YEAR, 3)
    vals: dict[str, list[float]] = {"all": [], "small": [], "large": [], "firm": []}
    for k, params in enumerate(sets):
        probe = GrantLotteryProbe()
        draws = run_one(sc, params, seed, k, probes=[probe], quarters=last_call + HORIZON_Q).probes[probe.name]
        for cls in ("all", "small", "large"):
            vals[cls].append(per_yuan(draws, cls))
        vals["firm"].append(per_yuan(draws, "all", weighted=True))
    exp = "(c) grant lottery"
    unit = "yuan own R&D per grant yuan"
    diff = tuple(s - lg for s, lg in zip(vals["small"], vals["large"], strict=True))
    return [
        Measured(exp, "extra own R&D per grant yuan, all firms", unit, tuple(vals["all"]), CORREA),
        Measured(exp, "… small firms (revenue < 2,000万)", unit, tuple(vals["small"]), None),
        Measured(exp, "… large firms (revenue ≥ 2,000万)", unit, tuple(vals["large"]), None),
        Measured(exp, "small minus large", unit, diff, SMALL_ABOVE),
        Measured(exp, "all firms, pairs weighted by grant / R&D (firm-level estimand; not checked)", unit,
                 tuple(vals["firm"]), None),
    ]
