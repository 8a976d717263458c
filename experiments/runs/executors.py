"""Where runs execute: in this process, on local worker processes, or on a Dask cluster.

Every backend maps a task function ``fn(ctx, point, run) -> dict`` over (point, run) keys and yields rows as they
finish, keeping only a bounded number of runs in flight, so memory does not grow with the number of runs. The
context ``ctx`` is shipped to each worker once. Results do not depend on the backend or the number of workers:
each run is a pure function of its key. Sweeps and sensitivity batches both run through here.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import AbstractContextManager

from innosim.model.errors import InputError

Key = tuple[int, int]
TaskFn = Callable[..., dict]

_CTX: list = []  # the context installed in a worker process


def _install(ctx) -> None:
    _CTX[:] = [ctx]


def _call(fn: TaskFn, point: int, run: int) -> dict:
    return fn(_CTX[0], point, run)


class SerialBackend(AbstractContextManager):
    """Runs in this process, one at a time (``--workers 1``)."""

    name = "serial"

    def __init__(self, fn: TaskFn, ctx) -> None:
        self.fn, self.ctx = fn, ctx
        self.workers = 1

    def map(self, keys: Iterable[Key]) -> Iterator[dict]:
        for point, run in keys:
            yield self.fn(self.ctx, point, run)

    def __exit__(self, *exc) -> None:
        return None


class ProcessBackend(AbstractContextManager):
    """``workers`` spawned processes (no fork: safe with threads, the same on every platform)."""

    name = "processes"

    def __init__(self, fn: TaskFn, ctx, workers: int) -> None:
        self.fn, self.workers = fn, workers
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                        initializer=_install, initargs=(ctx,))

    def map(self, keys: Iterable[Key]) -> Iterator[dict]:
        pending: set[Future] = set()
        it = iter(keys)
        window = 4 * self.workers
        try:
            while True:
                for key in it:
                    pending.add(self.pool.submit(_call, self.fn, *key))
                    if len(pending) >= window:
                        break
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
        finally:
            for fut in pending:
                fut.cancel()

    def __exit__(self, *exc) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskBackend(AbstractContextManager):
    """A Dask cluster: the scheduler at ``address``, or a LocalCluster of ``workers`` single-threaded processes."""

    name = "dask"

    def __init__(self, fn: TaskFn, ctx, workers: int, address: str | None) -> None:
        from distributed import Client, LocalCluster

        self.fn = fn
        self.cluster = None
        if address:
            try:
                self.client = Client(address, timeout="10s")
            except (OSError, TimeoutError) as e:
                raise InputError("--scheduler", address, f"cannot connect to a Dask scheduler there ({e})") from None
        else:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
        self.workers = max(sum(self.client.nthreads().values()), 1)
        self.ctx = self.client.scatter(ctx, broadcast=True)

    def map(self, keys: Iterable[Key]) -> Iterator[dict]:
        from distributed import as_completed

        it = iter(keys)
        window = 4 * self.workers
        first = [self.client.submit(self.fn, self.ctx, p, r, pure=False) for p, r in _take(it, window)]
        queue = as_completed(first)
        try:
            for fut in queue:
                row = fut.result()
                fut.release()
                for p, r in _take(it, 1):
                    queue.add(self.client.submit(self.fn, self.ctx, p, r, pure=False))
                yield row
        finally:
            queue.clear()

    def __exit__(self, *exc) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _take(it: Iterator[Key], n: int) -> list[Key]:
    out = []
    for key in it:
        out.append(key)
        if len(out) >= n:
            break
    return out


def make_backend(name: str, fn: TaskFn, ctx, workers: int, address: str | None = None) -> AbstractContextManager:
    """The backend called ``name`` (``processes`` or ``dask``) running ``fn(ctx, point, run)``; ``fn`` must be a
    module-level function (workers import it by name)."""
    if name == "dask":
        return DaskBackend(fn, ctx, workers, address)
    if name != "processes":
        raise InputError("--backend", name, "unknown backend; use processes or dask")
    return SerialBackend(fn, ctx) if workers <= 1 else ProcessBackend(fn, ctx, workers)
