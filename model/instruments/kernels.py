"""Fused passes of the instruments' eligibility and scoring, compiled with numba.

Used only where they were measured to pay inside a run, where the firm columns are cold in the cache: an
expression that builds several float temporaries (ages from birth quarters, gathered scores of thousands of
rows) is cheaper as one loop; a plain conjunction of boolean columns is not (numpy's vectorised passes beat a
scalar loop there, so those masks stay numpy). Each kernel does the arithmetic of the numpy expression it
replaced, operation for operation in the same order, so results are the same to the bit
(tests/test_instrument_kernels.py holds each one against that expression). Only arithmetic lives here; the
conditions are the instruments'. Money in yuan, quarters as indices.

Every kernel writes into an ``out`` array the caller allocates with numpy: an array numba allocates carries its
own float64 / bool descriptor, not numpy's, and numpy 2.4's ``np.add.at`` then leaves its fast path (measured 20
times slower on the payments it received).
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def equity_mask(alive, tech, hte, tech_sme, incubated, birth_q, stake, convertible, q, max_age, out):
    """Mask of live tech firms at most ``max_age`` years old (age as ``EnterpriseTable.age_years``), registered,
    certified or incubated, holding no stake and no convertible, into ``out`` (bool). Branch-free: every row is a
    coin flip."""
    for i in range(alive.size):
        young = (q - birth_q[i]) / 4.0 <= max_age
        out[i] = (alive[i] & tech[i] & young & (hte[i] | tech_sme[i] | incubated[i])
                  & (stake[i] == 0.0) & (convertible[i] == 0.0))


@njit(cache=True, nogil=True, error_model="numpy")
def equity_signal(idx, z, quality, hte, incubated, vc_backed, noise, out):
    """The fund's screening signal of rows ``idx``: quality plus ``noise`` times the normal draws ``z``, plus 0.2
    each for certified, incubated and VC-backed (the same additions, in the same order, as ``Equity.select``), into
    ``out``."""
    for j in range(idx.size):
        i = idx[j]
        s = quality[i] + noise * z[j]
        s += 0.2 * hte[i] + 0.2 * incubated[i] + 0.2 * vc_backed[i]
        out[j] = s


@njit(cache=True, nogil=True, error_model="numpy")
def merit_score(idx, k, k_mean, k_scale, quality, z, grants_cum, noise, prior_bonus, out):
    """``base.merit_order``'s score of rows ``idx`` before its ``extra``: standardised log knowledge ``k`` (mean
    ``k_mean``, divided by ``k_scale``) plus half the quality, ``noise`` times the normal draws ``z``, and
    ``prior_bonus`` for earlier grantees, into ``out``; the same operations in the same order as the numpy
    expression."""
    for j in range(idx.size):
        i = idx[j]
        merit = (k[j] - k_mean) / k_scale + 0.5 * quality[i]
        out[j] = merit + noise * z[j] + prior_bonus * (grants_cum[i] > 0.0)
