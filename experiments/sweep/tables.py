"""Tables of a sweep, computed from the results store: which runs met each target, the probability of each
target per point (``probabilities.csv``) and paired differences between points (``paired_differences.csv``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from innosim.experiments.runs.intervals import half_width, paired_difference, wilson
from innosim.experiments.runs.store import RunStore
from innosim.experiments.runs.targets import outcomes
from innosim.experiments.sweep.spec import Sweep
from innosim.model.city import Plan


def met_frame(store: RunStore, plan: Plan, limits: dict[int, int] | None = None) -> pd.DataFrame:
    """One row per stored run (``point``, ``run``), a boolean column per plan target (its indicator above the
    target in the target year) and ``all``.

    ``limits`` keeps only runs ``run < limits[point]`` (the runs a precision round had asked for)."""
    targets, year = plan.targets, plan.target_year
    cols = [f"{t}_{year}" for t in targets]
    df = store.read(cols)
    if limits is not None:
        cap = df["point"].map(limits).fillna(0).to_numpy()
        df = df[df["run"].to_numpy() < cap]
    out = df[["point", "run"]].copy()
    for t, target in targets.items():
        out[t] = df[f"{t}_{year}"].to_numpy() > target
    if targets:
        out["all"] = out[list(targets)].all(axis=1)
    return out.reset_index(drop=True)


def indicator_bands(sweep: Sweep, store: RunStore, limits: dict[int, int] | None = None) -> pd.DataFrame:
    """``indicators.csv``: point × headline indicator, its median and 90% band over runs in the target year
    (money in 亿元) — what a sweep reports for indicators the plan sets no target for, and for every other."""
    year = sweep.plan.target_year
    shown = sweep.plan.headline
    df = store.read([f"{k}_{year}" for k in shown])
    if limits is not None:
        df = df[df["run"].to_numpy() < df["point"].map(limits).fillna(0).to_numpy()]
    rows = []
    for p in sweep.points:
        d = df[df["point"] == p.index]
        for k in shown:
            v = d[f"{k}_{year}"].to_numpy()
            stats = (np.median(v), np.quantile(v, 0.05), np.quantile(v, 0.95)) if v.size else (np.nan,) * 3
            rows.append({"point": p.index, "label": p.label, "indicator": k, "year": year,
                         "target": sweep.plan.targets.get(k, np.nan), "median": stats[0], "p05": stats[1],
                         "p95": stats[2], "n": int(v.size)})
    return pd.DataFrame(rows)


def point_frame(sweep: Sweep) -> pd.DataFrame:
    """One row per point: index, label, axis values, mean annual budget over the plan years (亿元), whether it
    is the base."""
    rows = []
    for p in sweep.points:
        rows.append({"point": p.index, "label": p.label, **p.values,
                     "budget_yi_per_year": round(p.budget_yi_per_year(sweep.plan.target_year), 6),
                     "is_base": p.is_base})
    return pd.DataFrame(rows)


def probabilities(sweep: Sweep, met: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """``probabilities.csv``: point × outcome with the axis values, ``p_met, ci_low, ci_high, n``."""
    points = point_frame(sweep)
    rows = []
    for p in sweep.points:
        m = met[met["point"] == p.index]
        for outcome in outcomes(sweep.plan.targets):
            k, n = int(m[outcome].sum()), int(len(m))
            lo, hi = wilson(k, n, level)
            rows.append({"point": p.index, "target": outcome, "p_met": k / n if n else np.nan,
                         "ci_low": lo, "ci_high": hi, "n": n, "half_width": (hi - lo) / 2})
    cols = ["point", "target", "p_met", "ci_low", "ci_high", "n", "half_width"]
    return points.merge(pd.DataFrame(rows, columns=cols), on="point", how="right")


def precise(met: pd.DataFrame, point: int, goal: float, level: float) -> bool:
    """Whether every outcome's interval at ``point`` has half-width ≤ ``goal`` (outcomes: ``met``'s columns)."""
    m = met[met["point"] == point]
    n = len(m)
    return n > 0 and all(half_width(int(m[o].sum()), n, level) <= goal for o in met.columns[2:])


def neighbour_pairs(sweep: Sweep) -> list[tuple[str, int, int]]:
    """(axis, higher point, lower point) for grid points one step apart along one axis, the others equal."""
    grids = [a.grid() for a in sweep.spec.axes]
    index = {}
    for p in sweep.points:
        try:
            pos = tuple(grid.index(p.values[a.field]) for a, grid in zip(sweep.spec.axes, grids, strict=True))
        except ValueError:
            continue  # the added base point need not lie on the grid
        index.setdefault(pos, p.index)
    pairs = []
    for pos, i in sorted(index.items()):
        for j, axis in enumerate(sweep.spec.axes):
            nxt = pos[:j] + (pos[j] + 1,) + pos[j + 1:]
            if nxt in index:
                pairs.append((axis.field, index[nxt], i))
    return pairs


def paired_differences(sweep: Sweep, met: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """``paired_differences.csv``: neighbouring points along each axis, and every point against the base,
    estimated on the runs the two points share (same draws and random streams)."""
    by_point = {p: g.set_index("run") for p, g in met.groupby("point")}
    labels = {p.index: p.label for p in sweep.points}
    comparisons = [(f"neighbour:{axis}", a, b) for axis, a, b in neighbour_pairs(sweep)]
    base = next((p.index for p in sweep.points if p.is_base), None)
    if base is not None:
        comparisons += [("vs_base", p.index, base) for p in sweep.points if p.index != base]
    rows = []
    for kind, a, b in comparisons:
        ga, gb = by_point.get(a), by_point.get(b)
        if ga is None or gb is None:
            continue
        common = ga.index.intersection(gb.index)
        for outcome in outcomes(sweep.plan.targets):
            d = paired_difference(ga.loc[common, outcome].to_numpy(), gb.loc[common, outcome].to_numpy(), level)
            rows.append({"comparison": kind, "point_a": a, "label_a": labels[a], "point_b": b,
                         "label_b": labels[b], "target": outcome, "n_pairs": d.n, "p_a": d.p_a, "p_b": d.p_b,
                         "diff": d.diff, "ci_low": d.low, "ci_high": d.high, "a_only": d.a_only,
                         "b_only": d.b_only})
    cols = ["comparison", "point_a", "label_a", "point_b", "label_b", "target", "n_pairs", "p_a", "p_b", "diff",
            "ci_low", "ci_high", "a_only", "b_only"]
    return pd.DataFrame(rows, columns=cols)
