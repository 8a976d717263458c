"""Each instrument's caps (seed 004) and eligibility, checked on what it actually pays."""

from __future__ import annotations

import numpy as np
import pytest

from innosim.model.city import load_city
from innosim.model.instruments.menu import check_menu, check_profile_menu, options_for
from innosim.model.instruments.registry import REGISTRY
from innosim.model.scenario import Scenario
from innosim.model.simulation import InnosimModel
from tests.conftest import SCENARIOS
from tests.spies import recheck_eligibility, spy_effect

CITY = str(SCENARIOS / "cities" / "qingdao.yaml")
WAN = 1e4


class Capture:
    """Wraps an instrument's effect to record who was paid what."""

    def __init__(self, inst):
        self.calls = []
        # Eligibility that draws no randomness can be re-checked at the moment of payment.
        deterministic = inst.key not in ("loan_subsidy",)

        def record(w, call, grant):
            ok = recheck_eligibility(inst, w, call, grant.idx) if deterministic else None
            # large or key-chain at the moment of payment (being large changes with revenue)
            big = (w.firms.large | w.firms.key_chain)[grant.idx] if inst.recipients == "firms" else None
            self.calls.append((call.q, grant.idx.copy(), grant.paid.copy(), ok, big))

        spy_effect(inst, record)

    def all(self):
        if not self.calls:
            return np.empty(0, dtype=int), np.empty(0)
        return np.concatenate([c[1] for c in self.calls]), np.concatenate([c[2] for c in self.calls])


@pytest.fixture(scope="module")
def rich_model():
    """Two simulated years with generous budgets for every instrument, every payment captured."""
    scen = Scenario(name="rich", city=CITY, instruments={k: {"budget": 20.0} for k in REGISTRY})
    m = InnosimModel(scen, seed=4)
    caps = {k: Capture(m.instruments[k]) for k in REGISTRY}
    for _ in range(8):
        m.step()
    return m, caps, None


def test_every_paying_instrument_paid_only_eligible_recipients(rich_model):
    m, caps, _ = rich_model
    for k, c in caps.items():
        assert c.all()[0].size > 0, f"{k} paid nobody with a 20亿 budget"
        assert all(ok is not False for *_, ok, _ in c.calls), f"{k} paid an ineligible recipient"


def test_key_tech_caps(rich_model):
    m, caps, _ = rich_model
    idx, paid = caps["key_tech_grants"].all()
    assert paid.max() <= 1000 * WAN
    big = np.concatenate([c[4] for c in caps["key_tech_grants"].calls])
    over = paid > 500 * WAN  # demonstration projects only, for large or chain firms
    assert over.any() and np.all(big[over])


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

    def check(w, call, grant):
        seen.append(bool(np.all(w.firms.tech_sme[grant.idx])))
        assert np.all(grant.paid <= 0.5 * grant.basis + 1e-6)  # the city pays at most half the fee

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
               lambda w, call, g: seen.append(np.allclose(g.paid, 0.10 * w.investors.deal_amount[g.idx])))
    m.step()
    m.step()
    assert caps["vc_seed_reward"].all()[1].size and seen and all(seen)


def test_transfer_point_cap(rich_model):
    _, caps, _ = rich_model
    idx, paid = caps["transfer_support"].all()
    assert np.all(paid[idx != 0] <= 50 * WAN)


def test_platform_awards_paid_through_the_delivery_path_within_caps(rich_model):
    m, caps, _ = rich_model
    idx, paid = caps["platform_awards"].all()
    assert paid.size > 0 and set(np.unique(np.round(paid / WAN))) <= {50.0, 100.0, 1000.0}
    assert np.isclose(paid.sum(), sum(m.ledger.spent_in("platform_awards", y) for y in (2021, 2022)))


@pytest.mark.parametrize("key,option,value", [
    ("vouchers", "cap_wan", 30.0), ("vouchers", "rate", 0.6), ("equity", "cap_wan", 2000.0),
    ("key_tech_grants", "cap_project_wan", 600.0), ("loan_subsidy", "cap_wan", 40.0),
    ("hte_award", "first_wan", 20.0), ("vc_seed_reward", "rate", 0.2)])
def test_caps_cannot_exceed_the_documents(key, option, value):
    """The city's menu holds its caps (here Qingdao's, seed 004): a scenario may not exceed them."""
    city = load_city(CITY)
    scen = Scenario(name="x", city=CITY, instruments={key: {"budget": 1.0, "options": {option: value}}})
    with pytest.raises(ValueError, match=f"{key}.options.{option}"):
        check_menu(scen, city)
    at_cap = Scenario(name="x", city=CITY, instruments={key: {"budget": 1.0}})
    assert getattr(options_for(at_cap, city, key), option) == city.instruments[key][option]


def test_every_capped_option_is_on_each_shipped_menu():
    for path in sorted((SCENARIOS / "cities").glob("*.yaml")):
        city = load_city(path)
        check_profile_menu(city)
        for key, caps in city.instruments.items():
            assert set(caps) == set(REGISTRY[key].Options.caps), (path.name, key)


def test_an_instrument_off_the_menu_cannot_be_funded():
    city = load_city(CITY)
    menu = {k: v for k, v in city.instruments.items() if k != "vouchers"}
    other = city.model_copy(update={"instruments": menu})
    scen = Scenario(name="x", city=CITY, instruments={"vouchers": {"budget": 0.5}})
    with pytest.raises(ValueError, match="not on the city profile's instrument menu"):
        check_menu(scen, other)


def test_visits_pay_the_visit_cost_and_form_ties(rich_model):
    m, caps, _ = rich_model
    idx, paid = caps["visits"].all()
    assert paid.size > 0 and np.all(paid <= 2 * WAN)


def test_firm_list_caps_and_size(rich_model):
    m, caps, _ = rich_model
    calls = caps["firm_list"].calls
    assert calls and all(c[1].size <= 50 and np.unique(c[1]).size == c[1].size for c in calls)
    assert np.all(caps["firm_list"].all()[1] <= 50 * WAN)


def test_a_city_menu_sets_the_caps():
    from innosim.model.scenario_files import load_scenario_file

    src = load_scenario_file(SCENARIOS / "taian" / "baseline.yaml")
    opt = options_for(src.scenario, src.city, "key_tech_grants")
    assert opt.cap_project_wan == src.city.instruments["key_tech_grants"]["cap_project_wan"] == 300
    data = src.scenario.model_dump()
    data["instruments"]["visits"] = {"budget": 0.1, "options": {"cap_visit_wan": 5.0}}
    with pytest.raises(ValueError, match="visits.options.cap_visit_wan"):
        check_menu(Scenario(**data), src.city)
