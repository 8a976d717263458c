"""Where the spread of an outcome comes from: parameter uncertainty or stochastic (between-replicate) noise.

Replicates 2j and 2j+1 of every run share one posterior draw and differ only in their random streams
(``calibration.posterior.PAIR``). With J pairs (y_j1, y_j2), the law of total variance
Var(y) = E[Var(y | θ)] + Var(E[y | θ]) is estimated by one-way ANOVA on the pairs:

- noise  σ²_ε = mean_j (y_j1 − y_j2)² / 2            (within-pair variance, unbiased for E[Var(y | θ)])
- parameter σ²_θ = var_j((y_j1 + y_j2) / 2) − σ²_ε / 2  (between-pair variance minus the noise left in a pair mean)
- total = σ²_θ + σ²_ε; shares σ²_θ / total and σ²_ε / total.

σ²_θ can come out negative when the parameter part is small (sampling error): the table keeps the estimate and
clips the shares to [0, 1]. The 90% intervals are percentile bootstraps over pairs (1,000 resamples, seeded).
With prior medians (no posterior) every pair has the same parameters and the parameter share is ≈ 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BOOTSTRAP = 1000
METHOD = ("replicates 2j, 2j+1 share a posterior draw; noise = mean (y1-y2)^2/2, parameter = var(pair means) - "
          "noise/2; 90% percentile bootstrap over pairs")


def split(pairs: np.ndarray) -> tuple[float, float, float]:
    """(total, parameter, noise) variance from a (J, 2) array of paired replicates (NaN without a pair)."""
    if len(pairs) == 0:
        return float("nan"), float("nan"), float("nan")
    d = pairs[:, 0] - pairs[:, 1]
    noise = float(np.mean(d**2) / 2.0)
    means = pairs.mean(axis=1)
    param = float(np.var(means, ddof=1) - noise / 2.0) if len(pairs) > 1 else float("nan")
    return param + noise, param, noise


def variance_split(values: np.ndarray, seed: int = 0, level: float = 0.90) -> dict[str, float]:
    """The split of one outcome over replicates in replicate order (0, 1, 2, …; an odd last one is dropped)."""
    y = np.asarray(values, dtype=float)
    pairs = y[: len(y) // 2 * 2].reshape(-1, 2)
    total, param, noise = split(pairs)
    out = {"pairs": len(pairs), "total_var": total, "parameter_var": param, "noise_var": noise,
           "parameter_share": share(param, total), "noise_share": 1.0 - share(param, total)}
    if len(pairs) < 3:
        return {**out, "parameter_share_low": np.nan, "parameter_share_high": np.nan,
                "noise_share_low": np.nan, "noise_share_high": np.nan}
    rng = np.random.default_rng(np.random.SeedSequence([seed, 90_411]))
    shares = []
    for _ in range(BOOTSTRAP):
        t, p, _n = split(pairs[rng.integers(0, len(pairs), len(pairs))])
        shares.append(share(p, t))
    lo, hi = np.quantile(shares, [(1 - level) / 2, (1 + level) / 2])
    return {**out, "parameter_share_low": float(lo), "parameter_share_high": float(hi),
            "noise_share_low": float(1 - hi), "noise_share_high": float(1 - lo)}


def share(param: float, total: float) -> float:
    if not np.isfinite(param) or total <= 0:
        return 0.0 if total == 0 else float("nan")
    return float(min(1.0, max(0.0, param / total)))


def split_table(columns: dict[str, np.ndarray], seed: int = 0) -> pd.DataFrame:
    """``indicator, pairs, total_var, parameter_var, noise_var, parameter_share, noise_share`` and their 90%
    intervals, one row per outcome (values in replicate order)."""
    return pd.DataFrame([{"indicator": k, **variance_split(v, seed)} for k, v in columns.items()])
