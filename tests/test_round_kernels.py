"""The numba passes of the status rounds, university ties and the recorder's counts (``agents.round_kernels``)
compute what the numpy rules they replaced computed, bit for bit.

Each reference below is the numpy formulation as it stood in ``agents.status`` / ``agents.universities`` before the
fusion (commit 6f828bb). The kernels keep the floating-point order, so rows, counts and floats must be identical
(``np.array_equal``, and the same bits). The firm columns are random with many rows put exactly at, or one ulp
either side of, every threshold the rules compare against (revenue bands, R&D intensity, knowledge, birth cohort,
certificate expiry, the uniforms' probabilities, the relabelling slack), with dead, listed and extreme rows;
hypothesis adds small tables (empty ones included) and the programme switches.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innosim.agents import round_kernels as R
from innosim.agents import status
from innosim.agents.decisions import voucher_gain
from innosim.agents.enterprises import hte_threshold
from innosim.model.signals import funded_share
from innosim.model.tax import CIT_HTE, CIT_STANDARD, NON_MANUFACTURING_SHARE, super_deduction_gain

N = 20_000
SEEDS = [1, 7, 2024]
YEAR = 2024
COHORT_Q = 4 * (YEAR - 2021) - 4
K_IP = 300.0 * 1e4
N_UNI = 9
EXTREME = [0.0, 1.0, 0.5, -5.0, 1e-300, 1e300, -1e300, 5e7, 2e8]


def _near(x):
    """x and its neighbouring floats."""
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    return np.concatenate((x, np.nextafter(x, -np.inf), np.nextafter(x, np.inf)))


def _mix(r, x, edges, frac=0.3):
    """``x`` with a share ``frac`` of its entries replaced by values drawn from the list ``edges``."""
    x = x.copy()
    pick = r.random(x.size) < frac
    x[pick] = r.choice(np.asarray(edges), pick.sum())
    return x


def _put(r, x, at, frac):
    """``x`` with a share ``frac`` of its entries replaced by the same rows of ``at``."""
    x = x.copy()
    pick = r.random(x.size) < frac
    x[pick] = at[pick]
    return x


def _cols(seed, n):
    r = np.random.default_rng(seed)
    band = _near([5e7, 2e8])
    revenue = _mix(r, np.exp(r.normal(17.0, 2.0, n)), [*band, *EXTREME], 0.25)
    rev_ly = _mix(r, np.exp(r.normal(17.0, 2.0, n)), [*band, *EXTREME], 0.25)
    base = np.maximum(rev_ly, 1.0)
    at_thr = hte_threshold(base) * base  # reported R&D at the intensity threshold, and one ulp either side
    rd_rep = _mix(r, np.exp(r.normal(14.0, 2.0, n)), EXTREME, 0.1)
    for step in (0, -np.inf, np.inf):
        rd_rep = _put(r, rd_rep, np.nextafter(at_thr, step) if step else at_thr, 0.15)
    rd_boost = np.where(r.random(n) < 0.5, 1.0, r.choice([1.05, 1.1, 0.5], n))
    thr = hte_threshold(revenue)
    nu = _mix(r, r.uniform(0.0, 0.08, n), [0.0, 1e-300, 1e300], 0.05)
    for step in (0, -np.inf, np.inf):  # gap = threshold − nu·rd_boost exactly 0 and around it
        nu = _put(r, nu, np.nextafter(thr, step) if step else thr, 0.1)
    rd_boost[nu == thr] = 1.0
    rd_year = _mix(r, thr * revenue * r.uniform(0.5, 1.1, n), EXTREME, 0.1)
    needed = thr * revenue - rd_year
    planned = _mix(r, needed * r.uniform(0.2, 1.0, n), [0.0, -1.0, 1e-300, 1e300], 0.15)
    for step in (0, -np.inf, np.inf):  # needed exactly RELABEL_SLACK × planned and one ulp either side
        planned = _put(r, planned, np.nextafter(needed / 2.0, step) if step else needed / 2.0, 0.1)
    return {
        "alive": r.random(n) < 0.8, "tech": r.random(n) < 0.9, "listed": r.random(n) < 0.15,
        "hte": r.random(n) < 0.4, "revenue": revenue, "revenue_last_year": rev_ly, "rd_reported_year": rd_rep,
        "knowledge": _mix(r, r.exponential(K_IP, n), [*_near(K_IP), *EXTREME], 0.3),
        "birth_q": _mix(r, r.integers(-80, 40, n), [COHORT_Q - 1, COHORT_Q, COHORT_Q + 1, -32768, 32767],
                        0.3).astype(np.int16),
        "hte_until": r.choice([0, YEAR - 2, YEAR - 1, YEAR, YEAR + 1, YEAR + 2, YEAR + 3], n).astype(np.int16),
        "hte_first_year": np.where(r.random(n) < 0.6, 0, r.integers(2015, YEAR, n)).astype(np.int16),
        "nu": nu, "rd_boost": rd_boost, "rd_year": rd_year, "rd_relabel_year": planned,
        "rd_reported_out": r.random(n), "rd_last_year": _mix(r, r.exponential(1e6, n), [*_near([1e5, 5e4]), *EXTREME]),
        "z_margin": _mix(r, r.standard_normal(n), [-2.0, *_near(-2.0), 40.0, -40.0], 0.2),
        "voucher_need_q": r.choice([-1, 10, 11, 12, 13, 30], n).astype(np.int16),
        "svc_ratio": _mix(r, r.normal(-0.2, 0.6, n), [0.0, -30.0, 5.0]), "svc_fee": np.exp(r.normal(11.0, 1.0, n)),
        "tie_uni": np.where(r.random(n) < 0.5, -1, r.integers(0, N_UNI, n)).astype(np.int16),
    }


def _u(r, n, p):
    """Uniforms with some exactly at ``p`` and one ulp either side."""
    return _mix(r, r.random(n), [*_near(p), 0.0], 0.2)


def _bits_equal(a, b):
    """Same shape, dtype and values; floats to the bit (np.array_equal alone takes −0.0 for 0.0)."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    assert np.array_equal(a, b)
    if a.dtype.kind == "f":
        assert not np.isnan(b).any()
        assert np.array_equal(a.view(np.uint64), b.view(np.uint64)), "same values but not the same bits"


# --- the numpy formulations (agents/status.py and agents/universities.py at 6f828bb) ---------------------------

def ref_hte_consider(year, cohort_q, k_ip, p_apply, u, c):
    base = np.maximum(c["revenue_last_year"], 1.0)
    eligible = (c["alive"] & c["tech"] & (c["birth_q"] <= cohort_q)
                & (c["rd_reported_year"] / base >= hte_threshold(base)) & (c["knowledge"] >= k_ip))
    expiring = c["hte"] & (c["hte_until"] <= year)
    return np.flatnonzero((expiring & eligible) | (~c["hte"] & eligible & (u < p_apply)))


def ref_hte_certify(year, valid_years, p_pass, u, worth_rows, c):
    """Mutates c's hte, hte_until, hte_first_year; returns (certified, applications, n_first, n_new)."""
    worth = np.zeros(c["alive"].size, dtype=bool)
    worth[worth_rows] = True
    expiring = c["hte"] & (c["hte_until"] <= year)
    renew_apply = expiring & (worth | (c["listed"] & c["alive"]))
    new_apply = ~c["hte"] & worth
    applied = renew_apply | new_apply
    passed = applied & (u < p_pass)
    c["hte"][expiring & ~passed] = False
    first = new_apply & passed & (c["hte_first_year"] == 0)
    c["hte_first_year"][first] = year
    c["hte"][passed] = True
    c["hte_until"][passed] = year + valid_years
    return np.flatnonzero(passed), int(applied.sum()), int(first.sum()), int((new_apply & passed).sum())


def ref_bunching_near(year, cohort_q, k_ip, c):
    gap = hte_threshold(c["revenue"]) - c["nu"] * c["rd_boost"]
    near = np.flatnonzero(c["alive"] & c["tech"] & (gap > 0) & (~c["hte"] | (c["hte_until"] <= year + 1))
                          & (c["knowledge"] >= k_ip) & (c["birth_q"] <= cohort_q))
    return near, gap[near]


def ref_report_top_up(slack, c):
    """Mutates c's rd_relabel_year and rd_reported_out."""
    planned = c["rd_relabel_year"]
    needed = hte_threshold(c["revenue"]) * c["revenue"] - c["rd_year"]
    top_up = (planned > 0) & (needed > 0) & (needed <= slack * planned) & c["alive"]
    c["rd_relabel_year"][:] = np.where(top_up, needed, 0.0)
    c["rd_reported_out"][:] = c["rd_year"] + c["rd_relabel_year"]


def ref_tie_counts(alive, tie_uni, n_uni):
    ties = tie_uni[alive]
    return np.bincount(ties[ties >= 0], minlength=n_uni)


def ref_registration_value(q, year, cand, c, p, s, claims):
    rd = c["rd_last_year"][cand]
    tax = np.where(c["hte"][cand], CIT_HTE, CIT_STANDARD) * ((p["margin"] + status.MARGIN_SD * c["z_margin"][cand]) > 0)
    value = super_deduction_gain(year) * NON_MANUFACTURING_SHARE * rd * tax + p["reg_out_wan"] * 1e4
    v_claims, sme_claims, loan_claims = claims
    if s.voucher_budget > 0:
        share = funded_share(s.voucher_budget, v_claims * p["p_redeem"]) * p["p_redeem"]
        sub_c = np.minimum(s.voucher_rate * c["svc_fee"][cand], s.voucher_cap)
        gain = voucher_gain(c["svc_ratio"][cand], c["svc_fee"][cand], sub_c)
        value = value + np.where(c["voucher_need_q"][cand] >= q, gain, 0.0) * share
    if s.sme_budget > 0:
        ask_c = np.where(rd >= s.sme_min_rd, np.clip(s.sme_share_of_rd * rd, status.SME_MIN_ASK, s.sme_cap), 0.0)
        value = value + status.GRANT_NET_VALUE * funded_share(s.sme_budget, sme_claims) * ask_c
    if s.loan_budget > 0:
        loan_sub = np.minimum(status.LOAN_SIZE_OF_REVENUE * status.LOAN_RATE * status.LOAN_SUBSIDISED
                              * c["revenue"][cand], s.loan_subsidy)
        value = value + status.LOAN_TAKE_UP * funded_share(s.loan_budget, status.LOAN_TAKE_UP * loan_claims) * loan_sub
    return value


# --- the checks, one per kernel, run on large seeded tables and on small hypothesis tables ----------------------

def check_hte_consider(c, r):
    """Returns the round's rows at p_apply 0.35 in YEAR."""
    n, out = c["alive"].size, None
    for p_apply in (0.35, 0.0, 1.0):
        u = _u(r, n, p_apply)
        for year, cohort_q, k_ip in ((YEAR, COHORT_Q, K_IP), (YEAR + 1, COHORT_Q + 4, 0.0)):
            ref = ref_hte_consider(year, cohort_q, k_ip, p_apply, u, c)
            got = R.hte_consider(year, cohort_q, k_ip, p_apply, u, c["alive"], c["tech"], c["birth_q"],
                                 c["rd_reported_year"], c["revenue_last_year"], c["knowledge"], c["hte"],
                                 c["hte_until"])
            _bits_equal(got, ref)
            out = ref if out is None else out
    return out


def check_hte_certify(c, r, consider):
    n = c["alive"].size
    worths = [consider[r.random(consider.size) < 0.6], np.empty(0, dtype=np.int64),
              np.flatnonzero(r.random(n) < 0.5), np.arange(n)]  # the round's, none, any rows, every row
    for worth, p_pass in itertools.product(worths, (0.0, 0.8, 1.0)):
        u = _u(r, n, p_pass)
        a = {k: c[k].copy() for k in ("alive", "listed", "hte", "hte_until", "hte_first_year")}
        b = {k: v.copy() for k, v in a.items()}
        ref = ref_hte_certify(YEAR, 3, p_pass, u, worth, a)
        got = R.hte_certify(YEAR, 3, p_pass, u, worth, b["alive"], b["listed"], b["hte"], b["hte_until"],
                            b["hte_first_year"])
        _bits_equal(got[0], ref[0])
        assert tuple(int(x) for x in got[1:]) == ref[1:]
        for k in a:
            _bits_equal(b[k], a[k])


def check_bunching_near(c):
    for year, cohort_q, k_ip in ((YEAR, COHORT_Q, K_IP), (YEAR - 1, COHORT_Q - 4, 0.0)):
        near, gap = R.bunching_near(year, cohort_q, k_ip, c["alive"], c["tech"], c["nu"], c["rd_boost"],
                                    c["revenue"], c["hte"], c["hte_until"], c["knowledge"], c["birth_q"])
        ref_near, ref_gap = ref_bunching_near(year, cohort_q, k_ip, c)
        _bits_equal(near, ref_near)
        _bits_equal(gap, ref_gap)
    return ref_near


def check_report_top_up(c):
    for slack in (2.0, 1.0, 0.0):
        a = {k: c[k].copy() for k in ("rd_relabel_year", "rd_reported_out")}
        b = {k: v.copy() for k, v in a.items()}
        ref_report_top_up(slack, {**c, **a})
        R.report_top_up(slack, c["alive"], c["revenue"], c["rd_year"], b["rd_relabel_year"], b["rd_reported_out"])
        _bits_equal(b["rd_relabel_year"], a["rd_relabel_year"])
        _bits_equal(b["rd_reported_out"], a["rd_reported_out"])
    return a["rd_relabel_year"]


def check_tie_counts(c):
    for n_uni in (N_UNI, N_UNI + 3):
        _bits_equal(R.tie_counts(c["alive"], c["tie_uni"], n_uni), ref_tie_counts(c["alive"], c["tie_uni"], n_uni))


def _signals(on, r):
    v_on, sme_on, loan_on = on
    return SimpleNamespace(voucher_budget=5e6 * v_on, voucher_rate=0.5, voucher_cap=float(r.choice([2e4, 1e9])),
                           sme_budget=3e7 * sme_on, sme_min_rd=1e5, sme_share_of_rd=float(r.choice([0.3, 2.0])),
                           sme_cap=float(r.choice([5e5, 5e4])), loan_budget=1e7 * loan_on, loan_subsidy=5e4)


def _cand(r, n):
    cand = np.flatnonzero(r.random(n) < 0.4)
    return r.permutation(cand) if r.random() < 0.5 else cand  # the kernel reads rows in any order


def kernel_registration_values(q, year, cand, c, p, s, claims):
    """The kernel called as ``status.registration_value`` calls it (the voucher gain only for rows ahead)."""
    v_claims, sme_claims, loan_claims = claims
    gain = np.zeros(cand.size)
    if s.voucher_budget > 0:
        ahead = np.flatnonzero(c["voucher_need_q"][cand] >= q)
        fee = c["svc_fee"][cand[ahead]]
        gain[ahead] = voucher_gain(c["svc_ratio"][cand[ahead]], fee, np.minimum(s.voucher_rate * fee, s.voucher_cap))
    return R.registration_values(
        cand, gain, super_deduction_gain(year) * NON_MANUFACTURING_SHARE, p["reg_out_wan"] * 1e4, p["margin"],
        status.MARGIN_SD, CIT_HTE, CIT_STANDARD, c["hte"], c["z_margin"], c["rd_last_year"], c["revenue"],
        s.voucher_budget > 0, funded_share(s.voucher_budget, v_claims * p["p_redeem"]) * p["p_redeem"],
        s.sme_budget > 0, status.GRANT_NET_VALUE * funded_share(s.sme_budget, sme_claims), s.sme_min_rd,
        s.sme_share_of_rd, status.SME_MIN_ASK, s.sme_cap,
        s.loan_budget > 0, status.LOAN_SIZE_OF_REVENUE * status.LOAN_RATE * status.LOAN_SUBSIDISED, s.loan_subsidy,
        status.LOAN_TAKE_UP * funded_share(s.loan_budget, status.LOAN_TAKE_UP * loan_claims))


def check_registration_values(c, r, on, year=2022):
    n, q = c["alive"].size, 12
    s = _signals(on, r)
    p = {"margin": 0.1, "reg_out_wan": float(r.choice([0.0, 1.5])), "p_redeem": 0.7}
    claims = (float(r.choice([1e6, 1e8])), float(r.choice([1e6, 1e9])), float(r.choice([1e5, 1e9])))
    refs = []
    for cand in (_cand(r, n), np.empty(0, dtype=np.int64)):
        refs.append(ref_registration_value(q, year, cand, c, p, s, claims))
        _bits_equal(kernel_registration_values(q, year, cand, c, p, s, claims), refs[-1])
    return refs[0]


# --- the tests --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=SEEDS)
def seeded(request):
    return _cols(request.param, N), np.random.default_rng(request.param + 1)


def test_hte_consider_matches_the_numpy_rule(seeded):
    c, r = seeded
    ref = check_hte_consider(c, r)
    assert 0 < ref.size < c["alive"].sum()
    base = np.maximum(c["revenue_last_year"][ref], 1.0)  # rows exactly at the intensity threshold are in
    assert (c["rd_reported_year"][ref] / base == hte_threshold(base)).any()
    assert (c["knowledge"][ref] == K_IP).any() and (c["birth_q"][ref] == COHORT_Q).any()


def test_hte_certify_matches_the_numpy_rule(seeded):
    c, r = seeded
    consider = R.hte_consider(YEAR, COHORT_Q, K_IP, 0.35, _u(r, N, 0.35), c["alive"], c["tech"], c["birth_q"],
                              c["rd_reported_year"], c["revenue_last_year"], c["knowledge"], c["hte"], c["hte_until"])
    assert consider.size > 0
    check_hte_certify(c, r, consider)
    expiring_listed = c["hte"] & (c["hte_until"] <= YEAR) & c["listed"]
    assert (expiring_listed & ~c["alive"]).any() and (expiring_listed & c["alive"]).any()


def test_bunching_near_matches_the_numpy_rule(seeded):
    c, _ = seeded
    near = check_bunching_near(c)
    assert 0 < near.size
    gap0 = (hte_threshold(c["revenue"]) == c["nu"] * c["rd_boost"]) & c["alive"] & c["tech"]
    assert gap0.any()  # a zero gap is not near (gap > 0): the rows are there to be excluded


def test_report_top_up_matches_the_numpy_rule(seeded):
    c, _ = seeded
    check_report_top_up(c)
    needed = hte_threshold(c["revenue"]) * c["revenue"] - c["rd_year"]
    at_slack = c["alive"] & (needed > 0) & (needed == 2.0 * c["rd_relabel_year"])
    assert at_slack.any()


def test_tie_counts_match_bincount(seeded):
    c, _ = seeded
    check_tie_counts(c)
    dead = {k: v.copy() for k, v in c.items()}
    dead["alive"][:] = False
    check_tie_counts(dead)


@pytest.mark.parametrize("on", list(itertools.product([False, True], repeat=3)))
def test_registration_values_match_the_numpy_rule(seeded, on):
    c, r = seeded
    ref = check_registration_values(c, r, on)
    assert ref.size > 0
    check_registration_values(c, r, on, year=2024)  # no super-deduction gain


def test_registration_value_calls_the_kernel_with_its_terms_in_order():
    """``status.registration_value`` itself (the call site's 24 arguments) against the numpy rule."""
    c, r = _cols(5, 4000), np.random.default_rng(6)
    for on in itertools.product([False, True], repeat=3):
        s = _signals(on, r)
        p = {"margin": 0.1, "reg_out_wan": 1.5, "p_redeem": 0.7}
        cand, claims = _cand(r, c["alive"].size), (1e8, 1e9, 1e9)
        m = SimpleNamespace(firms=SimpleNamespace(**c), params=p, signals=s)
        _bits_equal(status.registration_value(m, 12, 2022, cand, claims),
                    ref_registration_value(12, 2022, cand, c, p, s, claims))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 40), on=st.tuples(st.booleans(), st.booleans(), st.booleans()))
def test_small_tables(seed, n, on):
    """Every kernel on small tables, the empty one included, with the edge values dense."""
    c, r = _cols(seed, n), np.random.default_rng(seed)
    consider = check_hte_consider(c, r)
    check_hte_certify(c, r, consider)
    check_bunching_near(c)
    check_report_top_up(c)
    check_tie_counts(c)
    check_registration_values(c, r, on)


@pytest.mark.parametrize("with_last", [False, True])
def test_census_matches_the_recorders_numpy_counts(seeded, with_last):
    """``census`` gives the counts the recorder took with numpy masks before (commit aa93381), on the random
    columns plus stakes (some exactly 0, some negative zero) and VC flags."""
    c, r = seeded
    stake = _mix(r, r.uniform(0.0, 0.3, N) * (r.random(N) < 0.1), [0.0, -0.0, 1e-300], 0.05)
    vc, inc, sme, sme_last = (r.random(N) < share for share in (0.1, 0.05, 0.3, 0.4))
    young_after = 12 - 20
    got = R.census(c["alive"], c["hte"], sme, sme_last, c["listed"], inc, c["birth_q"], stake, vc, with_last,
                   young_after)
    registered = sme | (sme_last & with_last)
    ref = (np.count_nonzero(c["alive"] & (c["hte"] | registered)), np.count_nonzero(c["hte"]),
           np.count_nonzero(sme), np.count_nonzero(c["listed"] & c["hte"] & c["alive"]), np.count_nonzero(inc),
           np.count_nonzero(c["alive"]), np.count_nonzero(c["alive"] & (c["birth_q"] > young_after)),
           np.count_nonzero(stake > 0), np.count_nonzero(vc & c["alive"]))
    assert tuple(int(x) for x in got) == ref
    assert all(0 < x < N for x in ref)
