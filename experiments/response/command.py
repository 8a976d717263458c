"""``innosim response``: dose–response curves per instrument family on paired runs.

For each family and level L, the scenario with that family's budget (every member instrument, every year from
the policy's first year) multiplied by L, every other family at the scenario's budget; the years before are the
scenario's own, so the observed years stay identical. Level 1 is the scenario itself: one point shared by every
family. Replicate k of every point uses posterior draw slot k and the streams of replicate k (``worker.py``), so
the curves are paired run by run. Written: ``response.csv``, ``response_paired.parquet``, charts, manifest.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from innosim.calibration.posterior import choose_posterior
from innosim.experiments.report import house_style
from innosim.experiments.report.response_charts import disbursement_chart, probability_curves, value_curves
from innosim.experiments.response.tables import Point, paired_frame, response_table
from innosim.experiments.response.worker import ResponseContext, run_point
from innosim.experiments.runs.executors import make_executor
from innosim.experiments.runs.folders import build_manifest, claim_out_dir, now, write_manifest
from innosim.experiments.runs.runner import StoreRunner
from innosim.experiments.runs.store import RunStore
from innosim.model.errors import InputError
from innosim.model.instruments.registry import FAMILIES
from innosim.model.parameters import prior_medians
from innosim.model.policy import budgets_yuan, family_members, plain_sum, start_year, with_levers
from innosim.model.scenario import Scenario
from innosim.model.scenario_files import load_scenario_file
from innosim.model.units import YI

RESULTS = Path("results") / "response"
DEFAULT_LEVELS: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 4.0)
MAX_LEVEL = 100.0  # a family budget ×100 is far outside anything the model was built for: more likely a typo


@dataclass(frozen=True)
class ResponseRequest:
    """What ``innosim response`` is asked to do: the scenario file, the families (``registry.FAMILIES`` keys)
    and budget levels (factors ≥ 0; level 1, the scenario itself, is always run), paired replicates per point,
    the seed, worker processes, results folder, parameter source (``posterior``, ``prior`` or a posterior
    .parquet) and chart language."""

    scenario: str | Path
    families: tuple[str, ...] = FAMILIES
    levels: tuple[float, ...] = DEFAULT_LEVELS
    replicates: int = 100
    seed: int = 20240101
    workers: int = 1
    out: str | None = None
    params: str = "posterior"
    progress: bool = True
    lang: str = "en"


def parse_families(text: str | None) -> tuple[str, ...]:
    """``subsidy,voucher`` -> the families (None: all); ``InputError`` for an empty list, an unknown or a repeated
    name."""
    if text is None:
        return FAMILIES
    names = [t.strip() for t in text.split(",")]
    if not text.strip() or any(not n for n in names):
        raise InputError("--families", text, f"give one or more of {', '.join(FAMILIES)}, comma-separated")
    return check_families(names)


def check_families(names: Sequence[str]) -> tuple[str, ...]:
    """The families, checked: known (``registry.FAMILIES``), at least one, none twice."""
    if not names:
        raise InputError("--families", "", f"give one or more of {', '.join(FAMILIES)}")
    for n in names:
        if n not in FAMILIES:
            raise InputError("--families", n, f"unknown family; known: {', '.join(FAMILIES)}")
    dup = sorted({n for n in names if list(names).count(n) > 1})
    if dup:
        raise InputError("--families", ",".join(names), f"{', '.join(dup)} given twice")
    return tuple(names)


def parse_levels(text: str) -> tuple[float, ...]:
    """``0,0.5,1,2`` -> the levels; ``InputError`` for an empty list, a non-number, a negative or repeated level."""
    parts = [t.strip() for t in text.split(",")]
    if not text.strip() or any(not t for t in parts):
        raise InputError("--levels", text, "give one or more budget factors >= 0, comma-separated, e.g. 0,0.5,1,2,4")
    values = []
    for t in parts:
        try:
            values.append(float(t))
        except ValueError:
            raise InputError("--levels", t, "not a number; levels are budget factors >= 0, e.g. 0,0.5,1,2,4") \
                from None
    return check_levels(values)


def check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    """The levels, checked: finite, 0 ≤ level ≤ ``MAX_LEVEL``, at least one, none twice."""
    if not levels:
        raise InputError("--levels", "", "give one or more budget factors >= 0")
    for v in levels:
        if not math.isfinite(v) or v < 0:
            raise InputError("--levels", f"{v:g}", "a level is a finite budget factor >= 0 (0 = no budget for the "
                             "family)")
        if v > MAX_LEVEL:
            raise InputError("--levels", f"{v:g}", f"above {MAX_LEVEL:g}× the scenario's budget; give a smaller "
                             "factor")
    dup = sorted({v for v in levels if list(levels).count(v) > 1})
    if dup:
        raise InputError("--levels", ",".join(f"{v:g}" for v in levels), f"{', '.join(f'{v:g}' for v in dup)} "
                         "given twice")
    return tuple(float(v) for v in levels)


def n_points(families: Sequence[str], levels: Sequence[float]) -> int:
    """Simulated points: the scenario itself once, plus every family at every level other than 1."""
    return 1 + len(families) * len([v for v in levels if v != 1.0])


def planned(scenario: Scenario, years: Sequence[int]) -> tuple[dict[str, float], float]:
    """Each family's and all instruments' planned mean yearly budget over ``years`` (亿元/yr)."""
    b = budgets_yuan(scenario)
    fam = {f: plain_sum(plain_sum(b[k][y] for y in years) for k in family_members(f)) / len(years) / YI
           for f in FAMILIES}
    return fam, plain_sum(fam.values())


def design(scenario: Scenario, families: Sequence[str], levels: Sequence[float], years: Sequence[int]
           ) -> tuple[tuple[Scenario, ...], list[Point]]:
    """The scenario of every point and its description; point 0 is the scenario itself (level 1)."""
    scenarios, points = [scenario], [Point(0, "", 1.0, *planned(scenario, years))]
    for fam in families:
        for lv in sorted(v for v in levels if v != 1.0):
            s = with_levers(scenario, {fam: lv})
            points.append(Point(len(scenarios), fam, lv, *planned(s, years)))
            scenarios.append(s)
    return tuple(scenarios), points


def run_response(req: ResponseRequest) -> Path:
    """Run the dose–response batch; returns its results folder."""
    started, t0 = now(), time.monotonic()
    families, levels = check_families(req.families), check_levels(req.levels)
    house_style.apply(req.lang)  # no Chinese font: refused now, not after every run
    source = load_scenario_file(req.scenario)
    scenario, plan = source.scenario, source.city.plan
    first = start_year(scenario)
    years = tuple(range(first, plan.target_year + 1))
    if not years:
        raise InputError(req.scenario, "policy.from_year", f"{first} is after the plan's target year "
                         f"{plan.target_year}: no budget years to vary")
    post = choose_posterior(req.params)
    scenarios, points = design(scenario, families, levels, years)
    ctx = ResponseContext(scenarios, post, req.seed, tuple(plan.targets), plan.target_year, years)
    keys = [(p.index, k) for k in range(req.replicates) for p in points]  # replicate-major: every point advances
    with make_executor("processes", req.workers) as ex:
        # Claimed (and checked writable) before computing; left with an error, the claim removes what was staged.
        with claim_out_dir(req.out, scenario.name, base=RESULTS) as claim:
            stage = claim.staging()
            store = RunStore(stage / "store")
            with StoreRunner(ex, run_point, ctx, store, req.progress, f"response {scenario.name}") as runner:
                runner.run(keys, f"{len(points)} points × {req.replicates} replicates")
            runs = store.read()
            table = response_table(runs, points, families, levels, plan.targets, plan.target_year, len(years))
            table.to_csv(stage / "response.csv", index=False, float_format="%.6g")
            paired_frame(runs, points, families, levels, plan.targets, len(years)).to_parquet(
                stage / "response_paired.parquet", index=False)
            shutil.rmtree(stage / "store")
            kw = {"targets": plan.targets, "target_year": plan.target_year}
            charts = [*value_curves(table, stage, req.lang, **kw), probability_curves(table, stage, req.lang, **kw),
                      disbursement_chart(table, stage, req.lang, **kw)]
            write_manifest(stage, build_manifest("innosim response", started, req.seed, plan, {
                "status": "complete",
                **source.manifest(),
                "resolved_config": scenario.model_dump(mode="json"),
                "families": list(families), "levels": sorted({*levels, 1.0}),
                "money_years": list(years),
                "points": [{"point": p.index, "family": p.family or None, "level": p.level,
                            "family_budget_yi_per_year": dict(p.family_budget),
                            "total_budget_yi_per_year": p.total_budget} for p in points],
                "replicates": req.replicates, "workers": req.workers, "runs": len(keys),
                "parameter_source": "prior medians" if post is None else
                "posterior: one weighted draw per replicate, shared by every point",
                "posterior_file": str(post.path) if post else None,
                "posterior_sha256": post.sha256 if post else None,
                "parameters": prior_medians() if post is None else None,
                "pairing": "replicate k of every point uses posterior draw slot k // 2 and the random streams of "
                           "replicate k; level 1 is the scenario itself, one point shared by every family",
                "lang": req.lang,
                "files": sorted(p.name for p in stage.iterdir()) + ["manifest.json"],
                "charts": [p.name for p in charts],
                "seconds": round(time.monotonic() - t0, 1),
            }))
            return claim.publish()


def format_summary(table: pd.DataFrame, targets: Sequence[str], target_year: int) -> str:
    """Terminal summary: per family and level, the family's budget and money disbursed (亿元/yr), then P(met) and
    the target-year median of each target, and P(all met)."""
    short = {"tech_enterprises": "firms", "rd_expenditure": "R&D", "platforms": "platf.",
             "tech_contract_turnover": "turnover", "tech_brokers": "brokers"}
    head = f"{'family':<10}{'level':>6}{'budget':>9}{'paid':>8}"
    for k in targets:
        head += f"{short.get(k, k)[:8]:>14}"
    lines = [f"P(met) and {target_year} median per family and budget level (money: 亿元/yr)", head + f"{'all':>6}"]
    previous = None
    for r in table.to_dict("records"):
        fam = r["family"] if r["family"] != previous else ""
        previous = r["family"]
        line = (f"{fam:<10}{r['level']:>6g}{r['family_budget_yi_per_year']:>9.2f}"
                f"{r['disbursed_yi_per_year']:>8.2f}")
        for k in targets:
            med = r[f"{k}_{target_year}_median"]
            line += f"{r[f'p_{k}'] * 100:>5.0f}% {med:>7,.0f}"
        lines.append(line + f"{r['p_all'] * 100:>5.0f}%")
    return "\n".join(lines)
