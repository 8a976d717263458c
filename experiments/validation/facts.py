"""(d) Stylised facts of firm demography from baseline runs: a Zipf-like upper tail of revenue (Axtell 2001),
Laplace-shaped annual growth (Bottazzi & Secchi), an exit hazard that peaks at ages 2–4 and a stable share of young
firms. They come from the yearly growth shocks, exits by age, quality and cash, and proportional entry
(``agents.enterprise_rules``).

- Tail: Hill estimator of the Pareto exponent on the top ``TAIL_SHARE`` of living firms by revenue, at the end of
  the last simulated year.
- Growth: ``scipy.stats.gennorm`` fitted to one year's log revenue growth (``growth_last`` after the year end) of
  firms alive the whole year; shape 1 is Laplace, 2 normal. It pools firms of all sizes (whose scales differ), which
  fattens the tails — a lower shape than a size class alone would give.
- Hazard: firms alive at each year start by whole years of age; exits during the year over them, pooled over the
  years; the peak is the age with the highest pooled hazard (ages ≥ ``MAX_AGE`` pooled).
- Young share: ``young_firms / firms_alive`` (the recorder's columns, < 5 years) at each year's Q4.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from innosim.experiments.validation.common import Measured, Published, baseline, check_sets
from innosim.model.calendar import N_QUARTERS
from innosim.model.run import run_one
from innosim.model.simulation import InnosimModel

TAIL_SHARE = 0.05
GROWTH_YEAR_Q = 7  # the year end (2022Q4) after which ``growth_last`` is read: a full simulated year
MAX_AGE = 15
AXTELL = Published("Zipf-like tail, exponent 0.8–1.2", 0.8, 1.2, "Axtell 2001, Science")
SUBBOTIN = Published("Laplace-like, Subbotin shape ≤ 1.2", 0.0, 1.2, "Bottazzi & Secchi 2003, 2006")
PEAK = Published("exit hazard peaks at ages 2–4", 2.0, 4.0, "SAIC 2013 survival report; Brüderl & Schüssler 1990")
YOUNG = Published("young-firm share stable within 0.4–0.6", 0.4, 0.6,
                  "SAMR 2020, 2023 (gross entry 18–19% a year); Shenzhen 76% < 5 years")


def hill(x: np.ndarray, share: float = TAIL_SHARE) -> float:
    """Hill estimator of the Pareto tail exponent from the largest ``share`` of ``x`` (all > 0)."""
    x = np.sort(x[x > 0])[::-1]
    k = max(int(share * x.size), 2)
    return float(k / np.sum(np.log(x[:k] / x[k])))


@dataclass
class FactsProbe:
    """Revenue at the end, one year's growth, at-risk and exit counts by age, the young share by year."""

    name: str = "facts"
    at_risk: np.ndarray = field(default_factory=lambda: np.zeros(MAX_AGE + 1))
    exits: np.ndarray = field(default_factory=lambda: np.zeros(MAX_AGE + 1))
    growth: np.ndarray = field(default_factory=lambda: np.empty(0))
    cohort: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    cohort_age: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def start(self, model: InnosimModel) -> None:
        self._open(model, 0)

    def _open(self, model: InnosimModel, q: int) -> None:
        """At-risk set of the year starting at quarter ``q``."""
        f = model.firms
        self.cohort = np.flatnonzero(f.alive)
        self.cohort_age = np.minimum(((q - f.birth_q[self.cohort]) // 4).astype(np.int64), MAX_AGE)

    def after_quarter(self, model: InnosimModel, q: int) -> None:
        if q % 4 != 3:
            return
        f = model.firms
        gone = ~f.alive[self.cohort]
        self.at_risk += np.bincount(self.cohort_age, minlength=MAX_AGE + 1)
        self.exits += np.bincount(self.cohort_age[gone], minlength=MAX_AGE + 1)
        if q == GROWTH_YEAR_Q:
            whole_year = self.cohort[~gone]
            self.growth = f.growth_last[whole_year].copy()
        self._open(model, q + 1)

    def finish(self, model: InnosimModel) -> dict[str, object]:
        f = model.firms
        return {"revenue": f.revenue[f.alive].copy(), "growth": self.growth, "at_risk": self.at_risk,
                "exits": self.exits}


def facts(sets: Sequence[dict[str, float]], seed: int = 0, quarters: int = N_QUARTERS) -> list[Measured]:
    """The four stylised facts, one baseline replicate per parameter set, over ``quarters`` quarters."""
    check_sets(sets)
    sc = baseline()
    tails, shapes, peaks, lo_young, hi_young = [], [], [], [], []
    at_risk = np.zeros(MAX_AGE + 1)
    exits = np.zeros(MAX_AGE + 1)
    young_by_year = []
    for k, params in enumerate(sets):
        probe = FactsProbe()
        run = run_one(sc, params, seed, k, probes=[probe], quarters=quarters)
        r = run.probes[probe.name]
        tails.append(hill(r["revenue"]))
        shapes.append(float(stats.gennorm.fit(r["growth"])[0]) if r["growth"].size > 10 else float("nan"))
        h = r["exits"] / np.maximum(r["at_risk"], 1.0)
        peaks.append(float(np.argmax(h)))
        at_risk += r["at_risk"]
        exits += r["exits"]
        d = run.quarterly
        young = d["young_firms"][3::4] / np.maximum(d["firms_alive"][3::4], 1)
        young_by_year.append(young)
        lo_young.append(float(young.min()))
        hi_young.append(float(young.max()))
    pooled_h = exits / np.maximum(at_risk, 1.0)
    mean_young = np.mean(young_by_year, axis=0)
    yr = {f"young_share_{2021 + i}": float(v) for i, v in enumerate(mean_young)}
    exp = "(d) stylised facts"
    return [
        Measured(exp, f"revenue tail exponent (Hill, top {TAIL_SHARE:.0%})", "exponent", tuple(tails), AXTELL),
        Measured(exp, "Subbotin shape of annual log growth (2022)", "shape", tuple(shapes), SUBBOTIN),
        Measured(exp, "age of peak exit hazard", "years", tuple(peaks), PEAK, pooled=float(np.argmax(pooled_h)),
                 se=0.0, extra={f"hazard_age_{a}": float(v) for a, v in enumerate(pooled_h[:10])}),
        Measured(exp, "young-firm share, lowest year", "share", tuple(lo_young), YOUNG, extra=yr),
        Measured(exp, "young-firm share, highest year", "share", tuple(hi_young), YOUNG),
    ]
