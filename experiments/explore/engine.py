"""The page's runs: an ensemble of the set scenario paired with the unchanged one (same parameter draws, seed and
replicate indices, so the same random streams — as ``innosim compare``), in a background thread that reports
progress and stops at the next finished replicate when cancelled; and the numbers the page shows from it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from innosim.experiments.runs.command import parameter_sets
from innosim.experiments.runs.ensemble import Task, run_replicate_full, to_annual
from innosim.experiments.runs.executors import make_executor
from innosim.experiments.runs.intervals import mean_interval, paired_difference
from innosim.experiments.runs.targets import met_matrix, target_table
from innosim.model.city import Plan
from innosim.model.scenario import Scenario


class Cancelled(Exception):
    """The run was cancelled from the page."""


@dataclass(frozen=True)
class PairContext:
    """What each worker needs: the set scenario and the unchanged one (index 0 and 1) and the seed."""

    scenarios: tuple[Scenario, Scenario]
    seed: int


def pair_task(ctx: PairContext, item: tuple[int, Task]) -> tuple[int, pd.DataFrame, pd.DataFrame]:
    """Executor task: one replicate of scenario ``item[0]`` -> (which, quarterly indicators, ledger)."""
    which, task = item
    ts, ledger = run_replicate_full(ctx.scenarios[which], task, ctx.seed)
    return which, ts, ledger


@dataclass
class Outcome:
    """A finished run: per scenario (0 = set, 1 = unchanged) the quarterly frames and ledgers of every replicate
    in replicate order, the annual tables (money in 亿元) and what the manifest says about the parameters."""

    scenario: Scenario
    base: Scenario
    plan: Plan
    seed: int
    replicates: int
    series: list[pd.DataFrame]  # quarterly, set scenario, one per replicate
    ledgers: list[pd.DataFrame]
    annual: pd.DataFrame
    base_annual: pd.DataFrame
    param_info: dict = field(default_factory=dict)


def run_pair(scenario: Scenario, base: Scenario, plan: Plan, replicates: int, seed: int, params: str,
             workers: int = 1, progress: Callable[[int, int], None] | None = None,
             cancel: threading.Event | None = None) -> Outcome:
    """Run ``replicates`` replicates of ``scenario`` and, on the same tasks, of ``base`` (skipped when they are the
    same object); ``progress(done, total)`` after each run; raises ``Cancelled`` when ``cancel`` is set."""
    tasks, info = parameter_sets(params, seed, replicates)
    same = scenario is base
    items = [(w, t) for t in tasks for w in ((0,) if same else (0, 1))]
    got: dict[int, dict[int, tuple[pd.DataFrame, pd.DataFrame]]] = {0: {}, 1: {}}
    with make_executor("processes", workers) as ex:
        for done, (which, ts, ledger) in enumerate(ex.imap(pair_task, PairContext((scenario, base), seed), items), 1):
            got[which][int(ts["replicate"].iloc[0])] = (ts, ledger)
            if progress:
                progress(done, len(items))
            if cancel is not None and cancel.is_set():
                raise Cancelled()
    if same:
        got[1] = got[0]
    order = sorted(got[0])
    series = [got[0][k][0] for k in order]
    annual = pd.concat([to_annual(s) for s in series], ignore_index=True)
    base_annual = pd.concat([to_annual(got[1][k][0]) for k in order], ignore_index=True)
    return Outcome(scenario, base, plan, seed, replicates, series, [got[0][k][1] for k in order], annual,
                   base_annual, info)


def cards(out: Outcome) -> pd.DataFrame:
    """One row per target and ``all``: ``p_met, ci_low, ci_high`` (Wilson 95%), ``median, p05, p95`` in the target
    year (the target's unit), the paired change in P(met) against the unchanged scenario ``dp, dp_low, dp_high``
    (Newcombe) and in the median ``dmed`` (median of the per-replicate differences) with a t-interval of the mean
    difference ``dmean, dmean_low, dmean_high``."""
    plan, year = out.plan, out.plan.target_year
    tt = target_table(out.annual, plan.targets, year).set_index("indicator")
    met_a, met_b = met_matrix(out.annual, plan.targets, year), met_matrix(out.base_annual, plan.targets, year)
    last_a = out.annual[out.annual["year"] == year].set_index("replicate").sort_index()
    last_b = out.base_annual[out.base_annual["year"] == year].set_index("replicate").sort_index()
    rows = []
    for k in (*plan.headline, *(("all",) if plan.targets else ())):
        if k in tt.index:
            d = paired_difference(met_a[k].to_numpy(), met_b[k].to_numpy())
            row = {"indicator": k, "target": plan.targets.get(k, np.nan), "p_met": tt.loc[k, "p_met"],
                   "ci_low": tt.loc[k, "ci_low"], "ci_high": tt.loc[k, "ci_high"], "n": int(tt.loc[k, "n"]),
                   "dp": d.diff, "dp_low": d.low, "dp_high": d.high}
        else:  # the plan states no target for it: its projection and change only
            row = {"indicator": k, "target": np.nan, "p_met": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                   "n": len(last_a), "dp": np.nan, "dp_low": np.nan, "dp_high": np.nan}
        if k != "all":
            v = last_a[k].to_numpy(float)
            diff = v - last_b[k].to_numpy(float)
            m, lo, hi = mean_interval(diff)
            row.update(median=float(np.median(v)), p05=float(np.quantile(v, 0.05)),
                       p95=float(np.quantile(v, 0.95)), dmed=float(np.median(diff)), dmean=m, dmean_low=lo,
                       dmean_high=hi)
        rows.append(row)
    return pd.DataFrame(rows)


def spending(out: Outcome) -> pd.DataFrame:
    """Per instrument: mean yearly ``budget`` and ``spent`` over the plan years and replicates (亿元/yr)."""
    led = pd.concat(out.ledgers, ignore_index=True)
    led = led[led["year"].isin(out.plan.years)]
    g = led.groupby(["instrument", "replicate"])[["budget", "spent"]].sum() / len(out.plan.years)
    res = g.groupby("instrument").mean()
    order = [k for k in out.scenario.instruments if k in res.index] + [k for k in res.index
                                                                        if k not in out.scenario.instruments]
    return res.loc[order].reset_index()


class Job:
    """One background run of a page session: ``start`` it, read ``done``/``total``/``state``, ``cancel`` it.
    ``state``: idle, running, cancelled, done, failed (``error`` holds the message) — ``result`` when done."""

    def __init__(self) -> None:
        self.done = 0
        self.total = 0
        self.state = "idle"
        self.error = ""
        self.result: tuple[Outcome, pd.DataFrame, pd.DataFrame] | None = None
        self.cancel_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.extra: dict = {}  # what ``post`` made of the result (the page's charts)

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def start(self, fn: Callable[[Callable[[int, int], None], threading.Event], Outcome],
              notify: Callable[[], None] = lambda: None, post: Callable[[tuple], dict] | None = None) -> None:
        """Run ``fn(progress, cancel)`` in a thread, then ``post(result)`` (kept as ``extra``); ``notify()`` after
        every change of state or progress."""
        self.cancel_event = threading.Event()
        self.done, self.total, self.state, self.error, self.result, self.extra = 0, 0, "running", "", None, {}
        cancel = self.cancel_event

        def progress(done: int, total: int) -> None:
            self.done, self.total = done, total
            notify()

        def work() -> None:
            try:
                out = fn(progress, cancel)
                result = (out, cards(out), spending(out))
                self.extra = post(result) if post else {}
                self.result = result
                self.state = "done"
            except Cancelled:
                self.state = "cancelled"
            except Exception as e:  # shown on the page; the server keeps running
                self.state, self.error = "failed", f"{type(e).__name__}: {e}"
            notify()

        self.thread = threading.Thread(target=work, name="innosim-explore-run", daemon=True)
        self.thread.start()

    def cancel(self) -> None:
        self.cancel_event.set()
