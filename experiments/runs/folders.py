"""Results folders: claiming one without ever sharing or overwriting a run, the manifest, and the tables written
into it.

A command claims its folder before computing: it creates the folder (or takes an empty one) and, in the same
step, an exclusive lock file ``.innosim-lock`` inside it (``O_CREAT | O_EXCL``: of two processes exactly one
succeeds), so two processes never write into one folder and an unwritable destination is refused before any run.
A run is staged in a hidden folder *inside* the claimed one (``.innosim-partial-<pid>``; the same file system, so
publishing works into a symlinked folder or a mount point) and its files are moved up when complete,
``manifest.json`` last; an interrupted run leaves nothing behind, and if publishing itself fails the computed
files are kept and the error names where. A lock whose process has died (same host) is stale and is taken over.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import json
import os
import platform
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd

from innosim.experiments.runs.files import PARTIAL, write_json
from innosim.experiments.runs.stopped import check as check_ctrl_c
from innosim.experiments.runs.stopped import published
from innosim.model.city import Plan
from innosim.model.errors import InputError

PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "matplotlib", "pyyaml", "pyabc", "salib",
            "ema_workbench", "distributed", "mplfonts", "pypdf", "innosim")
REPO = Path(__file__).resolve().parents[2]  # the checkout (git runs there)
LOCK = ".innosim-lock"


def lock_owner(folder: Path) -> dict | None:
    """What the lock of ``folder`` says (``pid``, ``host``, ``tag``, ``started``), or None when there is none."""
    try:
        text = (folder / LOCK).read_text(encoding="utf-8")
        return json.loads(text)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        pass
    # Unreadable: being written at this moment (held), or left half-written long ago (stale after a minute).
    try:
        return {"age": time.time() - (folder / LOCK).stat().st_mtime}
    except OSError:
        return None


def lock_is_live(owner: dict | None) -> bool:
    """True while the process holding a lock may still run (another host, or a lock being written, counts)."""
    if owner is None:
        return False
    if "age" in owner:
        return owner["age"] < 60
    if owner.get("host") != socket.gethostname() or not isinstance(owner.get("pid"), int):
        return True
    try:
        os.kill(owner["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_error(folder: Path, option: str, e: OSError) -> InputError:
    if e.errno == errno.ENOSPC:
        why = "the file system is full; free space there or choose another folder"
    elif e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "cannot write there (permission denied or read-only); choose a writable folder"
    else:
        why = f"cannot write there ({e.strerror or e}); choose another folder"
    return InputError(folder, option, why)


def _take_lock(folder: Path, tag: str, option: str) -> Path | None:
    """Create ``folder/.innosim-lock`` exclusively; None if another process holds it. A stale lock is removed
    first (renamed away: of two processes finding it stale only one succeeds)."""
    lock = folder / LOCK
    owner = lock_owner(folder)
    if owner is not None:
        if lock_is_live(owner):
            return None
        gone = folder / f"{LOCK}.stale-{os.getpid()}"
        try:
            os.rename(lock, gone)
        except FileNotFoundError:
            return None  # another process took the stale lock over first: the folder is its now
        try:
            moved = json.loads(gone.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            moved = owner
        if moved != owner:  # the lock changed hands between the look and the rename: put it back
            with contextlib.suppress(OSError):
                os.link(gone, lock)
            gone.unlink(missing_ok=True)
            return None
        gone.unlink()
        for part in folder.glob(f"{PARTIAL}-*"):  # unfinished staging folders and files of the dead process
            if part.is_file():
                part.unlink(missing_ok=True)
            elif not (part / "manifest.json").exists():
                shutil.rmtree(part, ignore_errors=True)
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return None
    except OSError as e:
        raise _write_error(folder, option, e) from None
    try:
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "tag": tag,
                                 "started": now()}).encode())
    except OSError as e:
        os.close(fd)
        lock.unlink(missing_ok=True)
        raise _write_error(folder, option, e) from None
    os.close(fd)
    return lock


def _foreign(folder: Path) -> bool:
    """True if ``folder`` holds anything besides a lock and unfinished staging folders (a staging folder that
    holds ``manifest.json`` is a complete run whose publishing failed: it is kept)."""
    for p in folder.iterdir():
        if p.name.startswith(PARTIAL):
            if p.is_dir() and (p / "manifest.json").exists():
                return True
        elif not (p.name == LOCK or p.name.startswith(f"{LOCK}.")):
            return True
    return False


@dataclass
class Claim:
    """A results folder this process holds exclusively. Use as a context manager: leaving it with an error
    removes what was staged (and the folder, if this claim created it) unless publishing had failed."""

    final: Path
    created: bool
    lock: Path
    stage: Path | None = None
    done: bool = field(default=False)
    kept: bool = field(default=False)

    def staging(self) -> Path:
        """A fresh hidden folder inside the claimed one, unique to this process."""
        if self.stage is None:
            self.stage = self.final / f"{PARTIAL}-{os.getpid()}"
            if self.stage.exists():
                shutil.rmtree(self.stage)
            try:
                self.stage.mkdir()
            except OSError as e:
                raise _write_error(self.final, "folder", e) from None
        return self.stage

    def publish(self) -> Path:
        """Move the staged files into the claimed folder (``manifest.json`` last) and release it. A Ctrl-C that Python
        had to drop while they were written (``stopped.CtrlC``) stops the command here, before anything is moved."""
        assert self.stage is not None
        check_ctrl_c()
        names = sorted(p.name for p in self.stage.iterdir())
        names.sort(key=lambda n: n == "manifest.json")
        try:
            for name in names:
                os.rename(self.stage / name, self.final / name)
            self.stage.rmdir()
        except OSError as e:
            self.kept = True
            raise InputError(self.final, "publish", f"could not move the results into place ({e.strerror or e}); "
                             f"nothing is lost: the computed files are in {self.stage}/ (any already moved are "
                             f"in {self.final}/); move them by hand") from None
        self.release()
        published(self.final)
        return self.final

    def release(self) -> None:
        """Give the folder up, leaving its files (a finished sweep, or a failed one to resume)."""
        self.done = True
        self.lock.unlink(missing_ok=True)
        CLAIMS.pop(self.final, None)

    def abandon(self) -> None:
        """Remove what this claim staged, its lock, and the folder if this claim created it and it is empty."""
        if self.done:
            return
        if self.kept:  # the computed files stay where the error said
            self.release()
            return
        if self.stage is not None:
            shutil.rmtree(self.stage, ignore_errors=True)
        self.release()
        if self.created:
            with contextlib.suppress(OSError):
                self.final.rmdir()

    def __enter__(self) -> Claim:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is not None:
            self.abandon()


CLAIMS: dict[Path, Claim] = {}  # claims this process holds: given up if it exits without releasing them


def _try_claim(p: Path, tag: str, option: str) -> Claim | None:
    created = False
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(p)
        created = True
    except FileExistsError:
        pass
    except OSError as e:
        raise _write_error(p, option, e) from None
    if not p.is_dir() or (not created and _foreign(p)):
        return None
    try:
        lock = _take_lock(p, tag, option)
    except InputError:
        if created:
            p.rmdir()
        raise
    if lock is None:
        return None
    if not created and _foreign(p):  # something arrived between the look and the lock
        lock.unlink(missing_ok=True)
        return None
    return Claim(p, created, lock)


def claim_out_dir(out: str | None, name: str, base: Path = Path("results"), tag: str = "") -> Claim:
    """Claim ``out`` (refused if it holds anything or another process holds it), or else the first free folder
    of ``base/<name>``, ``base/<name>-2`` …; raises ``InputError`` for a taken ``--out`` or an unwritable one."""
    if out is not None:
        claim = _try_claim(Path(out), tag, "--out")
        if claim is None:
            owner = lock_owner(Path(out)) if Path(out).is_dir() else None
            who = f" (another innosim process, pid {owner.get('pid')}, is writing into it)" if owner else ""
            raise InputError(out, "--out", f"already exists and is not empty{who}; choose another folder (runs "
                             "are never overwritten)")
    else:
        k = 1
        while (claim := _try_claim(base / (name if k == 1 else f"{name}-{k}"), tag, "folder")) is None:
            k += 1
    CLAIMS[claim.final] = claim
    return claim


def claim_existing(folder: Path, option: str = "--resume", tag: str = "") -> Claim:
    """Claim a folder that holds a batch to continue; refused while another process writes into it."""
    lock = _take_lock(folder, tag, option)
    if lock is None:
        owner = lock_owner(folder) or {}
        raise InputError(folder, option, f"another innosim process (pid {owner.get('pid', '?')}) is writing into "
                         "this folder; wait for it to finish, then run again")
    claim = Claim(folder, False, lock)
    CLAIMS[folder] = claim
    return claim


def same_batch(base: Path, name: str, tag: str, meta: str, same) -> tuple[Path, int | None] | None:
    """A folder ``base/<name>`` or ``base/<name>-<k>`` where the same batch (``tag``; ``same(folder)`` reads its
    ``meta`` file) is running now — returned with the pid — or lies unfinished (no manifest) — with None."""
    if not base.is_dir():
        return None
    for p in sorted(base.iterdir()):
        if p.name != name and not (p.name.startswith(f"{name}-") and p.name[len(name) + 1:].isdigit()):
            continue
        owner = lock_owner(p)
        if lock_is_live(owner) and (owner or {}).get("tag") == tag:
            return p, (owner or {}).get("pid")
        if (p / meta).is_file() and not (p / "manifest.json").is_file() and same(p):
            return p, (owner or {}).get("pid") if lock_is_live(owner) else None
    return None


def earlier_twin(claim: Claim, base: Path, name: str, tag: str) -> tuple[Path, int | None] | None:
    """Another live folder ``base/<name>[-k]`` with an earlier k whose lock carries ``tag``: two identical
    batches started together both claim a folder, and only the one in the first folder goes on."""
    def index(p: Path) -> int:
        return 1 if p.name == name else int(p.name[len(name) + 1:])

    mine = index(claim.final)
    for p in base.iterdir():
        if p == claim.final or not (p.name == name or (p.name.startswith(f"{name}-")
                                                       and p.name[len(name) + 1:].isdigit())):
            continue
        owner = lock_owner(p)
        if index(p) < mine and lock_is_live(owner) and (owner or {}).get("tag") == tag:
            return p, (owner or {}).get("pid")
    return None


@atexit.register
def _give_up_claims() -> None:
    for claim in list(CLAIMS.values()):
        claim.abandon()


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
    """The city plan a results folder was judged against: ``{title, title_zh, start_year, target_year, indicators,
    targets, no_target}`` (``indicators``: the headline indicators charted; ``targets``: only those the plan
    states)."""
    return {"title": plan.title, "title_zh": plan.title_zh, "start_year": plan.start_year,
            "target_year": plan.target_year, "indicators": list(plan.headline), "targets": dict(plan.targets),
            "no_target": dict(plan.no_target)}


def build_manifest(command: str, started: str, seed: int | None, plan: Plan, fields: dict) -> dict:
    """Every manifest: the command, its own ``fields``, then the common ones — seed, the city plan, package
    versions, git commit, start and finish times (UTC)."""
    return {"command": command, **fields, "seed": seed, "plan": plan_block(plan), "packages": package_versions(),
            "git_commit": git_commit(), "started": started, "finished": now()}


def listing(folder: Path) -> list[str]:
    """The files of a results folder as its manifest lists them (``manifest.json`` last)."""
    return sorted(p.name for p in folder.iterdir()
                  if p.name != "manifest.json" and not p.name.startswith((LOCK, PARTIAL))) + ["manifest.json"]


def write_manifest(folder: Path, manifest: dict) -> Path:
    """``folder/manifest.json``, written atomically: a folder holds a whole manifest (complete) or none."""
    return write_json(folder / "manifest.json", manifest)


def write_tables(folder: Path, ts: pd.DataFrame, annual: pd.DataFrame, targets: pd.DataFrame) -> None:
    """``timeseries.parquet``, ``annual.csv`` and ``targets.csv`` (money in 亿元)."""
    ts.to_parquet(folder / "timeseries.parquet", index=False)
    annual.to_csv(folder / "annual.csv", index=False, float_format="%.6f")
    targets.to_csv(folder / "targets.csv", index=False, float_format="%.6f")
