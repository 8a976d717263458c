"""Scenario discovery on a sweep with PRIM (ema_workbench): the ranges of the swept levers and of the uncertain
parameters under which a target — or all five — is met in a high share of runs.

Each run is one case: its point's axis values (budget, mix …) and the parameter values it drew are the inputs,
whether it met the target is the outcome. For each outcome PRIM peels a box; we keep the box on its peeling
trajectory with the largest coverage among those whose density (share of runs inside that met the target)
reaches the threshold, or the densest box if none does (``threshold_reached`` says which).
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from innosim.experiments.report.prim_chart import prim_box_chart
from innosim.experiments.sweep.spec import Discovery

COLUMNS = ["target", "variable", "box_min", "box_max", "full_min", "full_max", "qp_value", "coverage", "density",
           "mass", "runs_in_box", "met_in_box", "runs", "met", "threshold", "threshold_reached", "note"]


def _prim_module():
    with warnings.catch_warnings():  # ema_workbench warns about optional parallel back ends it does not need here
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim


def inputs(runs: pd.DataFrame, points: pd.DataFrame, axes: list[str]) -> pd.DataFrame:
    """The PRIM input table, one row per run: axis values and every parameter that varies across runs."""
    x = runs[["point"]].merge(points[["point", *axes]], on="point", how="left")[axes].copy()
    for a in axes:
        numeric = pd.to_numeric(x[a], errors="coerce")
        x[a] = numeric.astype(float) if numeric.notna().all() else x[a].astype(str)
    params = [c for c in runs.columns if c.startswith("param.") and c.removeprefix("param.") not in axes]
    for c in params:
        v = runs[c].to_numpy(dtype=float)
        if np.nanmax(v) > np.nanmin(v):
            x[c.removeprefix("param.")] = v
    return x.reset_index(drop=True)


def _choose(traj: pd.DataFrame, threshold: float) -> tuple[int, bool]:
    ok = traj[traj["density"] >= threshold]
    if len(ok):
        best = ok.sort_values(["coverage", "res_dim"], ascending=[False, True], kind="stable")
        return int(best.index[0]), True
    return int(traj["density"].to_numpy().argmax()), False


def discover(x: pd.DataFrame, met: pd.DataFrame, cfg: Discovery, out: Path, name: str,
             lang: str = "en") -> tuple[pd.DataFrame, list[Path]]:
    """PRIM for every outcome in ``cfg.targets``: rows of ``discovery.csv`` and the charts written."""
    prim = _prim_module()
    rows, charts = [], []
    for outcome in cfg.targets:
        y = met[outcome].to_numpy(dtype=bool)
        k, n = int(y.sum()), int(y.size)
        base = {"target": outcome, "runs": n, "met": k, "threshold": cfg.threshold}
        if k < cfg.min_positive or k == n:
            why = (f"only {k} of {n} runs met it (fewer than min_positive = {cfg.min_positive}); nothing to discover"
                   if k < cfg.min_positive else f"every run met it ({n} of {n}); nothing to discover")
            rows.append({**base, "note": why})
            continue
        with warnings.catch_warnings():  # ema_workbench 2.5 uses pandas' deprecated inplace keyword
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            p = prim.Prim(x, y.astype(int), threshold=cfg.threshold, peel_alpha=cfg.peel_alpha,
                          mass_min=cfg.mass_min)
            box = p.find_box()
        traj = box.peeling_trajectory
        i, reached = _choose(traj, cfg.threshold)
        stats, lims = box.inspect(i, style="data")[0]
        note = "" if reached else (f"no box reaches density {cfg.threshold}; the densest box is shown")
        if len(lims) == 0:
            rows.append({**base, "coverage": stats["coverage"], "density": stats["density"], "mass": stats["mass"],
                         "runs_in_box": int(stats["n"]), "met_in_box": int(stats["k"]),
                         "threshold_reached": reached, "note": (note + "; " if note else "") + "no restriction"})
        for var, r in lims.iterrows():
            lo, hi = r.iloc[0], r.iloc[1]
            rows.append({**base, "variable": var,
                         "box_min": lo if np.isscalar(lo) else ";".join(sorted(map(str, lo))),
                         "box_max": hi if np.isscalar(hi) else ";".join(sorted(map(str, hi))),
                         "full_min": x[var].min() if x[var].dtype.kind == "f" else "",
                         "full_max": x[var].max() if x[var].dtype.kind == "f" else "",
                         "qp_value": np.nanmax(r.iloc[2:].to_numpy(dtype=float)) if r.iloc[2:].notna().any()
                         else np.nan,
                         "coverage": stats["coverage"], "density": stats["density"], "mass": stats["mass"],
                         "runs_in_box": int(stats["n"]), "met_in_box": int(stats["k"]),
                         "threshold_reached": reached, "note": note})
        charts.append(prim_box_chart(box, traj, i, outcome, k, n, cfg.threshold, out, name, lang=lang))
    return pd.DataFrame(rows, columns=COLUMNS), charts
