"""Long ensembles do not leak (Mesa 3.3 keeps finished models alive; the model disposes of itself), and every
firm is reachable as a Mesa agent."""

from __future__ import annotations

import gc
import weakref

import mesa
import numpy as np
import psutil

from innosim.experiments.runs.ensemble import Task, run_replicate
from innosim.model.simulation import InnosimModel


def _models_in_mesa_registry() -> int:
    return sum(isinstance(k, InnosimModel) for k in list(getattr(mesa.Agent, "_ids", {})))


def test_disposed_models_are_freed(baseline, medians):
    before = _models_in_mesa_registry()
    refs = []
    for k in range(5):
        m = InnosimModel(baseline, medians, seed=1, replicate=k)
        m.run(2)
        m.dispose()
        refs.append(weakref.ref(m))
        del m
    gc.collect()
    assert all(r() is None for r in refs), "a finished model is still referenced"
    assert _models_in_mesa_registry() == before


def test_memory_flat_over_a_long_ensemble(baseline, medians):
    """60 full runs in one process: resident memory after the first 10 grows by less than 60 MB. The current
    resident size, not the peak (``ru_maxrss``): in a full suite an earlier test's higher peak would hide any growth
    here. A finished model kept alive costs several MB, so a leak of one per run shows as hundreds of MB."""
    def rss_mb() -> float:
        return psutil.Process().memory_info().rss / 2**20

    for k in range(10):
        run_replicate(baseline, Task(k, medians), seed=2)
    gc.collect()
    warm = rss_mb()
    for k in range(10, 60):
        run_replicate(baseline, Task(k, medians), seed=2)
    gc.collect()
    assert rss_mb() - warm < 60.0, (warm, rss_mb())


def test_firm_is_a_mesa_agent(baseline):
    m = InnosimModel(baseline, seed=1)
    m.run(4)
    a = m.enterprise(123)
    assert isinstance(a, mesa.Agent) and a in m.agents
    assert a.revenue == float(m.firms.revenue[123]) and a.alive == bool(m.firms.alive[123])
    m.step()
    assert a.state["revenue"] == float(m.firms.revenue[123])  # a live view, not a copy
    assert m.enterprise(123) is a
    kinds = {type(x).__name__ for x in m.agents}
    assert {"University", "Incubator", "VCFund", "Bank", "GuidanceFund", "EnterpriseAgent"} <= kinds
    m.dispose()


def test_agent_counts_match_the_city(baseline):
    m = InnosimModel(baseline, seed=1)
    c = m.city
    assert m.universities.n == c.universities.count and m.incubators.n == c.incubators.count
    assert len(m.investors.vcs) == c.investors.vc_funds + c.investors.angel_networks
    assert np.count_nonzero(m.firms.hte) == c.enterprises.hte_stock
    assert m.firms.n == sum(s.count for s in c.enterprises.segments)
    m.dispose()
