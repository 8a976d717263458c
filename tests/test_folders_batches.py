"""Batches (sweeps, sensitivity, calibrations) and their folders: two identical batches never write into one
store, a repeat of an unfinished batch says where it is and how to continue, ``--resume`` refuses a folder in
use and settings that differ from the folder's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from innosim.experiments.runs.folders import LOCK
from tests.conftest import ROOT, SCENARIOS, cli

BASELINE = SCENARIOS / "baseline.yaml"


def tiny(tmp: Path, name: str = "tiny") -> Path:
    p = tmp / f"{name}.yaml"
    p.write_text(f"name: {name}\nbase: {BASELINE}\naxes: [{{field: budget_scale, values: [1.0, 2.5]}}]\n"
                 "runs: {draws: 2}\ndiscovery: {min_positive: 2}\n", encoding="utf-8")
    return p


def _popen(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "innosim.experiments.cli", *args], cwd=cwd, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def test_two_identical_sweeps_started_together_one_is_refused(tmp_path):
    spec = tiny(tmp_path)
    procs = [_popen("sweep", str(spec), "--quiet", cwd=tmp_path) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], outs
    err = next(e for p, (_, e) in zip(procs, outs, strict=True) if p.returncode == 2).strip()
    assert "same sweep is running there now" in err and "results/sweeps/tiny" in err and len(err.splitlines()) == 1
    done = [p for p in (tmp_path / "results" / "sweeps").iterdir() if (p / "manifest.json").is_file()]
    assert len(done) == 1 and not (done[0] / LOCK).exists()
    assert not [p for p in (tmp_path / "results" / "sweeps").iterdir() if not (p / "manifest.json").is_file()]


def test_repeating_an_unfinished_sweep_says_where_and_how_to_continue(tmp_path):
    spec = tiny(tmp_path)
    assert cli("sweep", str(spec), "--quiet", cwd=tmp_path).returncode == 0
    folder = tmp_path / "results" / "sweeps" / "tiny"
    (folder / "manifest.json").unlink()  # what an interrupted sweep leaves: sweep.json and a store, no manifest
    r = cli("sweep", str(spec), "--quiet", cwd=tmp_path)
    assert r.returncode == 2 and "unfinished" in r.stderr and "--resume --out results/sweeps/tiny" in r.stderr
    assert not (tmp_path / "results" / "sweeps" / "tiny-2").exists()
    # While another process holds the folder, --resume is refused; once it is gone, --resume continues it.
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (folder / LOCK).write_text(json.dumps({"pid": holder.pid, "host": os.uname().nodename, "tag": "x"}))
        r = cli("sweep", str(spec), "--quiet", "--resume", "--out", str(folder), cwd=tmp_path)
        assert r.returncode == 2 and f"pid {holder.pid}" in r.stderr and "Traceback" not in r.stderr
    finally:
        holder.kill()
        holder.wait()
    r = cli("sweep", str(spec), "--quiet", "--resume", "--out", str(folder), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (folder / "manifest.json").is_file() and not (folder / LOCK).exists()


def test_repeating_an_unfinished_sensitivity_batch_says_how_to_continue(tmp_path):
    args = ("sensitivity", str(BASELINE), "--n", "2", "--replicates", "1", "--params", "alpha_constrained,p_pass",
            "--quiet")
    assert cli(*args, cwd=tmp_path).returncode == 0
    folder = tmp_path / "results" / "sensitivity" / "baseline-morris"
    (folder / "manifest.json").unlink()
    r = cli(*args, cwd=tmp_path)
    assert r.returncode == 2 and "unfinished" in r.stderr and f"--resume --out {folder.relative_to(tmp_path)}" \
        in r.stderr
    r = cli(*args, "--resume", "--out", str(folder), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (folder / "manifest.json").is_file() and not (folder / LOCK).exists()


def test_calibrate_resume_refuses_other_settings(tmp_path):
    folder = tmp_path / "cal"
    folder.mkdir()
    (folder / "history.db").write_bytes(b"")
    (folder / "calibration.json").write_text(json.dumps({"population_size": 20, "seed": 20240101}))
    r = cli("calibrate", "--resume", "--out", str(folder), "--population-size", "50")
    assert r.returncode == 2 and "--population-size: 50 differs from this folder's 20" in r.stderr
    r = cli("calibrate", "--resume", "--out", str(folder), "--population-size", "20", "--seed", "7")
    assert r.returncode == 2 and "--seed" in r.stderr
    # An older folder without calibration.json: the manifest's settings are checked.
    (folder / "calibration.json").unlink()
    (folder / "manifest.json").write_text(json.dumps({"population_size": 20}))
    r = cli("calibrate", "--resume", "--out", str(folder), "--population-size", "50")
    assert r.returncode == 2 and "--population-size" in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["history.db", "manifest.json"]  # nothing rewritten
