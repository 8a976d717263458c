"""Ledger invariants, unit and property-based: booked ≤ budget, no negative stocks, stakes within [0, 1]."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innosim.model.instruments.registry import REGISTRY
from innosim.model.ledger import BudgetExceeded, Ledger
from innosim.model.scenario import Scenario
from innosim.model.simulation import InnosimModel
from tests.conftest import SCENARIOS

CITY = str(SCENARIOS / "cities" / "qingdao.yaml")


def test_fit_is_first_come_first_served_and_within_budget():
    led = Ledger({"vouchers": {2021: 100.0}})
    paid = led.fit("vouchers", 2021, np.array([30.0, 50.0, 40.0, 10.0]))
    np.testing.assert_allclose(paid, [30.0, 50.0, 20.0, 0.0])
    assert led.book("vouchers", 2021, paid) == 100.0
    assert led.remaining("vouchers", 2021) == 0.0
    with pytest.raises(BudgetExceeded):
        led.book("vouchers", 2021, np.array([1.0]))


def test_proceeds_recycle_into_next_years_fund():
    led = Ledger({"equity": {2024: 10.0, 2025: 5.0}})
    led.receive_proceeds(2024, 7.0)
    assert led.remaining("equity", 2025) == 12.0
    assert led.recycled[2025 - 2021] == 7.0 and led.proceeds[2024 - 2021] == 7.0
    with pytest.raises(ValueError):
        led.receive_proceeds(2024, -1.0)


budgets = st.fixed_dictionaries({k: st.floats(0.0, 6.0) for k in REGISTRY})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(budgets=budgets, scale=st.floats(0.0, 3.0), seed=st.integers(0, 10_000))
def test_invariants_hold_for_any_budgets(budgets, scale, seed):
    scen = Scenario(name="h", city=CITY, instruments={k: {"budget": v} for k, v in budgets.items()},
                    policy={"from_year": 2022, "budget_scale": scale})
    m = InnosimModel(scen, seed=seed)
    for _ in range(12):
        m.step()
        f = m.firms
        assert np.all(m.ledger.spent <= m.ledger.budget * (1 + 1e-9) + 1e-6)
        for col in ("revenue", "rd", "rd_year", "knowledge", "public_pipe", "private_pipe", "stake_cost",
                    "voucher_used", "grants_cum", "convertible"):
            assert np.all(getattr(f, col) >= 0), col
        assert np.all((f.stake >= 0) & (f.stake <= 1))
        assert np.all(f.voucher_used <= 20e4 + 1e-6)
        assert np.all(m.incubators.tenants >= 0) and np.all(m.incubators.tenants <= m.incubators.capacity + 0)
        assert m.brokers.stock >= 0 and np.all(m.universities.results >= 0)
        assert not np.any(f.hte & ~f.alive) and not np.any(f.tech_sme & ~f.alive)
