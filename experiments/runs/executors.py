"""Where runs execute: in this process, on local worker processes, or on a Dask cluster — the one executor layer
that ``run``, ``sweep``, ``sensitivity``, ``compare`` and ``calibrate`` all map their simulations through.

An executor offers two maps:

- ``imap(fn, ctx, items)`` yields ``fn(ctx, item)`` as each finishes (any order), keeping at most 4 × workers
  tasks in flight so memory does not grow with the number of runs. The context ``ctx`` (scenarios, posterior,
  seed) is shipped to each worker once, not with every task.
- ``map(fn, items)`` returns ``[fn(item) for item in items]`` in order: the ordered map pyabc's
  ``MappingSampler`` takes (``map_``), which calibration receives injected.

Results never depend on the executor or the number of workers: each task is a pure function of its item. Every
task is followed by ``gc.collect()`` on the worker (Mesa 3.3 keeps disposed models in reference cycles).
``fn`` must be a module-level function (workers import it by name).

Worker processes die with their parent: on Linux each asks the kernel for SIGTERM when its parent dies
(``prctl(PR_SET_PDEATHSIG)``), so a SIGKILLed command leaves no worker (nor, once they are gone, the resource
tracker, which exits when its last client closes). Workers ignore SIGINT: Ctrl-C reaches the whole process group,
and the parent alone handles it (no worker tracebacks; running tasks finish, buffered runs are written). While
workers (or a Dask LocalCluster) start, Ctrl-C is held (``spawning``): blocked in the thread that starts them, so
they inherit the block, and only recorded by the main thread's handler, so the parent never stops half-way
through starting one; it is delivered once they are up. A cluster interrupted so is closed quietly before the
command exits 130. A Ctrl-C that Python had to drop (it came while a weakref callback or ``__del__`` ran, where an
exception cannot propagate) is raised again before the next task is submitted or its result handed back
(``stopped.check``).
"""

from __future__ import annotations

import ctypes
import functools
import gc
import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager
from multiprocessing import resource_tracker
from typing import Any

from innosim.experiments.runs.stopped import check as check_ctrl_c
from innosim.model.errors import InputError

TaskFn = Callable[[Any, Any], Any]
BACKENDS = ("processes", "dask")

_CTX: list = []  # the context installed in a worker process


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def guard_worker(parent: int | None = None) -> None:
    """In a worker process: ignore SIGINT (the parent handles Ctrl-C) and, on Linux, get SIGTERM when the parent
    dies; exits at once if the parent ``parent`` (a pid) is already gone. Elsewhere only the SIGINT part holds."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl (unusual builds): the parent's shutdown still applies
            pass
    if parent is not None and os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


@contextmanager
def spawning():
    """Ctrl-C held while this thread starts worker processes, and delivered as soon as they are started.

    Two things make that hold. SIGINT is *blocked* in this thread, so every process it starts inherits the block:
    a Ctrl-C reaching the process group while a worker imports (``multiprocessing.spawn.spawn_main``) stays
    pending there until its initializer ignores it (which discards it) and cannot kill it with a traceback and
    break the pool. And in the main thread SIGINT's *handler* only records the signal until the block ends: the
    mask of one thread does not keep the signal from this process, whose other threads (numpy's, pyarrow's, started
    earlier) take it, and Python would then raise ``KeyboardInterrupt`` in the main thread in the middle of
    starting a process (a worker half-fed its start-up data, or not yet known to its pool). The held Ctrl-C is
    raised here when the block ends."""
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX
        yield
        return
    # multiprocessing starts its resource tracker on first use with SIGINT blocked and then *unblocks* SIGINT in
    # the calling thread (which would undo the block below for every process started after it, e.g. by Dask's
    # loop thread); started here first, the later calls find it running and leave the mask alone.
    resource_tracker.ensure_running()
    held: list[int] = []
    handler = signal.getsignal(signal.SIGINT)  # SIG_IGN stays (nothing to hold), as does one set outside Python
    hold = threading.current_thread() is threading.main_thread() and (callable(handler) or handler == signal.SIG_DFL)
    if hold:
        signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
        if hold:
            signal.signal(signal.SIGINT, handler)
    if held and callable(handler):  # the Ctrl-C that came while the workers started
        handler(signal.SIGINT, None)
    elif held and handler == signal.SIG_DFL:
        signal.raise_signal(signal.SIGINT)


def _noop() -> None:
    return None


def _started(pool: ProcessPoolExecutor, workers: int) -> ProcessPoolExecutor:
    """``pool`` with all its workers started now (one submission each; the pool starts workers on demand). A
    Ctrl-C held while they started is raised after the pool is shut down (no caller holds it yet)."""
    try:
        with spawning():
            for _ in range(workers):
                pool.submit(_noop)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    return pool


def _install(ctx, parent: int | None = None) -> None:
    guard_worker(parent)
    _CTX[:] = [ctx]


_FROZEN: list[bool] = []


def _freeze_once() -> None:
    """Move what the process holds before its first task (≈ 90k import-time objects) out of the collector's sight:
    the collection after every task then walks only the task's own objects (measured: 28–48 ms → ≈ 1 ms a
    replicate) and still frees the finished model. Collected first, so no garbage is frozen."""
    if not _FROZEN:
        gc.collect()
        gc.freeze()
        _FROZEN.append(True)


def _with_ctx(fn: TaskFn, item):
    """Worker side of ``imap`` on processes: the installed context, then a collection."""
    _freeze_once()
    out = fn(_CTX[0], item)
    gc.collect()
    return out


def _task(fn: TaskFn, ctx, item):
    _freeze_once()
    out = fn(ctx, item)
    gc.collect()
    return out


def _plain(fn: Callable, item):
    _freeze_once()
    out = fn(item)
    gc.collect()
    return out


class Executor(AbstractContextManager):
    """Common interface; use as a context manager so worker processes or the Dask client are closed."""

    name = "serial"
    workers = 1

    def imap(self, fn: TaskFn, ctx, items: Iterable) -> Iterator:
        for item in items:
            check_ctrl_c()
            yield _task(fn, ctx, item)

    def map(self, fn: Callable, items: Iterable) -> list:
        check_ctrl_c()
        return [_plain(fn, item) for item in items]

    def close(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        self.close()


class SerialExecutor(Executor):
    """This process, one task at a time (``--workers 1``)."""


class ProcessExecutor(Executor):
    """``workers`` spawned processes (no fork: safe with threads, the same on every platform). A pool whose
    workers hold a context is kept while the same context is mapped over (a sweep's precision rounds)."""

    name = "processes"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._bound: tuple[Any, ProcessPoolExecutor] | None = None
        self._plain: ProcessPoolExecutor | None = None

    def _pool(self, ctx) -> ProcessPoolExecutor:
        if self._bound is not None and self._bound[0] is ctx:
            return self._bound[1]
        if self._bound is not None:
            self._bound[1].shutdown(wait=True, cancel_futures=True)
        pool = _started(ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("spawn"),
                                            initializer=_install, initargs=(ctx, os.getpid())), self.workers)
        self._bound = (ctx, pool)
        return pool

    def imap(self, fn: TaskFn, ctx, items: Iterable) -> Iterator:
        pool = self._pool(ctx)
        pending: set[Future] = set()
        it = iter(items)
        window = 4 * self.workers
        try:
            while True:
                for item in it:
                    pending.add(pool.submit(_with_ctx, fn, item))
                    if len(pending) >= window:
                        break
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                check_ctrl_c()
                for fut in done:
                    yield fut.result()
        finally:
            for fut in pending:
                fut.cancel()

    def map(self, fn: Callable, items: Iterable) -> list:
        if self._plain is None:
            self._plain = _started(ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("spawn"),
                                                       initializer=guard_worker, initargs=(os.getpid(),)),
                                   self.workers)
        check_ctrl_c()
        return list(self._plain.map(functools.partial(_plain, fn), items, chunksize=4))

    def close(self) -> None:
        if self._bound is not None:
            self._bound[1].shutdown(wait=True, cancel_futures=True)
            self._bound = None
        if self._plain is not None:
            self._plain.shutdown(wait=True, cancel_futures=True)
            self._plain = None


class DaskExecutor(Executor):
    """A Dask cluster: the scheduler at ``address``, or a LocalCluster of ``workers`` single-threaded processes."""

    name = "dask"

    def __init__(self, workers: int, address: str | None) -> None:
        from distributed import Client, LocalCluster

        self.cluster = None
        if address:
            try:
                self.client = Client(address, timeout="10s")
            except (OSError, TimeoutError) as e:
                raise InputError("--scheduler", address, f"cannot connect to a Dask scheduler there ({e})") from None
        else:
            # Ctrl-C while the cluster starts stays pending until it is up: the loop thread that spawns the worker
            # processes, and they, inherit the block (no worker dies in its imports with a traceback, and a
            # half-started cluster cannot be left to distributed's atexit hook, which fails on it). Then it is
            # delivered here, and the cluster is closed before the interrupt goes on (cli.py: exit 130).
            try:
                with spawning():
                    self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                dashboard_address=None)
                    self.client = Client(self.cluster)
                    # The nannies (threads of this process) already kill their worker processes when this process
                    # dies (distributed watches the parent); this adds the kernel's guarantee and SIGINT-immunity.
                    self.client.run(_guard_dask_worker)
            except BaseException:
                self._close(interrupted=True)
                raise
        self.workers = max(sum(self.client.nthreads().values()), 1)
        self._scattered: tuple[Any, Any] | None = None

    def _ctx(self, ctx):
        if self._scattered is None or self._scattered[0] is not ctx:
            self._scattered = (ctx, self.client.scatter(ctx, broadcast=True))
        return self._scattered[1]

    def imap(self, fn: TaskFn, ctx, items: Iterable) -> Iterator:
        from distributed import as_completed

        remote = self._ctx(ctx)
        it = iter(items)
        window = 4 * self.workers
        first = [self.client.submit(_task, fn, remote, item, pure=False) for item in _take(it, window)]
        queue = as_completed(first)
        try:
            for fut in queue:
                check_ctrl_c()
                out = fut.result()
                fut.release()
                for item in _take(it, 1):
                    queue.add(self.client.submit(_task, fn, remote, item, pure=False))
                yield out
        finally:
            queue.clear()

    def map(self, fn: Callable, items: Iterable) -> list:
        check_ctrl_c()
        return self.client.gather(self.client.map(functools.partial(_plain, fn), list(items), pure=False))

    def close(self) -> None:
        self._close(interrupted=False)

    def _close(self, interrupted: bool) -> None:
        """Close the client and a local cluster. After an interrupt or an error distributed's own complaints
        about the work cut short (lost scattered data, cancelled tasks) are not shown, and a failure to close
        does not replace the error in flight: the command's one line says what happened."""
        quiet = [logging.getLogger(n) for n in ("distributed", "asyncio")] if interrupted else []
        levels = [q.level for q in quiet]
        for q in quiet:
            q.setLevel(logging.CRITICAL)
        if interrupted and getattr(self, "client", None) is not None:
            # The workers too: once the scheduler closes, a worker whose heartbeat is due logs the failed
            # connection with a traceback (seen once in a full test run under load).
            try:
                self.client.run(_quiet_dask_worker, on_error="ignore")
            except Exception:
                pass
        try:
            for part in (getattr(self, "client", None), self.cluster):
                if part is not None:
                    try:
                        part.close()
                    except Exception:
                        if not interrupted:
                            raise
        finally:
            for q, level in zip(quiet, levels, strict=True):
                q.setLevel(level)

    def __exit__(self, exc_type, *exc) -> None:
        self._close(interrupted=exc_type is not None)


def _guard_dask_worker() -> None:
    """``guard_worker`` on a Dask worker; its warnings about tasks cancelled by a closing cluster are not shown."""
    guard_worker()
    logging.getLogger("distributed.worker.state_machine").setLevel(logging.ERROR)


def _quiet_dask_worker() -> None:
    """After an interrupt: a worker's complaints about the closing cluster (heartbeats, lost connections) are not
    shown; the command's one line says what happened."""
    for name in ("distributed", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _take(it: Iterator, n: int) -> list:
    out = []
    for item in it:
        out.append(item)
        if len(out) >= n:
            break
    return out


def make_executor(backend: str = "processes", workers: int = 1, address: str | None = None) -> Executor:
    """The executor called ``backend``: ``processes`` (serial when ``workers`` ≤ 1) or ``dask`` (a cluster at
    ``address``, or a local one of ``workers`` processes). Raises ``InputError`` for an unknown backend or an
    unreachable scheduler, before anything is written."""
    if backend == "dask":
        return DaskExecutor(workers, address)
    if backend != "processes":
        raise InputError("--backend", backend, "unknown backend; use processes or dask")
    return SerialExecutor() if workers <= 1 else ProcessExecutor(workers)
