"""Results folders are claimed atomically: two processes never share one, the destination is checked before
computing, and a failed publish keeps what was computed (``experiments/runs/folders.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from innosim.experiments.runs import folders
from innosim.experiments.runs.folders import LOCK, claim_existing, claim_out_dir, listing
from innosim.model.errors import InputError
from tests.conftest import ROOT, SCENARIOS, cli, write_scenario


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_default_claims_next_free_folder_and_explicit_taken_is_refused(tmp_path):
    a = claim_out_dir(None, "s", base=tmp_path)
    b = claim_out_dir(None, "s", base=tmp_path)  # a holds s/ (its lock), so b gets s-2/
    assert (a.final.name, b.final.name) == ("s", "s-2")
    with pytest.raises(InputError, match="not empty.*pid"):
        claim_out_dir(str(a.final), "s", base=tmp_path)
    for c in (a, b):
        c.abandon()
    assert not a.final.exists() and not b.final.exists()  # created by the claims, removed with them


def test_staged_files_are_published_manifest_last_and_lock_released(tmp_path):
    c = claim_out_dir(None, "s", base=tmp_path)
    stage = c.staging()
    assert stage.parent == c.final and str(os.getpid()) in stage.name
    (stage / "a.csv").write_text("x")
    (stage / "manifest.json").write_text("{}")
    assert sorted(p.name for p in c.publish().iterdir()) == ["a.csv", "manifest.json"]
    assert listing(c.final) == ["a.csv", "manifest.json"]


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / LOCK).write_text(json.dumps({"pid": _dead_pid(), "host": os.uname().nodename}))
    (tmp_path / "s" / ".innosim-partial-1").mkdir()  # unfinished staging of the dead process
    c = claim_out_dir(None, "s", base=tmp_path)
    assert c.final == tmp_path / "s" and not (tmp_path / "s" / ".innosim-partial-1").exists()
    c.abandon()
    with pytest.raises(InputError, match="another innosim process"):
        (tmp_path / "t").mkdir()
        (tmp_path / "t" / LOCK).write_text(json.dumps({"pid": os.getppid(), "host": os.uname().nodename}))
        claim_existing(tmp_path / "t")


def test_failed_publish_keeps_the_results_and_says_where(tmp_path, monkeypatch):
    c = claim_out_dir(None, "s", base=tmp_path)
    stage = c.staging()
    (stage / "manifest.json").write_text("{}")
    monkeypatch.setattr(folders.os, "rename", lambda *a: (_ for _ in ()).throw(OSError(5, "I/O error")))
    with pytest.raises(InputError, match="nothing is lost") as e, c:
        c.publish()
    assert str(stage) in str(e.value) and (stage / "manifest.json").is_file()
    monkeypatch.undo()
    assert claim_out_dir(None, "s", base=tmp_path).final.name == "s-2"  # the kept results are not taken over


@pytest.mark.parametrize("err,words", [(13, "permission denied or read-only"), (30, "read-only"),
                                       (28, "file system is full")])
def test_unwritable_destination_is_one_clear_error(tmp_path, monkeypatch, err, words):
    def refuse(*a, **k):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(folders.os, "open", refuse)  # the lock is the first thing written into the folder
    with pytest.raises(InputError, match=words):
        claim_out_dir(str(tmp_path / "out"), "s")
    assert not (tmp_path / "out").exists()
    with pytest.raises(InputError, match=words):
        claim_out_dir(None, "s", base=tmp_path / "results")


def test_read_only_destination_refused_before_any_run(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK).mkdir()  # stands in for a destination where the lock cannot be created
    r = cli("run", str(SCENARIOS / "baseline.yaml"), "--replicates", "1", "--quiet", "--out", str(out))
    assert r.returncode == 2 and "--out" in r.stderr and "replicates" not in r.stderr  # refused before computing


def test_out_symlink_to_an_empty_folder_on_another_file_system(tmp_path):
    shm = Path("/dev/shm") if Path("/dev/shm").is_dir() else tmp_path
    target = Path(tempfile.mkdtemp(dir=shm))
    try:
        link = tmp_path / "link"
        link.symlink_to(target)
        r = cli("run", str(SCENARIOS / "baseline.yaml"), "--replicates", "1", "--quiet", "--out", str(link))
        assert r.returncode == 0, r.stderr
        assert (target / "manifest.json").is_file() and (target / "annual.csv").is_file()
        assert sorted(p.name for p in target.iterdir() if p.name.startswith(".")) == []
    finally:
        subprocess.run(["rm", "-rf", str(target)], check=False)


def test_two_runs_of_same_named_scenarios_never_mix(tmp_path):
    """Two different scenarios sharing a name, started together with the default folder: two folders, each
    with its own manifest and tables."""
    files = [write_scenario(tmp_path, f"name: twin\ncity: CITY\ninstruments:\n  vouchers: {{budget: {b}}}\n",
                            f"{k}.yaml") for k, b in (("a", 0.3), ("b", 3.0))]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "innosim.experiments.cli", "run", str(f), "--replicates", "1",
                               "--quiet", "--allow-path", str(SCENARIOS)], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in files]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    made = sorted((tmp_path / "results").iterdir())
    assert [p.name for p in made] == ["twin", "twin-2"]
    for folder in made:
        assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []
        manifest = json.loads((folder / "manifest.json").read_text())
        budget = manifest["budgets_yi_per_year"]["vouchers"]["2025"]
        ledger = pd.read_csv(folder / "ledger.csv")
        row = ledger[(ledger.instrument == "vouchers") & (ledger.year == 2025)].iloc[0]
        assert row["budget"] == pytest.approx(budget)
    assert {Path(json.loads((f / "manifest.json").read_text())["scenario_file"]).name for f in made} == \
        {"a.yaml", "b.yaml"}


def test_half_written_lock_is_held_for_a_minute_then_stale(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / LOCK).write_text("")
    assert claim_out_dir(None, "s", base=tmp_path).final.name == "s-2"
    os.utime(tmp_path / "s" / LOCK, (0, 0))
    assert claim_out_dir(None, "s", base=tmp_path).final.name == "s"
