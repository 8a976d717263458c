"""``innosim sensitivity``: Morris screening or Sobol' indices of the city plan's outcomes over the behavioural
parameters and the policy levers, run through the same executors and results store as sweeps (what each run
measures: ``sensitivity/outputs.py``).

The analysis uses the replicate mean of each output; with two or more replicates the share of variance that is
replicate noise is reported, and warnings say when noise dominates or when the intervals are wider than the
indices (with the N that would be needed).
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from innosim.calibration.posterior import choose_posterior
from innosim.experiments.report.sensitivity_charts import charts
from innosim.experiments.runs.executors import make_executor
from innosim.experiments.runs.files import copy_file, write_csv, write_json, write_parquet
from innosim.experiments.runs.folders import (
    Claim,
    build_manifest,
    claim_existing,
    claim_out_dir,
    earlier_twin,
    listing,
    now,
    same_batch,
    write_manifest,
)
from innosim.experiments.runs.limits import Estimate, check_size
from innosim.experiments.runs.runner import StoreRunner
from innosim.experiments.runs.store import RunStore
from innosim.experiments.sensitivity.engine import Method, analyse, design_bytes, design_size, noise_share, sample
from innosim.experiments.sensitivity.outputs import SAContext, output_names, outputs_frame, run_design_row
from innosim.experiments.sensitivity.space import Factor, all_factors, fixed_values, posterior_ranges, problem, select
from innosim.model.errors import InputError
from innosim.model.instruments.registry import FAMILIES, REGISTRY
from innosim.model.scenario_files import ScenarioFile, file_hash, load_scenario_file

RESULTS = Path("results") / "sensitivity"
OUTPUT_SETS = ("values", "met", "yearly")


@dataclass(frozen=True)
class SensitivityRequest:
    """What ``innosim sensitivity`` is asked to do. ``n``: Morris trajectories or the Sobol' base sample (None:
    10 or 64); ``params``: factors or groups; ``outputs``: see ``outputs.output_names``; ``ranges``: ``prior`` or
    ``posterior`` (the shipped posterior's 5–95% range)."""

    scenario: str | Path
    method: Method = "morris"
    n: int | None = None
    replicates: int = 2
    params: str = "all"
    outputs: str = "values,met"
    ranges: str = "prior"
    grouped: bool = False
    second_order: bool = True
    seed: int = 20240101
    workers: int = 1
    backend: str = "processes"
    scheduler: str | None = None
    out: str | None = None
    resume: bool = False
    progress: bool = True
    flush_runs: int = 100
    lang: str = "en"
    yes: bool = False  # start even if the estimate exceeds about four hours of runs or a ~1 GB design (--yes)


def _needed(n: int, conf: float, goal: float, method: Method) -> int:
    """N at which an interval of half-width ``conf`` at ``n`` shrinks to ``goal`` (∝ 1/√N)."""
    need = n * (conf / goal) ** 2
    return 2 ** math.ceil(math.log2(need)) if method == "sobol" else math.ceil(need)


def diagnose(indices: pd.DataFrame, noise: pd.DataFrame, method: Method, n: int) -> pd.DataFrame:
    """Warnings per output: replicate noise dominating; intervals wider than the indices (and the N needed)."""
    rows = []
    for _, r in noise.iterrows():
        if np.isfinite(r["noise_share"]) and r["noise_share"] > 0.5:
            rows.append({"output": r["output"], "problem": "noise",
                         "message": f"replicate noise is {r['noise_share']:.0%} of the variance of {r['output']}: "
                                    "the indices describe the replicate mean; use more --replicates"})
    idx, conf = ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")
    for output, g in indices.groupby("output", sort=False):
        g = g.dropna(subset=[idx])
        if g.empty:
            rows.append({"output": output, "problem": "constant",
                         "message": f"{output} did not vary across the design: no indices"})
            continue
        top = g[idx].abs().max()
        relevant = g[g[idx].abs() >= 0.1 * top] if top > 0 else g
        wide = relevant[relevant[conf] > relevant[idx].abs()]
        if len(wide):
            worst = wide.loc[(wide[conf] / wide[idx].abs().clip(lower=1e-12)).idxmax()]
            goal = max(abs(worst[idx]) / 2, 1e-12)
            rows.append({"output": output, "problem": "too few samples",
                         "message": f"intervals wider than the indices for {len(wide)} factor(s) of {output} (e.g. "
                                    f"{worst['parameter']}: {idx} {worst[idx]:.3g} ± {worst[conf]:.3g}); "
                                    f"about --n {_needed(n, worst[conf], goal, method)} would shrink them "
                                    "to half the index"})
    return pd.DataFrame(rows, columns=["output", "problem", "message"])


def _identity(source: ScenarioFile, req: SensitivityRequest, n: int, factors: list[Factor],
              fixed: dict[str, float]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"chain": source.chain_sha256, "method": req.method, "n": n, "replicates": req.replicates,
                         "factors": [f.__dict__ for f in factors], "seed": req.seed,
                         "second_order": req.second_order, "grouped": req.grouped, "fixed": fixed},
                        sort_keys=True).encode())
    return h.hexdigest()


def _check(req: SensitivityRequest) -> int:
    """The design size N after checking it against the method; raises ``InputError``."""
    n = req.n if req.n is not None else (10 if req.method == "morris" else 64)
    if req.method == "sobol" and n & (n - 1):
        raise InputError("--n", str(n), f"Sobol' (Saltelli) sampling needs a power of 2; try "
                         f"{2 ** round(math.log2(n))}")
    if req.method == "morris" and n < 2:
        raise InputError("--n", str(n), "Morris needs at least 2 trajectories")
    if req.ranges not in ("prior", "posterior"):
        raise InputError("--ranges", req.ranges, "use prior or posterior")
    return n


def run_sensitivity(req: SensitivityRequest) -> Path:
    """Run (or continue) a sensitivity batch; returns its results folder."""
    started, t0 = now(), time.monotonic()
    scenario_path = Path(req.scenario)
    n = _check(req)
    source = load_scenario_file(scenario_path)
    base, plan = source.scenario, source.city.plan
    names = output_names(req.outputs, plan)
    post = choose_posterior(req.ranges, option="--ranges", required=True)
    # Levers only for the families the city runs an instrument of (another lever would scale nothing).
    runs = {REGISTRY[k].family for k in source.city.instruments}
    factors = select(req.params, all_factors(plan, tuple(f for f in FAMILIES if f in runs)))
    if post is not None:
        factors = posterior_ranges(factors, post)
    fixed = fixed_values(post)
    prob = problem(factors, req.grouped)
    if req.grouped and len(set(prob["groups"])) < 2:
        raise InputError("--grouped", req.params, "the chosen factors fall into fewer than two groups")
    # The command line's cap, here too, so Python callers are refused before the design is built (runs/limits.py).
    rows = design_size(prob, req.method, n, req.second_order)
    check_size(Estimate(rows * req.replicates, req.workers, design_bytes(prob, req.method, n, req.second_order)),
               req.yes, "--n")
    design_u = sample(prob, req.method, n, req.seed, req.second_order, yes=req.yes)
    design = np.column_stack([f.to_natural(design_u[:, j]) for j, f in enumerate(factors)])
    ident = _identity(source, req, n, factors, fixed)
    ctx = SAContext(base, tuple(factors), design, fixed, req.seed, plan.headline, plan.years)
    claim = _folder(req.out, base.name, req.method, req.resume, ident)
    folder = claim.final
    try:
        with make_executor(req.backend, req.workers, req.scheduler) as ex:
            if not req.resume:
                _start(folder, ident, scenario_path)
            _describe(folder, scenario_path, prob, factors, design_u, design)
            store = RunStore(folder / "store", flush_runs=req.flush_runs)
            with StoreRunner(ex, run_design_row, ctx, store, req.progress, f"sensitivity {req.method}") as runner:
                wanted = [(i, r) for r in range(req.replicates) for i in range(len(design))]
                runner.run(wanted, f"{len(design)} design rows × {req.replicates} replicates")
            n_workers = ex.workers
        elapsed = time.monotonic() - t0
        runs = store.read()
        runs = runs[(runs["point"] < len(design)) & (runs["run"] < req.replicates)]
        per_run = outputs_frame(runs, plan)
        # Written in place into a folder that may already be complete (a --resume of a finished batch): each
        # file is replaced whole (runs/files.py), never left half-written by a kill or a full disk.
        write_parquet(per_run, folder / "outputs.parquet")
        indices, s2, noise = _analyse(prob, req.method, design_u, per_run, names, req.replicates, req.seed,
                                      req.second_order)
        write_csv(indices, folder / "indices.csv", float_format="%.6g")
        if req.method == "sobol" and req.second_order:
            write_csv(s2, folder / "indices_s2.csv", float_format="%.6g")
        write_csv(noise, folder / "noise.csv", float_format="%.6g")
        warn = diagnose(indices, noise, req.method, n)
        write_csv(warn, folder / "warnings.csv")
        drawn = charts(indices, req.method, folder, base.name, lang=req.lang, targets=plan.targets,
                       target_year=plan.target_year)
        write_manifest(folder, build_manifest("innosim sensitivity", started, req.seed, plan, {
            "status": "complete", "scenario_file": str(scenario_path), "scenario_sha256": file_hash(scenario_path),
            "scenario_chain_sha256": source.chain_sha256,
            "identity": ident, "method": req.method, "n": n, "replicates": req.replicates, "design_rows": len(design),
            "runs": len(design) * req.replicates, "runs_this_session": runner.new,
            "factors": [f.__dict__ for f in factors], "grouped": req.grouped, "second_order": req.second_order,
            "ranges": req.ranges, "posterior_sha256": post.sha256 if post else None, "fixed_parameters": fixed,
            "outputs": names, "backend": req.backend, "scheduler": req.scheduler, "workers": n_workers,
            "resumed": req.resume, "seconds_this_session": round(elapsed, 1), "warnings": warn["message"].tolist(),
            "lang": req.lang, "charts": [p.name for p in drawn], "files": listing(folder),
        }))
        for msg in warn["message"]:
            print(f"innosim: warning: {msg}", file=sys.stderr)
        claim.release()
        return folder
    except BaseException:
        claim.abandon()  # a folder it created is removed if still empty; a started store is kept
        raise


def _analyse(prob: dict, method: Method, design_u: np.ndarray, per_run: pd.DataFrame, names: list[str],
             replicates: int, seed: int, second_order: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    per_run = per_run.sort_values(["row", "replicate"])
    tables, s2s, noise = [], [], []
    for name in names:
        wide = per_run.pivot(index="row", columns="replicate", values=name).sort_index().to_numpy()
        y = wide.mean(axis=1)
        main, s2 = analyse(prob, method, design_u, y, seed, second_order)
        main.insert(0, "output", name)
        s2.insert(0, "output", name)
        tables.append(main)
        s2s.append(s2)
        noise.append({"output": name, "replicates": replicates, "noise_share": noise_share(wide),
                      "variance_all_runs": float(np.var(wide, ddof=1)) if wide.size > 1 else np.nan,
                      "variance_of_means": float(np.var(y, ddof=1)) if y.size > 1 else np.nan})
    s2_all = pd.concat(s2s, ignore_index=True) if any(len(s) for s in s2s) else pd.DataFrame(
        columns=["output", "parameter_i", "parameter_j", "S2", "S2_conf"])
    return pd.concat(tables, ignore_index=True), s2_all, pd.DataFrame(noise)


def _folder(out: str | None, name: str, method: str, resume: bool, ident: str) -> Claim:
    """Claim the folder to write into (a new one, or the one to resume); refuses a folder another process is
    writing into, and a repeat of a batch that is running or lies unfinished in the default folders."""
    default, tag = RESULTS / f"{name}-{method}", f"sensitivity {ident[:16]}"
    if not resume:
        if out is not None and (Path(out) / "sensitivity.json").is_file():
            raise InputError(out, "--out", "holds a sensitivity batch already; add --resume to continue it")
        if out is None:
            found = same_batch(RESULTS, f"{name}-{method}", tag, "sensitivity.json", lambda p: _same(p, ident))
            if found is not None and found[1] is not None:
                raise InputError(found[0], "sensitivity", f"the same batch is running there now (pid {found[1]}); "
                                 "wait for it to finish, or give another folder with --out")
            if found is not None:
                raise InputError(found[0], "sensitivity", "an unfinished run of this batch is there; continue it "
                                 f"with the same command and --resume --out {found[0]} (or start afresh with "
                                 "--out NEW_FOLDER)")
        claim = claim_out_dir(out, f"{name}-{method}", base=RESULTS, tag=tag)
        twin = None if out is not None else earlier_twin(claim, RESULTS, f"{name}-{method}", tag)
        if twin is not None:
            claim.abandon()
            raise InputError(twin[0], "sensitivity", f"the same batch is running there now (pid {twin[1]}); wait "
                             "for it to finish, or give another folder with --out")
        return claim
    folder = Path(out) if out is not None else default
    meta = folder / "sensitivity.json"
    if not meta.is_file():
        raise InputError(folder, "--resume", "no sensitivity batch to resume here (sensitivity.json missing)")
    if not _same(folder, ident):
        raise InputError(folder, "--resume", "the scenario, factors, method, N, replicates or seed differ from the "
                         "batch stored here; resuming would mix results — start a new folder")
    return claim_existing(folder, "--resume", tag)


def _same(folder: Path, ident: str) -> bool:
    try:
        return json.loads((folder / "sensitivity.json").read_text(encoding="utf-8")).get("identity") == ident
    except (OSError, ValueError):
        return False


def _start(folder: Path, ident: str, scenario_path: Path) -> None:
    """The batch's marker ``sensitivity.json`` (its identity), written atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / "sensitivity.json", {"identity": ident, "scenario": str(scenario_path), "created": now()})


def _describe(folder: Path, scenario_path: Path, prob: dict, factors: list[Factor], design_u: np.ndarray,
              design: np.ndarray) -> None:
    """``problem.json``, ``sample.csv`` and ``scenario.yaml``, each replaced whole. Written again on --resume
    (the same bytes: the identity fixes the design and the scenario), so a batch killed right after its marker
    still ends with all three."""
    write_json(folder / "problem.json", {**prob, "factors": [f.__dict__ for f in factors]})
    frame = pd.DataFrame(design, columns=[f.name for f in factors])
    for j, f in enumerate(factors):
        if f.log:
            frame[f"log({f.name})"] = design_u[:, j]
    frame.insert(0, "row", range(len(frame)))
    write_csv(frame, folder / "sample.csv", float_format="%.10g")
    copy_file(scenario_path, folder / "scenario.yaml")
