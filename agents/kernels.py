"""Fused firm-table passes compiled with numba: each rule that touches every firm row every quarter reads its
columns once, in one loop, instead of in a dozen whole-table numpy passes with temporaries.

The behaviour is that of the rules that call these kernels (``agents.enterprise_rules``, ``agents.status``,
``agents.investors``); the kernels hold only arithmetic, no decisions of their own. Measured in
``benchmarks/``: the cost of a quarter is memory traffic over the firm columns, not arithmetic, so one pass
instead of many is what saves time. Compiled once per machine (``cache=True`` keeps the machine code beside
the source, or under ``NUMBA_CACHE_DIR``). Every kernel here, in ``agents.round_kernels``, ``model.rng`` and
``model.instruments.kernels`` uses ``error_model="numpy"``: a division by zero would give inf/nan instead of
raising, and without the check LLVM can vectorise a loop (the R&D pass: 0.31 → 0.18 ms over 48,000 rows, same
bits). No kernel divides by a value that can be zero (under the default model such a division would have raised).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from innosim.model.rng import slot_bits, slot_uniform


@njit(cache=True, nogil=True, error_model="numpy")
def flagged(flag):
    """The rows (ascending, int64) where ``flag`` is true: ``np.flatnonzero`` for compiled code, branch-free
    (numba's own np.flatnonzero took 4.5× as long on a 48,000-row flag array)."""
    out = np.empty(flag.size, dtype=np.int64)
    k = 0
    for i in range(flag.size):
        out[k] = i
        k += flag[i]
    return out[:k]


@njit(cache=True, nogil=True, error_model="numpy")
def rd_and_growth(alive, nu, revenue, rd_boost, public_pipe, private_pipe, fin_tight, public_year, rd_last_year,
                  award_cash, innov_year, incubated, growth_year, rd, rd_year, knowledge, log_growth,
                  pipe_spend, alpha_c, alpha_u, s_sat, alpha_reward, decay_q, g_drift, g_innov, g_inc, g_vc):
    """A quarter of R&D (``agents.enterprise_rules.spend_rd_and_grow``), in place (yuan), and the quarter's log
    revenue growth into ``log_growth`` (0 for dead rows); the caller exponentiates it (numpy's vectorised exp is
    several times faster than a scalar one inside the loop). Written without data-dependent branches where the
    outcome is a coin flip across rows (alive, constrained), so the loop does not stall on mispredictions."""
    for i in range(alive.size):
        live = alive[i]
        own = nu[i] * revenue[i] / 4.0 * rd_boost[i]
        pub = pipe_spend * public_pipe[i]
        public_pipe[i] -= pub
        priv = pipe_spend * private_pipe[i]
        private_pipe[i] -= priv
        tight = fin_tight[i] & (private_pipe[i] <= 0.0)
        alpha = alpha_c if tight else alpha_u
        sat = 1.0
        if public_year[i] > 0.0:  # rare: most firms hold no public money
            share = public_year[i] / (rd_last_year[i] + public_year[i] + 1.0)
            if share > s_sat:
                sat = max(0.0, 1.0 - (share - s_sat) / s_sat)
        extra = max(alpha * sat * pub, -own)
        r = own + pub + extra + (alpha_reward * award_cash[i] if tight else 0.0) + priv
        r = r if live else 0.0
        award_cash[i] = 0.0
        rd[i] = r
        rd_year[i] += r
        knowledge[i] = knowledge[i] * decay_q + r
        drift = (g_drift + (g_innov if innov_year[i] else 0.0) + (g_inc if incubated[i] else 0.0)
                 + (g_vc if private_pipe[i] > 0.0 else 0.0)) / 4.0
        log_growth[i] = drift + growth_year[i] / 4.0 if live else 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def roll_year(large_revenue, nu_factor, nu_lo, nu_hi, alive, revenue, rd_year, rd_last_year, rd_prev_year,
              revenue_last_year, large, nu, public_year, tech_sme, tech_sme_last, voucher_used, growth_ratio,
              performer):
    """The year-end roll of the firm columns (``agents.enterprise_rules.year_end``), in place, in one pass: last
    year's R&D becomes the year before's and this year's becomes last year's (yuan/yr); the size class; revenue
    rolls, its growth ratio max(revenue, 1) / max(last year's, 1) into ``growth_ratio`` (the caller takes numpy's
    log of it); R&D intensity grows by ``nu_factor`` within [nu_lo, nu_hi]; the year's sums and the register
    restart; ``performer``: living firms that did R&D this year."""
    for i in range(alive.size):
        r = rd_year[i]
        rev = revenue[i]
        rd_prev_year[i] = rd_last_year[i]
        rd_last_year[i] = r
        large[i] = rev >= large_revenue
        growth_ratio[i] = max(rev, 1.0) / max(revenue_last_year[i], 1.0)
        revenue_last_year[i] = rev
        nu[i] = min(max(nu[i] * nu_factor, nu_lo), nu_hi)
        rd_year[i] = 0.0
        public_year[i] = 0.0
        performer[i] = alive[i] & (r > 0.0)
        tech_sme_last[i] = tech_sme[i]
        tech_sme[i] = False
        voucher_used[i] = 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def _log_hazard_row(log_age, quality, growth_last, rd_firm, incubated, loan, vc_recent, big, log_m_tech, log_m_inc,
                    log_h_loan, log_h_vc, q_exit, g_exit, log_large):
    """Log of one row's yearly exit hazard: the age profile's log (``log_age``) plus the logs of the status
    multipliers. Scalars only (array arguments would cost reference counting on every call)."""
    h = log_age - q_exit * quality - 0.5 * q_exit * q_exit + g_exit * max(-growth_last, 0.0)
    h += log_m_tech if rd_firm else 0.0
    h += log_m_inc if incubated else 0.0
    h += log_h_loan if loan else 0.0
    h += log_h_vc if vc_recent else 0.0
    h += log_large if big else 0.0
    return h


@njit(cache=True, nogil=True, error_model="numpy")
def log_hazard(q, birth_q, tech, rd_last_year, revenue, incubated, loan_until_q, vc_backed, vc_q, quality,
               growth_last, large, listed, log_by_age, log_m_tech, log_m_inc, log_h_loan, log_h_vc, q_exit, g_exit,
               min_intensity, vc_protect, log_large, out):
    """Log of the yearly exit hazard of every row into ``out`` (``agents.enterprise_rules.annual_hazard``, which
    exponentiates it with numpy's vectorised exp)."""
    top = log_by_age.size - 1
    for i in range(out.size):
        out[i] = _log_hazard_row(
            log_by_age[min(max(int((q - birth_q[i]) / 4.0), 0), top)], quality[i], growth_last[i],
            tech[i] & (rd_last_year[i] >= min_intensity * revenue[i]), incubated[i], loan_until_q[i] >= q,
            vc_backed[i] & (q - vc_q[i] < vc_protect), large[i] | listed[i], log_m_tech, log_m_inc, log_h_loan,
            log_h_vc, q_exit, g_exit, log_large)


# exp(x) for x in bucket [j/8 − 50, (j + 1)/8 − 50) lies in [EXP_LO[j], EXP_HI[j]] (widened by 1e-12 relative);
# below −50 the lower bound is 0, from 10 up there is no upper bound (hazard_exits).
_EXP_K = np.arange(481) / 8.0 - 50.0
EXP_LO = np.exp(_EXP_K[:-1]) * (1.0 - 1e-12)
EXP_LO[0] = 0.0
EXP_HI = np.exp(_EXP_K[1:]) * (1.0 + 1e-12)
EXP_HI[-1] = np.inf


@njit(cache=True, nogil=True, error_model="numpy")
def hazard_exits(q, key, alive, birth_q, tech, rd_last_year, revenue, incubated, loan_until_q, vc_backed, vc_q,
                 quality, growth_last, large, listed, log_by_age, log_m_tech, log_m_inc, log_h_loan, log_h_vc,
                 q_exit, g_exit, min_intensity, vc_protect, log_large, exp_lo, exp_hi):
    """Rows that exit this quarter at the hazards ``log_hazard`` gives, in one pass over the living rows and
    without an exponential for most: a living row exits when its uniform (slot draw under ``key``) is below the
    quarterly share of the yearly hazard, u < 1 − (1 − h)^¼, tested without a power as h > 1 − (1 − u)⁴; h's bucket
    bounds (``EXP_LO``/``EXP_HI``) decide almost every row, then a scalar exp clear of the threshold by 1e-13
    relative (numpy's and libm's exp differ by an ulp at most); most rows are decided before their hazard is
    computed, by an upper bound from quality and growth alone. Returns (rows that exit, ascending; rows too close
    to call, with their log h and threshold), so that the caller decides the latter with numpy's exp exactly as
    ``annual_hazard`` would."""
    top = log_by_age.size - 1
    top_age = log_by_age.max()
    raise_max = (max(log_m_tech, 0.0) + max(log_m_inc, 0.0) + max(log_h_loan, 0.0) + max(log_h_vc, 0.0)
                 + max(log_large, 0.0))
    n = alive.size
    # Most rows stay whatever their statuses: bound log h from above by the worst age and the multipliers that
    # raise it, from two columns (plus 1e-9 against rounding), and compare the bound's bucket with the threshold.
    # Separate loops, so that the arithmetic vectorises (with the table lookup in the same loop none of it did).
    ts = np.empty(n)
    bucket = np.empty(n, dtype=np.int64)
    for i in range(n):
        s = 1.0 - slot_uniform(key, i)
        s = s * s
        ts[i] = 1.0 - s * s
        xb = (top_age - q_exit * quality[i] - 0.5 * q_exit * q_exit + g_exit * max(-growth_last[i], 0.0) + raise_max
              + 1e-9)
        bucket[i] = min(max(int(np.floor(min(max(xb, -51.0), 11.0) * 8.0)) + 400, 0), exp_lo.size - 1)
    flag = np.empty(n, dtype=np.bool_)
    for i in range(n):
        flag[i] = alive[i] & (exp_hi[bucket[i]] >= ts[i])
    rows = flagged(flag)
    dead = np.empty(rows.size, dtype=np.int64)
    close = np.empty(rows.size, dtype=np.int64)
    close_x = np.empty(rows.size)
    close_t = np.empty(rows.size)
    k = 0
    c = 0
    for i in rows:
        t = ts[i]
        x = _log_hazard_row(
            log_by_age[min(max(int((q - birth_q[i]) / 4.0), 0), top)], quality[i], growth_last[i],
            tech[i] & (rd_last_year[i] >= min_intensity * revenue[i]), incubated[i], loan_until_q[i] >= q,
            vc_backed[i] & (q - vc_q[i] < vc_protect), large[i] | listed[i], log_m_tech, log_m_inc, log_h_loan,
            log_h_vc, q_exit, g_exit, log_large)
        j = min(max(int(np.floor(min(max(x, -51.0), 11.0) * 8.0)) + 400, 0), exp_lo.size - 1)
        if exp_hi[j] < t:
            continue
        if exp_lo[j] <= t:
            e = np.exp(x)
            if e * (1.0 + 1e-13) < t:
                continue
            if e * (1.0 - 1e-13) <= t:
                close[c] = i
                close_x[c] = x
                close_t[c] = t
                c += 1
                continue
        dead[k] = i
        k += 1
    return dead[:k], close[:c], close_x[:c], close_t[:c]


@njit(cache=True, nogil=True, error_model="numpy")
def register_scan(q, key, attend_new, alive, tech, revenue, rd_last_year, hte, tech_sme, tech_sme_last, large,
                  voucher_need_q, svc_ratio, svc_fee, max_revenue, min_intensity, v_rate, v_cap, sme_share,
                  sme_min_rd, sme_min_ask, sme_cap, loan_coef, loan_cap):
    """One pass for the tech-SME register (``agents.status.register_tech_smes``). Returns:

    - the rows that weigh the register this quarter: eligible, not yet registered this year, and attending
      (always if registered last year, else when its slot draw under ``key`` is below ``attend_new``);
    - the claims (yuan) that registered firms put on the programmes requiring registration, for their funded
      shares (``agents.status.registration_value``): vouchers a firm with a need still ahead would redeem (the
      voucher adds surplus: ``agents.decisions.voucher_gain`` > 0, certain without the exponential when the
      need's log value is ≥ 0), tech-SME project asks, loan-interest subsidies (the latter also of HTEs)."""
    n = alive.size
    attend = np.empty(n, dtype=np.bool_)
    ahead = np.empty(n, dtype=np.bool_)
    loan_t = np.empty(n)
    sme_t = np.empty(n)
    for i in range(n):
        # Branch-free (a mispredicted branch costs more than a row's arithmetic: 1.7× on the pass), and each row's
        # results into arrays rather than onto running sums and lists, so that the loop vectorises.
        live = alive[i]
        registered = tech_sme[i] | tech_sme_last[i]
        rev = revenue[i]
        rd = rd_last_year[i]
        loan_t[i] = min(loan_coef * rev, loan_cap) * (live & (registered | hte[i]))
        sme_t[i] = min(max(sme_share * rd, sme_min_ask), sme_cap) * (live & registered & (not large[i])
                                                                 & (rd >= sme_min_rd))
        ahead[i] = live & registered & (voucher_need_q[i] >= q)  # registered with a need still ahead
        eligible = (live & tech[i] & (not tech_sme[i]) & (rev <= max_revenue)
                    & (hte[i] | (rd / max(rev, 1.0) >= min_intensity)))
        attend[i] = eligible & (tech_sme_last[i] | (slot_uniform(key, i) < attend_new))
    loans = 0.0
    sme = 0.0
    for i in range(n):  # in row order: the sums' floating-point order is part of the results
        loans += loan_t[i]
        sme += sme_t[i]
    vouchers = 0.0
    for i in flagged(ahead):
        fee = svc_fee[i]
        sub = min(v_rate * fee, v_cap)
        if sub > 0.0 and (svc_ratio[i] >= 0.0 or fee * np.exp(svc_ratio[i]) - fee + sub > 0.0):
            vouchers += sub
    return flagged(attend), vouchers, sme, loans


@njit(cache=True, nogil=True, error_model="numpy")
def _heap_push(heap, size, x):
    """Keep the ``heap.size`` largest values seen in a min-heap; ``size`` values are in it; returns the new size."""
    if size < heap.size:
        i = size
        heap[i] = x
        while i > 0:
            p = (i - 1) // 2
            if heap[p] <= heap[i]:
                break
            heap[p], heap[i] = heap[i], heap[p]
            i = p
        return size + 1
    if x <= heap[0]:
        return size
    heap[0] = x
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and heap[c + 1] < heap[c]:
            c += 1
        if heap[i] <= heap[c]:
            break
        heap[i], heap[c] = heap[c], heap[i]
        i = c
    return size


@njit(cache=True, nogil=True, error_model="numpy")
def vc_screen(q, alive, tech, birth_q, vc_backed, quality, hte, incubated, tie_uni, max_age_years, young_years,
              key, noise, k, key_y, noise_y, k_y, z_lo, z_hi):
    """Which VC candidates (alive tech rows no older than ``max_age_years`` without a round yet) may be among the
    ``k`` best signals, and which young ones (age ≤ ``young_years``) among the ``k_y`` best noisy signals once the
    ``k`` are taken — without an inverse normal per candidate (``agents.investors.InvestorSector.step`` scores
    only the rows kept here).

    The signal of row i is quality + noise·ndtri(u) + 0.3·hte + 0.2·incubated + 0.2·[tie], u its slot draw under
    ``key`` (young: quality + noise_y·ndtri(u_y), under ``key_y``). u lies in bucket j = ⌊u·B⌋ of B = z_lo.size
    (a power of 2), where z_lo[j] ≤ ndtri(u) ≤ z_hi[j]; the signal evaluated in the same floating-point order
    with those bounds gives lo_i ≤ signal_i ≤ hi_i (rounding is monotone). Once ``k`` rows have lo ≥ t, no row
    with hi < t can be among the ``k`` best, so keeping the rows with hi ≥ the k-th largest lo keeps all of the
    ``k`` best. Young rows are screened against the (k + k_y)-th largest lo (at most k of those rows are taken
    by the first screen). Returns (ids, his, ids_y, his_y, t, t_y): rows that may qualify, ascending, with their
    upper bounds, and the thresholds (−inf when there are fewer candidates than places); the caller keeps the
    rows with hi ≥ t (rows dropped here had hi below a threshold that only rises)."""
    shift = np.uint64(64 - int(np.log2(z_lo.size)))  # bucket ⌊u·B⌋ = the top log2(B) bits of the slot's draw
    heap = np.empty(k)
    heap_y = np.empty(k + k_y)
    size = 0
    size_y = 0
    ids = np.empty(alive.size, dtype=np.int64)
    his = np.empty(alive.size)
    ids_y = np.empty(alive.size if k_y > 0 else 0, dtype=np.int64)
    his_y = np.empty(alive.size if k_y > 0 else 0)
    n = 0
    n_y = 0
    cand = np.empty(alive.size, dtype=np.int64)  # candidates first, branch-free (they are a coin flip per row)
    n_cand = 0
    for i in range(alive.size):
        cand[n_cand] = i
        n_cand += alive[i] & tech[i] & (not vc_backed[i]) & ((q - birth_q[i]) / 4.0 <= max_age_years)
    for c in range(n_cand):
        i = cand[c]
        age = (q - birth_q[i]) / 4.0
        if k > 0:
            j = slot_bits(key, i) >> shift
            bonus_h = 0.3 if hte[i] else 0.0
            bonus_i = 0.2 if incubated[i] else 0.0
            bonus_t = 0.2 if tie_uni[i] >= 0 else 0.0
            lo = quality[i] + noise * z_lo[j] + bonus_h + bonus_i + bonus_t
            hi = quality[i] + noise * z_hi[j] + bonus_h + bonus_i + bonus_t
            if size < k or hi >= heap[0]:
                ids[n] = i
                his[n] = hi
                n += 1
            if size < k or lo > heap[0]:  # the test inline: a call per row costs more than the row
                size = _heap_push(heap, size, lo)
        if k_y > 0 and age <= young_years:
            j = slot_bits(key_y, i) >> shift
            lo = quality[i] + noise_y * z_lo[j]
            hi = quality[i] + noise_y * z_hi[j]
            if size_y < heap_y.size or hi >= heap_y[0]:
                ids_y[n_y] = i
                his_y[n_y] = hi
                n_y += 1
            if size_y < heap_y.size or lo > heap_y[0]:
                size_y = _heap_push(heap_y, size_y, lo)
    t = heap[0] if k > 0 and size == k else -np.inf
    t_y = heap_y[0] if k_y > 0 and size_y == heap_y.size else -np.inf
    return ids[:n], his[:n], ids_y[:n_y], his_y[:n_y], t, t_y
