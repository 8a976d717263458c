"""A full disk, a quota or a refused permission while writing: one line naming the folder and what to do,
exit 2, no traceback, nothing half-written that looks complete. The faults are injected into the writers of a
real command process (the parent writes every file; workers only compute)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from innosim.experiments.runs.store import RunStore
from tests.conftest import ROOT, SCENARIOS

BASELINE = str(SCENARIOS / "baseline.yaml")

# pyarrow reports a full disk as a plain OSError whose text carries the C library's message
FULL_PARQUET = """
import pyarrow.parquet as pq
def full(*a, **k):
    raise OSError("[Errno 28] Error writing bytes to file. Detail: [errno 28] No space left on device")
pq.write_table = full
pq.ParquetWriter.write_table = full  # runs stream replicates in row groups
"""
DENIED_CSV = """
import errno, pandas as pd
def denied(self, path, *a, **k):
    raise PermissionError(errno.EACCES, "Permission denied", str(path))
pd.DataFrame.to_csv = denied
"""
HALF_MANIFEST = """
import errno, innosim.experiments.sweep.command as c
def half(folder, manifest):
    (folder / "manifest.json").write_text('{"command": "innosim sweep", "sta')
    raise OSError(errno.ENOSPC, "No space left on device")
c.write_manifest = half
"""


def _faulty(fault: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    code = f"{fault}\nimport sys\nfrom innosim.experiments.cli import main\nsys.exit(main({list(args)!r}))\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=300)


def _one_line(r: subprocess.CompletedProcess, *fragments: str) -> str:
    err = r.stderr.strip()
    assert r.returncode == 2, (r.stdout, err)
    assert "Traceback" not in err and len(err.splitlines()) == 1 and err.startswith("innosim: error: "), err
    for f in fragments:
        assert f in err, (f, err)
    return err


def _tiny(tmp: Path) -> Path:
    spec = tmp / "tiny.yaml"
    spec.write_text(f"name: tiny\nbase: {BASELINE}\naxes: [{{field: budget_scale, values: [1.0, 2.5]}}]\n"
                    "runs: {draws: 2}\n", encoding="utf-8")
    return spec


def test_run_on_a_full_disk(tmp_path):
    out = tmp_path / "o"
    r = _faulty(FULL_PARQUET, "run", BASELINE, "--replicates", "2", "--quiet", "--out", str(out), cwd=tmp_path)
    _one_line(r, "no space left", str(out), "free space there or choose another --out")
    assert not out.exists() and not list(tmp_path.glob(".*partial"))


def test_run_where_writing_is_refused(tmp_path):
    out = tmp_path / "o"
    r = _faulty(DENIED_CSV, "run", BASELINE, "--replicates", "2", "--quiet", "--out", str(out), cwd=tmp_path)
    _one_line(r, "permission denied", f"in {out}/", "make it writable or choose another --out")
    assert not out.exists()


def test_sweep_on_a_full_disk_keeps_nothing_half_written(tmp_path):
    out = tmp_path / "o"
    r = _faulty(FULL_PARQUET, "sweep", str(_tiny(tmp_path)), "--quiet", "--out", str(out), cwd=tmp_path)
    _one_line(r, "no space left", str(out), "--resume")
    assert not (out / "manifest.json").exists() and not list((out / "store").glob("*.tmp"))
    assert not list((out / "store").glob("part-*"))


def test_sweep_manifest_cut_by_a_full_disk_is_removed(tmp_path):
    out = tmp_path / "o"
    r = _faulty(HALF_MANIFEST, "sweep", str(_tiny(tmp_path)), "--quiet", "--out", str(out), cwd=tmp_path)
    _one_line(r, "no space left", str(out))
    assert not (out / "manifest.json").exists(), "a cut manifest would make the folder look complete"
    assert len(RunStore(out / "store").read()) == 4  # 2 points x 2 runs, kept: are kept; --resume finishes the folder
    r = subprocess.run([sys.executable, "-m", "innosim.experiments.cli", "sweep", str(_tiny(tmp_path)), "--quiet",
                        "--out", str(out), "--resume"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "manifest.json").read_text())["runs_this_session"] == 0
