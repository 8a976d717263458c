"""The analysis engine: SALib sampling and analysis for Morris and Sobol, for any model.

``sample`` draws the design, ``analyse`` turns outputs into indices, and ``analyse_callable`` does both for any
callable that maps a parameter dict to a dict of outputs (used by the analytic tests; the simulator goes through
``experiments/sensitivity.py``, which stores runs and can resume). Stochastic models: ``noise_share`` splits an
output's variance into replicate noise and variation between sample points.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from innosim.experiments.runs.limits import MAX_BYTES
from innosim.model.errors import InputError

Method = Literal["morris", "sobol"]
MORRIS_LEVELS = 4
RESAMPLES = 200


def sample(problem: dict, method: Method, n: int, seed: int, second_order: bool = True, yes: bool = False
           ) -> np.ndarray:
    """The design in sampling coordinates: Sobol' (Saltelli scheme, N·(2D+2) rows with second order, N·(D+2)
    without; D = number of groups if grouped) or Morris (N trajectories of D+1 points, 4 levels). A design over
    ~1 GB (``design_bytes``) raises ``InputError`` before anything is allocated, unless ``yes``."""
    size = design_bytes(problem, method, n, second_order)
    if size > MAX_BYTES and not yes:  # the same cap the command line applies (runs.limits), for Python callers
        rows = design_size(problem, method, n, second_order)
        raise InputError("--n", str(n), f"a {method} design of {rows:,} rows × {problem['num_vars']} factors "
                         f"would take about {size / 2**30:.1f} GB (limit ~{MAX_BYTES / 2**30:.0f} GB); lower --n "
                         "(n=), or pass --yes (yes=True) to build it anyway")
    if method == "sobol":
        with warnings.catch_warnings():  # SALib warns when N is not a power of 2; the CLI checks that itself
            warnings.simplefilter("ignore", UserWarning)
            return sobol_sample.sample(problem, n, calc_second_order=second_order, seed=seed)
    return morris_sample.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed)


def design_bytes(problem: dict, method: Method, n: int, second_order: bool = True) -> int:
    """Bytes of a design held twice as float64 (sampling coordinates and natural values), as a command holds it."""
    return 2 * 8 * design_size(problem, method, n, second_order) * problem["num_vars"]


def design_size(problem: dict, method: Method, n: int, second_order: bool = True) -> int:
    """Rows of the design ``sample`` returns."""
    d = len(set(problem["groups"])) if problem.get("groups") else problem["num_vars"]
    if method == "sobol":
        return n * (2 * d + 2) if second_order else n * (d + 2)
    return n * (d + 1)


def _labels(problem: dict) -> list[str]:
    return list(dict.fromkeys(problem["groups"])) if problem.get("groups") else list(problem["names"])


def analyse(problem: dict, method: Method, x: np.ndarray, y: np.ndarray, seed: int,
            second_order: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indices of one output ``y`` (one value per design row): (first/total or Morris table, second-order table).

    Sobol: ``parameter, S1, S1_conf, ST, ST_conf``; Morris: ``parameter, mu, mu_star, mu_star_conf, sigma``
    (elementary effects per unit of the sampling coordinate: natural units, or log units for log-uniform
    factors). Intervals are 95% bootstrap intervals (half-widths). A constant output has no indices (NaN)."""
    labels = _labels(problem)
    if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
        cols = ["S1", "S1_conf", "ST", "ST_conf"] if method == "sobol" else ["mu", "mu_star", "mu_star_conf", "sigma"]
        return pd.DataFrame({"parameter": labels, **{c: np.nan for c in cols}}), _empty_s2()
    if method == "morris":
        res = morris_analyze.analyze(problem, x, y, num_resamples=RESAMPLES, conf_level=0.95,
                                     num_levels=MORRIS_LEVELS, seed=seed)
        return pd.DataFrame({"parameter": labels, "mu": res["mu"], "mu_star": res["mu_star"],
                             "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]}), _empty_s2()
    with np.errstate(all="ignore"):
        res = sobol_analyze.analyze(problem, y, calc_second_order=second_order, num_resamples=RESAMPLES,
                                    conf_level=0.95, seed=seed)
    main = pd.DataFrame({"parameter": labels, "S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"],
                         "ST_conf": res["ST_conf"]})
    s2 = _empty_s2()
    if second_order:
        rows = []
        for i in range(len(labels)):
            for j in range(i + 1, len(labels)):
                rows.append({"parameter_i": labels[i], "parameter_j": labels[j], "S2": res["S2"][i, j],
                             "S2_conf": res["S2_conf"][i, j]})
        s2 = pd.DataFrame(rows, columns=s2.columns)
    return main, s2


def _empty_s2() -> pd.DataFrame:
    return pd.DataFrame(columns=["parameter_i", "parameter_j", "S2", "S2_conf"])


def noise_share(runs: np.ndarray) -> float:
    """Share of an output's variance that is replicate noise, from a one-way random-effects ANOVA.

    ``runs`` has one row per design point and one column per replicate (≥ 2). Noise variance = the mean square
    within rows; variance between design points = (mean square between rows − within) / replicates, floored at 0.
    NaN with fewer than two replicates or a constant output."""
    k, r = runs.shape
    if r < 2 or k < 2:
        return float("nan")
    within = float(np.mean(np.var(runs, axis=1, ddof=1)))
    between_ms = r * float(np.var(runs.mean(axis=1), ddof=1))
    between = max((between_ms - within) / r, 0.0)
    if within + between == 0:
        return float("nan")
    return within / (within + between)


def analyse_callable(fn: Callable[[dict[str, float]], dict[str, float]], problem: dict, method: Method, n: int,
                     seed: int = 1, second_order: bool = True, to_natural: Callable | None = None) -> pd.DataFrame:
    """Sample, evaluate ``fn`` on each row (a dict of factor values) and analyse every output ``fn`` returns.

    ``to_natural`` maps a design row (sampling coordinates) to the dict passed to ``fn`` (default: names → values).
    Returns the indices of every output, with an ``output`` column."""
    x = sample(problem, method, n, seed, second_order)
    names = problem["names"]
    rows = [fn(to_natural(r) if to_natural else dict(zip(names, map(float, r), strict=True))) for r in x]
    out = []
    for key in rows[0]:
        y = np.array([r[key] for r in rows], dtype=float)
        main, _ = analyse(problem, method, x, y, seed, second_order)
        main.insert(0, "output", key)
        out.append(main)
    return pd.concat(out, ignore_index=True)
