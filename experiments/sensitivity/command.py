"""``innosim sensitivity``: Morris screening or Sobol' indices of the 2028 outcomes over the behavioural
parameters and the policy levers, run through the same executors and results store as sweeps.

Design row i, replicate r is run (point=i, run=r) of the store. Replicate r uses the random streams of replicate r
at every design row (common random numbers), so differences between rows are not blurred by different seeds. The
analysis uses the replicate mean of each output; with two or more replicates the share of variance that is
replicate noise is reported, and warnings say when noise dominates or when the intervals are wider than the
indices (with the N that would be needed).
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from innosim.calibration.posterior import SHIPPED, Posterior, load_posterior
from innosim.experiments.runs.ensemble import Task, run_replicate_full, to_annual
from innosim.experiments.runs.executors import make_backend
from innosim.experiments.runs.folders import choose_out_dir, git_commit, now, package_versions, write_manifest
from innosim.experiments.runs.runner import StoreRunner
from innosim.experiments.runs.store import RunStore
from innosim.experiments.sensitivity.engine import Method, analyse, noise_share, sample
from innosim.experiments.sensitivity.space import Factor, fixed_values, posterior_ranges, problem, select, with_levers
from innosim.model.city import CityProfile, load_city
from innosim.model.errors import InputError
from innosim.model.indicators import TARGETS
from innosim.model.scenario import Scenario
from innosim.model.scenario_files import file_hash, load_scenario, load_scenario_file

RESULTS = Path("results") / "sensitivity"
YEARS_OUT = range(2024, 2029)
OUTPUT_SETS = ("values", "met", "yearly")


@dataclass(frozen=True)
class SAContext:
    """What a worker needs: the scenario, the factors, the design (natural units), the fixed parameter values."""

    base: Scenario
    factors: tuple[Factor, ...]
    design: np.ndarray
    fixed: dict[str, float]
    seed: int


_CITIES: dict[str, CityProfile] = {}


def run_design_row(ctx: SAContext, row: int, rep: int) -> dict:
    """One run: design row ``row`` with replicate ``rep``'s random streams; the target indicators 2024-2028."""
    values = {f.name: float(v) for f, v in zip(ctx.factors, ctx.design[row], strict=True)}
    levers = {k.removeprefix("lever."): v for k, v in values.items() if k.startswith("lever.")}
    sampled = {k: v for k, v in values.items() if not k.startswith("lever.")}
    scenario = with_levers(ctx.base, levers) if levers else ctx.base
    # The scenario's own assumptions would override the sampled values inside the model: drop those sampled.
    scenario = scenario.model_copy(update={"assumptions": {k: v for k, v in scenario.assumptions.items()
                                                           if k not in sampled}})
    if scenario.city not in _CITIES:
        _CITIES[scenario.city] = load_city(scenario.city)
    ts, _ = run_replicate_full(scenario, Task(rep, {**ctx.fixed, **sampled}, -1), ctx.seed, _CITIES[scenario.city])
    annual = to_annual(ts).set_index("year")
    out: dict = {"point": row, "run": rep}
    for ind in TARGETS:
        for y in YEARS_OUT:
            out[f"{ind}_{y}"] = float(annual.at[y, ind])
    return out


def output_names(spec: str) -> list[str]:
    """Outputs named by ``--outputs``: sets ``values`` (2028 value of each target indicator), ``met`` (each target
    and all five met: the replicate mean is a probability), ``yearly`` (values 2024-2028), or output names."""
    allowed = ([f"value.{t}" for t in TARGETS] + [f"met.{t}" for t in TARGETS] + ["met.all"]
               + [f"value.{t}.{y}" for t in TARGETS for y in YEARS_OUT])
    chosen: list[str] = []
    for token in [t.strip() for t in spec.split(",") if t.strip()]:
        if token == "values":
            chosen += [f"value.{t}" for t in TARGETS]
        elif token == "met":
            chosen += [f"met.{t}" for t in TARGETS] + ["met.all"]
        elif token == "yearly":
            chosen += [f"value.{t}.{y}" for t in TARGETS for y in YEARS_OUT]
        elif token in allowed:
            chosen.append(token)
        else:
            raise InputError("--outputs", token, "unknown output; use values, met, yearly, value.<target>, "
                             f"met.<target>, met.all or value.<target>.<year> (targets: {', '.join(TARGETS)})")
    if not chosen:
        raise InputError("--outputs", spec, "no outputs named")
    return list(dict.fromkeys(chosen))


def outputs_frame(runs: pd.DataFrame) -> pd.DataFrame:
    """Per run (design row × replicate): every output (2028 values, met flags as 0/1, yearly values)."""
    out = runs[["point", "run"]].rename(columns={"point": "row", "run": "replicate"}).copy()
    met = []
    for t, target in TARGETS.items():
        out[f"value.{t}"] = runs[f"{t}_2028"].to_numpy()
        flag = runs[f"{t}_2028"].to_numpy() > target
        out[f"met.{t}"] = flag.astype(float)
        met.append(flag)
    out["met.all"] = np.all(met, axis=0).astype(float)
    for t in TARGETS:
        for y in YEARS_OUT:
            out[f"value.{t}.{y}"] = runs[f"{t}_{y}"].to_numpy()
    return out


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


def _identity(scenario_path: Path, method: str, n: int, replicates: int, factors: list[Factor], seed: int,
              second_order: bool, grouped: bool, fixed: dict[str, float]) -> str:
    h = hashlib.sha256()
    chain = load_scenario_file(scenario_path).chain_sha256
    h.update(json.dumps({"chain": chain, "method": method, "n": n, "replicates": replicates,
                         "factors": [f.__dict__ for f in factors], "seed": seed, "second_order": second_order,
                         "grouped": grouped, "fixed": fixed}, sort_keys=True).encode())
    return h.hexdigest()


def _posterior_for(ranges: str) -> Posterior | None:
    if ranges == "prior":
        return None
    if not SHIPPED.is_file():
        raise InputError("--ranges", ranges, "no calibrated posterior is shipped (calibration/posterior/)")
    return load_posterior(SHIPPED)


def run_sensitivity(scenario_path: str | Path, method: Method = "morris", n: int | None = None,
                    replicates: int = 2, params: str = "all", outputs: str = "values,met", ranges: str = "prior",
                    grouped: bool = False, second_order: bool = True, seed: int = 20240101, workers: int = 1,
                    backend: str = "processes", scheduler: str | None = None, out: str | None = None,
                    resume: bool = False, progress: bool = True, flush_runs: int = 100) -> Path:
    """Run (or continue) a sensitivity batch; returns its results folder."""
    started, t0 = now(), time.monotonic()
    scenario_path = Path(scenario_path)
    n = n if n is not None else (10 if method == "morris" else 64)
    if method == "sobol" and n & (n - 1):
        raise InputError("--n", str(n), f"Sobol' (Saltelli) sampling needs a power of 2; try "
                         f"{2 ** round(math.log2(n))}")
    if method == "morris" and n < 2:
        raise InputError("--n", str(n), "Morris needs at least 2 trajectories")
    if ranges not in ("prior", "posterior"):
        raise InputError("--ranges", ranges, "use prior or posterior")
    names = output_names(outputs)
    base = load_scenario(scenario_path)
    post = _posterior_for(ranges)
    factors = select(params)
    if post is not None:
        factors = posterior_ranges(factors, post)
    fixed = fixed_values(post)
    prob = problem(factors, grouped)
    if grouped and len(set(prob["groups"])) < 2:
        raise InputError("--grouped", params, "the chosen factors fall into fewer than two groups")
    design_u = sample(prob, method, n, seed, second_order)
    design = np.column_stack([f.to_natural(design_u[:, j]) for j, f in enumerate(factors)])
    ident = _identity(scenario_path, method, n, replicates, factors, seed, second_order, grouped, fixed)
    folder = _folder(out, base.name, method, resume, ident)
    ctx = SAContext(base, tuple(factors), design, fixed, seed)
    with make_backend(backend, run_design_row, ctx, workers, scheduler) as ex:
        if not resume:
            _start(folder, ident, scenario_path, prob, factors, design_u, design)
        store = RunStore(folder / "store", flush_runs=flush_runs)
        with StoreRunner(ex, store, progress, f"sensitivity {method}") as runner:
            wanted = [(i, r) for r in range(replicates) for i in range(len(design))]
            runner.run(wanted, f"{len(design)} design rows × {replicates} replicates")
        n_workers = ex.workers
    elapsed = time.monotonic() - t0
    runs = store.read()
    runs = runs[(runs["point"] < len(design)) & (runs["run"] < replicates)]
    per_run = outputs_frame(runs)
    per_run.to_parquet(folder / "outputs.parquet", index=False)
    indices, s2, noise = _analyse(prob, method, design_u, per_run, names, replicates, seed, second_order)
    indices.to_csv(folder / "indices.csv", index=False, float_format="%.6g")
    if method == "sobol" and second_order:
        s2.to_csv(folder / "indices_s2.csv", index=False, float_format="%.6g")
    noise.to_csv(folder / "noise.csv", index=False, float_format="%.6g")
    warn = diagnose(indices, noise, method, n)
    warn.to_csv(folder / "warnings.csv", index=False)
    from innosim.experiments.report.sensitivity_charts import charts

    drawn = charts(indices, method, folder, base.name)
    write_manifest(folder, {
        "command": "innosim sensitivity", "status": "complete", "scenario_file": str(scenario_path),
        "scenario_sha256": file_hash(scenario_path),
        "scenario_chain_sha256": load_scenario_file(scenario_path).chain_sha256,
        "identity": ident, "method": method, "n": n, "replicates": replicates, "design_rows": len(design),
        "runs": len(design) * replicates, "runs_this_session": runner.new, "factors": [f.__dict__ for f in factors],
        "grouped": grouped, "second_order": second_order, "ranges": ranges,
        "posterior_sha256": post.sha256 if post else None, "fixed_parameters": fixed, "outputs": names,
        "seed": seed, "backend": backend, "scheduler": scheduler, "workers": n_workers, "resumed": resume,
        "seconds_this_session": round(elapsed, 1), "warnings": warn["message"].tolist(),
        "packages": package_versions(), "git_commit": git_commit(), "started": started, "finished": now(),
        "charts": [p.name for p in drawn],
        "files": sorted(p.name for p in folder.iterdir() if p.name != "manifest.json") + ["manifest.json"],
    })
    for msg in warn["message"]:
        print(f"innosim: warning: {msg}", file=sys.stderr)
    return folder


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


def _folder(out: str | None, name: str, method: str, resume: bool, ident: str) -> Path:
    default = RESULTS / f"{name}-{method}"
    if not resume:
        if out is not None and (Path(out) / "sensitivity.json").is_file():
            raise InputError(out, "--out", "holds a sensitivity batch already; add --resume to continue it")
        return choose_out_dir(out, f"{name}-{method}", base=RESULTS)
    folder = Path(out) if out is not None else default
    meta = folder / "sensitivity.json"
    if not meta.is_file():
        raise InputError(folder, "--resume", "no sensitivity batch to resume here (sensitivity.json missing)")
    if json.loads(meta.read_text(encoding="utf-8")).get("identity") != ident:
        raise InputError(folder, "--resume", "the scenario, factors, method, N, replicates or seed differ from the "
                         "batch stored here; resuming would mix results — start a new folder")
    return folder


def _start(folder: Path, ident: str, scenario_path: Path, prob: dict, factors: list[Factor], design_u: np.ndarray,
           design: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "sensitivity.json.tmp"
    tmp.write_text(json.dumps({"identity": ident, "scenario": str(scenario_path), "created": now()}, indent=2),
                   encoding="utf-8")
    tmp.replace(folder / "sensitivity.json")
    (folder / "problem.json").write_text(json.dumps({**prob, "factors": [f.__dict__ for f in factors]}, indent=2,
                                                    ensure_ascii=False), encoding="utf-8")
    frame = pd.DataFrame(design, columns=[f.name for f in factors])
    for j, f in enumerate(factors):
        if f.log:
            frame[f"log({f.name})"] = design_u[:, j]
    frame.insert(0, "row", range(len(frame)))
    frame.to_csv(folder / "sample.csv", index=False, float_format="%.10g")
    shutil.copyfile(scenario_path, folder / "scenario.yaml")
