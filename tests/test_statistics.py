"""Statistical assertions on behaviour rules, with tolerances stated in standard errors (4 SE: a false alarm
about once in 16,000 runs)."""

from __future__ import annotations

import numpy as np

from innosim.model.scenario import Scenario
from innosim.model.simulation import InnosimModel
from tests.conftest import SCENARIOS
from tests.spies import spy_effect

CITY = str(SCENARIOS / "cities" / "qingdao.yaml")
TOL_SE = 4.0


def test_voucher_deadweight_share_follows_from_the_demand_for_services():
    """Among firms that redeem a half-price voucher, the deadweight ones are those whose need is worth the full
    fee: P(r > 0 | r > log 0.5) for r ~ N(svc_mu, svc_sigma) — a property of the demand, not a drawn share."""
    from scipy.stats import norm

    scen = Scenario(name="v", city=CITY, instruments={"vouchers": {"budget": 10.0}})
    m = InnosimModel(scen, seed=8)
    ratios = []

    def spy(w, call, grant):
        half = np.isclose(grant.paid, 0.5 * grant.basis)  # the cap did not bind: the price was halved
        ratios.append(w.firms.svc_ratio[grant.idx[half]].copy())

    spy_effect(m.instruments["vouchers"], spy)
    m.run(16)
    r = np.concatenate(ratios)
    mu, sd = m.params["svc_mu"], m.params["svc_sigma"]
    p_dead = norm.sf(-mu / sd) / norm.sf((np.log(0.5) - mu) / sd)
    share = np.mean(r > 0)
    se = np.sqrt(p_dead * (1 - p_dead) / r.size)
    assert r.size > 500
    assert abs(share - p_dead) < TOL_SE * se, (share, p_dead, se)
    assert r.min() > np.log(0.5)  # nobody redeems a voucher for a need worth less than the price paid


def test_hte_pass_rate_matches_p_pass(baseline):
    m = InnosimModel(baseline, seed=5)
    apps, passed = 0, 0
    for q in range(16):
        m.step()
        if q % 4 == 3:
            apps += m.hte_round.applications
            passed += m.hte_round.certified.size
    p = m.params["p_pass"]
    se = np.sqrt(p * (1 - p) / apps)
    assert apps > 1000
    assert abs(passed / apps - p) < TOL_SE * se, (passed / apps, p, se)


def test_exit_hazard_of_young_firms_matches_the_table(baseline):
    """Year-3 firms without status, loans, VC or incubation exit at about 10%/yr (SAIC 2013 peak)."""
    from innosim.agents.enterprise_rules import HAZARD_BY_AGE

    # Without the quality and cash gradients the hazard is the age table times the status multipliers.
    m = InnosimModel(baseline, params={"q_exit": 0.0, "g_exit": 0.0}, seed=6)
    at_risk, died = 0, 0
    for q in range(8):
        f = m.firms
        age = f.age_years(q)
        plain = (f.alive & (age >= 3) & (age < 4) & ~f.hte & ~f.tech_sme & ~f.tech_sme_last & ~f.incubated
                 & ~f.vc_backed & ~f.large & ~f.listed & (f.loan_until_q < q))
        ids = np.flatnonzero(plain)
        m.step()
        at_risk += ids.size
        died += int(np.count_nonzero(~m.firms.alive[ids]))
    h_q = 1 - (1 - HAZARD_BY_AGE[3]) ** 0.25
    se = np.sqrt(h_q * (1 - h_q) / at_risk)
    assert at_risk > 2000
    assert abs(died / at_risk - h_q) < TOL_SE * se, (died / at_risk, h_q, se)


def test_better_firms_and_growing_firms_exit_less(baseline):
    """The hazard falls with quality and rises after a revenue fall (q_exit, g_exit > 0)."""
    from innosim.agents.enterprise_rules import annual_hazard

    m = InnosimModel(baseline, params={"q_exit": 0.5, "g_exit": 1.0}, seed=6)
    for _ in range(5):
        m.step()
    f = m.firms
    h = annual_hazard(m, m.q)
    same = f.alive & ~f.large & ~f.listed & (f.age_years(m.q) >= 2) & (f.age_years(m.q) < 3)
    good, bad = same & (f.quality > 1), same & (f.quality < -1)
    assert h[good].mean() < 0.7 * h[bad].mean()
    fell, rose = same & (f.growth_last < -0.2), same & (f.growth_last > 0)
    assert h[fell].mean() > h[rose].mean()
