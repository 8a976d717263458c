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


def test_voucher_deadweight_share_matches_additionality():
    scen = Scenario(name="v", city=CITY, instruments={"vouchers": {"budget": 10.0}})
    m = InnosimModel(scen, seed=8)
    paid_all = []
    spy_effect(m.instruments["vouchers"], lambda w, call, grant: paid_all.append(grant.paid.copy()))
    out = m.run(16)
    w = np.concatenate(paid_all)
    p_dead = 1.0 - m.params["add_v"]
    share = out["voucher_deadweight"].sum() / w.sum()
    se = np.sqrt(p_dead * (1 - p_dead) * np.sum(w**2)) / w.sum()
    assert w.size > 500
    assert abs(share - p_dead) < TOL_SE * se, (share, p_dead, se)


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

    m = InnosimModel(baseline, seed=6)
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
