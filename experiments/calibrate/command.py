"""``innosim calibrate``: ABC-SMC fit -> posterior, history, fit table, charts and manifest in one folder."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from innosim.calibration import abc as A
from innosim.calibration.observation_model import table as obs_table
from innosim.calibration.observation_model import used
from innosim.calibration.posterior import SHIPPED, load_posterior
from innosim.calibration.predictive import actual_coverage, fit_table, predictive_runs
from innosim.experiments.report.calibration_charts import fit_chart, generations_chart, marginals_chart
from innosim.experiments.runs.folders import choose_out_dir, git_commit, now, package_versions, write_manifest
from innosim.model.errors import InputError
from innosim.model.scenario_files import file_hash, load_scenario


def calibrate(scenario_path: str, population: int = 200, generations: int = 6, workers: int = 1,
              scheduler: str | None = None, out: str | None = None, seed: int = 20240101,
              params: str | None = None, resume: bool = False, predictive: int = 100, ship: bool = False) -> Path:
    """Run (or continue) a calibration; returns its folder."""
    started = now()
    scenario = load_scenario(scenario_path)
    try:
        names = A.resolve_names(params)
    except KeyError as e:
        raise InputError("--params", "", f"unknown parameter or group {e.args[0]!r}") from None
    if resume:
        if out is None or not (Path(out) / A.DB_NAME).is_file():
            raise InputError(out or "--out", "--resume", f"needs --out naming a calibration folder with {A.DB_NAME}")
        folder = Path(out)
    else:
        folder = choose_out_dir(out, "calibration")
        folder.mkdir(parents=True, exist_ok=True)
    A.progress_logging()
    abc, observed, close = A.build_abc(scenario, names, population, seed, workers, scheduler)
    try:
        history = A.run_abc(abc, observed, folder / A.DB_NAME, generations, resume, seed)
    finally:
        if close:
            close()
    post = A.posterior_frame(history)
    post.to_parquet(folder / "posterior.parquet", index=False)
    gens = A.generations_frame(history)
    gens.to_csv(folder / "generations.csv", index=False)
    obs_table().to_csv(folder / "observation_model.csv", index=False)
    print(f"calibrate: posterior-predictive check, {predictive} runs", file=sys.stderr)
    posterior = load_posterior(folder / "posterior.parquet")
    ts = predictive_runs(scenario, posterior, predictive, seed, workers)
    c = scenario_city(scenario)
    fit = fit_table(ts, used(), c.enterprises.rd_total_yi + c.universities.rd_total_yi)
    fit.to_csv(folder / "fit.csv", index=False)
    share, misses = actual_coverage(fit)
    charts = [fit_chart(ts, folder), marginals_chart(post, folder), generations_chart(gens, folder)]
    manifest = {
        "command": "innosim calibrate", "scenario_file": scenario_path, "scenario_sha256": file_hash(scenario_path),
        "seed": seed, "population_size": population, "generations": int(history.max_t + 1),
        "calibrated_parameters": names, "nuisance_parameters": "all other declared parameters, drawn from priors",
        "observations_used": [o.key for o in used()], "final_epsilon": float(gens["epsilon"].iloc[-1]),
        "final_ess": float(gens["ess"].iloc[-1]), "total_simulations": int(gens["samples"].sum()),
        "actual_2021_2023_within_90": share, "actual_outside_90": misses["indicator"].tolist(),
        "predictive_runs": predictive, "workers": workers, "scheduler": scheduler,
        "packages": package_versions(), "git_commit": git_commit(), "started": started, "finished": now(),
        "charts": [p.name for p in charts],
    }
    write_manifest(folder, manifest)
    if ship:
        SHIPPED.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / "posterior.parquet", SHIPPED)
        shutil.copyfile(folder / "manifest.json", SHIPPED.parent / "manifest.json")
        shutil.copyfile(folder / "fit.csv", SHIPPED.parent / "fit.csv")
        shutil.copyfile(folder / "generations.csv", SHIPPED.parent / "generations.csv")
    return folder


def scenario_city(scenario):
    from innosim.model.city import load_city

    return load_city(scenario.city)
