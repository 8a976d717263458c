"""One replicate as tidy tables (through ``model.run.run_one``) and ensembles of replicates through the
executor layer (``runs/executors.py``).

A replicate is fully determined by (scenario, parameter set, seed, replicate index); results are ordered by
replicate, so the same seed gives byte-identical tables on any executor and number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from innosim.experiments.runs.executors import Executor
from innosim.model.calendar import N_QUARTERS, label, year_of
from innosim.model.indicators import FLOWS, MONEY, STOCKS
from innosim.model.run import run_one
from innosim.model.scenario import Scenario
from innosim.model.units import YI


@dataclass(frozen=True)
class Task:
    """One replicate: its index, and the parameter draw it uses (``draw`` = -1 for prior medians)."""

    replicate: int
    params: dict[str, float]
    draw: int = -1


def run_replicate(scenario: Scenario, task: Task, seed: int, quarters: int = N_QUARTERS) -> pd.DataFrame:
    """Quarterly indicators of one replicate as a tidy frame (money in 亿元)."""
    return run_replicate_full(scenario, task, seed, quarters)[0]


def run_replicate_full(scenario: Scenario, task: Task, seed: int,
                       quarters: int = N_QUARTERS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quarterly indicators and the ledger (instrument × year, 亿元) of one replicate."""
    res = run_one(scenario, task.params, seed, task.replicate, quarters=quarters)
    ledger = pd.DataFrame(res.ledger)
    ledger.insert(0, "replicate", task.replicate)
    return indicator_frame(res.quarterly, task), ledger


def indicator_frame(data: dict[str, np.ndarray], task: Task) -> pd.DataFrame:
    """The recorder's quarterly arrays as a tidy frame (money converted from yuan to 亿元)."""
    quarters = len(next(iter(data.values())))
    frame = pd.DataFrame({k: (v / YI if (k in MONEY or k.startswith("spend_")) else v) for k, v in data.items()})
    frame.insert(0, "replicate", task.replicate)
    frame.insert(1, "draw", task.draw)
    frame.insert(2, "quarter", [label(q) for q in range(quarters)])
    frame.insert(3, "year", [year_of(q) for q in range(quarters)])
    return frame


def to_annual(ts: pd.DataFrame) -> pd.DataFrame:
    """Year-end stocks and summed flows and spending, one row per replicate × year."""
    keys = ["replicate", "draw", "year"]
    g = ts.groupby(keys, sort=True)
    stocks = g[[c for c in STOCKS if c in ts]].last()
    flows = g[[c for c in ts.columns if c in FLOWS or c.startswith("spend_")]].sum()
    out = pd.concat([stocks, flows], axis=1).reset_index()
    counts = [c for c in STOCKS if c not in MONEY] + ["births", "exits", "vc_deals", "hte_new", "equity_exits",
                                                      "brokered_matches", "contracts_university", "converted_grants",
                                                      "hte_applications"]
    for c in counts:
        if c in out:
            out[c] = out[c].round().astype(np.int64)
    return out


# --- ensembles through the executor layer ----------------------------------------------------------------
@dataclass(frozen=True)
class EnsembleContext:
    """What every worker needs, shipped to it once: the scenario, the seed and how many quarters to run."""

    scenario: Scenario
    seed: int
    quarters: int = N_QUARTERS


def replicate_tables(ctx: EnsembleContext, task: Task) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Executor task: one replicate's (indicators, ledger)."""
    return run_replicate_full(ctx.scenario, task, ctx.seed, ctx.quarters)


def run_ensemble(scenario: Scenario, tasks: list[Task], seed: int, executor: Executor, quarters: int = N_QUARTERS,
                 progress: Callable[[int], None] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All replicates' quarterly frames and ledgers, each in replicate order (independent of the executor)."""
    results = []
    for out in executor.imap(replicate_tables, EnsembleContext(scenario, seed, quarters), tasks):
        results.append(out)
        if progress:
            progress(1)
    results.sort(key=lambda r: int(r[0]["replicate"].iloc[0]))
    return (pd.concat([r[0] for r in results], ignore_index=True),
            pd.concat([r[1] for r in results], ignore_index=True))


def ordered_ensemble(scenario: Scenario, tasks: list[Task], seed: int, executor: Executor,
                     quarters: int = N_QUARTERS) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Each replicate's (indicators, ledger) in replicate order, as soon as it and every earlier one are done;
    only replicates finished ahead of an earlier one are held (at most the executor's window)."""
    order = {t.replicate: i for i, t in enumerate(sorted(tasks, key=lambda t: t.replicate))}
    early: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}
    nxt = 0
    for out in executor.imap(replicate_tables, EnsembleContext(scenario, seed, quarters), tasks):
        early[order[int(out[0]["replicate"].iloc[0])]] = out
        while nxt in early:
            yield early.pop(nxt)
            nxt += 1


GROUP_REPLICATES = 256  # replicates per Parquet row group (8,192 rows of 32 quarters, ≈ 3 MB held)
MERGE = 64  # replicates after which the held annual pieces are merged into one


class ReplicateWriter:
    """Writes replicates (in replicate order) to ``timeseries.parquet``, ``ledger.csv`` and the annual table as
    they come. Every ``GROUP_REPLICATES`` replicates become one Parquet row group, so only that many replicates'
    quarterly rows are held (≈ 12 KB each as Arrow columns); the annual table (≈ 3 KB per replicate) is kept for
    targets and charts. ``ledger.csv`` and the annual table are byte-identical to writing the whole ensemble at
    once; ``timeseries.parquet`` reads back as the same table (its row groups are smaller than the 2²⁰-row groups
    of a whole-table write). Use as a context manager (writes the last group and closes the file)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parquet: pq.ParquetWriter | None = None
        self.held: list[pa.Table] = []  # the quarterly rows of the replicates of the current row group
        self.annual: list[pd.DataFrame] = []
        self.annual_blocks = 0
        self.ledger_header = True

    def add(self, ts: pd.DataFrame, ledger: pd.DataFrame) -> None:
        ledger.to_csv(self.folder / "ledger.csv", mode="a", header=self.ledger_header, index=False,
                      float_format="%.8f")
        self.ledger_header = False
        self.annual.append(to_annual(ts))
        table = pa.Table.from_pandas(ts, preserve_index=False)
        if self.parquet is None:
            self.parquet = pq.ParquetWriter(self.folder / "timeseries.parquet", table.schema)
        self.held.append(table)
        if len(self.held) >= GROUP_REPLICATES:
            self._write()
        if len(self.annual) - self.annual_blocks >= MERGE:  # many small frames cost far more than a few large
            self.annual[self.annual_blocks:] = [pd.concat(self.annual[self.annual_blocks:], ignore_index=True)]
            self.annual_blocks += 1

    def _write(self) -> None:
        """The held replicates as one row group (memory stays flat at any replicate count)."""
        if not self.held:
            return
        table = pa.concat_tables(self.held)
        assert self.parquet is not None
        self.parquet.write_table(table, row_group_size=len(table))
        self.held = []

    def annual_table(self) -> pd.DataFrame:
        """The annual table of every replicate written (as ``to_annual`` of the whole ensemble)."""
        return pd.concat(self.annual, ignore_index=True)

    def __enter__(self) -> ReplicateWriter:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:  # on an error the staging folder is removed anyway
            self._write()
        if self.parquet is not None:
            self.parquet.close()
