"""Exports of the setting on screen: its scenario YAML, and a results folder laid out as ``innosim run`` writes
one (``manifest.json``, ``timeseries.parquet``, ``annual.csv``, ``ledger.csv``, ``targets.csv``, fan charts) plus
``scenario.yaml``, which ``innosim brief`` reads like a run."""

from __future__ import annotations

from pathlib import Path

from innosim.calibration.observed import load_observed
from innosim.experiments.explore.engine import Outcome
from innosim.experiments.explore.settings import scenario_yaml
from innosim.experiments.report.run_charts import fan_charts
from innosim.experiments.runs.ensemble import ReplicateWriter
from innosim.experiments.runs.folders import build_manifest, claim_out_dir, now, write_manifest
from innosim.experiments.runs.targets import target_table
from innosim.model.policy import budgets_yuan
from innosim.model.scenario_files import load_scenario_file
from innosim.model.units import YI

COMMAND = "innosim run"  # the folder is an ``innosim run`` folder (same files, same code); ``via`` names the page


def write_results(out: Outcome, lang: str, base: str | Path = "results", workers: int = 1) -> Path:
    """Write the run on screen into a new folder under ``base`` (``<scenario>``, ``<scenario>-2`` …, never
    overwriting); returns the folder. ``innosim run scenario.yaml --replicates N --seed S`` gives the same tables."""
    started = now()
    plan = out.plan
    with claim_out_dir(None, out.scenario.name, base=Path(base)) as claim:
        stage = claim.staging()
        (stage / "scenario.yaml").write_text(scenario_yaml(out.scenario), encoding="utf-8")
        source = load_scenario_file(stage / "scenario.yaml")  # read back: the file is what was run
        # Compared as written: the file spells every budget year by year, a scenario as loaded may hold one
        # number for all years (an unchanged scenario failed a comparison of the raw objects).
        if scenario_yaml(source.scenario) != scenario_yaml(out.scenario):
            raise RuntimeError("the exported scenario.yaml does not read back into the scenario that was run")
        with ReplicateWriter(stage) as writer:
            for ts, ledger in zip(out.series, out.ledgers, strict=True):
                writer.add(ts, ledger)
        annual = writer.annual_table()
        annual.to_csv(stage / "annual.csv", index=False, float_format="%.6f")
        target_table(annual, plan.targets, plan.target_year).to_csv(stage / "targets.csv", index=False,
                                                                     float_format="%.6f")
        observed = load_observed(Path(source.city.observed))
        observed.to_csv(stage / "observed.csv", index=False)  # the published figures the charts show
        charts = fan_charts(annual, stage, out.scenario.name, lang=lang, targets=plan.targets,
                            indicators=plan.headline, observed=observed)
        final = claim.final
        write_manifest(stage, build_manifest(COMMAND, started, out.seed, plan, {
            **source.manifest(),
            "scenario_file": str(final / "scenario.yaml"),
            "extends_chain": [str(final / "scenario.yaml")],
            "via": "innosim explore",
            "resolved_config": out.scenario.model_dump(mode="json"),
            "budgets_yi_per_year": {k: {str(y): v / YI for y, v in d.items()}
                                    for k, d in budgets_yuan(out.scenario).items()},
            "replicates": out.replicates,
            "workers": workers,
            **out.param_info,
            "assumptions": out.scenario.assumptions,
            "lang": lang,
            "files": sorted(p.name for p in stage.iterdir()) + ["manifest.json"],
            "charts": [p.name for p in charts],
        }))
        return claim.publish()
