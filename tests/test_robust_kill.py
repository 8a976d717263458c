"""Killed commands leave no process behind (workers and the resource tracker die with their parent), and a
damaged store part is named, moved aside and re-run on --resume."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from innosim.experiments.runs.store import RunStore
from tests.conftest import ROOT, SCENARIOS, cli

SPEC = "name: tiny\nbase: {base}\naxes: [{{field: budget_scale, values: [1.0, 2.5]}}]\nruns: {{draws: 6}}\n" \
       "discovery: {{min_positive: 2}}\n"


def tiny(tmp: Path) -> Path:
    p = tmp / "tiny.yaml"
    p.write_text(SPEC.format(base=SCENARIOS / "baseline.yaml"), encoding="utf-8")
    return p


def _descendants_when(proc: subprocess.Popen, n: int, timeout: float = 60) -> list[psutil.Process]:
    """The descendants of ``proc`` once there are at least ``n`` (workers started)."""
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = parent.children(recursive=True)
        if len(kids) >= n:
            time.sleep(0.5)  # let the workers get past their initializer
            return parent.children(recursive=True)
        time.sleep(0.1)
    raise AssertionError(f"fewer than {n} child processes after {timeout} s")


def _all_gone(kids: list[psutil.Process], timeout: float = 5.0) -> list[psutil.Process]:
    _, alive = psutil.wait_procs(kids, timeout=timeout)
    return [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_sigkill_of_sweep_leaves_no_process(backend, tmp_path):
    cmd = [sys.executable, "-m", "innosim.experiments.cli", "sweep", str(tiny(tmp_path)), "--out",
           str(tmp_path / "out"), "--workers", "2", "--backend", backend, "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        kids = _descendants_when(proc, 2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        alive = _all_gone(kids)
        assert not alive, f"outlived their parent: {[(p.pid, p.cmdline()[:3]) for p in alive]}"
    finally:
        for p in psutil.Process().children(recursive=True):  # only our own leftovers, if the test failed
            if p.pid != proc.pid:
                p.kill()


def test_damaged_part_is_named_moved_aside_and_rerun(tmp_path):
    spec, whole = tiny(tmp_path), tmp_path / "whole"
    r = cli("sweep", str(spec), "--out", str(whole), "--flush-every", "2", "--quiet")
    assert r.returncode == 0, r.stderr
    damaged = tmp_path / "damaged"
    shutil.copytree(whole, damaged)
    (damaged / "manifest.json").unlink()
    part = damaged / "store" / "part-000003.parquet"
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])  # as if cut short by a crash
    r = cli("sweep", str(spec), "--out", str(damaged), "--resume", "--quiet")
    assert r.returncode == 0, r.stderr
    assert "part-000003.parquet is damaged" in r.stderr and "Traceback" not in r.stderr
    assert (damaged / "store" / "part-000003.parquet.damaged").is_file() and not part.exists()
    assert json.loads((damaged / "manifest.json").read_text())["runs_this_session"] == 2
    assert RunStore(damaged / "store").read().equals(RunStore(whole / "store").read())
    for name in ("probabilities.csv", "paired_differences.csv"):
        assert (damaged / name).read_bytes() == (whole / name).read_bytes()
