"""(a) The voucher lottery of Cornet, Vroomen & van der Steeg (2006): half of this quarter's voucher applicants win
at random; which applicants buy the external R&D / testing service that quarter shows how many vouchers are
additional. Winners buy through the voucher, losers only through ``agents.services.buy_services`` at full price,
so the additional share comes from the firms' purchase decision (``agents.decisions.buys_service``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from innosim.agents.world import World
from innosim.experiments.validation.common import Measured, Published, baseline, check_sets
from innosim.model.calendar import FIRST_YEAR, year_of
from innosim.model.instruments.base import Call
from innosim.model.instruments.vouchers import Vouchers
from innosim.model.run import run_one
from innosim.model.simulation import InnosimModel

VOUCHER_BUDGET_YI = 10.0  # 亿元 a year from 2021: no applicant is turned away for want of money
YEARS = (2022, 2023)
CORNET = Published("≈ 0.8 (8 of 10 vouchers additional); accepted 0.7–0.9", 0.7, 0.9,
                   "Cornet, Vroomen & van der Steeg 2006, CPB DP 58")


class VoucherLottery(Vouchers):
    """Vouchers whose ``select`` draws a random half of the applicants (eligible firms that redeem, as in
    ``Vouchers.select``) as winners and records ``(q, winners, losers)``; only winners are paid."""

    def __init__(self, options: Vouchers.Options, draws: list[tuple[int, np.ndarray, np.ndarray]]) -> None:
        super().__init__(options)
        self.draws = draws

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        idx = np.flatnonzero(mask)
        idx = idx[call.rng.random(idx.size) < w.params["p_redeem"]]
        win = call.rng.random(idx.size) < 0.5
        self.draws.append((call.q, idx[win], idx[~win]))
        winners = idx[win]
        return winners[call.rng.permutation(winners.size)]


@dataclass
class VoucherLotteryProbe:
    """Installs the lottery and records, per quarter, every firm that performs bought-in R&D
    (``add_firm_rd``: the voucher effect and the full-price purchases are its only callers)."""

    name: str = "voucher_lottery"
    draws: list[tuple[int, np.ndarray, np.ndarray]] = field(default_factory=list)
    bought: dict[int, list[np.ndarray]] = field(default_factory=dict)

    def start(self, model: InnosimModel) -> None:
        model.instruments["vouchers"] = VoucherLottery(model.instruments["vouchers"].opt, self.draws)
        orig = model.add_firm_rd

        def add_firm_rd(idx: np.ndarray, amount: np.ndarray) -> None:
            self.bought.setdefault(model.q, []).append(np.asarray(idx).copy())
            orig(idx, amount)

        model.add_firm_rd = add_firm_rd  # type: ignore[method-assign]

    def after_quarter(self, model: InnosimModel, q: int) -> None:
        return None

    def finish(self, model: InnosimModel) -> tuple[int, int, int, int]:
        """(winners, winners who bought, losers, losers who bought) in the quarters of ``YEARS``."""
        nw = bw = nl = bl = 0
        for q, win, lose in self.draws:
            if year_of(q) not in YEARS:
                continue
            bought = np.concatenate(self.bought.get(q, [np.empty(0, dtype=np.int64)]))
            nw += win.size
            nl += lose.size
            bw += int(np.isin(win, bought).sum())
            bl += int(np.isin(lose, bought).sum())
        return nw, bw, nl, bl


def additional_share(counts: tuple[int, int, int, int]) -> tuple[float, float]:
    """(additional share, its binomial SE) from (winners, bought, losers, bought): (P(buy|win) − P(buy|lose)) /
    P(buy|win), SE by the delta method."""
    nw, bw, nl, bl = counts
    if nw == 0 or nl == 0 or bw == 0:
        return float("nan"), float("nan")
    pw, pl = bw / nw, bl / nl
    var_pw, var_pl = pw * (1 - pw) / nw, pl * (1 - pl) / nl
    # share = 1 − pl/pw; d/dpl = −1/pw, d/dpw = pl/pw²
    se = float(np.sqrt(var_pl / pw**2 + var_pw * pl**2 / pw**4))
    return 1.0 - pl / pw, se


def voucher_lottery(sets: Sequence[dict[str, float]], seed: int = 0) -> Measured:
    """Share of vouchers that are additional (per voucher), over 2022–2023, one replicate per parameter set;
    ``pooled`` pools every replicate's applicants, with its binomial SE."""
    check_sets(sets)
    sc = baseline({"vouchers": VOUCHER_BUDGET_YI})
    per, total = [], np.zeros(4, dtype=np.int64)
    for k, params in enumerate(sets):
        probe = VoucherLotteryProbe()
        run = run_one(sc, params, seed, k, probes=[probe], quarters=4 * (max(YEARS) - FIRST_YEAR + 1))
        counts = run.probes[probe.name]
        per.append(additional_share(counts)[0])
        total += np.asarray(counts)
    share, se = additional_share(tuple(int(x) for x in total))  # type: ignore[arg-type]
    nw, bw, nl, bl = (int(x) for x in total)
    return Measured("(a) voucher lottery", "additional share of vouchers", "share", tuple(per), CORNET, se=se,
                    pooled=share, extra={"applicants": nw + nl, "p_buy_win": bw / max(nw, 1),
                                         "p_buy_lose": bl / max(nl, 1)})
