"""Results folders: choosing one without overwriting a run, the manifest, and the tables written into it.

A run is written into a hidden staging folder and moved into place only when complete, so an interrupted
run never leaves a half-written results folder, and an existing run is never overwritten.
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd

from innosim.model.city import Plan
from innosim.model.errors import InputError

PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "matplotlib", "pyyaml", "pyabc", "salib",
            "ema_workbench", "distributed", "mplfonts", "pypdf", "innosim")
REPO = Path(__file__).resolve().parents[2]  # the checkout (git runs there)


def choose_out_dir(out: str | None, scenario_name: str, base: Path = Path("results")) -> Path:
    """``out`` if given and free; else ``results/<name>/``, or ``results/<name>-2/`` … if that holds a run."""
    if out is not None:
        p = Path(out)
        if p.exists() and (not p.is_dir() or any(p.iterdir())):
            raise InputError(p, "--out", "already exists and is not empty; choose another folder (runs are "
                             "never overwritten)")
        return p
    p = base / scenario_name
    k = 2
    while p.exists() and (not p.is_dir() or any(p.iterdir())):
        p = base / f"{scenario_name}-{k}"
        k += 1
    return p


def staging_dir(final: Path) -> Path:
    """A fresh hidden folder beside ``final`` to write into."""
    final.parent.mkdir(parents=True, exist_ok=True)
    stage = final.parent / f".{final.name}.partial"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir()
    return stage


def publish(stage: Path, final: Path) -> Path:
    """Move a complete staging folder into place."""
    if final.exists():
        final.rmdir()  # only an empty folder can be here (checked by choose_out_dir)
    stage.rename(final)
    return final


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str:
    """The commit of the code that ran (with '+dirty' if the tree had changes), or 'unknown'."""
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10)
        if rev.returncode != 0:
            return "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def plan_block(plan: Plan) -> dict:
    """The city plan a results folder was judged against: ``{title, start_year, target_year, targets}``."""
    return {"title": plan.title, "start_year": plan.start_year, "target_year": plan.target_year,
            "targets": dict(plan.targets)}


def build_manifest(command: str, started: str, seed: int | None, plan: Plan, fields: dict) -> dict:
    """Every manifest: the command, its own ``fields``, then the common ones — seed, the city plan, package
    versions, git commit, start and finish times (UTC)."""
    return {"command": command, **fields, "seed": seed, "plan": plan_block(plan), "packages": package_versions(),
            "git_commit": git_commit(), "started": started, "finished": now()}


def listing(folder: Path) -> list[str]:
    """The files of a results folder as its manifest lists them (``manifest.json`` last)."""
    return sorted(p.name for p in folder.iterdir() if p.name != "manifest.json") + ["manifest.json"]


def write_manifest(folder: Path, manifest: dict) -> Path:
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def write_tables(folder: Path, ts: pd.DataFrame, annual: pd.DataFrame, targets: pd.DataFrame) -> None:
    """``timeseries.parquet``, ``annual.csv`` and ``targets.csv`` (money in 亿元)."""
    ts.to_parquet(folder / "timeseries.parquet", index=False)
    annual.to_csv(folder / "annual.csv", index=False, float_format="%.6f")
    targets.to_csv(folder / "targets.csv", index=False, float_format="%.6f")
