"""``innosim compare``: several scenarios (instrument mixes) on paired posterior draws and random streams, plus
the no-new-policy counterfactual when asked, reduced to ``comparison.csv`` and a chart ranking the mixes.

Replicate k of every scenario (and of the counterfactual) uses posterior draw slot k // 2 and the streams of
replicate k, so differences between scenarios are paired run by run; replicates 2j and 2j+1 share a parameter
vector, so ``variance_split.csv`` separates parameter uncertainty from stochastic noise. The counterfactual is
the first scenario with every instrument budget set to zero from the city plan's first year
(``policy.budget_scale: 0``): the history before the plan is the same and only 拨改投 exit proceeds, which the
fund recycles, are spent after it.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from innosim.calibration.posterior import choose_posterior
from innosim.experiments.compare.tables import comparison_table, cost_effectiveness, deadweight_table, variance_split
from innosim.experiments.compare.worker import CompareContext, plan_span, run_pair
from innosim.experiments.report.compare_charts import mix_ranking
from innosim.experiments.report.value_charts import value_bands
from innosim.experiments.runs.executors import make_executor
from innosim.experiments.runs.folders import build_manifest, claim_out_dir, now, write_manifest
from innosim.experiments.runs.runner import StoreRunner
from innosim.experiments.runs.store import RunStore
from innosim.experiments.runs.variance import METHOD as VARIANCE_METHOD
from innosim.model.city import Plan, load_city
from innosim.model.errors import InputError
from innosim.model.policy import without_new_money
from innosim.model.scenario import Scenario
from innosim.model.scenario_files import file_hash, load_scenario, load_scenario_file

RESULTS = Path("results") / "comparisons"
CF_NAME = "no-new-policy"


@dataclass(frozen=True)
class CompareRequest:
    """What ``innosim compare`` is asked to do: the scenario files (the first is the counterfactual's base),
    paired replicates, whether to run the no-new-policy counterfactual, how to execute, and the chart language."""

    scenarios: tuple[str, ...]
    replicates: int = 200
    seed: int = 20240101
    counterfactual: bool = False
    out: str | None = None
    workers: int = 1
    backend: str = "processes"
    scheduler: str | None = None
    params: str = "posterior"
    progress: bool = True
    lang: str = "en"


def counterfactual_of(scenario: Scenario) -> Scenario:
    """The scenario with no new public money from the plan's first year (options, city, assumptions unchanged)."""
    start = load_city(scenario.city).plan.start_year
    return without_new_money(scenario, start, CF_NAME, f"{scenario.name} without new public money from {start}")


def load_scenarios(paths: list[str], counterfactual: bool) -> list[Scenario]:
    """Validate every scenario before any run; names must be distinct, and with a counterfactual the scenarios
    must share city and assumptions (otherwise no single counterfactual pairs them all)."""
    scenarios = [load_scenario(p) for p in paths]
    seen: dict[str, str] = {}
    for p, s in zip(paths, scenarios, strict=True):
        if s.name in seen:
            raise InputError(p, "name", f"{s.name!r} is also the name of {seen[s.name]}; compared scenarios need "
                             "distinct names")
        if s.name == CF_NAME and counterfactual:
            raise InputError(p, "name", f"{CF_NAME!r} is reserved for the counterfactual")
        seen[s.name] = p
    if counterfactual:
        first = scenarios[0]
        for p, s in zip(paths[1:], scenarios[1:], strict=True):
            if s.city != first.city:
                raise InputError(p, "city", f"differs from {paths[0]}; --counterfactual needs one city")
            if s.assumptions != first.assumptions:
                raise InputError(p, "assumptions", f"differ from {paths[0]}; --counterfactual pairs every scenario "
                                 "with one no-new-policy run, which needs the same assumptions")
    return scenarios


def run_compare(req: CompareRequest) -> Path:
    """Run the comparison; returns its results folder."""
    started, t0 = now(), time.monotonic()
    paths = list(req.scenarios)
    if len(paths) < 1:
        raise InputError("compare", "SCENARIO", "give at least one scenario file")
    scenarios = load_scenarios(paths, req.counterfactual)
    plan = load_city(scenarios[0].city).plan
    post = choose_posterior(req.params)
    cf = counterfactual_of(scenarios[0]) if req.counterfactual else None
    name = "-vs-".join(s.name for s in scenarios[:3]) + ("-etc" if len(scenarios) > 3 else "")
    ctx = CompareContext(tuple(scenarios), cf, post, req.seed, plan)
    with make_executor(req.backend, req.workers, req.scheduler) as ex:
        # Claimed (and checked writable) before computing; left with an error, the claim removes what was staged.
        with claim_out_dir(req.out, name, base=RESULTS) as claim:
            stage = claim.staging()
            store = RunStore(stage / "store")
            with StoreRunner(ex, run_pair, ctx, store, req.progress, f"compare {name}") as runner:
                runner.run([(0, k) for k in range(req.replicates)], f"{req.replicates} replicates × "
                           f"{len(scenarios) + (cf is not None)} scenarios")
            runs = store.read().sort_values("run").reset_index(drop=True)
            names = [s.name for s in scenarios]
            menu = scenarios[0].menu  # with a counterfactual every scenario has the first one's city
            table = comparison_table(runs, names, paths, cf is not None, req.seed, plan, menu)
            table.to_csv(stage / "comparison.csv", index=False, float_format="%.6g")
            files = ["comparison.csv"]
            if cf is not None:
                cost_effectiveness(runs, names, req.seed, plan).to_csv(stage / "cost_effectiveness.csv",
                                                                       index=False, float_format="%.6g")
                deadweight_table(runs, names, req.seed, menu).to_csv(stage / "deadweight.csv", index=False,
                                                               float_format="%.6g")
                files += ["cost_effectiveness.csv", "deadweight.csv"]
            variance_split(runs, names, cf is not None, plan, req.seed).to_csv(
                stage / "variance_split.csv", index=False, float_format="%.6g")
            files.append("variance_split.csv")
            runs.to_parquet(stage / "runs.parquet", index=False)
            shutil.rmtree(stage / "store")
            # Ranked by targets met; when the plan states no target there is nothing to rank by, and the chart
            # shows each scenario's target-year median and 90% band of the headline indicators instead.
            chart = (mix_ranking(table, stage, req.lang, stem="ranking", targets=plan.targets,
                                 target_year=plan.target_year) if plan.targets else
                     value_bands(band_rows(table, plan), stage, lang=req.lang, indicators=plan.headline,
                                 target_year=plan.target_year))
            charts = [] if chart is None else [chart.name, chart.with_suffix(".pdf").name]
            write_manifest(stage, build_manifest("innosim compare", started, req.seed, plan, {
                "status": "complete",
                "scenario_files": paths, "scenario_chain_sha256": [load_scenario_file(p).chain_sha256 for p in paths],
                "scenario_sha256": [file_hash(p) for p in paths], "scenarios": names,
                "counterfactual": (None if cf is None else
                                   {"name": CF_NAME, "definition": "the first scenario with every instrument budget "
                                    f"zero from {plan.start_year}; 拨改投 exit proceeds still recycled",
                                    "based_on": paths[0]}),
                "replicates": req.replicates, "backend": req.backend, "workers": req.workers,
                "parameter_source": "prior medians" if post is None else
                "posterior: one weighted draw per replicate, shared by every scenario",
                "posterior_file": str(post.path) if post else None,
                "posterior_sha256": post.sha256 if post else None,
                "pairing": "replicate k of every scenario uses posterior draw slot k // 2 (a whole parameter "
                           "vector; replicates 2j and 2j+1 share it) and the random streams of replicate k",
                "variance_split": {"file": "variance_split.csv", "method": VARIANCE_METHOD},
                "lang": req.lang,
                "files": sorted([*files, "runs.parquet", *charts,
                                 "manifest.json"]),
                "seconds": round(time.monotonic() - t0, 1),
            }))
            return claim.publish()


def band_rows(table: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """``label, indicator, median, p05, p95``: each scenario's target-year band of each headline indicator."""
    y = plan.target_year
    return pd.DataFrame([{"label": r["scenario"], "indicator": k, "median": r[f"{k}_{y}_median"],
                          "p05": r[f"{k}_{y}_p05"], "p95": r[f"{k}_{y}_p95"]}
                         for r in table.to_dict("records") for k in plan.headline])


def format_comparison(table: pd.DataFrame, plan: Plan) -> str:
    """Terminal summary: probability of each target per scenario and the expected number met."""
    budget = f"budget_{plan_span(plan)}_yi"
    if not plan.targets:  # no target to judge: target-year medians of the headline indicators
        cols = ["scenario", budget] + [f"{k}_{plan.target_year}_median" for k in plan.headline]
        view = table[cols].round(1)
        return view.rename(columns=lambda c: c.removesuffix(f"_{plan.target_year}_median")).to_string(index=False)
    cols = ["scenario", budget] + [f"p_{k}" for k in plan.targets] + ["p_all", "targets_met_mean"]
    view = table[cols].copy()
    for c in cols[2:-1]:
        view[c] = (100 * view[c]).round(0).astype(int).astype(str) + "%"
    view["targets_met_mean"] = view["targets_met_mean"].round(2)
    view[budget] = view[budget].round(1)
    return view.rename(columns=lambda c: c.removeprefix("p_")).to_string(index=False)
