"""Guards against absurd requests and the one-line account of a failed write.

- ``check_workers``: more worker processes than the machine's cores only with ``--force-workers`` (each worker
  holds a model, ~170 MB, and extra ones only compete for the same cores).
- ``check_size``: work whose estimate exceeds about four hours (runs × ``SECONDS_PER_RUN`` ÷ workers) or whose design
  would use more than about 1 GB asks for ``--yes``; the estimate is arithmetic on the request, made before any task
  is built, so the refusal is instant.
- ``disk_problem``: whether an exception (or one it was raised from) is a full disk, a quota, a read-only file
  system or a refused permission, and which folder it names.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from innosim.model.errors import InputError

SECONDS_PER_RUN = 0.3  # one replicate at the baseline city's scale on one core (benchmarks/)
MAX_SECONDS = 4 * 3600.0  # longer than an afternoon: more likely a typo than a plan
MAX_BYTES = 1 << 30
DISK_ERRNOS = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
               errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
               errno.EPERM: "operation not permitted"}
# pyarrow reports some write errors as a plain OSError whose text holds the C library's message
DISK_TEXTS = {"No space left on device": errno.ENOSPC, "Disk quota exceeded": errno.EDQUOT,
              "Read-only file system": errno.EROFS, "Permission denied": errno.EACCES}


def machine_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def check_workers(workers: int, force: bool) -> None:
    """Refuse more workers than cores unless ``force``; raises ``InputError``."""
    cores = machine_cores()
    if workers > cores and not force:
        raise InputError("--workers", str(workers), f"more than this machine's {cores} cores (each worker holds a "
                         "model, ~170 MB, and extra workers only share the same cores); use --workers "
                         f"{cores}, or pass --force-workers to start {workers} anyway")


@dataclass(frozen=True)
class Estimate:
    """What a request would do: ``runs`` simulations on ``workers`` processes, a design of ``design_bytes``."""

    runs: int
    workers: int
    design_bytes: int = 0

    @property
    def seconds(self) -> float:
        return self.runs * SECONDS_PER_RUN / max(1, min(self.workers, machine_cores()))

    def describe(self) -> str:
        text = f"{self.runs:,} runs, about {_duration(self.seconds)} on {self.workers} worker(s)"
        if self.design_bytes >= MAX_BYTES / 10:
            text += f", a design of about {self.design_bytes / 2**30:.1f} GB"
        return text


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:,.0f} days"


def check_size(est: Estimate, yes: bool, option: str) -> bool:
    """Refuse an estimate over four hours or over ~1 GB unless ``yes``; returns whether it is that large (so the
    caller can announce it). ``option`` names what to lower, e.g. ``--replicates``."""
    large = est.seconds > MAX_SECONDS or est.design_bytes > MAX_BYTES
    if large and not yes:
        raise InputError(option, "", f"this request means {est.describe()}; lower {option}, or pass --yes to "
                         "start it anyway")
    return large


def disk_problem(exc: BaseException) -> tuple[str, Path | None] | None:
    """(what went wrong, the folder it happened in, if known) when ``exc`` or an exception it was raised from is a
    full disk, a quota, a read-only file system or a refused permission; else None."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError):
            code = e.errno if e.errno in DISK_ERRNOS else next(
                (c for text, c in DISK_TEXTS.items() if text in str(e)), None)
            if code is not None:
                name = e.filename or e.filename2
                return DISK_ERRNOS[code], (Path(os.fsdecode(name)).parent if name else None)
        e = e.__cause__ or e.__context__
    return None

