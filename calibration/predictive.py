"""Posterior-predictive checks: observed figures against the bands of runs drawn from the posterior."""

from __future__ import annotations

import numpy as np
import pandas as pd

from innosim.calibration.observation_model import CAL_QUARTERS, Observation, statistic
from innosim.calibration.posterior import Posterior, replicate_parameters
from innosim.experiments.runs.ensemble import Task, iter_ensemble
from innosim.model.indicators import MONEY
from innosim.model.scenario import Scenario


def predictive_runs(scenario: Scenario, post: Posterior, n: int, seed: int, workers: int = 1,
                    quarters: int = CAL_QUARTERS) -> pd.DataFrame:
    """Quarterly indicators of ``n`` runs, each on one posterior draw (money in 亿元)."""
    tasks = []
    for k in range(n):
        idx, params = replicate_parameters(post, seed, k)
        tasks.append(Task(k, params, idx))
    frames = [f for f, _ in iter_ensemble(scenario, tasks, seed, workers, quarters)]
    frames.sort(key=lambda f: int(f["replicate"].iloc[0]))
    return pd.concat(frames, ignore_index=True)


def _arrays(ts: pd.DataFrame) -> dict[str, np.ndarray]:
    """One replicate's frame back to the model's quarterly arrays in model units (yuan)."""
    return {c: ts[c].to_numpy() * (1e8 if c in MONEY else 1.0) for c in ts.columns
            if c not in ("replicate", "draw", "quarter", "year")}


def fit_table(ts: pd.DataFrame, obs: list[Observation], initial_rd_yi: float) -> pd.DataFrame:
    """``indicator, year, period, kind, observed, sim_median, sim_p05, sim_p95, within_90`` per used figure.
    For a lower bound, ``within_90`` means the 90% band reaches it (the simulation is not all below)."""
    sims = {o.key: [] for o in obs}
    for _, rep in ts.groupby("replicate", sort=True):
        arrays = _arrays(rep)
        for o in obs:
            sims[o.key].append(statistic(o.stat, arrays, initial_rd_yi))
    rows = []
    for o in obs:
        v = np.asarray(sims[o.key])
        p05, p50, p95 = np.quantile(v, [0.05, 0.5, 0.95])
        inside = (p95 >= o.value) if o.mode == "lower_bound" else (p05 <= o.value <= p95)
        rows.append({"indicator": o.indicator, "year": o.year, "period": o.period, "kind": o.kind,
                     "mode": o.mode, "observed": o.value, "sim_median": p50, "sim_p05": p05, "sim_p95": p95,
                     "within_90": bool(inside)})
    return pd.DataFrame(rows)


def actual_coverage(fit: pd.DataFrame, years: tuple[int, ...] = (2021, 2022, 2023)) -> tuple[float, pd.DataFrame]:
    """Share of ``actual`` figures of ``years`` inside the 90% band, and the ones outside."""
    first_year = fit["year"].str.slice(0, 4).astype(int)
    act = fit[(fit["kind"] == "actual") & first_year.isin(years)]
    share = float(act["within_90"].mean()) if len(act) else float("nan")
    return share, act[~act["within_90"]]
