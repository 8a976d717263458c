"""The results store of a sweep: Parquet parts, one row per finished run, written as runs finish.

Each part is written to a temporary name and renamed into place, so a part is either whole or absent: a sweep
killed at any moment loses at most the runs buffered since the last part, and ``--resume`` re-runs exactly those
(runs are deterministic, so the re-run rows equal the lost ones). Rows are keyed by (point, run); reading drops
any duplicate key, so no run is ever counted twice. A part that cannot be read (damaged by a crash of the machine
or the file system) is named on stderr and moved aside as ``part-NNNNNN.parquet.damaged`` when the store is
opened; its runs count as not done, so ``--resume`` re-runs them. A write that fails (a full disk) leaves no
temporary file behind.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

KEY = ["point", "run"]


class RunStore:
    """Append-only store of run rows under ``folder`` (``part-000001.parquet`` …)."""

    def __init__(self, folder: Path, flush_runs: int = 100, flush_seconds: float = 30.0) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        for stray in self.folder.glob("*.tmp"):  # a part that was being written when the sweep was killed
            stray.unlink()
        self.flush_runs = flush_runs
        self.flush_seconds = flush_seconds
        self._buffer: list[dict] = []
        self._last_flush = time.monotonic()
        self._keys = self._check_parts()
        numbers = [int(p.name.split("-")[1].split(".")[0]) for p in self.folder.glob("part-*.parquet*")]
        self._next = max(numbers, default=0) + 1  # never reuse a number, not even a damaged part's

    def _check_parts(self) -> set[tuple[int, int]]:
        """Keys of every readable part; unreadable parts are named and moved aside (their runs re-run)."""
        keys: set[tuple[int, int]] = set()
        for part in self.parts():
            try:
                t = pq.read_table(part, columns=KEY)
            except (OSError, pa.ArrowException, ValueError) as e:
                aside = part.with_name(part.name + ".damaged")
                os.replace(part, aside)
                print(f"innosim: warning: store part {part} is damaged ({str(e).splitlines()[0][:120]}); moved "
                      f"aside as {aside.name}, its runs will be run again", file=sys.stderr)
                continue
            keys.update(zip(t.column("point").to_pylist(), t.column("run").to_pylist(), strict=True))
        return keys

    def parts(self) -> list[Path]:
        return sorted(self.folder.glob("part-*.parquet"))

    def done(self) -> set[tuple[int, int]]:
        """(point, run) of every run already stored."""
        keys = set(self._keys)
        for row in self._buffer:
            keys.add((row["point"], row["run"]))
        return keys

    def add(self, row: dict) -> None:
        """Buffer one run's row; writes a part when enough runs or time have accumulated."""
        self._buffer.append(row)
        if len(self._buffer) >= self.flush_runs or time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows as one part (atomically)."""
        if not self._buffer:
            return
        table = pa.Table.from_pylist(self._buffer)
        final = self.folder / f"part-{self._next:06d}.parquet"
        tmp = final.with_suffix(".parquet.tmp")
        try:
            pq.write_table(table, tmp)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)  # a full disk or Ctrl-C mid-write: nothing half-written stays
            raise
        self._keys.update((row["point"], row["run"]) for row in self._buffer)
        self._next += 1
        self._buffer.clear()
        self._last_flush = time.monotonic()

    def read(self, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Stored rows sorted by (point, run), duplicates dropped; only ``columns`` (plus the key) if given."""
        parts = self.parts()
        cols = None if columns is None else list(dict.fromkeys([*KEY, *columns]))
        if not parts:
            return pd.DataFrame(columns=cols or KEY)
        frames = [pq.read_table(p, columns=cols).to_pandas() for p in parts]
        df = pd.concat(frames, ignore_index=True)
        return df.drop_duplicates(KEY).sort_values(KEY, kind="stable").reset_index(drop=True)
