"""What a stopped command left on disk: the folder it had started, and the one line that says what is there and
how to continue (Ctrl-C), or which folder a failed write was in and what to do (a full disk, a quota, a refused
permission). ``a`` is the command line's parsed arguments (``command``, ``out``, ``resume``, ...)."""

from __future__ import annotations

import json
import shlex
import signal
import sys
import threading
from argparse import Namespace
from pathlib import Path

STARTING = "interrupted while starting; nothing was written — run the same command again"
PUBLISHED: list[Path] = []  # results folders this process has completed (``folders.Claim.publish``)


def published(folder: Path) -> None:
    """Record that ``folder`` is complete: a Ctrl-C after this (while the summary prints) must not say that nothing
    was written."""
    PUBLISHED.append(folder)


class CtrlC:
    """In the main thread: SIGINT raises ``KeyboardInterrupt`` as Python's own handler does, and is remembered — a
    C extension interrupted while it loads (numpy, while the command starts) turns the ``KeyboardInterrupt`` into
    an ``ImportError``, which is then known to be a Ctrl-C. A SIGINT that is ignored stays ignored.

    A ``KeyboardInterrupt`` raised where Python cannot let it propagate — in a weakref callback (the import system
    drops its module locks through them), a ``__del__`` or a garbage-collector callback — would only be printed as
    "Exception ignored in ..." and the Ctrl-C lost: the command ran on to its end. Python hands such an exception
    to ``sys.unraisablehook``; this one keeps it (``lost``) instead, and ``check()`` raises it again where it can
    propagate: when the command has started (cli.py) and before each next task or result (``runs.executors``). It cannot
    be raised from the hook itself: any Python code run there runs the handler again inside the hook."""

    def __init__(self) -> None:
        self.seen, self.lost, self.prev, self.hook = False, False, None, None

    def _raise(self, signum, frame) -> None:
        self.seen = True
        raise KeyboardInterrupt

    def _unraisable(self, u) -> None:
        if (self.seen and u.exc_type is not None and issubclass(u.exc_type, KeyboardInterrupt)
                and threading.current_thread() is threading.main_thread()):
            self.lost = True
            return
        self.hook(u)

    def __enter__(self) -> CtrlC:
        if threading.current_thread() is threading.main_thread() and callable(signal.getsignal(signal.SIGINT)):
            self.prev = signal.signal(signal.SIGINT, self._raise)
            self.hook, sys.unraisablehook = sys.unraisablehook, self._unraisable
            _ACTIVE.append(self)
        return self

    def __exit__(self, *exc) -> None:
        if self.prev is not None:
            signal.signal(signal.SIGINT, self.prev)
            sys.unraisablehook = self.hook
            _ACTIVE.remove(self)


_ACTIVE: list[CtrlC] = []


def check() -> None:
    """Raise the Ctrl-C that Python had to drop (``CtrlC``), now, in the main thread; nothing if there is none."""
    if threading.current_thread() is threading.main_thread():
        for c in _ACTIVE:
            if c.lost:
                c.lost = False
                raise KeyboardInterrupt


def forget_caught_interrupts() -> None:
    """Make the command's own exit status the process's, even after a Ctrl-C that was caught.

    CPython (3.8+, bpo-1054041) makes ``python -m ...`` exit *by* SIGINT (status -2 to the parent, after the one
    line and status 130 were already chosen) if a ``KeyboardInterrupt`` ever ended code run by ``exec()`` or
    ``eval()`` of a *string* — even if that ``KeyboardInterrupt`` was caught afterwards, as ``main()`` catches it.
    Such code runs all the time while modules import: dataclasses, ``namedtuple`` and pydantic build their methods
    that way, and a pending Ctrl-C is raised at the first instruction of the generated code. The flag behind it is
    cleared at the start of every such string evaluation that ends normally, so one empty one clears it
    (``tests/test_robust_signals.py::test_ctrl_c_caught_after_it_ended_exec_code_still_exits_130``)."""
    exec("")


def recent_folder(base: Path, marker: str, since: float, key: str | None = None, value: str | None = None
                  ) -> Path | None:
    """The folder under ``base`` whose ``marker`` file was written last, at or after ``since`` (a time.time());
    with ``key``, only a marker (JSON) whose ``key`` equals ``value``. How a command that was stopped finds the
    folder it had started."""
    best: tuple[float, Path] | None = None
    for m in Path(base).glob(f"*/{marker}"):
        try:
            t = m.stat().st_mtime
            if t < since or (key is not None and json.loads(m.read_text(encoding="utf-8")).get(key) != value):
                continue
        except (OSError, ValueError):
            continue
        if best is None or t > best[0]:
            best = (t, m.parents[len(Path(marker).parts) - 1])  # the folder, also for a marker in a sub-folder
    return best[1] if best else None


def drop_half_manifest(folder: Path) -> None:
    """Remove a ``manifest.json`` that a failed write left unparsable: a folder is complete only with a whole one."""
    path = Path(folder) / "manifest.json"
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        path.unlink(missing_ok=True)


def folder_of(a: Namespace, since: float) -> Path | None:
    """The folder a sweep, sensitivity batch or calibration that was stopped had started."""
    if getattr(a, "out", None):
        return Path(a.out)
    if a.command == "sweep":
        return recent_folder(Path("results/sweeps"), "sweep.json", 0 if a.resume else since, "sweep_file",
                             str(Path(a.spec)))
    if a.command == "sensitivity":
        return recent_folder(Path("results/sensitivity"), "sensitivity.json", 0 if a.resume else since,
                             "scenario", str(Path(a.scenario)))
    if a.command == "calibrate":
        return recent_folder(Path("results"), "history.db", since)
    if a.command == "backtest":  # its calibration is in <folder>/calibration
        return recent_folder(Path("results"), "calibration/history.db", since)
    return None


def again(argv: list[str], folder: Path) -> str:
    """The command line that continues in ``folder``: the same arguments, with --out FOLDER --resume."""
    out, skip = ["innosim"], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--out":
            skip = True
        elif arg != "--resume" and not arg.startswith("--out="):
            out.append(arg)
    return shlex.join([*out, "--out", str(folder), "--resume"])


def interrupted(a: Namespace, argv: list[str], since: float) -> str:
    """What is on disk after Ctrl-C, and how to continue."""
    if PUBLISHED:
        return f"interrupted after the results were written: {PUBLISHED[-1]}/ is complete (manifest.json included) " \
               "— nothing to redo"
    if a.command in ("run", "compare", "response", "brief"):
        return "interrupted; nothing was written (the unfinished results folder was removed) — run the same " \
               "command again to start over"
    if a.command == "validate":
        return "interrupted; validate writes nothing"
    if a.command == "explore":  # Ctrl-C is how the page is stopped
        return f"stopped; the results folders the page wrote are in {a.out}/ (each complete with its manifest) — " \
               f"start it again with: {shlex.join(['innosim', *argv])}"
    folder = folder_of(a, since)
    if a.command == "calibrate":
        if folder is None or not (folder / "history.db").is_file():
            return "interrupted before the first generation was stored; nothing to continue — run it again"
        return f"interrupted; {folder}/ holds history.db with the generations finished so far (no posterior or " \
               f"manifest yet) — continue with: {again(argv, folder)}"
    if a.command == "backtest":
        cal = None if folder is None else folder / "calibration"
        if cal is None or not (cal / "history.db").is_file():
            return "interrupted before the first generation was stored; nothing was written — run it again"
        if (cal / "manifest.json").is_file():
            return f"interrupted while scoring; {cal}/ holds the finished calibration (no backtest.csv or manifest " \
                   f"yet) — continue with: {again(argv, folder)}"
        return f"interrupted; {cal}/ holds history.db with the generations finished so far (no backtest.csv or " \
               f"manifest yet) — continue with: {again(argv, folder)}"
    if folder is None or not (folder / "store").is_dir():
        return "interrupted before the results folder was started; nothing was written — run it again"
    import pyarrow.parquet as pq

    try:
        n = sum(pq.ParquetFile(p).metadata.num_rows for p in (folder / "store").glob("part-*.parquet"))
    except (OSError, ValueError):
        n = None
    runs = f"{n:,} finished runs" if n is not None else "the finished runs"
    return f"interrupted; {folder}/store keeps {runs} (no results tables or manifest yet) — continue with: " \
           f"{again(argv, folder)}"


def _history(folder: Path) -> Path | None:
    """The ``history.db`` of a calibration folder, or of a backtest folder's calibration, if there is one."""
    return next((db for db in (folder / "history.db", folder / "calibration" / "history.db") if db.is_file()), None)


def disk_error(a: Namespace, problem: tuple[str, Path | None], since: float) -> str:
    """One line for a failed write: which folder, and what to do."""
    reason, where = problem
    folder = folder_of(a, since) if a.command in ("sweep", "sensitivity", "calibrate", "backtest") else None
    if folder is not None:
        drop_half_manifest(folder)  # the manifest is written last: a cut one must not look complete
    place = where or folder or (Path(a.out) if getattr(a, "out", None) else Path("results"))
    if place.name.startswith(".") and place.name.endswith(".partial"):  # the staging folder of a results folder
        place = place.parent / place.name[1:].removesuffix(".partial")
    todo = "free space there" if "space" in reason or "quota" in reason else "make it writable"
    kept = ""
    if folder is not None and (folder / "store").is_dir():
        kept = f"; the finished runs stay in {folder}/store — add --out {folder} --resume once fixed"
    elif folder is not None and (db := _history(folder)) is not None:
        kept = f"; {db} keeps the finished generations — add --out {folder} --resume once fixed"
    return f"{reason} while writing in {place}/ — {todo} or choose another --out{kept}"
