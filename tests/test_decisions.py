"""The pure decision functions every rule and virtual experiment uses (agents/decisions.py) and the shares agents
expect of a budget (model.signals.funded_share, agents.platforms.expected_share)."""

from __future__ import annotations

import numpy as np

from innosim.agents import decisions as d
from innosim.agents.platforms import expected_share
from innosim.model.signals import funded_share
from innosim.model.tax import HTE_NOTCH, SMALL_PROFIT_LIMIT


def test_a_voucher_tips_exactly_the_needs_worth_more_than_the_lowered_price():
    fee = np.full(5, 10.0)
    r = np.log([0.4, 0.55, 0.9, 1.0, 1.5])
    assert d.buys_service(r, fee).tolist() == [False, False, False, False, True]
    assert d.buys_service(r, fee, 5.0).tolist() == [False, True, True, True, True]
    gain = d.voucher_gain(r, fee, np.full(5, 5.0))
    assert gain[0] == 0 and gain[-1] == 5.0 and 0 < gain[1] < gain[2] < 5.0


def test_relabelling_minimises_the_cost_of_a_gap():
    kappa = np.array([0.5, 1.0, 2.0, 4.0])
    s = d.relabel_share(0.5, kappa)
    assert s.tolist() == [1.0, 0.5, 0.25, 0.125]
    grid = np.linspace(0, 1, 10001)
    for k, best in zip(kappa, d.gap_unit_cost(0.5, kappa), strict=True):
        assert abs(np.min((1 - grid) * 0.5 + k * grid**2 / 2) - best) < 1e-6


def test_the_notch_is_worth_nothing_to_small_profit_firms():
    rev = np.array([1e7, 1e8, 1e9])
    v = d.notch_value(np.array([0.1, 0.1, -0.05]), rev)
    assert v[0] == 0.0  # profit 100万 ≤ the small-profit limit
    assert np.isclose(v[1], HTE_NOTCH * 0.1 * 1e8) and 0.1 * 1e8 > SMALL_PROFIT_LIMIT
    assert v[2] == 0.0  # a loss maker saves no tax


def test_constraint_falls_with_size_and_sets_additionality():
    share = d.constrained_share(np.array([1e6, 5e7, 1e9]), 5e7)
    assert share[0] > 0.9 and share[1] == 0.5 and share[2] < 0.1
    a = d.additionality(np.array([True, False]), 0.6, -0.2)
    assert a.tolist() == [0.6, -0.2]


def test_funded_share_divides_a_budget_among_claims():
    assert funded_share(0.0, 10.0) == 0.0
    assert funded_share(10.0, 5.0) == 1.0
    assert funded_share(10.0, 40.0) == 0.25


def test_hosts_expect_the_share_at_which_their_claims_use_the_budget():
    costs = np.arange(1.0, 101.0)  # one host per cost 1..100
    assert expected_share(costs, 50.0, 1e9) == 1.0
    s = expected_share(costs, 50.0, 500.0)
    # The funded share s is what the budget pays of the claims made at s: s × claims(s) = budget (up to a host).
    claims = 50.0 * np.count_nonzero(costs < s * 50.0)
    assert s * claims <= 500.0 < (s + 1e-3) * 50.0 * (np.count_nonzero(costs < s * 50.0) + 1)
    assert expected_share(costs, 50.0, 0.0) == 0.0
