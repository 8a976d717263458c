"""``innosim sweep`` end to end: the shipped smoke sweep, backends agree run for run, kill-and-resume equals an
uninterrupted sweep, the precision goal stops when it should, and bad sweep files exit 2 cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from innosim.calibration.posterior import SHIPPED, load_posterior
from innosim.experiments.runs.command import parameter_sets
from innosim.experiments.runs.ensemble import run_replicate, to_annual
from innosim.experiments.runs.intervals import half_width
from innosim.experiments.runs.store import RunStore
from innosim.experiments.runs.targets import outcomes
from innosim.experiments.sweep.command import SweepRequest, run_sweep
from innosim.experiments.sweep.spec import load_sweep
from innosim.experiments.sweep.tables import met_frame
from innosim.experiments.sweep.worker import SweepContext, run_point
from tests.conftest import ROOT, city_plan, cli

BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMOKE = ROOT / "scenarios" / "sweeps" / "smoke.yaml"
BAD = ROOT / "tests" / "bad_sweeps"
PLAN = city_plan()
OUTCOMES = outcomes(PLAN.targets)


def tiny(tmp: Path, runs: str = "runs: {draws: 6}", name: str = "tiny") -> Path:
    """A 2-point sweep (budget ×1 and ×2.5) on the shipped baseline."""
    p = tmp / f"{name}.yaml"
    p.write_text(f"name: {name}\nbase: {BASELINE}\naxes: [{{field: budget_scale, values: [1.0, 2.5]}}]\n{runs}\n"
                 "discovery: {min_positive: 2}\n", encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke") / "out"
    r = cli("sweep", str(SMOKE), "--out", str(out), "--workers", "2")
    assert r.returncode == 0, r.stderr
    return out, r


def test_smoke_sweep_writes_everything(smoke_run):
    out, r = smoke_run
    sweep = load_sweep(SMOKE)
    for f in ["probabilities.csv", "paired_differences.csv", "discovery.csv", "points.csv", "manifest.json",
              "sweep.json", "budget_curve.png", "heatmap_tech_contract_turnover.png"]:
        assert (out / f).is_file(), f
    probs = pd.read_csv(out / "probabilities.csv")
    assert len(probs) == len(sweep.points) * len(OUTCOMES)
    assert {"budget_scale", "mix.equity", "p_met", "ci_low", "ci_high", "n", "target"} <= set(probs.columns)
    assert (probs["n"] == 8).all() and probs["p_met"].between(0, 1).all()
    assert (probs["ci_low"] <= probs["p_met"]).all() and (probs["p_met"] <= probs["ci_high"]).all()
    # "all" can never be more likely than any single target
    wide = probs.pivot(index="point", columns="target", values="p_met")
    assert (wide["all"] <= wide.drop(columns="all").min(axis=1) + 1e-12).all()
    pdiff = pd.read_csv(out / "paired_differences.csv")
    assert set(pdiff["comparison"]) == {"neighbour:budget_scale", "neighbour:mix.equity", "vs_base"}
    assert ((pdiff["ci_low"] <= pdiff["diff"]) & (pdiff["diff"] <= pdiff["ci_high"])).all()
    disc = pd.read_csv(out / "discovery.csv")
    assert set(disc["target"]) == set(OUTCOMES)
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "complete" and man["runs_stored"] == 40 and man["workers"] == 2
    assert "all five" in r.stdout and "probabilities.csv" in r.stdout
    assert "runs/s" in r.stderr or "run/s" in r.stderr  # the progress bar shows the rate


def test_sweep_run_equals_innosim_run_replicate():
    # Run k of a sweep point is replicate k of `innosim run` on that point's scenario with the same seed.
    sweep = load_sweep(SMOKE)
    base = next(p for p in sweep.points if p.is_base)
    ctx = SweepContext(tuple(p.scenario for p in sweep.points), load_posterior(SHIPPED), sweep.spec.seed, 1,
                       tuple(PLAN.targets))
    row = run_point(ctx, (base.index, 3))
    tasks, _ = parameter_sets("posterior", sweep.spec.seed, 4)
    annual = to_annual(run_replicate(base.scenario, tasks[3], sweep.spec.seed))
    last = annual[annual["year"] == 2028].iloc[0]
    for ind in ["tech_enterprises", "rd_expenditure", "platforms", "tech_contract_turnover", "tech_brokers"]:
        assert row[f"{ind}_2028"] == pytest.approx(float(last[ind]), rel=1e-12)
    assert row["draw"] == tasks[3].draw


@pytest.fixture(scope="module")
def processes_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("proc")
    return run_sweep(SweepRequest(tiny(tmp), out=str(tmp / "out"), workers=2, progress=False))


def _same_results(a: Path, b: Path) -> None:
    sa, sb = RunStore(a / "store").read(), RunStore(b / "store").read()
    pd.testing.assert_frame_equal(sa, sb)
    for f in ["probabilities.csv", "paired_differences.csv", "discovery.csv"]:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_dask_local_cluster_equals_processes(processes_run, tmp_path):
    pytest.importorskip("distributed")
    dask_out = run_sweep(SweepRequest(tiny(tmp_path), out=str(tmp_path / "dask"), backend="dask", workers=2,
                                      progress=False))
    _same_results(processes_run, dask_out)
    assert json.loads((dask_out / "manifest.json").read_text())["backend"] == "dask"


def test_one_worker_equals_two(processes_run, tmp_path):
    serial = run_sweep(SweepRequest(tiny(tmp_path), out=str(tmp_path / "one"), workers=1, progress=False))
    _same_results(processes_run, serial)


def test_kill_and_resume_equals_uninterrupted(processes_run, tmp_path):
    spec = tiny(tmp_path)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "innosim.experiments.cli", "sweep", str(spec), "--out", str(out), "--flush-every", "2",
           "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "store").glob("part-*.parquet"))) < 2:
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = len(RunStore(out / "store").read())
    assert 0 < stored < 12, "the sweep should have been killed part-way"
    assert not (out / "manifest.json").exists()
    (out / "store" / "part-999999.parquet.tmp").write_bytes(b"half-written part")  # as if killed mid-write
    r = cli("sweep", str(spec), "--out", str(out), "--resume", "--quiet")
    assert r.returncode == 0, r.stderr
    _same_results(processes_run, out)
    man = json.loads((out / "manifest.json").read_text())
    assert man["runs_this_session"] == 12 - stored and man["runs_stored"] == 12
    assert not list((out / "store").glob("*.tmp"))


def test_resume_refusals(processes_run, tmp_path):
    r = cli("sweep", str(tiny(tmp_path)), "--out", str(processes_run))
    assert r.returncode == 2 and "--resume" in r.stderr and "Traceback" not in r.stderr
    changed = tiny(tmp_path, runs="runs: {draws: 7}")
    r = cli("sweep", str(changed), "--out", str(processes_run), "--resume")
    assert r.returncode == 2 and "would mix" in r.stderr and "Traceback" not in r.stderr
    r = cli("sweep", str(changed), "--out", str(tmp_path / "nothing"), "--resume")
    assert r.returncode == 2 and "no sweep to resume" in r.stderr


def test_precision_goal_stops_when_it_should(tmp_path):
    spec = tiny(tmp_path, runs="precision: {half_width: 0.2, batch: 4, max_runs: 16}", name="precise")
    out = run_sweep(SweepRequest(spec, out=str(tmp_path / "out"), workers=2, progress=False))
    store = RunStore(out / "store")
    counts = store.read().groupby("point").size().to_dict()
    man = json.loads((out / "manifest.json").read_text())
    probs = pd.read_csv(out / "probabilities.csv")
    for point, n in counts.items():
        assert n % 4 == 0 and 4 <= n <= 16
        # every earlier round missed the goal; the last round met it, or hit max_runs
        for m in range(4, n + 1, 4):
            met = met_frame(store, PLAN, {point: m})
            widths = [half_width(int(met[o].sum()), m) for o in OUTCOMES]
            if m < n:
                assert max(widths) > 0.2, (point, m, widths)
            elif max(widths) <= 0.2:
                assert man["precision"][str(point)] == "goal met"
            else:
                assert n == 16 and man["precision"][str(point)] == "max_runs reached"
        rows = probs[probs["point"] == point]
        assert (rows["n"] == n).all()
        assert ((rows["half_width"] <= 0.2) | (n == 16)).all()


@pytest.mark.parametrize("name,fragments", [
    ("unknown_key.yaml", ["budgets", "unknown key"]),
    ("missing_base.yaml", ["base", "not found"]),
    ("runs_and_precision.yaml", ["runs", "precision"]),
    ("no_runs.yaml", ["runs", "precision"]),
    ("unknown_field.yaml", ["axes.0.field", "not a sweepable field"]),
    ("unknown_family.yaml", ["axes.0.field", "lottery"]),
    ("shares_over_one.yaml", ["axes", "sum to 1.200"]),
    ("parameter_out_of_range.yaml", ["alpha_constrained", "outside"]),
    ("negative_scale.yaml", ["budget_scale", "greater than or equal to 0"]),
    ("heatmap_not_axis.yaml", ["heatmap", "mix.equity"]),
    ("batch_not_multiple.yaml", ["precision", "multiple"]),
    ("malformed.yaml", ["malformed YAML", "line"]),
    ("zero_draws.yaml", ["runs.draws"]),
    ("axis_values_and_range.yaml", ["axes.0", "not both"]),
    ("no_axes.yaml", ["axes", "at least 1"]),
    ("huge_grid.yaml", ["1,000,000 points", "at most 10,000"]),
])
def test_bad_sweep_file_exit_2(name, fragments, tmp_path):
    out = tmp_path / "out"
    r = cli("sweep", str(BAD / name), "--out", str(out), "--quiet")
    assert r.returncode == 2, (r.stdout, r.stderr)
    err = r.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith("innosim: error: ") and name in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    assert not out.exists()


def test_bad_sweep_corpus_is_complete():
    tested = {"unknown_key", "missing_base", "runs_and_precision", "no_runs", "unknown_field", "unknown_family",
              "shares_over_one", "parameter_out_of_range", "negative_scale", "heatmap_not_axis",
              "batch_not_multiple", "malformed", "zero_draws", "axis_values_and_range", "no_axes", "huge_grid"}
    assert {p.stem for p in BAD.glob("*.yaml")} == tested


def test_bad_scheduler_address(tmp_path):
    r = cli("sweep", str(tiny(tmp_path)), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9")
    assert r.returncode == 2 and "--backend dask" in r.stderr
    r = cli("sweep", str(tiny(tmp_path)), "--out", str(tmp_path / "o"), "--backend", "dask", "--scheduler",
            "tcp://127.0.0.1:9")
    assert r.returncode == 2 and "cannot connect" in r.stderr and "Traceback" not in r.stderr
