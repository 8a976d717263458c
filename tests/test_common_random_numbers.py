"""Common random numbers: named streams keep replicate k of every scenario on the same draws."""

from __future__ import annotations

import numpy as np

from innosim.model.scenario_files import load_scenario
from innosim.model.simulation import InnosimModel
from tests.conftest import write_scenario

BASE = """
name: crn
city: CITY
instruments:
  key_tech_grants: {budget: 2.0}
  hte_award: {budget: 2.0}
  vouchers: {budget: 0.05}
  equity: {budget: 1.0}
"""


def _run(path, quarters=32):
    return InnosimModel(load_scenario(path), seed=3, replicate=2).run(quarters)


def test_adding_zero_budget_instrument_changes_nothing(tmp_path):
    plain = write_scenario(tmp_path, BASE, "plain.yaml")
    added = write_scenario(tmp_path, BASE + """  loan_subsidy: {budget: 0.0, options: {p_loan: 0.5}}
  transfer_support: {budget: {2021: 0.0}, options: {training_share: 0.9}}
""", "added.yaml")
    a, b = _run(plain), _run(added)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_budget_change_from_2026_leaves_earlier_years_identical(tmp_path):
    plain = write_scenario(tmp_path, BASE, "plain.yaml")
    later = write_scenario(tmp_path, BASE + "policy: {from_year: 2026, budget_scale: 3.0}\n", "later.yaml")
    a, b = _run(plain), _run(later)
    first_2026 = 20
    for k in a:
        np.testing.assert_array_equal(a[k][:first_2026], b[k][:first_2026], err_msg=k)
    assert not np.array_equal(a["spend_key_tech_grants"], b["spend_key_tech_grants"])


def test_instrument_draws_do_not_shift_other_processes(tmp_path):
    """Doubling voucher money changes voucher outcomes but not who is born or the background births count."""
    plain = write_scenario(tmp_path, BASE, "plain.yaml")
    more = write_scenario(tmp_path, BASE.replace("vouchers: {budget: 0.05}", "vouchers: {budget: 3.0}"), "more.yaml")
    a, b = _run(plain, 8), _run(more, 8)
    assert not np.array_equal(a["spend_vouchers"], b["spend_vouchers"])
    # Entry and exit run before the instruments in a quarter and draw from their own streams.
    assert a["births"][0] == b["births"][0] and a["exits"][0] == b["exits"][0]


def test_stream_draws_are_per_slot():
    """Firm i gets the same uniform however many firms exist (the basis of paired comparisons)."""
    from innosim.model.rng import Streams

    s = Streams(1, 4)
    short = s.get("growth", 5).random(1000)
    long = s.get("growth", 5).random(5000)
    np.testing.assert_array_equal(short, long[:1000])
    assert not np.array_equal(s.get("growth", 5).random(10), s.get("exits", 5).random(10))
    assert not np.array_equal(s.get("growth", 5).random(10), Streams(1, 5).get("growth", 5).random(10))
