"""Probability of meeting each of the city plan's targets in its target year, with Wilson 95% intervals widened by
the design effect of replicates that share a posterior draw (``runs/intervals.py``). Targets are
``{indicator: value to exceed}`` (亿元 for money), from ``CityProfile.plan``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from innosim.experiments.runs.intervals import design_effect, wilson

Targets = Mapping[str, float]


def outcomes(targets: Targets) -> tuple[str, ...]:
    """The outcomes judged per run: each target, then ``all`` (every target met); none when the plan states no
    target."""
    return (*targets, "all") if targets else ()


def met_matrix(annual: pd.DataFrame, targets: Targets, year: int) -> pd.DataFrame:
    """One row per replicate, one boolean column per target (value strictly above it) plus ``all``."""
    last = annual[annual["year"] == year].set_index("replicate").sort_index()
    met = pd.DataFrame({k: last[k] > t for k, t in targets.items()}, index=last.index)
    if targets:
        met["all"] = met.all(axis=1)
    return met


def target_table(annual: pd.DataFrame, targets: Targets, year: int) -> pd.DataFrame:
    """``indicator, target, p_met, ci_low, ci_high, n, deff`` for each target and ``all`` (``deff``: the design
    effect the interval allows for, ``intervals.design_effect``)."""
    met = met_matrix(annual, targets, year)
    last = annual[annual["year"] == year].set_index("replicate").sort_index()
    draw = last["draw"].to_numpy() if "draw" in last else np.full(len(met), -1)
    rows = []
    for col in met.columns:
        k, n = int(met[col].sum()), int(met[col].size)
        deff = design_effect(met[col].to_numpy(), draw)
        lo, hi = wilson(k, n, deff=deff)
        rows.append({"indicator": col, "target": targets.get(col, np.nan), "p_met": k / n if n else np.nan,
                     "ci_low": lo, "ci_high": hi, "n": n, "deff": deff})
    return pd.DataFrame(rows, columns=["indicator", "target", "p_met", "ci_low", "ci_high", "n", "deff"])


def summary_table(annual: pd.DataFrame, targets: Targets, year: int,
                  indicators: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Median and 90% band in ``year`` of each headline indicator (``indicators``; default: the target
    indicators), with the probability of meeting its target where there is one, then ``all``."""
    last = annual[annual["year"] == year]
    tt = target_table(annual, targets, year).set_index("indicator")
    shown = tuple(targets) if indicators is None else indicators
    rows = []
    for k in (*shown, *(("all",) if targets else ())):
        judged = k in tt.index
        row = {"indicator": k, "target": tt.loc[k, "target"] if judged else np.nan,
               "p_met": tt.loc[k, "p_met"] if judged else np.nan,
               "ci_low": tt.loc[k, "ci_low"] if judged else np.nan,
               "ci_high": tt.loc[k, "ci_high"] if judged else np.nan}
        if k != "all":
            v = last[k].to_numpy()
            row.update(median=float(np.median(v)), p05=float(np.quantile(v, 0.05)), p95=float(np.quantile(v, 0.95)))
        rows.append(row)
    return pd.DataFrame(rows)


def all_label(n: int) -> str:
    """``all five``-style label of the every-target outcome in printed tables."""
    words = ("none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return f"all {words[n] if n < len(words) else n}"
