"""One sweep run as a pure function of (context, (point, run)), executed on any executor.

Run ``k`` uses posterior draw slot ``k // replicates_per_draw`` and the random streams of replicate ``k`` at every
point, so points are compared on common random numbers; with one replicate per draw, run ``k`` of a point equals
replicate ``k`` of ``innosim run`` on that point's scenario with the same seed (runs 2j and 2j+1 share draw slot
j, as replicates of ``innosim run`` do).
"""

from __future__ import annotations

from dataclasses import dataclass

from innosim.calibration.posterior import Posterior, draw_parameters, replicate_parameters
from innosim.experiments.runs.ensemble import Task, run_replicate, to_annual
from innosim.model.policy import plain_sum
from innosim.model.scenario import Scenario


@dataclass(frozen=True)
class SweepContext:
    """Everything a worker needs, shipped to it once: the scenario of every point, the posterior, the seed and
    the indicators stored per year (the plan's target indicators)."""

    scenarios: tuple[Scenario, ...]
    posterior: Posterior | None
    seed: int
    replicates_per_draw: int
    indicators: tuple[str, ...]


def run_parameters(ctx: SweepContext, point: int, run: int) -> tuple[int, dict[str, float]]:
    """(posterior draw index, effective parameter set) of one run: the draw, with the point's fixed values on top."""
    if ctx.replicates_per_draw == 1:
        idx, params = replicate_parameters(ctx.posterior, ctx.seed, run)
    else:
        idx, params = draw_parameters(ctx.posterior, ctx.seed, run // ctx.replicates_per_draw)
    return idx, {**params, **ctx.scenarios[point].assumptions}


def run_point(ctx: SweepContext, key: tuple[int, int]) -> dict:
    """One run's row for the store: key, draw, parameters (``param.<name>``), yearly target indicators
    (``<indicator>_<year>``, money in 亿元) and total instrument spending (``spent_<year>``, 亿元)."""
    point, run = key
    scenario = ctx.scenarios[point]
    idx, params = run_parameters(ctx, point, run)
    annual = to_annual(run_replicate(scenario, Task(run, params, idx), ctx.seed))
    spend_cols = [c for c in annual.columns if c.startswith("spend_")]
    row: dict = {"point": point, "run": run, "draw": idx}
    row.update({f"param.{k}": float(v) for k, v in sorted(params.items())})
    for rec in annual.to_dict("records"):
        year = int(rec["year"])
        for ind in ctx.indicators:
            row[f"{ind}_{year}"] = float(rec[ind])
        row[f"spent_{year}"] = float(plain_sum(rec[c] for c in spend_cols))
    return row
