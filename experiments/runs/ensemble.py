"""Run one replicate (a pure function) and ensembles of replicates on local worker processes.

A replicate is fully determined by (scenario, parameter set, seed, replicate index); results are ordered by
replicate, so the same seed gives byte-identical tables on 1 or N workers. Each worker disposes of every
model after its run (Mesa 3.3 would otherwise keep them all alive).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import pandas as pd

from innosim.model.calendar import N_QUARTERS, label, year_of
from innosim.model.city import CityProfile, load_city
from innosim.model.indicators import FLOWS, MONEY, STOCKS
from innosim.model.run import run_one
from innosim.model.scenario import Scenario

YI = 1e8


@dataclass(frozen=True)
class Task:
    """One replicate: its index, and the parameter draw it uses (``draw`` = -1 for prior medians)."""

    replicate: int
    params: dict[str, float]
    draw: int = -1


def run_replicate(scenario: Scenario, task: Task, seed: int, city: CityProfile | None = None,
                  quarters: int = N_QUARTERS) -> pd.DataFrame:
    """Quarterly indicators of one replicate as a tidy frame (money in 亿元)."""
    return run_replicate_full(scenario, task, seed, city, quarters)[0]


def run_replicate_full(scenario: Scenario, task: Task, seed: int, city: CityProfile | None = None,
                       quarters: int = N_QUARTERS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quarterly indicators and the ledger (instrument × year, 亿元) of one replicate."""
    res = run_one(scenario, task.params, seed, task.replicate, city=city, quarters=quarters)
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


# --- worker side ---------------------------------------------------------------------------------------
_W: dict[str, object] = {}


def _init_worker(scenario: Scenario, city: CityProfile, seed: int, quarters: int) -> None:
    _W.update(scenario=scenario, city=city, seed=seed, quarters=quarters)


def _work(task: Task) -> tuple[pd.DataFrame, pd.DataFrame]:
    out = run_replicate_full(_W["scenario"], task, _W["seed"], _W["city"], _W["quarters"])  # type: ignore[arg-type]
    gc.collect()
    return out


def iter_ensemble(scenario: Scenario, tasks: list[Task], seed: int, workers: int = 1,
                  quarters: int = N_QUARTERS) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Yield each replicate's (indicators, ledger) as it finishes (any order); workers > 1 uses spawned processes."""
    city = load_city(scenario.city)
    if workers <= 1:
        _init_worker(scenario, city, seed, quarters)
        for t in tasks:
            yield _work(t)
        return
    ctx = mp.get_context("spawn")  # no fork: safe with threads, identical on every platform
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(scenario, city, seed, quarters)) as pool:
        futures = [pool.submit(_work, t) for t in tasks]
        for fut in as_completed(futures):
            yield fut.result()


def run_ensemble(scenario: Scenario, tasks: list[Task], seed: int, workers: int = 1, quarters: int = N_QUARTERS,
                 progress: Callable[[int], None] | None = None, ledgers: list | None = None) -> pd.DataFrame:
    """All replicates' quarterly frames in replicate order (independent of worker count). Pass a list as
    ``ledgers`` to receive the concatenated ledger table as its single element."""
    results = []
    for out in iter_ensemble(scenario, tasks, seed, workers, quarters):
        results.append(out)
        if progress:
            progress(1)
    results.sort(key=lambda r: int(r[0]["replicate"].iloc[0]))
    if ledgers is not None:
        ledgers.append(pd.concat([r[1] for r in results], ignore_index=True))
    return pd.concat([r[0] for r in results], ignore_index=True)
