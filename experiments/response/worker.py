"""One run of a dose–response batch as a pure function of (context, (point, run)), executed on any executor.

Point 0 is the scenario itself (level 1, shared by every family); every other point is the scenario with one
family's budget multiplied from the policy's first year on. Run ``k`` of every point uses posterior draw slot
``k // 2`` and the random streams of replicate ``k`` (common random numbers, as in ``compare``), so run ``k`` of point 0
equals replicate ``k`` of ``innosim run`` on the scenario with the same seed, and differences between points are
paired run by run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from innosim.calibration.posterior import Posterior, replicate_parameters
from innosim.experiments.runs.ensemble import Task, run_replicate_full, to_annual
from innosim.model.instruments.registry import FAMILIES, REGISTRY
from innosim.model.policy import plain_sum
from innosim.model.scenario import Scenario


@dataclass(frozen=True)
class ResponseContext:
    """What every worker needs, shipped to it once: the scenario of every point, the posterior (None: prior
    medians), the seed, the target indicators, the year they are judged in, and the plan years over which money
    is counted (from the policy's first year to the target year)."""

    scenarios: tuple[Scenario, ...]
    posterior: Posterior | None
    seed: int
    indicators: tuple[str, ...]
    target_year: int
    money_years: tuple[int, ...]


def run_point(ctx: ResponseContext, key: tuple[int, int]) -> dict:
    """Store row of one run: key, draw, each target indicator in the target year (``<indicator>``, money in
    亿元) and per family the ledger's budget (incl. recycled 拨改投 proceeds) and spending summed over the money
    years (``budget.<family>``, ``spent.<family>``, 亿元)."""
    point, run = key
    scenario = ctx.scenarios[point]
    idx, params = replicate_parameters(ctx.posterior, ctx.seed, run)
    ts, ledger = run_replicate_full(scenario, Task(run, {**params, **scenario.assumptions}, idx), ctx.seed)
    annual = to_annual(ts)
    final = annual[annual["year"] == ctx.target_year]
    row: dict = {"point": point, "run": run, "draw": idx}
    row.update({k: float(final[k].iloc[0]) for k in ctx.indicators})
    # The ledger is the run's own account of money (what the delivery path booked), so it stays right whatever
    # the instruments do inside; only the instrument -> family map is read from the registry.
    led = ledger[ledger["year"].isin(ctx.money_years)]
    family = led["instrument"].map(lambda k: REGISTRY[k].family if k in REGISTRY else "")
    for fam in FAMILIES:
        mine = led[(family == fam).to_numpy()]
        row[f"budget.{fam}"] = float(plain_sum(np.asarray(mine["budget"], float)))
        row[f"spent.{fam}"] = float(plain_sum(np.asarray(mine["spent"], float)))
    return row
