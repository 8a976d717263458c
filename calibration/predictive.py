"""Posterior-predictive checks: observed figures against the bands of runs drawn from the posterior."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from innosim.calibration.observation_model import CAL_QUARTERS, Observation, statistic
from innosim.calibration.posterior import Posterior, replicate_parameters
from innosim.calibration.sampler import OrderedMap
from innosim.model.calendar import FIRST_YEAR
from innosim.model.indicators import MONEY
from innosim.model.run import RunResult, run_one
from innosim.model.scenario import Scenario
from innosim.model.units import YI


def _predictive_run(job: tuple[int, int, dict[str, float]], scenario: Scenario, seed: int,
                    quarters: int) -> tuple[int, RunResult]:
    k, idx, params = job
    return idx, run_one(scenario, params, seed, k, quarters=quarters)


def predictive_runs(scenario: Scenario, post: Posterior, n: int, seed: int, map_: OrderedMap = map,
                    quarters: int = CAL_QUARTERS) -> list[tuple[int, RunResult]]:
    """``n`` runs, run k on replicate k's posterior draw: (draw index, result) in run order. ``map_`` is an
    ordered map (see ``calibration.sampler.OrderedMap``)."""
    jobs = []
    for k in range(n):
        idx, params = replicate_parameters(post, seed, k)
        jobs.append((k, idx, params))
    fn = functools.partial(_predictive_run, scenario=scenario, seed=seed, quarters=quarters)
    return list(map_(fn, jobs))


def _arrays(ts: pd.DataFrame) -> dict[str, np.ndarray]:
    """One replicate's frame back to the model's quarterly arrays in model units (yuan)."""
    return {c: ts[c].to_numpy() * (YI if c in MONEY else 1.0) for c in ts.columns
            if c not in ("replicate", "draw", "quarter", "year")}


def fit_table(ts: pd.DataFrame, obs: list[Observation], initial_rd_yi: float,
              fitted: set[str] | None = None) -> pd.DataFrame:
    """``indicator, year, period, kind, observed, sim_median, sim_p05, sim_p25, sim_p75, sim_p95, within_50,
    within_90, fitted`` per figure of ``obs``; ``fitted``: the keys the calibration used (default all), the others
    are held out. For a lower bound, ``within_*`` means the band reaches it (the simulation is not all below)."""
    sims = {o.key: [] for o in obs}
    for _, rep in ts.groupby("replicate", sort=True):
        arrays = _arrays(rep)
        for o in obs:
            sims[o.key].append(statistic(o.stat, arrays, initial_rd_yi))
    rows = []
    for o in obs:
        v = np.asarray(sims[o.key])
        p05, p25, p50, p75, p95 = np.quantile(v, [0.05, 0.25, 0.5, 0.75, 0.95])
        lower = o.mode == "lower_bound"
        rows.append({"indicator": o.indicator, "year": o.year, "period": o.period, "kind": o.kind,
                     "mode": o.mode, "observed": o.value, "sim_median": p50, "sim_p05": p05, "sim_p25": p25,
                     "sim_p75": p75, "sim_p95": p95,
                     "within_50": bool(p75 >= o.value if lower else p25 <= o.value <= p75),
                     "within_90": bool(p95 >= o.value if lower else p05 <= o.value <= p95),
                     "fitted": fitted is None or o.key in fitted})
    return pd.DataFrame(rows)


def calibration_years(plan_start: int) -> tuple[int, ...]:
    """The years before the plan whose published figures the fit is judged on (first simulated year on)."""
    return tuple(range(FIRST_YEAR, plan_start))


def actual_coverage(fit: pd.DataFrame, years: tuple[int, ...]) -> tuple[float, pd.DataFrame]:
    """Share of ``actual`` figures of ``years`` inside the 90% band, and the ones outside."""
    first_year = fit["year"].str.slice(0, 4).astype(int)
    fitted = fit["fitted"].astype(bool) if "fitted" in fit else True
    act = fit[(fit["kind"] == "actual") & first_year.isin(years) & fitted]
    share = float(act["within_90"].mean()) if len(act) else float("nan")
    return share, act[~act["within_90"]]


def interval_score(y: float, low: float, high: float, alpha: float) -> float:
    """Interval score of the central (1 - alpha) interval [low, high] (Gneiting & Raftery 2007, eq. 43): its
    width plus 2/alpha times the distance by which y falls outside. Lower is better; in the figure's unit."""
    return float((high - low) + 2.0 / alpha * max(0.0, low - y) + 2.0 / alpha * max(0.0, y - high))


def score_table(fit: pd.DataFrame) -> pd.DataFrame:
    """Held-out figures of a fit table scored: inside the 50% / 90% interval, interval scores (alpha 0.5, 0.1),
    absolute and relative error of the median. Lower bounds count as inside when the band reaches them, their
    median error is the shortfall below them, and they have no interval score (a true value above is no miss)."""
    rows = []
    for _, r in fit.iterrows():
        y, lower = float(r["observed"]), r["mode"] == "lower_bound"
        err = max(0.0, y - r["sim_median"]) if lower else abs(r["sim_median"] - y)
        rows.append({"indicator": r["indicator"], "year": r["year"], "period": r["period"], "kind": r["kind"],
                     "mode": r["mode"], "observed": y, "sim_median": r["sim_median"], "sim_p05": r["sim_p05"],
                     "sim_p25": r["sim_p25"], "sim_p75": r["sim_p75"], "sim_p95": r["sim_p95"],
                     "within_50": bool(r["within_50"]), "within_90": bool(r["within_90"]),
                     "interval_score_50": np.nan if lower else interval_score(y, r["sim_p25"], r["sim_p75"], 0.5),
                     "interval_score_90": np.nan if lower else interval_score(y, r["sim_p05"], r["sim_p95"], 0.1),
                     "abs_error_median": err, "rel_error_median": err / abs(y) if y else np.nan})
    return pd.DataFrame(rows)
