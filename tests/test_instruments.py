"""Each instrument's caps (seed 004) and eligibility, checked on what it actually pays."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from innosim.model.instruments.registry import REGISTRY
from innosim.model.scenario import Scenario
from innosim.model.simulation import InnosimModel
from tests.conftest import SCENARIOS, spy_effect

CITY = str(SCENARIOS / "cities" / "qingdao.yaml")
WAN = 1e4


class Capture:
    """Wraps an instrument's effect to record who was paid what."""

    def __init__(self, inst):
        self.calls = []
        orig = inst.effect
        # Eligibility that draws no randomness can be re-checked at the moment of payment.
        deterministic = inst.key not in ("loan_subsidy",)

        def effect(m, q, idx, paid, rng):
            ok = None
            if deterministic:
                ok = bool(np.all(inst.eligible(m, q, np.random.default_rng(0))[idx]))
            self.calls.append((q, idx.copy(), paid.copy(), ok))
            return orig(m, q, idx, paid, rng)

        inst.effect = effect

    def all(self):
        if not self.calls:
            return np.empty(0, dtype=int), np.empty(0)
        return np.concatenate([c[1] for c in self.calls]), np.concatenate([c[2] for c in self.calls])


@pytest.fixture(scope="module")
def rich_model():
    """Two simulated years with generous budgets for every instrument, every payment captured."""
    scen = Scenario(name="rich", city=CITY, instruments={k: {"budget": 20.0} for k in REGISTRY})
    m = InnosimModel(scen, seed=4)
    caps = {k: Capture(m.instruments[k]) for k in REGISTRY if k != "platform_awards"}
    for _ in range(8):
        m.step()
    return m, caps, None


def test_every_paying_instrument_paid_only_eligible_recipients(rich_model):
    m, caps, _ = rich_model
    for k, c in caps.items():
        assert c.all()[0].size > 0, f"{k} paid nobody with a 20亿 budget"
        assert all(ok is not False for *_, ok in c.calls), f"{k} paid an ineligible recipient"


def test_key_tech_caps(rich_model):
    m, caps, _ = rich_model
    idx, paid = caps["key_tech_grants"].all()
    assert paid.max() <= 1000 * WAN
    f = m.firms
    over = paid > 500 * WAN  # demonstration projects only, for large or chain firms
    assert np.all(f.large[idx[over]] | f.key_chain[idx[over]])


def test_sme_support_cap_and_registration(rich_model):
    m, caps, _ = rich_model
    idx, paid = caps["sme_project_support"].all()
    assert paid.max() <= 100 * WAN and paid.min() > 0


def test_hte_award_amounts(rich_model):
    m, caps, _ = rich_model
    idx, paid = caps["hte_award"].all()
    assert set(np.unique(np.round(paid / WAN))) == {5.0, 10.0}
    first = np.concatenate([m.firms.hte_first_year[c[1]] == 2021 + c[0] // 4 for c in caps["hte_award"].calls])
    np.testing.assert_array_equal(paid[first], 10 * WAN)
    np.testing.assert_array_equal(paid[~first], 5 * WAN)


def test_rd_reward_cap(rich_model):
    _, caps, _ = rich_model
    assert caps["rd_reward"].all()[1].max() <= 500 * WAN


def test_voucher_cap_per_firm_year_and_status(rich_model):
    m, caps, _ = rich_model
    for year in (0, 1):
        calls = [c for c in caps["vouchers"].calls if c[0] // 4 == year]
        idx = np.concatenate([c[1] for c in calls])
        paid = np.concatenate([c[2] for c in calls])
        per_firm = np.bincount(idx, weights=paid)
        assert per_firm.max() <= 20 * WAN + 1e-6


def test_voucher_requires_registration():
    scen = Scenario(name="v", city=CITY, instruments={"vouchers": {"budget": 5.0}})
    m = InnosimModel(scen, seed=2)
    seen = []
    inst = m.instruments["vouchers"]

    def check(mm, q, idx, paid):
        seen.append(bool(np.all(mm.firms.tech_sme[idx])))
        assert np.all(paid <= 0.5 * inst._fee[idx] + 1e-6)  # the city pays at most half the fee

    spy_effect(inst, check)
    for _ in range(4):
        m.step()
    assert seen and all(seen)


def test_equity_cap_and_stakes(rich_model):
    m, caps, _ = rich_model
    idx, paid = caps["equity"].all()
    assert paid.max() <= 1000 * WAN
    f = m.firms
    held = f.stake > 0
    assert held.any() and np.all(f.stake[held] < 1)


def test_loan_subsidy_cap(rich_model):
    _, caps, _ = rich_model
    assert caps["loan_subsidy"].all()[1].max() <= 30 * WAN


def test_seed_reward_is_ten_percent(rich_model):
    m, caps, _ = rich_model
    seen = []
    spy_effect(m.instruments["vc_seed_reward"],
               lambda mm, q, idx, paid: seen.append(np.allclose(paid, 0.10 * mm.investors.deal_amount[idx])))
    m.step()
    m.step()
    assert caps["vc_seed_reward"].all()[1].size and seen and all(seen)


def test_transfer_point_cap(rich_model):
    _, caps, _ = rich_model
    idx, paid = caps["transfer_support"].all()
    assert np.all(paid[idx != 0] <= 50 * WAN)


def test_platform_awards_paid_within_caps(rich_model):
    m, _, _ = rich_model
    r = m.ledger._row["platform_awards"]
    assert m.ledger.spent[r, :2].sum() > 0
    assert m.ledger.spent[r, :2].sum() <= m.ledger.recipients[r, :2].sum() * 1000 * WAN


@pytest.mark.parametrize("key,option,value", [
    ("vouchers", "cap_wan", 30.0), ("vouchers", "rate", 0.6), ("equity", "cap_wan", 2000.0),
    ("key_tech_grants", "cap_project_wan", 600.0), ("loan_subsidy", "cap_wan", 40.0),
    ("hte_award", "first_wan", 20.0), ("vc_seed_reward", "rate", 0.2)])
def test_caps_cannot_exceed_the_documents(key, option, value):
    with pytest.raises(ValidationError):
        REGISTRY[key].Options(**{option: value})
