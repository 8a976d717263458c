"""(b) The InnoCom notch (Chen, Liu, Suárez Serrato & Xu 2021 AER): how much of the reported R&D rise of firms that
bunch at the HTE intensity threshold is relabelling, and how much mass piles up at 3/4/5%. Both come from the
firms' bunching decision (``HTERound.plan_bunching``: a year of the notch against the least cost of closing the gap,
partly by relabelling), not from drawn shares.

Relabel share, same-year cross-section: for the firms that plan to bunch at a year start and whose year-end report
reaches the threshold, real rise = Δnu · rd_boost · revenue (the yearly own R&D the plan adds, yuan) and relabelled =
the year-end top-up ``rd_relabel_year`` (``HTERound.report_rd``); share = Σ relabelled / Σ (real + relabelled) over
the years 2022–2028. Bunching mass: at each year end, reported intensity
``rd_reported_year / revenue_last_year`` of living tech firms in a threshold's revenue band; excess = count in
[thr, thr + 0.25pp) over the mean count of the bins [thr − 0.25pp, thr) and [thr + 0.25pp, thr + 0.5pp), minus 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from innosim.agents.enterprises import hte_threshold
from innosim.experiments.validation.common import Measured, Published, baseline, check_sets
from innosim.model.calendar import N_QUARTERS, year_of
from innosim.model.run import run_one
from innosim.model.simulation import InnosimModel

BIN = 0.0025  # 0.25 percentage points of R&D intensity
THRESHOLDS = (0.03, 0.04, 0.05)
FROM_YEAR = 2022  # 2021's round starts from the synthetic end-2020 state
CHEN = Published("≈ 24% of the reported R&D rise is relabelling; accepted 0.14–0.34", 0.14, 0.34,
                 "Chen, Liu, Suárez Serrato & Xu 2021 AER (same-year cross-section)")
BUNCH = Published("sharp bunching just above each threshold (excess mass > 0)", 0.0, float("inf"),
                  "Chen, Liu, Suárez Serrato & Xu 2021 AER, Fig. 2", one_sided=True)


@dataclass
class NotchProbe:
    """Wraps ``model.hte_round.plan_bunching`` to sum each year's real and relabelled rise of the firms that bunch,
    and counts reported intensities around each threshold at every year end."""

    name: str = "notch"
    real: float = 0.0  # yuan/yr
    relabelled: float = 0.0  # yuan/yr
    bunchers: int = 0
    bins: dict[float, np.ndarray] = field(default_factory=lambda: {t: np.zeros(3) for t in THRESHOLDS})
    _b: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # this year's bunchers
    _real: np.ndarray = field(default_factory=lambda: np.empty(0))  # their planned real rise, yuan/yr

    def start(self, model: InnosimModel) -> None:
        rnd = model.hte_round
        orig = rnd.plan_bunching

        def plan_bunching(m: InnosimModel, year: int) -> None:
            f = m.firms
            nu = f.nu.copy()
            orig(m, year)
            if year < FROM_YEAR:
                return
            self._b = np.flatnonzero((f.nu != nu) | (f.rd_relabel_year > 0))  # the firms that bunch this year
            self._real = (f.nu[self._b] - nu[self._b]) * f.rd_boost[self._b] * f.revenue[self._b]

        rnd.plan_bunching = plan_bunching  # type: ignore[method-assign]

    def after_quarter(self, model: InnosimModel, q: int) -> None:
        if q % 4 != 3 or year_of(q) < FROM_YEAR:
            return
        f = model.firms
        base = np.maximum(f.revenue_last_year, 1.0)
        x = f.rd_reported_year / base
        band = hte_threshold(base)
        # The year's bunchers that reached the notch in their report (after the year-end top-up by relabelling).
        at = x[self._b] >= band[self._b] - 1e-12
        self.real += float(np.sum(self._real[at]))
        self.relabelled += float(np.sum(f.rd_relabel_year[self._b[at]]))
        self.bunchers += int(at.sum())
        live = f.alive & f.tech
        for t in THRESHOLDS:
            edges = t + BIN * np.arange(-1, 3)
            self.bins[t] += np.histogram(x[live & (band == t)], bins=edges)[0]

    def finish(self, model: InnosimModel) -> dict[str, object]:
        return {"real": self.real, "relabelled": self.relabelled, "bunchers": self.bunchers, "bins": self.bins}


def excess_mass(counts: np.ndarray) -> float:
    """(count at the threshold bin) / mean(neighbour below, neighbour above) − 1, from [below, at, above]."""
    ref = 0.5 * (counts[0] + counts[2])
    return float(counts[1] / ref - 1.0) if ref > 0 else float("nan")


def notch(sets: Sequence[dict[str, float]], seed: int = 0, quarters: int = N_QUARTERS) -> list[Measured]:
    """Relabel share of the bunchers' reported R&D rise and the excess mass at 3/4/5%, one replicate per parameter
    set, over ``FROM_YEAR`` to the last year ``quarters`` reach."""
    check_sets(sets)
    sc = baseline()
    shares: list[float] = []
    masses: dict[float, list[float]] = {t: [] for t in THRESHOLDS}
    n_bunch = 0
    for k, params in enumerate(sets):
        probe = NotchProbe()
        r = run_one(sc, params, seed, k, probes=[probe], quarters=quarters).probes[probe.name]
        tot = r["real"] + r["relabelled"]
        shares.append(r["relabelled"] / tot if tot > 0 else float("nan"))
        n_bunch += r["bunchers"]
        for t in THRESHOLDS:
            masses[t].append(excess_mass(r["bins"][t]))
    exp = "(b) InnoCom notch"
    out = [Measured(exp, "relabelled share of the bunchers' reported R&D rise", "share", tuple(shares), CHEN,
                    extra={"bunching_firm_years_per_replicate": n_bunch / len(sets)})]
    out += [Measured(exp, f"excess mass at {t:.0%} (bin of 0.25pp)", "ratio − 1", tuple(masses[t]), BUNCH)
            for t in THRESHOLDS]
    return out
