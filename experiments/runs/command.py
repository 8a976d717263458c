"""``innosim run``: an ensemble of replicates of one scenario -> tables, targets, fan charts, manifest."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from innosim.calibration.posterior import SHIPPED, load_posterior, replicate_parameters
from innosim.experiments.report.run_charts import fan_charts
from innosim.experiments.runs.ensemble import Task, run_ensemble, to_annual
from innosim.experiments.runs.folders import (
    choose_out_dir,
    git_commit,
    now,
    package_versions,
    publish,
    staging_dir,
    write_manifest,
    write_tables,
)
from innosim.experiments.runs.targets import summary_table, target_table
from innosim.model.parameters import prior_medians
from innosim.model.policy import budgets_yuan
from innosim.model.scenario_files import load_scenario_file
from innosim.model.units import YI


def parameter_sets(params: str, seed: int, replicates: int) -> tuple[list[Task], dict]:
    """Tasks with each replicate's parameter set, and what the manifest says about them.

    ``params``: ``posterior`` (the shipped posterior; prior medians, with a warning, if none is shipped),
    ``prior`` (prior medians), or the path of a posterior Parquet file."""
    post = None
    if params not in ("posterior", "prior"):
        post = load_posterior(params)
    elif params == "posterior" and SHIPPED.is_file():
        post = load_posterior(SHIPPED)
    elif params == "posterior":
        print("innosim: note: no calibrated posterior is shipped; running on prior medians", file=sys.stderr)
    tasks = []
    for k in range(replicates):
        idx, values = replicate_parameters(post, seed, k)
        tasks.append(Task(replicate=k, params=values, draw=idx))
    if post is None:
        info = {"parameter_source": "prior medians", "posterior_file": None, "posterior_sha256": None,
                "parameters": prior_medians()}
    else:
        info = {"parameter_source": "posterior: one weighted draw per replicate (the draw index is the 'draw' "
                "column); parameters it does not hold drawn from their priors",
                "posterior_file": str(post.path), "posterior_sha256": post.sha256,
                "posterior_parameters": post.names, "draws": [t.draw for t in tasks]}
    return tasks, info


def run_scenario(path: str | Path, replicates: int = 100, seed: int = 20240101, workers: int = 1,
                 out: str | None = None, progress: bool = True, params: str = "posterior") -> Path:
    """Run ``replicates`` replicates of the scenario at ``path``; returns the results folder."""
    started = now()
    source = load_scenario_file(path)
    scenario = source.scenario
    final = choose_out_dir(out, scenario.name)
    tasks, param_info = parameter_sets(params, seed, replicates)
    stage = staging_dir(final)
    try:
        bar = tqdm(total=replicates, desc=f"{scenario.name}: replicates", unit="run", disable=not progress,
                   mininterval=1.0, file=sys.stderr)
        ledgers: list = []
        ts = run_ensemble(scenario, tasks, seed, workers, progress=bar.update, ledgers=ledgers)
        bar.close()
        ledgers[0].to_csv(stage / "ledger.csv", index=False, float_format="%.8f")
        annual = to_annual(ts)
        targets = target_table(annual)
        write_tables(stage, ts, annual, targets)
        charts = fan_charts(annual, stage, scenario.name)
        write_manifest(stage, {
            "command": "innosim run",
            **source.manifest(),
            "resolved_config": scenario.model_dump(mode="json"),
            "budgets_yi_per_year": {k: {str(y): v / YI for y, v in d.items()}
                                    for k, d in budgets_yuan(scenario).items()},
            "seed": seed,
            "replicates": replicates,
            "workers": workers,
            **param_info,
            "assumptions": scenario.assumptions,
            "packages": package_versions(),
            "git_commit": git_commit(),
            "started": started,
            "finished": now(),
            "files": sorted(p.name for p in stage.iterdir()) + ["manifest.json"],
            "charts": [p.name for p in charts],
        })
        return publish(stage, final)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def format_summary(annual: pd.DataFrame) -> str:
    """The short table printed at the end of a run."""
    s = summary_table(annual)
    lines = [f"{'2028 target':<24}{'target':>10}{'median':>10}{'90% band':>22}{'P(met)':>9}{'95% CI':>16}"]
    for _, r in s.iterrows():
        if r["indicator"] == "all":
            band, med, tgt = "", "", "all five"
        else:
            band = f"[{r['p05']:,.0f} – {r['p95']:,.0f}]"
            med, tgt = f"{r['median']:,.0f}", f"> {r['target']:,.0f}"
        ci = f"[{r['ci_low']:.2f}, {r['ci_high']:.2f}]"
        lines.append(f"{r['indicator']:<24}{tgt:>10}{med:>10}{band:>22}{r['p_met']:>9.2f}{ci:>16}")
    return "\n".join(lines)
