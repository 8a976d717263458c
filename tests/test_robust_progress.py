"""A long ``innosim run`` shows progress from its start: the parameter draws (≈ 1.5 ms a replicate) have a bar of
their own before the replicates' bar, the destination is claimed before them, and results do not change."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from innosim.experiments.runs.command import parameter_sets
from tests.conftest import SCENARIOS, cli

BASELINE = str(SCENARIOS / "baseline.yaml")


def test_parameter_draws_show_a_bar_before_the_replicates(tmp_path):
    log = tmp_path / "stderr.txt"
    with open(log, "w", encoding="utf-8") as err:
        proc = subprocess.Popen([sys.executable, "-m", "innosim.experiments.cli", "run", BASELINE, "--replicates",
                                 "20000", "--yes", "--out", str(tmp_path / "o")], cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    try:
        deadline = time.monotonic() + 120  # imports take seconds on a loaded machine; the bar follows within 1 s
        while "parameter sets" not in log.read_text(encoding="utf-8") and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text(encoding="utf-8")
            time.sleep(0.2)
        text = log.read_text(encoding="utf-8")
        assert "baseline: parameter sets" in text and "/20000" in text, text
        assert "replicates:" not in text  # still drawing: without the new bar nothing would show yet
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=120)
    assert proc.returncode == 130 and not (tmp_path / "o").exists()


def test_a_taken_out_is_refused_before_the_parameter_draws(tmp_path):
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "keep.txt").write_text("x")
    t0 = time.monotonic()
    r = cli("run", BASELINE, "--replicates", "40000", "--yes", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert r.returncode == 2 and "already exists and is not empty" in r.stderr
    assert time.monotonic() - t0 < 40  # 40,000 draws alone would take about a minute


def test_progress_does_not_change_the_parameter_sets():
    counted: list[int] = []
    with_bar = parameter_sets("posterior", 7, 12, counted.append)
    assert with_bar == parameter_sets("posterior", 7, 12) and sum(counted) == 12
