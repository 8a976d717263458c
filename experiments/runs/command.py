"""``innosim run``: an ensemble of replicates of one scenario -> tables, targets, fan charts, manifest."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from innosim.calibration.observed import load_observed
from innosim.calibration.posterior import choose_posterior, replicate_parameters
from innosim.experiments.report.run_charts import fan_charts
from innosim.experiments.runs.ensemble import ReplicateWriter, Task, ordered_ensemble
from innosim.experiments.runs.executors import make_executor
from innosim.experiments.runs.folders import build_manifest, claim_out_dir, now, write_manifest
from innosim.experiments.runs.targets import all_label, summary_table, target_table
from innosim.experiments.runs.variance import METHOD as VARIANCE_METHOD
from innosim.experiments.runs.variance import split_table
from innosim.model.city import Plan
from innosim.model.parameters import prior_medians
from innosim.model.policy import budgets_yuan
from innosim.model.scenario_files import load_scenario_file
from innosim.model.units import YI


@dataclass(frozen=True)
class RunRequest:
    """What ``innosim run`` is asked to do. ``params``: ``posterior`` (the shipped posterior; prior medians, with
    a note, if none is shipped), ``prior`` (prior medians) or the path of a posterior Parquet file."""

    scenario: str | Path
    replicates: int = 100
    seed: int = 20240101
    workers: int = 1
    out: str | None = None
    progress: bool = True
    params: str = "posterior"
    lang: str = "en"


def parameter_sets(params: str, seed: int, replicates: int, progress: Callable[[int], object] | None = None
                   ) -> tuple[list[Task], dict]:
    """Tasks with each replicate's parameter set, and what the manifest says about them (``params`` as in
    ``RunRequest``). ``progress(1)`` is called after each set (≈ 1.5 ms each: 30 s for 20,000)."""
    post = choose_posterior(params)
    tasks = []
    for k in range(replicates):
        idx, values = replicate_parameters(post, seed, k)
        tasks.append(Task(replicate=k, params=values, draw=idx))
        if progress is not None:
            progress(1)
    if post is None:
        info = {"parameter_source": "prior medians", "posterior_file": None, "posterior_sha256": None,
                "parameters": prior_medians()}
    else:
        info = {"parameter_source": "posterior: one weighted draw of a whole parameter vector per pair of "
                "replicates (2j and 2j+1 share it; the draw index is the 'draw' column)",
                "posterior_file": str(post.path), "posterior_sha256": post.sha256,
                "posterior_parameters": post.names, "drawn_from_priors": post.missing,
                "draws": [t.draw for t in tasks]}
    return tasks, info


def run_scenario(req: RunRequest) -> Path:
    """Run ``req.replicates`` replicates of the scenario; returns the results folder."""
    started = now()
    source = load_scenario_file(req.scenario)
    scenario, plan = source.scenario, source.city.plan
    # Claimed (and checked writable) before any work, the parameter draws included; left with an error, the claim
    # removes what was staged.
    with claim_out_dir(req.out, scenario.name) as claim:
        # Drawing the parameter sets takes ≈ 1.5 ms a replicate (half a minute for 20,000): a bar of its own,
        # shown once it has run for a second, so a long run shows progress from its start.
        with tqdm(total=req.replicates, desc=f"{scenario.name}: parameter sets", unit="set", delay=1.0,
                  disable=not req.progress, mininterval=1.0, file=sys.stderr) as prep:
            tasks, param_info = parameter_sets(req.params, req.seed, req.replicates, prep.update)
        stage = claim.staging()
        bar = tqdm(total=req.replicates, desc=f"{scenario.name}: replicates", unit="run", disable=not req.progress,
                   mininterval=1.0, file=sys.stderr)
        # Replicates are written as they finish (in replicate order), not held as pandas frames.
        with make_executor("processes", req.workers) as ex, ReplicateWriter(stage) as out:
            for ts, ledger in ordered_ensemble(scenario, tasks, req.seed, ex):
                out.add(ts, ledger)
                bar.update(1)
        bar.close()
        annual = out.annual_table()
        targets = target_table(annual, plan.targets, plan.target_year)
        annual.to_csv(stage / "annual.csv", index=False, float_format="%.6f")
        targets.to_csv(stage / "targets.csv", index=False, float_format="%.6f")
        observed = load_observed(Path(source.city.observed))
        observed.to_csv(stage / "observed.csv", index=False)  # the published figures the charts show
        last = annual[annual["year"] == plan.target_year].sort_values("replicate")
        spread = split_table({k: last[k].to_numpy() for k in plan.headline}, req.seed)
        spread.to_csv(stage / "variance_split.csv", index=False, float_format="%.6g")
        charts = fan_charts(annual, stage, scenario.name, lang=req.lang, targets=plan.targets,
                            indicators=plan.headline, observed=observed)
        write_manifest(stage, build_manifest("innosim run", started, req.seed, plan, {
            **source.manifest(),
            "resolved_config": scenario.model_dump(mode="json"),
            "budgets_yi_per_year": {k: {str(y): v / YI for y, v in d.items()}
                                    for k, d in budgets_yuan(scenario).items()},
            "replicates": req.replicates,
            "workers": req.workers,
            **param_info,
            "variance_split": {"file": "variance_split.csv", "method": VARIANCE_METHOD,
                               "parameter_share": dict(zip(spread["indicator"], spread["parameter_share"],
                                                           strict=True))},
            "assumptions": scenario.assumptions,
            "lang": req.lang,
            "files": sorted(p.name for p in stage.iterdir()) + ["manifest.json"],
            "charts": [p.name for p in charts],
        }))
        return claim.publish()


def format_summary(annual: pd.DataFrame, plan: Plan) -> str:
    """The short table printed at the end of a run."""
    s = summary_table(annual, plan.targets, plan.target_year, plan.headline)
    lines = [f"{f'{plan.target_year} target':<24}{'target':>10}{'median':>10}{'90% band':>22}{'P(met)':>9}"
             f"{'95% CI':>16}"]
    for _, r in s.iterrows():
        if r["indicator"] == "all":
            band, med, tgt = "", "", all_label(len(plan.targets))
        else:
            band = f"[{r['p05']:,.0f} – {r['p95']:,.0f}]"
            med = f"{r['median']:,.0f}"
            tgt = f"> {r['target']:,.0f}" if r["indicator"] in plan.targets else "none"
        if r["indicator"] in plan.targets or r["indicator"] == "all":
            p, ci = f"{r['p_met']:>9.2f}", f"[{r['ci_low']:.2f}, {r['ci_high']:.2f}]"
        else:
            p, ci = "", ""
        lines.append(f"{r['indicator']:<24}{tgt:>10}{med:>10}{band:>22}{p:>9}{ci:>16}")
    return "\n".join(lines)
