"""Files written into a results folder that may already be complete are replaced whole: a manifest (or table)
cut short by a kill, a full disk or a power loss never replaces a good one; briefs claim their folder like every
other command (``experiments/runs/folders.py``)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from innosim.experiments.runs import files, folders
from innosim.experiments.runs.files import PARTIAL, replacing
from innosim.experiments.runs.folders import LOCK, claim_out_dir, listing, write_manifest
from tests.conftest import ROOT, SCENARIOS, cli

BASELINE = str(SCENARIOS / "baseline.yaml")


def test_manifest_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    write_manifest(tmp_path, {"command": "old"})
    real = Path.write_text

    def half_then_full(self, text, *a, **k):  # the disk fills after half the manifest
        real(self, text[: len(text) // 2], *a, **k)
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", half_then_full)
    with pytest.raises(OSError, match="No space"):
        write_manifest(tmp_path, {"command": "new", "long": "x" * 1000})
    monkeypatch.undo()
    assert json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8")) == {"command": "old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]  # no temporary file left
    write_manifest(tmp_path, {"command": "new"})
    assert json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8")) == {"command": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_replacing_syncs_before_renaming_and_keeps_the_suffix(tmp_path, monkeypatch):
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(files.os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    with replacing(tmp_path / "t.csv") as tmp:
        assert tmp.parent == tmp_path and tmp.name.endswith(".t.csv") and tmp.name.startswith(PARTIAL)
        tmp.write_text("a\n1\n")
        assert listing(tmp_path) == ["manifest.json"]  # a file being written is never listed
    assert synced and (tmp_path / "t.csv").read_text() == "a\n1\n"


def test_charts_are_replaced_whole(tmp_path, monkeypatch):
    """A chart redrawn into a folder that holds one (a --resume of a finished batch) and cut short by a full disk
    leaves the old PNG and PDF as they were and no temporary file; drawn whole, both are replaced."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from innosim.experiments.report.house_style import save

    save(plt.figure(), tmp_path, "c")
    old = {n: (tmp_path / n).read_bytes() for n in ("c.png", "c.pdf")}
    real = Figure.savefig

    def cut_short(self, fname, *a, **k):  # half the PNG reaches the disk, then it is full
        real(self, fname, *a, **k)
        Path(fname).write_bytes(Path(fname).read_bytes()[:100])
        raise OSError(errno.ENOSPC, "No space left on device", str(fname))

    monkeypatch.setattr(Figure, "savefig", cut_short)
    fig = plt.figure()
    fig.gca().plot([0, 1], [1, 0])
    with pytest.raises(OSError, match="No space"):
        save(fig, tmp_path, "c")
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pdf", "c.png"]  # no temporary file left
    assert {n: (tmp_path / n).read_bytes() for n in old} == old
    fig = plt.figure()
    fig.gca().plot([0, 1], [1, 0])
    assert save(fig, tmp_path, "c") == tmp_path / "c.png"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pdf", "c.png"]
    assert all((tmp_path / n).read_bytes() != old[n] for n in old)
    assert (tmp_path / "c.png").read_bytes().startswith(b"\x89PNG") and (tmp_path / "c.pdf").read_bytes()[:4] == b"%PDF"


def test_a_dead_process_temporary_file_is_removed_on_takeover(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (folder / LOCK).write_text(json.dumps({"pid": dead.pid, "host": os.uname().nodename}))
    (folder / f"{PARTIAL}-{dead.pid}.manifest.json").write_text('{"cut')  # killed while writing the manifest
    c = claim_out_dir(None, "s", base=tmp_path)
    assert c.final == folder and not (folder / f"{PARTIAL}-{dead.pid}.manifest.json").exists()
    c.abandon()


def test_resumed_sensitivity_batch_rewrites_its_description_whole(tmp_path):
    """A batch killed right after its marker lacked problem.json and sample.csv for good; --resume writes them."""
    out = tmp_path / "sens"
    args = ["sensitivity", BASELINE, "--method", "morris", "--n", "2", "--replicates", "1", "--params", "levers",
            "--outputs", "values", "--quiet", "--out", str(out)]
    r = cli(*args, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    sample = (out / "sample.csv").read_bytes()
    for name in ("manifest.json", "problem.json", "sample.csv"):
        (out / name).unlink()
    r = cli(*args, "--resume", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (out / "sample.csv").read_bytes() == sample and json.loads((out / "problem.json").read_text())
    assert not list(out.glob(f"{PARTIAL}*")) and json.loads((out / "manifest.json").read_text())["status"]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "r"
    r = cli("run", BASELINE, "--replicates", "2", "--quiet", "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


def _brief(run_folder: Path, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "innosim.experiments.cli", "brief", str(run_folder), "--lang",
                             "en"], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_briefs_started_together_never_share_a_folder(run_folder, tmp_path):
    procs = [_brief(run_folder, tmp_path) for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    base = tmp_path / "results" / "briefings"
    assert sorted(p.name for p in base.iterdir()) == ["en", "en-2"]
    for folder in base.iterdir():
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["files"] == listing(folder) and not (folder / LOCK).exists()


def test_killed_brief_leaves_no_folder_that_looks_finished(run_folder, tmp_path):
    folder = tmp_path / "results" / "briefings" / "en"
    p = _brief(run_folder, tmp_path)
    deadline = time.monotonic() + 120
    while not list(folder.glob(f"{PARTIAL}-*/*.png")) and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.05)
    assert p.poll() is None, "finished before it could be killed"
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    assert not (folder / "manifest.json").exists() and not (folder / "briefing.html").exists()
    again = _brief(run_folder, tmp_path)  # the dead brief's lock is stale: the same folder is taken over
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert sorted(p.name for p in folder.parent.iterdir()) == ["en"]
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["files"] == listing(folder)


def test_brief_shims_are_gone():
    assert not hasattr(folders, "choose_out_dir") and not hasattr(folders, "staging_dir")
    assert "claim_out_dir" in (ROOT / "experiments" / "report" / "brief.py").read_text(encoding="utf-8")
