"""The fused numba passes (``agents.kernels``) compute what the readable numpy rules they replaced computed.

Each reference below is the whole-table numpy formulation of the rule (as it stood before the fusion); both are
run on the same random firm columns and must agree to 1e-12 relative (floating-point order differs), and index
sets must be equal except where a uniform lies within 1e-12 of its threshold (none in these draws).
"""

from __future__ import annotations

import numpy as np
import pytest

from innosim.agents import kernels as K
from innosim.agents.decisions import additionality, voucher_gain
from innosim.model.rng import slot_uniforms

N = 20_000


@pytest.fixture(scope="module")
def cols():
    r = np.random.default_rng(7)
    rev = np.exp(r.normal(16.0, 1.5, N))
    nu = r.uniform(0.0, 0.08, N)
    return {
        "alive": r.random(N) < 0.8, "tech": r.random(N) < 0.9, "nu": nu, "revenue": rev,
        "rd_boost": np.where(r.random(N) < 0.2, 1.05, 1.0),
        "public_pipe": r.exponential(2e5, N) * (r.random(N) < 0.2),
        "private_pipe": r.exponential(1e6, N) * (r.random(N) < 0.1),
        "fin_tight": r.random(N) < 0.5, "public_year": r.exponential(3e5, N) * (r.random(N) < 0.3),
        "rd_last_year": nu * rev * r.uniform(0.5, 1.5, N), "award_cash": r.exponential(1e5, N) * (r.random(N) < 0.1),
        "innov_year": r.random(N) < 0.3, "incubated": r.random(N) < 0.1, "growth_year": r.laplace(0, 0.2, N),
        "knowledge": r.exponential(1e7, N), "birth_q": r.integers(-80, 20, N).astype(np.int16),
        "loan_until_q": r.integers(-4, 30, N).astype(np.int16), "vc_backed": r.random(N) < 0.1,
        "vc_q": r.integers(-4, 20, N).astype(np.int16), "quality": r.standard_normal(N),
        "growth_last": r.normal(0.0, 0.3, N), "large": rev >= 4e8, "listed": r.random(N) < 0.01,
        "hte": r.random(N) < 0.3, "tech_sme": r.random(N) < 0.2, "tech_sme_last": r.random(N) < 0.3,
        "voucher_need_q": np.where(r.random(N) < 0.4, r.integers(0, 32, N), -1).astype(np.int16),
        "svc_ratio": r.normal(-0.2, 0.5, N), "svc_fee": np.exp(r.normal(11.0, 0.8, N)),
    }


def test_rd_and_growth_matches_the_numpy_rule(cols):
    c = {k: v.copy() for k, v in cols.items()}
    a_c, a_u, s_sat, a_rew, decay, gd, gi, ginc, gvc = 0.6, -0.1, 0.3, 0.4, 0.85**0.25, 0.01, 0.03, 0.02, 0.05
    # reference (numpy, whole table)
    own = c["nu"] * c["revenue"] / 4.0 * c["rd_boost"]
    pub = 0.35 * c["public_pipe"]
    priv = 0.35 * c["private_pipe"]
    pp_after = c["private_pipe"] - priv
    tight = c["fin_tight"] & (pp_after <= 0)
    alpha = additionality(tight, a_c, a_u)
    share = c["public_year"] / (c["rd_last_year"] + c["public_year"] + 1.0)
    sat = np.where(share > s_sat, np.maximum(0.0, 1.0 - (share - s_sat) / s_sat), 1.0)
    extra = np.maximum(alpha * sat * pub, -own)
    rd = np.where(c["alive"], own + pub + extra + a_rew * c["award_cash"] * tight + priv, 0.0)
    drift = (gd + gi * c["innov_year"] + ginc * c["incubated"] + gvc * (pp_after > 0)) / 4.0
    revenue = c["revenue"] * np.exp(np.where(c["alive"], drift + c["growth_year"] / 4.0, 0.0))
    knowledge = c["knowledge"] * decay + rd
    # kernel
    out_rd, rd_year, g = np.zeros(N), np.zeros(N), np.empty(N)
    K.rd_and_growth(c["alive"], c["nu"], c["revenue"], c["rd_boost"], c["public_pipe"], c["private_pipe"],
                    c["fin_tight"], c["public_year"], c["rd_last_year"], c["award_cash"], c["innov_year"],
                    c["incubated"], c["growth_year"], out_rd, rd_year, c["knowledge"], g, 0.35, a_c, a_u, s_sat,
                    a_rew, decay, gd, gi, ginc, gvc)
    np.testing.assert_allclose(out_rd, rd, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(rd_year, rd, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(c["knowledge"], knowledge, rtol=1e-12)
    np.testing.assert_allclose(c["revenue"] * np.exp(g), revenue, rtol=1e-12)
    np.testing.assert_allclose(c["private_pipe"], pp_after, rtol=1e-12)
    assert not c["award_cash"].any()
    assert (out_rd[~c["alive"]] == 0).all() and (extra < 0).any() and (sat < 1).any()  # every branch exercised


def test_hazard_and_exits_match_the_numpy_rule(cols):
    c = cols
    q, by_age = 9, np.array([0.0225, 0.065, 0.10, 0.085, 0.085, 0.085, 0.085, 0.045])
    m_tech, m_inc, h_loan, h_vc, a, g_exit = 0.8, 0.9, 0.85, 0.7, 0.3, 0.5
    age = np.clip(((q - c["birth_q"]) / 4.0).astype(np.int64), 0, by_age.size - 1)
    rd_firm = c["tech"] & (c["rd_last_year"] >= 0.02 * c["revenue"])
    h = by_age[age] * np.where(rd_firm, m_tech, 1.0) * np.where(c["incubated"], m_inc, 1.0)
    h = h * np.where(c["loan_until_q"] >= q, h_loan, 1.0)
    h = h * np.where(c["vc_backed"] & (q - c["vc_q"] < 12), h_vc, 1.0)
    h = h * np.exp(-a * c["quality"] - 0.5 * a * a + g_exit * np.maximum(-c["growth_last"], 0.0))
    h = h * np.where(c["large"] | c["listed"], 0.5, 1.0)
    out = np.empty(N)
    K.log_hazard(q, c["birth_q"], c["tech"], c["rd_last_year"], c["revenue"], c["incubated"], c["loan_until_q"],
                 c["vc_backed"], c["vc_q"], c["quality"], c["growth_last"], c["large"], c["listed"], np.log(by_age),
                 np.log(m_tech), np.log(m_inc), np.log(h_loan), np.log(h_vc), a, g_exit, 0.02, 12, np.log(0.5), out)
    np.testing.assert_allclose(np.exp(out), h, rtol=1e-12)
    key = np.uint64(12345)
    u = slot_uniforms(key, np.arange(N))
    for scale in (1.0, 40.0):  # hazards near and above 1 as well
        ref = np.flatnonzero(c["alive"] & (u < 1.0 - (1.0 - np.minimum(scale * h, 1.0)) ** 0.25))
        args = (c["birth_q"], c["tech"], c["rd_last_year"], c["revenue"], c["incubated"], c["loan_until_q"],
                c["vc_backed"], c["vc_q"], c["quality"], c["growth_last"], c["large"], c["listed"],
                np.log(by_age) + np.log(scale), np.log(m_tech), np.log(m_inc), np.log(h_loan), np.log(h_vc), a,
                g_exit, 0.02, 12, np.log(0.5))
        # The bucket bounds, and no bounds at all (a scalar exp for every row): same exits either way.
        for lo, hi in ((K.EXP_LO, K.EXP_HI), (np.zeros(K.EXP_LO.size), np.full(K.EXP_HI.size, np.inf))):
            dead, close, x, t = K.hazard_exits(q, key, c["alive"], *args, lo, hi)
            got = np.sort(np.concatenate((dead, close[np.exp(x) > t])))
            np.testing.assert_array_equal(got, ref)
        assert 0 < ref.size < c["alive"].sum()


def test_exp_bounds_hold():
    x = np.linspace(-49.99, 9.99, 200_001)
    j = np.floor(x * 8.0).astype(np.int64) + 400
    assert (K.EXP_LO[j] <= np.exp(x)).all() and (np.exp(x) <= K.EXP_HI[j]).all()


def test_register_scan_matches_the_numpy_rule(cols):
    c, q = cols, 12
    key = np.uint64(4)
    u = slot_uniforms(key, np.arange(N))
    p_reg = 0.3
    intensity = c["rd_last_year"] / np.maximum(c["revenue"], 1.0)
    eligible = c["alive"] & c["tech"] & (c["revenue"] <= 2e8) & ((intensity >= 0.02) | c["hte"])
    attend = u < 1.0 - (1.0 - np.where(c["tech_sme_last"], 1.0, p_reg)) ** 0.25
    ref = np.flatnonzero(eligible & ~c["tech_sme"] & attend)
    rate, cap, sme_share, sme_min, sme_min_ask, sme_cap, loan_cap = 0.5, 2e5, 0.3, 1e5, 1e5, 5e5, 5e4
    registered = c["alive"] & (c["tech_sme"] | c["tech_sme_last"])
    rivals = np.flatnonzero(registered & (c["voucher_need_q"] >= q))
    sub = np.minimum(rate * c["svc_fee"][rivals], cap)
    v_ref = float(np.sum(sub[voucher_gain(c["svc_ratio"][rivals], c["svc_fee"][rivals], sub) > 0]))
    sme_rivals = registered & ~c["large"] & (c["rd_last_year"] >= sme_min)
    s_ref = float(np.sum(np.clip(sme_share * c["rd_last_year"][sme_rivals], sme_min_ask, sme_cap)))
    l_ref = float(np.sum(np.minimum(0.3 * c["revenue"][registered | (c["hte"] & c["alive"])] * 0.045 * 0.5, loan_cap)))
    got, v, s, loans = K.register_scan(q, key, 1.0 - (1.0 - p_reg) ** 0.25, c["alive"], c["tech"], c["revenue"],
                                       c["rd_last_year"], c["hte"], c["tech_sme"], c["tech_sme_last"], c["large"],
                                       c["voucher_need_q"], c["svc_ratio"], c["svc_fee"], 2e8, 0.02, rate, cap,
                                       sme_share, sme_min, sme_min_ask, sme_cap, 0.3 * 0.045 * 0.5, loan_cap)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_allclose([v, s, loans], [v_ref, s_ref, l_ref], rtol=1e-10)
    assert v_ref > 0 and s_ref > 0 and l_ref > 0
    assert (c["svc_ratio"][rivals] < 0).any() and (c["svc_ratio"][rivals] >= 0).any()  # both voucher branches


@pytest.mark.parametrize("k, k_y", [(25, 0), (25, 4), (0, 6), (3, 40), (20_000, 3)])
def test_vc_screen_chooses_what_scoring_every_candidate_chooses(cols, k, k_y):
    """The bound screen keeps every candidate that can be among the k best (and the k_y best young ones once
    those are taken): scoring only the rows it keeps chooses the same firms, in the same order, as scoring all
    candidates (the numpy rule)."""
    from scipy.special import ndtri

    from innosim.agents.investors import _Z_HI, _Z_LO, _top_k

    c, q, key, key_y, noise, noise_y = cols, 10, np.uint64(0x1234_5678_9ABC), np.uint64(99), 0.7, 1.15
    age = (q - c["birth_q"]) / 4.0

    def signal(ids):
        return (c["quality"][ids] + noise * ndtri(slot_uniforms(key, ids)) + 0.3 * c["hte"][ids]
                + 0.2 * c["incubated"][ids] + 0.2 * (c["tie_uni_"][ids] >= 0))

    c = {**c, "tie_uni_": np.where(c["tech_sme"], 3, -1).astype(np.int16)}
    cand = np.flatnonzero(c["alive"] & c["tech"] & (age <= 8.0) & ~c["vc_backed"])
    ref = _top_k(cand, signal(cand), k)
    young = cand[age[cand] <= 3.0]
    young = young[~np.isin(young, ref)]
    ref_y = _top_k(young, c["quality"][young] + noise_y * ndtri(slot_uniforms(key_y, young)), k_y)

    ids, hi, ids_y, hi_y, t, t_y = K.vc_screen(q, c["alive"], c["tech"], c["birth_q"], c["vc_backed"], c["quality"],
                                               c["hte"], c["incubated"], c["tie_uni_"], 8.0, 3.0, key, noise, k,
                                               key_y, noise_y, k_y, _Z_LO, _Z_HI)
    kept = ids[hi >= t]
    assert np.isin(kept, cand).all() and (kept.size < 200 or k >= cand.size)  # few are scored
    chosen = _top_k(kept, signal(kept), k)
    np.testing.assert_array_equal(chosen, ref)
    kept_y = ids_y[hi_y >= t_y]
    kept_y = kept_y[~np.isin(kept_y, chosen)]
    np.testing.assert_array_equal(
        _top_k(kept_y, c["quality"][kept_y] + noise_y * ndtri(slot_uniforms(key_y, kept_y)), k_y), ref_y)


def test_normal_quantile_bounds_hold():
    """Every u in bucket ⌊u·4096⌋ has ndtri(u) within that bucket's bounds (checked at the buckets' ends)."""
    from scipy.special import ndtri

    from innosim.agents.investors import _Z_HI, _Z_LO

    ends = np.arange(4096) / 4096.0
    last = np.nextafter(ends + 1 / 4096.0, 0.0)  # the largest u of each bucket
    assert (_Z_LO <= ndtri(ends)).all() and (ndtri(last) <= _Z_HI).all()
    assert np.isinf(_Z_LO[0]) and np.isinf(_Z_HI[-1]) and np.isfinite(_Z_LO[1:]).all()


def test_slot_normals_are_normal_finite_and_per_slot():
    """Normals of slots (``model.rng.slot_normals``): slot i's number is the same whichever other slots are drawn,
    normal (Kolmogorov–Smirnov p > 0.001 over 200,000 slots), finite at the extreme slot draws (bits all 0 or all 1
    give the middle of the first or last 2⁻⁵² cell, |z| ≈ 8.2), and uncorrelated with the normals of another key
    (the service fee's against its value: |r| < 0.01, ≈ 4.5 standard errors)."""
    from scipy import stats
    from scipy.special import ndtri

    from innosim.model.rng import Streams, slot_normals, slot_open_uniforms

    s = Streams(3, 1)
    key = s.key("voucher_need.value", 7)
    ids = np.arange(200_000)
    z = slot_normals(key, ids)
    sub = np.array([5, 123_456])
    np.testing.assert_array_equal(slot_normals(key, sub), z[sub])
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert abs(np.corrcoef(z, slot_normals(s.key("voucher_need.fee", 7), ids))[0, 1]) < 0.01
    u = slot_open_uniforms(key, ids)
    assert (u > 0.0).all() and (u < 1.0).all()
    edges = np.array([0.5, 4503599627370495.5]) / 4503599627370496.0  # the open uniform of bits 0 and 2⁶⁴ − 1
    assert np.isfinite(ndtri(edges)).all() and abs(ndtri(edges[0])) < 8.3


def test_slot_uniform_range_is_the_slots_in_order():
    from innosim.model.rng import Streams, slot_uniform_range, slot_uniforms

    key = Streams(2, 0).key("hte.pass", 11)
    np.testing.assert_array_equal(slot_uniform_range(key, 5000), slot_uniforms(key, np.arange(5000)))
    assert slot_uniform_range(key, 0).size == 0


def test_slot_uniforms_are_uniform_and_per_slot():
    """Counter-based draws: slot i's number does not depend on which other slots are drawn; the numbers are
    uniform (Kolmogorov–Smirnov p > 0.001 over 200,000 slots) and uncorrelated across neighbouring slots and
    across keys (|r| < 0.01, ≈ 4.5 standard errors)."""
    from scipy import stats

    from innosim.model.rng import Streams

    s = Streams(3, 1)
    ids = np.arange(200_000)
    u = s.uniforms("exits", 5, ids)
    sub = np.array([0, 17, 199_999])
    np.testing.assert_array_equal(s.uniforms("exits", 5, sub), u[sub])
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01
    for other in (s.uniforms("exits", 6, ids), s.uniforms("growth", 5, ids), Streams(3, 2).uniforms("exits", 5, ids)):
        assert abs(np.corrcoef(u, other)[0, 1]) < 0.01


def test_roll_year_matches_the_numpy_rule(cols):
    """``roll_year`` rolls the columns as the numpy year end did (commit aa93381), to the bit, with revenues at
    and around the size class's bound and the floor of 1 yuan, and intensities beyond both clip bounds."""
    from innosim.agents.enterprises import LARGE_REVENUE

    r = np.random.default_rng(11)
    c = {k: v.copy() for k, v in cols.items()}
    edges = [LARGE_REVENUE, np.nextafter(LARGE_REVENUE, 0), np.nextafter(LARGE_REVENUE, np.inf), 1.0, 0.5, 0.0]
    c["revenue"][: len(edges)] = edges
    c["rd_year"] = np.where(r.random(N) < 0.2, 0.0, r.exponential(1e6, N))
    c["rd_prev_year"] = r.exponential(1e6, N)
    c["revenue_last_year"] = np.where(r.random(N) < 0.05, 0.3, np.exp(r.normal(16.0, 1.5, N)))
    c["large"] = r.random(N) < 0.1
    c["voucher_used"] = r.exponential(1e4, N)
    c["nu"][:4] = [1e-5, 0.7, 1e-4, 0.6]
    factor = np.exp(0.02)
    ref = {k: v.copy() for k, v in c.items()}
    ref["rd_prev_year"][:] = ref["rd_last_year"]
    ref["large"][:] = ref["revenue"] >= LARGE_REVENUE
    ref["rd_last_year"][:] = ref["rd_year"]
    ref_growth = np.log(np.maximum(ref["revenue"], 1.0) / np.maximum(ref["revenue_last_year"], 1.0))
    ref["revenue_last_year"][:] = ref["revenue"]
    ref["nu"] *= factor
    np.clip(ref["nu"], 1e-4, 0.6, out=ref["nu"])
    ref["rd_year"][:] = 0.0
    ref["public_year"][:] = 0.0
    ref_performer = ref["alive"] & (ref["rd_last_year"] > 0.0)
    ref["tech_sme_last"][:] = ref["tech_sme"]
    ref["tech_sme"][:] = False
    ref["voucher_used"][:] = 0.0
    ratio, performer = np.empty(N), np.empty(N, dtype=bool)
    K.roll_year(LARGE_REVENUE, factor, 1e-4, 0.6, c["alive"], c["revenue"], c["rd_year"], c["rd_last_year"],
                c["rd_prev_year"], c["revenue_last_year"], c["large"], c["nu"], c["public_year"], c["tech_sme"],
                c["tech_sme_last"], c["voucher_used"], ratio, performer)
    for k, v in ref.items():
        assert v.tobytes() == c[k].tobytes(), k
    assert np.log(ratio).tobytes() == ref_growth.tobytes()
    np.testing.assert_array_equal(performer, ref_performer)
    assert c["large"][:3].tolist() == [True, False, True] and c["nu"][:4].tolist() == [1e-4, 0.6, 1e-4 * factor, 0.6]
