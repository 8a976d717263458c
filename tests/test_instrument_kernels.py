"""The instruments' numba passes (``model.instruments.kernels``) and the ledger's ``first_come`` give, bit for bit,
what the numpy expressions they replaced gave: the same operations in the same order, so equality here is exact
(``np.array_equal``), not to a tolerance."""

from __future__ import annotations

import numpy as np
import pytest

from innosim.model.instruments import kernels as K
from innosim.model.ledger import Ledger, first_come

N = 20_000


@pytest.fixture(scope="module")
def cols():
    r = np.random.default_rng(11)
    return {
        "alive": r.random(N) < 0.8, "tech": r.random(N) < 0.9, "hte": r.random(N) < 0.3,
        "tech_sme": r.random(N) < 0.2, "incubated": r.random(N) < 0.1, "vc_backed": r.random(N) < 0.1,
        "birth_q": r.integers(-80, 20, N).astype(np.int16),
        "stake": np.where(r.random(N) < 0.05, r.random(N), 0.0),
        "convertible": np.where(r.random(N) < 0.05, r.exponential(1e6, N), 0.0),
        "quality": r.standard_normal(N), "knowledge": r.exponential(1e7, N) * (r.random(N) < 0.9),
        "grants_cum": r.exponential(1e6, N) * (r.random(N) < 0.2),
    }


@pytest.mark.parametrize("q", [0, 13, 31])
def test_equity_mask(cols, q):
    c = cols
    young = (q - c["birth_q"]) / 4.0 <= 10.0
    ref = (c["alive"] & c["tech"] & young & (c["hte"] | c["tech_sme"] | c["incubated"]) & (c["stake"] == 0)
           & (c["convertible"] == 0))
    got = np.empty(N, dtype=bool)
    K.equity_mask(c["alive"], c["tech"], c["hte"], c["tech_sme"], c["incubated"], c["birth_q"], c["stake"],
                  c["convertible"], q, 10.0, got)
    assert np.array_equal(got, ref)


@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_equity_signal(cols, noise):
    c = cols
    idx = np.flatnonzero(c["alive"])
    z = np.random.default_rng(1).standard_normal(idx.size)
    ref = c["quality"][idx] + noise * z
    ref += 0.2 * c["hte"][idx] + 0.2 * c["incubated"][idx] + 0.2 * c["vc_backed"][idx]
    got = np.empty(idx.size)
    K.equity_signal(idx, z, c["quality"], c["hte"], c["incubated"], c["vc_backed"], noise, got)
    assert np.array_equal(got, ref)


@pytest.mark.parametrize("extra", [0.0, "array"])
def test_merit_score(cols, extra):
    c = cols
    idx = np.flatnonzero(c["tech_sme"])
    z = np.random.default_rng(2).standard_normal(idx.size)
    extra = 0.3 * c["hte"][idx] if isinstance(extra, str) else extra
    k = np.log1p(c["knowledge"][idx] / 1e4)
    merit = (k - k.mean()) / (k.std() + 1e-9) + 0.5 * c["quality"][idx]
    ref = merit + 0.4 * z + 0.3 * (c["grants_cum"][idx] > 0) + extra
    got = np.empty(idx.size)
    K.merit_score(idx, k, k.mean(), k.std() + 1e-9, c["quality"], z, c["grants_cum"], 0.4, 0.3, got)
    got += extra
    assert np.array_equal(got, ref)


@pytest.mark.parametrize("left", [0.5, 3e6, 1e12])
def test_first_come(left):
    r = np.random.default_rng(3)
    requests = r.exponential(1e5, 500) * (r.random(500) < 0.9)  # some zero requests in the order
    before = np.empty_like(requests)
    before[0] = 0.0
    np.cumsum(requests[:-1], out=before[1:])
    ref = np.maximum(np.minimum(requests, left - before), 0.0)
    got = np.empty_like(requests)
    first_come(requests, left, got)
    assert np.array_equal(got, ref)
    paid = Ledger({"x": {2021: left}}).fit("x", 2021, requests)
    # numpy's own float64 descriptor: np.add.at on the payments stays on its fast path (a numba-allocated array's
    # descriptor is a different object and is not)
    assert np.array_equal(paid, ref) and paid.dtype is np.dtype(np.float64)


@pytest.mark.parametrize("n", [1, 7, 130, 4_000, 15_000])
def test_merit_order_moments_are_numpys(n):
    """``merit_order`` computes k.mean() and k.std() itself; they are numpy's to the bit at every size (the
    pairwise summation changes its blocking at 8 and 128 elements)."""
    k = np.log1p(np.random.default_rng(n).exponential(1e3, n))
    mean = np.add.reduce(k) / k.size
    dev = k - mean
    assert mean == k.mean() and np.sqrt(np.add.reduce(dev * dev) / k.size) == k.std()
