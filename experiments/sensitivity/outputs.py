"""What a sensitivity batch measures: one run per (design row, replicate) and the outputs taken from it — the
city plan's target indicators in each plan year (money in 亿元) and whether each target is met in the target year.

Design row i, replicate r is run (point=i, run=r) of the store. Replicate r uses the random streams of replicate r
at every design row (common random numbers), so differences between rows are not blurred by different seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from innosim.experiments.runs.ensemble import Task, run_replicate, to_annual
from innosim.experiments.sensitivity.space import Factor
from innosim.model.city import Plan
from innosim.model.errors import InputError
from innosim.model.policy import with_levers
from innosim.model.scenario import Scenario


@dataclass(frozen=True)
class SAContext:
    """What a worker needs: the scenario, the factors, the design (natural units), the fixed parameter values,
    the seed, and the indicators and years to store."""

    base: Scenario
    factors: tuple[Factor, ...]
    design: np.ndarray
    fixed: dict[str, float]
    seed: int
    indicators: tuple[str, ...]
    years: tuple[int, ...]


def run_design_row(ctx: SAContext, key: tuple[int, int]) -> dict:
    """One run: design row ``row`` with replicate ``rep``'s random streams; the target indicators per plan year."""
    row, rep = key
    values = {f.name: float(v) for f, v in zip(ctx.factors, ctx.design[row], strict=True)}
    levers = {k.removeprefix("lever."): v for k, v in values.items() if k.startswith("lever.")}
    sampled = {k: v for k, v in values.items() if not k.startswith("lever.")}
    scenario = with_levers(ctx.base, levers) if levers else ctx.base
    # The scenario's own assumptions would override the sampled values inside the model: drop those sampled.
    scenario = scenario.model_copy(update={"assumptions": {k: v for k, v in scenario.assumptions.items()
                                                           if k not in sampled}})
    annual = to_annual(run_replicate(scenario, Task(rep, {**ctx.fixed, **sampled}, -1), ctx.seed)).set_index("year")
    out: dict = {"point": row, "run": rep}
    for ind in ctx.indicators:
        for y in ctx.years:
            out[f"{ind}_{y}"] = float(annual.at[y, ind])
    return out


def output_names(spec: str, plan: Plan) -> list[str]:
    """Outputs named by ``--outputs``: sets ``values`` (target-year value of each headline indicator), ``met``
    (each target and all of them met: the replicate mean is a probability; none when the plan states no target),
    ``yearly`` (values in every plan year), or output names."""
    targets, shown, years = list(plan.targets), list(plan.headline), plan.years
    met_all = ["met.all"] if targets else []
    allowed = ([f"value.{t}" for t in shown] + [f"met.{t}" for t in targets] + met_all
               + [f"value.{t}.{y}" for t in shown for y in years])
    chosen: list[str] = []
    for token in [t.strip() for t in spec.split(",") if t.strip()]:
        if token == "values":
            chosen += [f"value.{t}" for t in shown]
        elif token == "met":
            chosen += [f"met.{t}" for t in targets] + met_all
        elif token == "yearly":
            chosen += [f"value.{t}.{y}" for t in shown for y in years]
        elif token in allowed:
            chosen.append(token)
        else:
            raise InputError("--outputs", token, "unknown output; use values, met, yearly, value.<target>, "
                             f"met.<target>, met.all or value.<target>.<year> (targets: {', '.join(targets)})")
    if not chosen:
        raise InputError("--outputs", spec, "no outputs named")
    return list(dict.fromkeys(chosen))


def outputs_frame(runs: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Per run (design row × replicate): every output (target-year values, met flags as 0/1, yearly values)."""
    out = runs[["point", "run"]].rename(columns={"point": "row", "run": "replicate"}).copy()
    met = []
    last = plan.target_year
    for t in plan.headline:
        out[f"value.{t}"] = runs[f"{t}_{last}"].to_numpy()
        if t in plan.targets:
            flag = runs[f"{t}_{last}"].to_numpy() > plan.targets[t]
            out[f"met.{t}"] = flag.astype(float)
            met.append(flag)
    if plan.targets:
        out["met.all"] = np.all(met, axis=0).astype(float)
    for t in plan.headline:
        for y in plan.years:
            out[f"value.{t}.{y}"] = runs[f"{t}_{y}"].to_numpy()
    return out
