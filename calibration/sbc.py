"""Simulation-based calibration (Talts et al. 2018): is the posterior the method produces a posterior?

For data sets m = 1..M: draw θ_m from the prior, simulate data from the model at θ_m, fit, and record the rank of
each true value among L draws from its posterior (the number of draws below it, ties split at random). If the
method is calibrated, ranks are uniform on 0..L and central 90% credible intervals cover the truth in 90% of the
data sets. A posterior that is too narrow piles ranks at both ends (∪), one that is too wide in the middle (∩),
a biased one at one end. Uniformity is tested by a chi-square test on ``bins`` equal bins of the ranks, per
parameter; the coverage has a binomial standard error √(0.09/M).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats


def rank_of(truth: float, draws: np.ndarray, rng: np.random.Generator) -> int:
    """Number of ``draws`` below ``truth``; ties (duplicated particles) are split uniformly at random."""
    below = int(np.sum(draws < truth))
    ties = int(np.sum(draws == truth))
    return below + (int(rng.integers(0, ties + 1)) if ties else 0)


def posterior_draws(post: pd.DataFrame, name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of ``name`` from a weighted posterior frame (``weight`` column)."""
    w = post["weight"].to_numpy(dtype=float)
    return post[name].to_numpy(dtype=float)[rng.choice(len(post), size=n, p=w / w.sum())]


def run_sbc(truths: list[dict[str, float]], fit: Callable[[int, dict[str, float]], pd.DataFrame], draws: int,
            seed: int) -> pd.DataFrame:
    """``dataset, parameter, truth, rank, ci90_low, ci90_high, covered`` for each data set m (its truth
    ``truths[m]``); ``fit(m, truth)`` simulates data at the truth, fits and returns the weighted posterior."""
    rows = []
    for m, truth in enumerate(truths):
        post = fit(m, truth)
        rng = np.random.default_rng(np.random.SeedSequence([seed, 5_151, m]))
        for name, value in truth.items():
            d = posterior_draws(post, name, draws, rng)
            lo, hi = np.quantile(d, [0.05, 0.95])
            rows.append({"dataset": m, "parameter": name, "truth": value, "rank": rank_of(value, d, rng),
                         "ci90_low": float(lo), "ci90_high": float(hi), "covered": bool(lo <= value <= hi)})
    return pd.DataFrame(rows)


def summarise(ranks: pd.DataFrame, draws: int, bins: int = 5) -> pd.DataFrame:
    """Per parameter: ``datasets, chi2, p_uniform`` (chi-square test of the rank histogram against uniform over
    ``bins`` bins), ``ks_p`` (Kolmogorov-Smirnov of (rank + ½)/(L + 1) against U(0, 1)), ``coverage_90`` and its
    binomial standard error, and the share of ranks in the outer fifths (0.4 if uniform)."""
    rows = []
    for name, g in ranks.groupby("parameter", sort=False):
        r = g["rank"].to_numpy()
        counts = np.histogram(r, bins=np.linspace(0, draws + 1, bins + 1))[0]
        chi2, p = stats.chisquare(counts)
        u = (r + 0.5) / (draws + 1)
        cov = float(g["covered"].mean())
        rows.append({"parameter": name, "datasets": len(g), "chi2": float(chi2), "p_uniform": float(p),
                     "ks_p": float(stats.kstest(u, "uniform").pvalue), "coverage_90": cov,
                     "coverage_se": float(np.sqrt(0.09 / len(g))),
                     "outer_fifths": float(np.mean((u < 0.2) | (u > 0.8)))})
    return pd.DataFrame(rows)
