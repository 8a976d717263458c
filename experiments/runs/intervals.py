"""Interval arithmetic for probabilities estimated from runs: Wilson score intervals for one proportion (widened by
the design effect of runs that share a parameter vector) and Newcombe's square-and-add interval for the difference
of two paired proportions.

Paired here means the two estimates come from the same runs (same posterior draws and random streams, at two
sweep points), so their errors are correlated; the paired interval uses that correlation and is much narrower
than treating the points as independent when the points' outcomes agree run by run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest


def wilson(k: int, n: int, level: float = 0.95, deff: float = 1.0) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials; (0, 1) when ``n`` is 0. With a design effect
    ``deff`` > 1 (``design_effect``) the interval is that of the same share from n / deff independent trials
    (Kish's effective sample size)."""
    if n == 0:
        return (0.0, 1.0)
    if deff <= 1.0:
        ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="wilson")
        return (float(ci.low), float(ci.high))
    from scipy.stats import norm

    m, p = n / deff, k / n
    z = float(norm.ppf(0.5 + level / 2))
    centre = (p + z * z / (2 * m)) / (1 + z * z / m)
    half = z / (1 + z * z / m) * math.sqrt(p * (1 - p) / m + z * z / (4 * m * m))
    return (max(0.0, centre - half), min(1.0, centre + half))


def design_effect(outcome: np.ndarray, draw: np.ndarray) -> float:
    """Kish's design effect 1 + (m − 1)ρ of runs that share parameter vectors: ``draw`` is each run's posterior
    draw (runs with the same draw share the vector; −1, prior medians, shares none), m = Σ m_j² / n the run-weighted
    number of runs per vector and ρ the one-way ANOVA intra-class correlation of ``outcome`` within vectors,
    clipped to [0, 1]. Replicates come in pairs on one draw, and when the parameters decide the outcome (parameter
    share of the variance near 1) a pair counts as one run: a Wilson interval over runs would be too narrow by up
    to √2 — and more when the same vector is drawn again."""
    y = np.asarray(outcome, dtype=float)
    g = np.asarray(draw)
    g = np.where(g < 0, -1 - np.arange(g.size), g)  # prior medians: every run its own group
    n = y.size
    _, inv, sizes = np.unique(g, return_inverse=True, return_counts=True)
    groups = sizes.size
    if n < 3 or groups in (1, n):
        return 1.0
    means = np.bincount(inv, weights=y) / sizes
    msb = float(np.sum(sizes * (means - y.mean()) ** 2) / (groups - 1))
    msw = float(np.sum((y - means[inv]) ** 2) / (n - groups))
    m0 = (n - float(np.sum(sizes**2)) / n) / (groups - 1)
    if msb + (m0 - 1) * msw <= 0:
        return 1.0
    rho = min(max((msb - msw) / (msb + (m0 - 1) * msw), 0.0), 1.0)
    return 1.0 + (float(np.sum(sizes**2)) / n - 1.0) * rho


def half_width(k: int, n: int, level: float = 0.95) -> float:
    """Half the width of the Wilson interval (the '±' a reader sees)."""
    lo, hi = wilson(k, n, level)
    return (hi - lo) / 2.0


@dataclass(frozen=True)
class PairedDifference:
    """p_a − p_b from ``n`` paired runs, with its interval and the 2×2 table behind it."""

    n: int
    both: int      # runs meeting the target at both points
    a_only: int    # at point a, not at b
    b_only: int    # at point b, not at a
    neither: int
    diff: float
    low: float
    high: float

    @property
    def p_a(self) -> float:
        return (self.both + self.a_only) / self.n if self.n else float("nan")

    @property
    def p_b(self) -> float:
        return (self.both + self.b_only) / self.n if self.n else float("nan")


def paired_difference(met_a: np.ndarray, met_b: np.ndarray, level: float = 0.95) -> PairedDifference:
    """Difference in the probability of meeting a target between two points, from runs paired by index.

    Newcombe (1998, Stat. Med. 17:2635, method 10): Wilson intervals for each margin combined with the
    continuity-corrected phi correlation of the paired table."""
    a = np.asarray(met_a, dtype=bool)
    b = np.asarray(met_b, dtype=bool)
    if a.shape != b.shape:
        raise ValueError("paired outcomes must have the same length")
    n = int(a.size)
    both, a_only = int(np.sum(a & b)), int(np.sum(a & ~b))
    b_only, neither = int(np.sum(~a & b)), int(np.sum(~a & ~b))
    if n == 0:
        return PairedDifference(0, 0, 0, 0, 0, float("nan"), -1.0, 1.0)
    p1, p2 = (both + a_only) / n, (both + b_only) / n
    l1, u1 = wilson(both + a_only, n, level)
    l2, u2 = wilson(both + b_only, n, level)
    margins = (both + a_only) * (b_only + neither) * (both + b_only) * (a_only + neither)
    phi = 0.0
    if margins > 0:
        cross = both * neither - a_only * b_only
        if cross > n / 2:
            phi = (cross - n / 2) / math.sqrt(margins)
        elif cross < 0:
            phi = cross / math.sqrt(margins)
    d = p1 - p2
    lower = d - math.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    upper = d + math.sqrt(max((p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2, 0.0))
    return PairedDifference(n, both, a_only, b_only, neither, d, max(lower, -1.0), min(upper, 1.0))


def ratio_of_means(num: np.ndarray, den: np.ndarray, seed: int, level: float = 0.95,
                   resamples: int = 2000) -> tuple[float, float, float]:
    """``mean(num) / mean(den)`` over paired runs with a percentile bootstrap interval (runs resampled in pairs).

    A resample whose mean denominator is ≤ 0 has no finite ratio (no gain to divide by) and counts as +inf, so
    when the gain itself is not clearly positive the upper end is ``inf`` rather than a misleading number."""
    from scipy.stats import bootstrap

    num, den = np.asarray(num, float), np.asarray(den, float)
    if num.size < 2:
        return (float("nan"),) * 3

    def stat(a, b, axis=-1):
        ma, mb = np.mean(a, axis=axis), np.mean(b, axis=axis)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(mb > 0, ma / mb, np.inf)

    point = float(stat(num, den))
    with np.errstate(invalid="ignore"):  # scipy's standard error of a distribution holding inf
        res = bootstrap((num, den), stat, paired=True, vectorized=True, n_resamples=resamples,
                        method="percentile", confidence_level=level, random_state=np.random.default_rng(seed))
    dist = res.bootstrap_distribution
    alpha = (1 - level) / 2
    lo, hi = np.quantile(dist, [alpha, 1 - alpha], method="inverted_cdf")
    return point, float(lo), float(hi)


def mean_interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``x`` with a Student-t interval (paired differences, counts of targets met)."""
    from scipy import stats

    x = np.asarray(x, float)
    m = float(np.mean(x))
    if x.size < 2 or np.all(x == x[0]):
        return m, m, m
    lo, hi = stats.t.interval(level, x.size - 1, loc=m, scale=stats.sem(x))
    return m, float(lo), float(hi)
