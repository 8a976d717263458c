"""``innosim calibrate``: ABC-SMC fit -> posterior, history, fit table, charts and manifest in one folder.

The command owns the executor: calibration (a library below experiments) receives its ordered map.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from innosim.calibration import abc as A
from innosim.calibration.observation_model import table as obs_table
from innosim.calibration.observation_model import used
from innosim.calibration.posterior import SHIPPED, load_posterior
from innosim.calibration.predictive import actual_coverage, calibration_years, fit_table, predictive_runs
from innosim.calibration.rejuvenate import ladder
from innosim.experiments.report.calibration_charts import fit_chart, generations_chart, marginals_chart
from innosim.experiments.runs.ensemble import Task, indicator_frame
from innosim.experiments.runs.executors import make_executor
from innosim.experiments.runs.files import copy_file, write_csv, write_json, write_parquet
from innosim.experiments.runs.folders import build_manifest, claim_existing, claim_out_dir, now, write_manifest
from innosim.model.errors import InputError
from innosim.model.scenario_files import file_hash, load_scenario_file

SHIPPED_FILES = ("posterior.parquet", "manifest.json", "fit.csv", "generations.csv")
SETTINGS = "calibration.json"  # the settings a calibration started with, checked by --resume


@dataclass(frozen=True)
class CalibrateRequest:
    """What ``innosim calibrate`` is asked to do. ``scheduler``: a Dask scheduler address instead of local
    ``workers``; ``params``: the parameters to calibrate (None: the default set); ``ship``: None (do not ship),
    ``""`` (the checkout's calibration/posterior/) or a folder to copy the posterior into; ``through``: fit only
    figures whose period ends in that year or before; ``rejuvenate``: particles resampled from the last generation
    and carried through ``stages`` stages of ABC-MCMC (each lowers epsilon to the particles' median distance and
    moves every particle ``moves`` times; 0 particles: the weighted last generation is the posterior); ``scale``:
    the moves' kernel relative to the population's transition kernel; ``jump``: the share of the final moves that
    are independence proposals (``calibration.rejuvenate.Mover.jump``)."""

    scenario: str = "scenarios/baseline.yaml"
    population: int = 500
    generations: int = 1
    workers: int = 1
    scheduler: str | None = None
    out: str | None = None
    seed: int = 20240101
    params: str | None = None
    resume: bool = False
    predictive: int = 100
    ship: str | None = None
    lang: str = "en"
    through: int | None = None
    rejuvenate: int = 1200
    moves: int = 2
    scale: float = 1.0
    stages: int = 5
    final_moves: int = 44
    jump: float = 0.5


def ship_folder(ship: str | None) -> Path | None:
    """Where ``--ship`` copies the posterior: the given folder, or the checkout's calibration/posterior/ when
    running from a checkout (that folder exists, is writable and is not inside an installed package); raises
    ``InputError`` otherwise, before anything runs — never beside installed code."""
    if ship is None:
        return None
    if ship:
        return Path(ship)
    folder = SHIPPED.parent
    installed = any(part in ("site-packages", "dist-packages") for part in folder.resolve().parts)
    if installed or not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InputError("--ship", str(folder), "not a checkout's calibration/posterior/ folder (installed code "
                         "is never written to); give the folder to write into: --ship DIR")
    return folder


def calibrate(req: CalibrateRequest) -> Path:
    """Run (or continue) a calibration; returns its folder."""
    started = now()
    source = load_scenario_file(req.scenario)
    try:
        names = A.resolve_names(req.params)
    except KeyError as e:
        raise InputError("--params", "", f"unknown parameter or group {e.args[0]!r}") from None
    ship_to = ship_folder(req.ship)
    settings = {"population_size": req.population, "calibrated_parameters": names, "seed": req.seed,
                "scenario_chain_sha256": source.chain_sha256, "through": req.through,
                "rejuvenate": req.rejuvenate, "moves": req.moves, "scale": req.scale, "stages": req.stages,
                "final_moves": req.final_moves, "jump": req.jump}
    if req.resume:
        if req.out is None or not (Path(req.out) / A.DB_NAME).is_file():
            raise InputError(req.out or "--out", "--resume",
                             f"needs --out naming a calibration folder with {A.DB_NAME}")
        check_resume(Path(req.out), settings, file_hash(req.scenario))
        claim = claim_existing(Path(req.out))
    else:
        claim = claim_out_dir(req.out, "calibration")
    try:
        folder = _calibrate_into(req, claim.final, settings, source, names, ship_to, started)
    except BaseException:
        if claim.created and not (claim.final / A.DB_NAME).is_file():  # stopped before the first generation:
            (claim.final / SETTINGS).unlink(missing_ok=True)  # nothing to continue, so no folder is left either
        claim.abandon()  # a folder it created is removed if still empty; a started history.db is kept
        raise
    claim.release()
    return folder


def check_resume(folder: Path, settings: dict, scenario_sha256: str) -> None:
    """Refuse ``--resume`` when a setting differs from the folder's (``calibration.json``; for older folders the
    manifest): one line naming the setting."""
    meta, older = folder / SETTINGS, folder / "manifest.json"
    try:
        old = json.loads((meta if meta.is_file() else older).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # nothing recorded (a folder interrupted before this check existed): nothing to compare
    if "final_moves" in old:
        old.setdefault("jump", 0.0)  # folders from before --jump made every final move a random-walk step
    if not meta.is_file() and "scenario_sha256" in old:
        settings = {**settings, "scenario_chain_sha256": old.get("scenario_chain_sha256", None)}
        if old["scenario_sha256"] != scenario_sha256:
            raise InputError(folder, "--scenario", "differs from the scenario this calibration was started with; "
                             "resuming would mix results — start a new folder")
    options = {"population_size": "--population-size", "calibrated_parameters": "--params", "seed": "--seed",
               "scenario_chain_sha256": "--scenario", "through": "--through", "rejuvenate": "--rejuvenate",
               "moves": "--moves", "scale": "--scale", "stages": "--stages", "final_moves": "--final-moves",
               "jump": "--jump"}
    for key, value in settings.items():
        # More final moves extend a finished ladder: its rounds are seeded per round and particle, so the first ones
        # are those of a run started with the larger number.
        extends = key == "final_moves" and isinstance(old.get(key), int) and isinstance(value, int) and value > old[key]
        if key in old and old[key] != value and not extends:
            shown = value if key != "scenario_chain_sha256" else "(its files changed)"
            was = old[key] if key != "scenario_chain_sha256" else "another"
            raise InputError(folder, options[key], f"{shown} differs from this folder's {was}; --resume continues "
                             "with the folder's settings only — repeat them, or start a new folder")


def _calibrate_into(req: CalibrateRequest, folder: Path, settings: dict, source, names: list[str],
                    ship_to: Path | None, started: str) -> Path:
    scenario, plan = source.scenario, source.city.plan
    if req.through is not None:  # the registry's share drifts from the first year the fit does not see
        scenario = scenario.model_copy(update={"fitted_through": req.through})
    if not req.resume or (folder / SETTINGS).is_file():  # a resume may extend the final moves (``check_resume``)
        write_json(folder / SETTINGS, settings)
    A.progress_logging()
    backend = "dask" if req.scheduler else "processes"
    obs = A.through(used(), req.through)
    with make_executor(backend, req.workers, req.scheduler) as ex:
        abc, observed = A.build_abc(scenario, names, req.population, req.seed, ex.map, obs=obs)
        history = A.run_abc(abc, observed, folder / A.DB_NAME, req.generations, req.resume, req.seed)
        gens = A.generations_frame(history)
        write_csv(gens, folder / "generations.csv")
        post, mcmc = posterior_of(req, history, scenario, names, obs, folder, ex.map)
        # Replaced whole (runs/files.py): a --resume of a finished calibration writes these into a complete folder.
        write_parquet(post, folder / "posterior.parquet")
        write_csv(obs_table(), folder / "observation_model.csv")
        print(f"calibrate: posterior-predictive check, {req.predictive} runs", file=sys.stderr)
        posterior = load_posterior(folder / "posterior.parquet")
        runs = predictive_runs(scenario, posterior, req.predictive, req.seed, ex.map)
    ts = pd.concat([indicator_frame(r.quarterly, Task(r.replicate, {}, idx)) for idx, r in runs], ignore_index=True)
    c = source.city
    # Every used figure, the held-out ones (after --through) included and marked fitted = False.
    fit = fit_table(ts, used(), c.enterprises.rd_total_yi + c.universities.rd_total_yi, {o.key for o in obs})
    write_csv(fit, folder / "fit.csv")
    years = calibration_years(plan.start_year)
    share, misses = actual_coverage(fit, years)
    charts = [fit_chart(ts, folder, lang=req.lang),
              marginals_chart(post[[*names, "weight"]], folder, lang=req.lang),
              generations_chart(gens, folder, lang=req.lang)]
    span = f"{years[0]}_{years[-1]}"
    write_manifest(folder, build_manifest("innosim calibrate", started, req.seed, plan, {
        "scenario_file": req.scenario, "scenario_sha256": file_hash(req.scenario),
        "population_size": req.population, "generations": int(history.max_t + 1),
        "calibrated_parameters": names, "fixed_parameters": A.default_fixed(names),
        "prior_parameters": "every other declared parameter: drawn from its prior in each simulation and recorded "
                            "with the particle (posterior.parquet holds whole vectors)",
        "through": req.through, "observations_used": [o.key for o in obs],
        "final_epsilon": mcmc.get("final_epsilon_after_moves", float(gens["epsilon"].iloc[-1])),
        "smc_final_epsilon": float(gens["epsilon"].iloc[-1]), "smc_final_ess": float(gens["ess"].iloc[-1]),
        "final_ess": mcmc["posterior_ess"], "smc_simulations": int(gens["samples"].sum()),
        "total_simulations": int(gens["samples"].sum()) + mcmc.get("rejuvenation_moves_total", 0), **mcmc,
        f"actual_{span}_within_90": share, "actual_outside_90": misses["indicator"].tolist(),
        "predictive_runs": req.predictive, "workers": req.workers, "scheduler": req.scheduler,
        "lang": req.lang, "charts": [p.name for p in charts],
    }))
    if ship_to is not None:
        ship_to.mkdir(parents=True, exist_ok=True)
        for name in SHIPPED_FILES:
            copy_file(folder / name, ship_to / name)  # every run reads the shipped posterior: never half of one
        print(f"calibrate: shipped the posterior to {ship_to}/ ({', '.join(SHIPPED_FILES)})", file=sys.stderr)
    return folder


def posterior_of(req: CalibrateRequest, history, scenario, names: list[str], obs, folder: Path,
                 map_) -> tuple[pd.DataFrame, dict]:
    """The posterior file's frame and what the manifest says about it: with ``req.rejuvenate`` particles, the
    ABC-MCMC-rejuvenated last generation (equal weights; rounds kept in ``rejuvenation/``, resumable), else the
    weighted last generation."""
    pop = A.population_frame(history)
    params = [c for c in pop.columns if c not in ("weight", "distance", "replicate")]
    if not req.rejuvenate:
        ess = float(1.0 / (pop["weight"] ** 2).sum())
        return pop[params + ["weight"]], {"posterior": "last ABC-SMC generation, importance weights",
                                          "posterior_ess": ess}
    start = {"generation": int(history.max_t), "epsilon": A.final_epsilon(history)}
    rounds_dir = folder / "rejuvenation"
    meta = rounds_dir / "start.json"
    if meta.is_file() and json.loads(meta.read_text(encoding="utf-8")) != start:
        raise InputError(rounds_dir, "--resume", "rejuvenation rounds were made from another generation; remove "
                         "the folder rejuvenation/ to redo them")
    rounds_dir.mkdir(exist_ok=True)
    write_json(meta, start)
    make = functools.partial(A.build_mover, scenario, names, obs=obs, scale=req.scale)
    print(f"calibrate: ABC-MCMC: {req.rejuvenate} particles, {req.stages} stages × {req.moves} moves "
          f"+ {req.final_moves} final moves ({req.jump:.0%} of them independence proposals)",
          file=sys.stderr)

    def say(line: str) -> None:
        print(f"calibrate: {line}", file=sys.stderr, flush=True)

    state, rounds = ladder(pop, make, req.rejuvenate, req.stages, req.moves, rounds_dir, req.seed, map_, say,
                           req.final_moves, req.jump)
    write_csv(rounds, folder / "rejuvenation.csv")
    post = state[params].copy()
    post["weight"] = 1.0 / len(post)
    last = rounds.iloc[-1] if len(rounds) else None
    return post, {"posterior": f"ABC-SMC with MCMC moves: {req.rejuvenate} particles resampled from the last "
                  f"generation, {req.stages} stages (epsilon lowered to the median distance) of {req.moves} "
                  f"Metropolis moves each, then {req.final_moves} more at the last epsilon ({req.jump:.0%} of them "
                  "independence proposals from a normal fitted to the particles; equal weights)",
                  "rejuvenation_particles": req.rejuvenate, "rejuvenation_stages": req.stages,
                  "rejuvenation_moves": req.moves, "rejuvenation_final_moves": req.final_moves,
                  "rejuvenation_jump": req.jump,
                  "rejuvenation_scale": req.scale,
                  "final_epsilon_after_moves": float(rounds["epsilon"].iloc[-1]),
                  "rejuvenation_acceptance": [float(a) for a in rounds["acceptance"]],
                  "rejuvenation_moves_total": int(req.rejuvenate * (req.moves * req.stages + req.final_moves)),
                  "posterior_distinct": int(last["distinct"]) if last is not None else None,
                  "posterior_ess": float(last["ess"]) if last is not None else None}
