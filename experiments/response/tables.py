"""Tables of a dose–response batch, computed from the store rows (one per point × run; ``runs/store.py``).

Units: money columns are 亿元 (1e8 yuan) per year, means over the money years (the policy's first year to the
target year); indicator values are those of the target year (亿元 for money, counts otherwise). ``level`` is the
factor applied to one family's budget; level 1 is the scenario itself, one shared point for every family.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from innosim.experiments.runs.intervals import design_effect, mean_interval, paired_difference, wilson

DIFF_LEVEL = 0.90  # paired differences against level 1: 90% intervals (P(met) itself: Wilson 95%)


@dataclass(frozen=True)
class Point:
    """One simulated point: store index, the family scaled ("" for the scenario itself), the level, and the
    planned budgets (亿元 per year over the money years) of the scaled family and of all instruments."""

    index: int
    family: str
    level: float
    family_budget: Mapping[str, float]  # family -> planned mean yearly budget, 亿元/yr
    total_budget: float


def curve_points(points: Sequence[Point], families: Sequence[str], levels: Sequence[float]
                 ) -> list[tuple[str, float, Point]]:
    """(family, level, point) of every row of ``response.csv``, families in the order given and levels rising;
    level 1 of every family is the shared point 0."""
    base = points[0]
    by_key = {(p.family, p.level): p for p in points[1:]}
    return [(f, lv, base if lv == 1.0 else by_key[(f, lv)]) for f in families for lv in sorted({*levels, 1.0})]


def _met(runs: pd.DataFrame, targets: Mapping[str, float]) -> dict[str, np.ndarray]:
    met = {k: runs[k].to_numpy() > v for k, v in targets.items()}  # strictly above, as everywhere in innosim
    met["all"] = np.logical_and.reduce(list(met.values()))
    return met


def response_table(runs: pd.DataFrame, points: Sequence[Point], families: Sequence[str],
                   levels: Sequence[float], targets: Mapping[str, float], target_year: int, years: int
                   ) -> pd.DataFrame:
    """One row per (family, level): planned family budget, total-budget multiplier, money available and
    disbursed by the family, and per target the median and 90% band of the target-year value, P(met) with its
    Wilson 95% interval, and the paired difference from level 1 (mean value difference and P(met) difference,
    90% intervals)."""
    by_point = {i: g.sort_values("run") for i, g in runs.groupby("point", sort=True)}
    base_runs = by_point[0]
    base_met = _met(base_runs, targets)
    rows = []
    for fam, lv, p in curve_points(points, families, levels):
        r = by_point[p.index]
        if not np.array_equal(r["run"].to_numpy(), base_runs["run"].to_numpy()):
            raise ValueError(f"point {p.index} does not hold the same runs as the scenario: pairing is broken")
        n = len(r)
        available = r[f"budget.{fam}"].to_numpy() / years
        spent = r[f"spent.{fam}"].to_numpy() / years
        row: dict = {"family": fam, "level": lv, "point": p.index, "replicates": n,
                     "family_budget_yi_per_year": p.family_budget[fam],
                     "budget_multiplier": p.total_budget / points[0].total_budget if points[0].total_budget > 0
                     else np.nan,
                     "available_yi_per_year": available.mean(), "disbursed_yi_per_year": spent.mean(),
                     "disbursed_share": spent.mean() / available.mean() if available.mean() > 0 else np.nan}
        met = _met(r, targets)
        for k in targets:
            v = r[k].to_numpy()
            d = v - base_runs[k].to_numpy()
            m, lo, hi = mean_interval(d, DIFF_LEVEL)
            row.update({f"{k}_{target_year}_median": float(np.median(v)),
                        f"{k}_{target_year}_p05": float(np.quantile(v, 0.05)),
                        f"{k}_{target_year}_p95": float(np.quantile(v, 0.95)),
                        f"{k}_{target_year}_diff_mean": m, f"{k}_{target_year}_diff_low": lo,
                        f"{k}_{target_year}_diff_high": hi})
        draw = r["draw"].to_numpy() if "draw" in r else np.full(n, -1)
        for k in (*targets, "all"):
            lo, hi = wilson(int(met[k].sum()), n, deff=design_effect(met[k], draw))
            pd_ = paired_difference(met[k], base_met[k], DIFF_LEVEL)
            row.update({f"p_{k}": float(met[k].mean()), f"p_{k}_low": lo, f"p_{k}_high": hi,
                        f"p_{k}_diff": pd_.diff, f"p_{k}_diff_low": pd_.low, f"p_{k}_diff_high": pd_.high})
        rows.append(row)
    return pd.DataFrame(rows)


def paired_frame(runs: pd.DataFrame, points: Sequence[Point], families: Sequence[str], levels: Sequence[float],
                 targets: Mapping[str, float], years: int) -> pd.DataFrame:
    """One row per (family, level, run): the run's draw, each target indicator in the target year and the
    family's planned, available and disbursed money (亿元/yr). Level-1 rows repeat the shared point for every
    family, so each family's curve is recomputable on its own; rows with the same ``run`` are paired."""
    by_point = {i: g.sort_values("run") for i, g in runs.groupby("point", sort=True)}
    frames = []
    for fam, lv, p in curve_points(points, families, levels):
        r = by_point[p.index]
        f = pd.DataFrame({"family": fam, "level": lv, "point": p.index, "run": r["run"].to_numpy(),
                          "draw": r["draw"].to_numpy()})
        for k in targets:
            f[k] = r[k].to_numpy()
        f["family_budget_yi_per_year"] = p.family_budget[fam]
        f["available_yi_per_year"] = r[f"budget.{fam}"].to_numpy() / years
        f["disbursed_yi_per_year"] = r[f"spent.{fam}"].to_numpy() / years
        frames.append(f)
    return pd.concat(frames, ignore_index=True)
