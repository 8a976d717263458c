"""Identifiability check: calibrate on data the model itself generated at known parameter values, and report
which parameters the 2021-2023 figures can recover (truth inside the 90% credible interval, interval narrower
than the prior).

The synthetic data are the median of ``replicates`` runs at the truth. Nuisance parameters are drawn from their
priors as in the real calibration. The command line (``python -m innosim.experiments.calibrate.identifiability``)
supplies the ordered map the simulations run through.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

from innosim.calibration import abc as A
from innosim.calibration.observation_model import used
from innosim.calibration.rejuvenate import ladder
from innosim.calibration.sampler import OrderedMap
from innosim.model.parameters import BY_NAME, prior_medians
from innosim.model.scenario import Scenario


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    cdf = np.cumsum(w[order]) / w.sum()
    return float(x[order][min(np.searchsorted(cdf, q), len(x) - 1)])


def check(post: pd.DataFrame, truth: dict[str, float]) -> pd.DataFrame:
    rows = []
    w = post["weight"].to_numpy()
    for name, value in truth.items():
        x = post[name].to_numpy()
        lo, med, hi = (weighted_quantile(x, w, q) for q in (0.05, 0.5, 0.95))
        p = BY_NAME[name]
        rows.append({"parameter": name, "truth": value, "post_median": med, "ci90_low": lo, "ci90_high": hi,
                     "inside": lo <= value <= hi, "ci_width_over_prior": (hi - lo) / (p.high - p.low),
                     "identified": (lo <= value <= hi) and (hi - lo) / (p.high - p.low) < 0.5})
    return pd.DataFrame(rows)


def identifiability(scenario: Scenario, names: list[str], population: int, generations: int, seed: int,
                    replicates: int, db: Path, map_: OrderedMap = map, rejuvenate: int = 0, stages: int = 1,
                    moves: int = 2, final_moves: int = 0) -> pd.DataFrame:
    """Calibrate ``names`` on synthetic data generated at their prior medians; the ``check`` table. With
    ``rejuvenate`` particles the posterior is made as the shipped one is (the last generation moved by the ABC-MCMC
    ladder of ``calibration.rejuvenate``, rounds kept beside ``db``), else it is the weighted last generation."""
    truth = {n: prior_medians()[n] for n in names}
    obs = used()
    runs = [A.simulate_statistics(scenario, {**prior_medians(), **truth}, seed, r, obs) for r in range(replicates)]
    synthetic = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
    abc, observed = A.build_abc(scenario, list(truth), population, seed, map_, obs=obs, observed=synthetic)
    history = A.run_abc(abc, observed, db, generations, False, seed)
    if not rejuvenate:
        return check(A.posterior_frame(history), truth)
    make = functools.partial(A.build_mover, scenario, list(truth), obs=obs, observed=synthetic)
    state, _ = ladder(A.population_frame(history), make, rejuvenate, stages, moves, db.parent / "rejuvenation", seed,
                      map_, final_moves=final_moves)
    state["weight"] = 1.0 / len(state)
    return check(state, truth)
