"""``innosim sweep``: run every point of a sweep file, store runs as they finish, then write probabilities,
paired differences, charts and PRIM scenario discovery.

The results folder holds ``sweep.json`` (what decides the runs, written before the first run), ``store/`` (the
runs), and the tables and charts (rebuilt from the store at the end). ``--resume`` continues a folder only if
``sweep.json`` still matches the sweep file; it runs exactly the runs the store lacks.

With a precision goal the sweep runs in rounds: every point still short of the goal gets ``batch`` more runs;
a point stops when every outcome's interval half-width is ≤ the goal (or at ``max_runs``). The decision after a
round uses only the runs that round asked for, so a resumed sweep replays the same decisions.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from innosim.calibration.posterior import Posterior, choose_posterior
from innosim.experiments.report.sweep_charts import budget_curve, heatmap
from innosim.experiments.report.value_charts import value_bands
from innosim.experiments.runs.executors import make_executor
from innosim.experiments.runs.files import copy_file, write_csv, write_json
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
from innosim.experiments.runs.runner import StoreRunner
from innosim.experiments.runs.store import RunStore
from innosim.experiments.runs.targets import all_label, outcomes
from innosim.experiments.sweep.discovery import discover, inputs
from innosim.experiments.sweep.spec import Sweep, load_sweep
from innosim.experiments.sweep.tables import (
    indicator_bands,
    met_frame,
    paired_differences,
    point_frame,
    precise,
    probabilities,
)
from innosim.experiments.sweep.worker import SweepContext, run_point
from innosim.model.errors import InputError
from innosim.model.scenario_files import file_hash

RESULTS = Path("results") / "sweeps"
# Column heads of the printed table (indicator -> at most 9 characters)
SHORT = {"tech_enterprises": "firms", "rd_expenditure": "R&D", "platforms": "platf.",
         "tech_contract_turnover": "turnover", "tech_brokers": "brokers"}


@dataclass(frozen=True)
class SweepRequest:
    """What ``innosim sweep`` is asked to do: the sweep file, where to write, how to execute (``backend``
    ``processes`` or ``dask``, with ``scheduler`` an address or None for a local cluster), and the chart language."""

    spec: str | Path
    out: str | None = None
    backend: str = "processes"
    scheduler: str | None = None
    workers: int = 1
    resume: bool = False
    progress: bool = True
    flush_runs: int = 100
    lang: str = "en"


def _identity(sweep: Sweep, post: Posterior | None) -> dict:
    return {"sweep_identity": sweep.identity(), "posterior_sha256": post.sha256 if post else None,
            "seed": sweep.spec.seed}


def _folder(sweep: Sweep, out: str | None, resume: bool, ident: dict) -> Claim:
    """Claim the folder to write into (a new one, or the one to resume); refuses a folder another process is
    writing into, and a repeat of a sweep that is running or lies unfinished in the default folders."""
    tag = "sweep " + hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:16]
    if not resume:
        if out is not None and (Path(out) / "sweep.json").is_file():
            raise InputError(out, "--out", "holds a sweep already; add --resume to continue it, or choose another "
                             "folder")
        if out is None:
            _refuse_repeat(sweep, ident, tag)
        claim = claim_out_dir(out, sweep.spec.name, base=RESULTS, tag=tag)
        twin = None if out is not None else earlier_twin(claim, RESULTS, sweep.spec.name, tag)
        if twin is not None:
            claim.abandon()
            raise InputError(twin[0], "sweep", f"the same sweep is running there now (pid {twin[1]}); wait for it "
                             "to finish, or give another folder with --out")
        return claim
    folder = Path(out) if out is not None else RESULTS / sweep.spec.name
    meta = folder / "sweep.json"
    if not meta.is_file():
        raise InputError(folder, "--resume", "no sweep to resume here (sweep.json missing); run without --resume")
    if not _same(folder, ident):
        old = json.loads(meta.read_text(encoding="utf-8"))
        key = next((k for k, v in ident.items() if old.get(k) != v), "sweep")
        raise InputError(sweep.path, key.removesuffix("_sha256"),
                         f"differs from the sweep stored in {folder}/ (the sweep file, its scenarios or the "
                         "posterior changed since it started); resuming would mix results — start a new folder")
    return claim_existing(folder, "--resume", tag)


def _same(folder: Path, ident: dict) -> bool:
    try:
        old = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return all(old.get(k) == v for k, v in ident.items())


def _refuse_repeat(sweep: Sweep, ident: dict, tag: str) -> None:
    found = same_batch(RESULTS, sweep.spec.name, tag, "sweep.json", lambda p: _same(p, ident))
    if found is None:
        return
    folder, pid = found
    if pid is not None:
        raise InputError(folder, "sweep", f"the same sweep is running there now (pid {pid}); wait for it to "
                         "finish, or give another folder with --out")
    raise InputError(folder, "sweep", f"an unfinished run of this sweep is there; continue it with: innosim sweep "
                     f"{sweep.path} --resume --out {folder} (or start afresh with --out NEW_FOLDER)")


def _start(sweep: Sweep, folder: Path, ident: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    meta = {**ident, "sweep_file": str(sweep.path), "sweep_sha256": file_hash(sweep.path),
            "base_scenario": str(sweep.base_path),
            "base_chain_sha256": sweep.base_chain_sha256,
            "created": now(), "spec": sweep.spec.model_dump(mode="json")}
    write_json(folder / "sweep.json", meta)  # each file replaced whole (runs/files.py): never left half-written
    copy_file(sweep.path, folder / "sweep.yaml")
    write_csv(point_frame(sweep), folder / "points.csv")


def _fixed(sweep: Sweep, runner: StoreRunner) -> dict[int, int]:
    n = sweep.spec.runs.draws * sweep.spec.runs.replicates  # type: ignore[union-attr]
    # Run index outermost: every point advances together, so partial results stay comparable across points.
    runner.run([(p.index, k) for k in range(n) for p in sweep.points], f"{len(sweep.points)} points × {n} runs")
    return {p.index: n for p in sweep.points}


def _precision(sweep: Sweep, runner: StoreRunner, store: RunStore) -> tuple[dict[int, int], dict[int, str]]:
    goal = sweep.spec.precision
    assert goal is not None
    limits = {p.index: 0 for p in sweep.points}
    status: dict[int, str] = {}
    active = [p.index for p in sweep.points]
    rnd = 0
    while active:
        rnd += 1
        for i in active:
            target = limits[i] + goal.batch
            if target < goal.min_runs:
                target = min(-(-goal.min_runs // goal.batch) * goal.batch, goal.max_runs)
            limits[i] = min(target, goal.max_runs)
        wanted = [(i, k) for i in active for k in range(limits[i])]
        runner.run(sorted(wanted, key=lambda t: (t[1], t[0])), f"round {rnd}: {len(active)} points")
        met = met_frame(store, sweep.plan, limits)
        still = []
        for i in active:
            if limits[i] >= goal.min_runs and precise(met, i, goal.half_width, goal.level):
                status[i] = "goal met"
            elif limits[i] >= goal.max_runs:
                status[i] = "max_runs reached"
            else:
                still.append(i)
        active = still
    return limits, status


def run_sweep(req: SweepRequest) -> Path:
    """Run (or continue) the sweep ``req.spec``; returns its results folder."""
    started, t0 = now(), time.monotonic()
    sweep = load_sweep(req.spec)
    post = choose_posterior(sweep.spec.params, relative_to=sweep.path.parent)
    ident = _identity(sweep, post)
    ctx = SweepContext(tuple(p.scenario for p in sweep.points), post, sweep.spec.seed, sweep.spec.replicates_per_draw,
                       sweep.plan.headline)
    status: dict[int, str] = {}
    claim = _folder(sweep, req.out, req.resume, ident)
    folder = claim.final
    try:
        with make_executor(req.backend, req.workers, req.scheduler) as ex:
            if not req.resume:
                _start(sweep, folder, ident)
            store = RunStore(folder / "store", flush_runs=req.flush_runs)
            with StoreRunner(ex, run_point, ctx, store, req.progress, f"sweep {sweep.spec.name}") as runner:
                if sweep.spec.runs is not None:
                    limits = _fixed(sweep, runner)
                else:
                    limits, status = _precision(sweep, runner, store)
            n_workers = ex.workers
        elapsed = time.monotonic() - t0
        notes = write_outputs(sweep, folder, store, limits, status, req.lang)
        write_manifest(folder, build_manifest("innosim sweep", started, sweep.spec.seed, sweep.plan, {
            "status": "complete", "sweep_file": str(sweep.path),
            "sweep_sha256": file_hash(sweep.path), **ident,
            "base_scenario": str(sweep.base_path),
            "base_chain_sha256": sweep.base_chain_sha256,
            "parameter_source": sweep.spec.params, "posterior_file": str(post.path) if post else None,
            "points": len(sweep.points), "runs_stored": sum(limits.values()), "runs_this_session": runner.new,
            "backend": req.backend, "scheduler": req.scheduler, "workers": n_workers, "resumed": req.resume,
            "seconds_this_session": round(elapsed, 1),
            "runs_per_second_this_session": round(runner.new / elapsed, 3) if runner.new else None,
            "precision": ({str(k): v for k, v in sorted(status.items())} if status else None),
            "notes": notes, "lang": req.lang, "files": listing(folder),
        }))
        claim.release()
        return folder
    except BaseException:
        claim.abandon()  # a folder it created is removed if still empty; a started store is kept
        raise


def write_outputs(sweep: Sweep, folder: Path, store: RunStore, limits: dict[int, int], status: dict[int, str],
                  lang: str = "en") -> list[str]:
    """Tables and charts from the store; returns notes on what was not drawn and why."""
    notes: list[str] = []
    targets, year = sweep.plan.targets, sweep.plan.target_year
    met = met_frame(store, sweep.plan, limits)
    probs = probabilities(sweep, met)
    if status:
        probs["precision_status"] = probs["point"].map(status)
    # Replaced whole (runs/files.py): a --resume of a finished sweep writes these again into a complete folder.
    write_csv(probs, folder / "probabilities.csv", float_format="%.6f")
    write_csv(paired_differences(sweep, met), folder / "paired_differences.csv", float_format="%.6f")
    bands = indicator_bands(sweep, store, limits)
    write_csv(bands, folder / "indicators.csv", float_format="%.6f")
    axes = sweep.axis_fields
    if not targets:  # the target-year median and 90% band of each headline indicator per point, no target line
        value_bands(bands, folder, lang=lang, indicators=sweep.plan.headline, target_year=year)
        notes.append("budget_curve.png and heatmap not drawn: the plan states no target (value_bands.png and "
                     "indicators.csv show each point's projections)")
    elif budget_curve(probs, axes, folder, sweep.spec.name, lang=lang, targets=targets) is None:
        notes.append("budget_curve.png not drawn: every point has the same annual budget")
    hm = sweep.spec.heatmap
    numeric = [a for a in axes if pd.to_numeric(probs[a], errors="coerce").notna().all()]
    if not targets:
        pass
    elif hm is not None:
        heatmap(probs, hm.x, hm.y, axes, hm.target, folder, sweep.spec.name, lang=lang, targets=targets,
                target_year=year)
    elif len(numeric) >= 2:
        heatmap(probs, numeric[0], numeric[1], axes, "all", folder, sweep.spec.name, lang=lang, targets=targets,
                target_year=year)
    else:
        notes.append("heatmap not drawn: the sweep has fewer than two numeric axes")
    runs = store.read([c for c in _param_columns(store)])
    runs = runs.merge(met[["point", "run"]], on=["point", "run"], how="inner")
    x = inputs(runs, point_frame(sweep), axes)
    table, _ = discover(x, met.reset_index(drop=True), sweep.spec.discovery, folder, sweep.spec.name, lang)
    write_csv(table, folder / "discovery.csv", float_format="%.6g")
    return notes


def _param_columns(store: RunStore) -> list[str]:
    import pyarrow.parquet as pq

    parts = store.parts()
    return [n for n in pq.read_schema(parts[0]).names if n.startswith("param.")] if parts else []


def format_probabilities(folder: Path, targets: dict[str, float]) -> str:
    """The table printed at the end of a sweep: P(met) per point, one column per outcome (the plan's targets)."""
    if not targets:  # no target to judge: the target-year median of each headline indicator per point
        ind = pd.read_csv(folder / "indicators.csv")
        wide = ind.pivot_table(index=["point", "label"], columns="indicator", values="median", sort=False)
        width = max(12, max(len(str(lbl)) for lbl in wide.index.get_level_values(1)) + 2)
        lines = [f"{'point (median)':<{width}}" + "".join(f"{SHORT.get(c, c[:9]):>12}" for c in wide.columns)]
        for (_, label), r in wide.iterrows():
            lines.append(f"{str(label):<{width}}" + "".join(f"{v:>12,.0f}" for v in r))
        return "\n".join(lines)
    probs = pd.read_csv(folder / "probabilities.csv")
    wide = probs.pivot_table(index=["point", "label"], columns="target", values="p_met", sort=False)
    n = probs.groupby("point")["n"].first()
    cols = [c for c in outcomes(targets) if c in wide.columns]
    short = {**SHORT, "all": all_label(len(targets))}
    heads = [short.get(c, c[:9]) for c in cols]
    width = max(12, max(len(str(lbl)) for lbl in wide.index.get_level_values(1)) + 2)
    lines = [f"{'point':<{width}}" + "".join(f"{h:>10}" for h in heads) + f"{'runs':>8}"]
    for (point, label), r in wide.iterrows():
        lines.append(f"{str(label):<{width}}" + "".join(f"{r[c]:>10.2f}" for c in cols) + f"{int(n[point]):>8}")
    return "\n".join(lines)
