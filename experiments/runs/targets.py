"""Probability of meeting each 2028 target, with Wilson 95% intervals (experiments/intervals.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from innosim.experiments.runs.intervals import wilson
from innosim.model.indicators import TARGETS

TARGET_YEAR = 2028


def met_matrix(annual: pd.DataFrame, year: int = TARGET_YEAR) -> pd.DataFrame:
    """One row per replicate, one boolean column per target (value strictly above it) plus ``all``."""
    last = annual[annual["year"] == year].set_index("replicate").sort_index()
    met = pd.DataFrame({k: last[k] > t for k, t in TARGETS.items()})
    met["all"] = met.all(axis=1)
    return met


def target_table(annual: pd.DataFrame, year: int = TARGET_YEAR) -> pd.DataFrame:
    """``indicator, target, p_met, ci_low, ci_high, n`` for each target and ``all``."""
    met = met_matrix(annual, year)
    rows = []
    for col in met.columns:
        k, n = int(met[col].sum()), int(met[col].size)
        lo, hi = wilson(k, n)
        rows.append({"indicator": col, "target": TARGETS.get(col, np.nan), "p_met": k / n if n else np.nan,
                     "ci_low": lo, "ci_high": hi, "n": n})
    return pd.DataFrame(rows)


def summary_table(annual: pd.DataFrame, year: int = TARGET_YEAR) -> pd.DataFrame:
    """Median and 90% band of each target indicator in ``year``, with the probability of meeting it."""
    last = annual[annual["year"] == year]
    tt = target_table(annual, year).set_index("indicator")
    rows = []
    for k in list(TARGETS) + ["all"]:
        row = {"indicator": k, "target": tt.loc[k, "target"], "p_met": tt.loc[k, "p_met"],
               "ci_low": tt.loc[k, "ci_low"], "ci_high": tt.loc[k, "ci_high"]}
        if k in TARGETS:
            v = last[k].to_numpy()
            row.update(median=float(np.median(v)), p05=float(np.quantile(v, 0.05)), p95=float(np.quantile(v, 0.95)))
        rows.append(row)
    return pd.DataFrame(rows)
