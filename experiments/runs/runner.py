"""Running keys into a results store with a progress bar: shared by sweeps and sensitivity batches."""

from __future__ import annotations

import sys

from tqdm import tqdm

from innosim.experiments.runs.executors import Executor, TaskFn
from innosim.experiments.runs.store import RunStore


class StoreRunner:
    """Runs (point, run) keys through ``fn(ctx, key)`` on an executor into a store, skipping keys already stored,
    with one progress bar (runs done, runs per second, time left) over every call. Use it as a context manager:
    on leaving — normally, on Ctrl-C or on an error — the buffered runs are written, so finished work is never
    lost."""

    def __init__(self, executor: Executor, fn: TaskFn, ctx, store: RunStore, progress: bool, name: str) -> None:
        self.executor, self.fn, self.ctx, self.store = executor, fn, ctx, store
        self.done = store.done()
        self.new = 0
        self.bar = tqdm(total=0, desc=name, unit="run", disable=not progress, mininterval=1.0,
                        file=sys.stderr, dynamic_ncols=True)

    def run(self, wanted: list[tuple[int, int]], stage: str) -> None:
        pending = [k for k in wanted if k not in self.done]
        self.bar.set_postfix_str(stage, refresh=False)
        self.bar.total = (self.bar.total or 0) + len(pending)
        self.bar.refresh()
        for row in self.executor.imap(self.fn, self.ctx, pending):
            self.store.add(row)
            self.done.add((row["point"], row["run"]))
            self.new += 1
            self.bar.update(1)
        self.store.flush()

    def __enter__(self) -> StoreRunner:
        return self

    def __exit__(self, *exc) -> None:
        self.store.flush()
        self.bar.close()
