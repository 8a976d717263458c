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


def test_yearly_draws_per_firm_have_their_distributions():
    """The yearly draws made per firm slot (service needs, growth shocks; ``model.rng.slot_*``) have the
    distributions of the rules: a living tech firm has a need with probability ``p_need`` (within 4 standard
    errors), no other firm has one, the quarter is uniform (χ² p > 0.001), log value / fee is N(svc_mu, svc_sigma)
    and the log fee N(log 4.5万, 0.8) (means within 4 SE, sds within 5%); growth shocks are Laplace with the
    size-scaled spread (mean |shock| / scale within 3% of 1, ≈ 5 standard errors over 26,000 firms), 0 for firms
    born later in the year."""
    from scipy import stats

    from innosim.agents.enterprise_rules import SIZE_VARIANCE_EXP
    from innosim.agents.services import FEE_MEDIAN_WAN, FEE_SIGMA
    from innosim.model.units import WAN

    m = InnosimModel(load_scenario("scenarios/baseline.yaml"), seed=11, replicate=0)
    f, p = m.firms, m.params
    tech = f.alive & f.tech
    need = f.voucher_need_q >= 0
    assert not (need & ~tech).any()
    share, n = need[tech].mean(), int(tech.sum())
    assert abs(share - p["p_need"]) < 4 * np.sqrt(p["p_need"] * (1 - p["p_need"]) / n)
    assert stats.chisquare(np.bincount(f.voucher_need_q[need], minlength=4)).pvalue > 1e-3
    k = int(need.sum())
    ratio, log_fee = f.svc_ratio[need], np.log(f.svc_fee[need] / (FEE_MEDIAN_WAN * WAN))
    assert abs(ratio.mean() - p["svc_mu"]) < 4 * p["svc_sigma"] / np.sqrt(k)
    assert abs(ratio.std() / p["svc_sigma"] - 1) < 0.05
    assert abs(log_fee.mean()) < 4 * FEE_SIGMA / np.sqrt(k) and abs(log_fee.std() / FEE_SIGMA - 1) < 0.05
    before = f.n
    m.step()  # 2021Q1 draws the year's growth shocks (at the start-of-year revenue) before anybody is born
    scale = p["growth_b"] * np.clip(
        np.exp(-SIZE_VARIANCE_EXP * np.log(np.maximum(f.revenue_last_year[:before], 1.0) / 1e7)), 0.3, 1.5)
    assert abs(np.mean(np.abs(f.growth_year[:before]) / scale) - 1) < 0.03
    assert (f.growth_year[before:] == 0).all()


def test_per_firm_draws_do_not_shift_with_the_number_of_firms():
    """A firm's yearly draws are its own whatever the number of firms: two scenarios whose firm tables differ in
    size (the voucher-heavy mix from 2024: other spin-outs) give every firm that is a living tech firm in both at the
    end of 2024 the same service need for 2025 (quarter, value, fee). Draws of one array over the table
    (``rng.random((2, n))``, before the slot draws) broke this: their second row starts at n, so with one firm more
    in one scenario about a fifth of the firms got another need quarter."""
    a = InnosimModel(load_scenario("scenarios/baseline.yaml"), seed=3, replicate=1)
    b = InnosimModel(load_scenario("scenarios/mix_voucher_heavy.yaml"), seed=3, replicate=1)
    a.run(16)
    b.run(16)
    assert a.firms.n != b.firms.n
    n0 = min(a.firms.n, b.firms.n)
    both = a.firms.alive[:n0] & b.firms.alive[:n0] & a.firms.tech[:n0] & b.firms.tech[:n0]
    np.testing.assert_array_equal(a.firms.voucher_need_q[:n0][both], b.firms.voucher_need_q[:n0][both])
    need = both & (a.firms.voucher_need_q[:n0] >= 0)
    assert need.sum() > 1000
    for col in ("svc_ratio", "svc_fee"):
        np.testing.assert_array_equal(getattr(a.firms, col)[:n0][need], getattr(b.firms, col)[:n0][need])
