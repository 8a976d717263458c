"""Every instrument family moves the target it exists for, and no family does more per yuan than its mechanism
allows (docs/model.md, "Upper bounds on leverage per yuan"). Paired runs at the shipped posterior's heaviest
particle (prior medians for the other parameters): the scenario against the same scenario with the family's budget
set to zero from the plan's start (2024), 6 replicates on the same streams; "moves" means the mean paired effect
is positive, "bounded" that the mean per yuan is within two standard errors of the bound.

The bounds are properties of the mechanisms, stated with their sources in docs/model.md: a subsidy yuan adds at
most itself plus `alpha_constrained` (≤ 1.0) of own R&D; a voucher pays at least half of a service fee (R&D ≤ 2 per
yuan; turnover ≤ 7: the fee (≤ 2) plus what the added R&D's knowledge sells, at most `theta_sell` (≤ 0.6) a yuan a
year over the five plan years at 15% depreciation (Σ ≤ 3.7), i.e. ≤ 2 × 0.6 × 3.7 ≈ 4.4, and rare tie
follow-ups); a municipal lab costs the award (≤ 50万), so platforms rise by at most one per 50万; a yuan of
拨改投 reaches R&D at most through its R&D share, the private
co-investment (≤ 1 per public yuan) and additionality (≤ 2); brokers make at most `k_b` (≤ 0.5) brokered deals a
year at the brokered-deal size (≤ 25 yuan of turnover per yuan over the plan).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from innosim.calibration.posterior import load_posterior
from innosim.model.parameters import prior_medians
from innosim.model.policy import with_levers
from innosim.model.run import run_one
from innosim.model.scenario_files import load_scenario
from tests.conftest import SCENARIOS

REPS = 6
PLAN = slice(12, 32)  # 2024Q1-2028Q4
WAN = 1e4


@functools.cache
def _params() -> dict[str, float]:
    """The shipped posterior's heaviest particle, prior medians for the rest: the parameters runs mostly use."""
    post = load_posterior()
    best = post.particles.iloc[int(np.argmax(post.weights))]
    return {**prior_medians(), **{k: float(v) for k, v in best.items()}}


@functools.cache
def _runs(family: str | None) -> list[dict[str, np.ndarray]]:
    base = load_scenario(SCENARIOS / "baseline.yaml")
    sc = base if family is None else with_levers(base, {family: 0.0})
    return [run_one(sc, _params(), seed=7, replicate=r).quarterly for r in range(REPS)]


def _paired(family: str) -> dict[str, np.ndarray]:
    """Paired effect of the family's money per replicate (baseline minus the family at zero): flows summed over the
    plan years (yuan); the yearly registers (tech SMEs, HTEs, tech-based enterprises) averaged over the plan's
    quarters — one date is dominated by who happens to renew that year (measured: the end-2028 voucher effect on
    tech SMEs has t ≈ 1, its plan average t ≈ 5 with 8 replicates); accumulating stocks (platforms, labs, brokers)
    at the end of 2028; ``spend`` is the family's money paid in the plan years (yuan)."""
    out: dict[str, list[float]] = {}
    for a, b in zip(_runs(None), _runs(family), strict=True):
        spend = sum(a[k][PLAN].sum() - b[k][PLAN].sum() for k in a if k.startswith("spend_"))
        row = {"spend": spend}
        for k in ("rd_expenditure", "tech_contract_turnover", "vc_deals"):
            row[k] = a[k][PLAN].sum() - b[k][PLAN].sum()
        for k in ("tech_enterprises", "tech_sme", "hte"):
            row[k] = (a[k][PLAN] - b[k][PLAN]).mean()
        for k in ("platforms", "municipal_labs", "tech_brokers"):
            row[k] = a[k][-1] - b[k][-1]
        for k, v in row.items():
            out.setdefault(k, []).append(float(v))
    return {k: np.asarray(v) for k, v in out.items()}


def _effect(family: str) -> dict[str, float]:
    """Mean over the replicates of ``_paired``."""
    return {k: float(v.mean()) for k, v in _paired(family).items()}


@pytest.mark.parametrize("family, target", [
    ("subsidy", "rd_expenditure"), ("subsidy", "tech_sme"), ("voucher", "tech_sme"),
    ("voucher", "tech_contract_turnover"), ("award", "hte"), ("award", "platforms"), ("award", "municipal_labs"),
    ("equity", "rd_expenditure"), ("finance", "tech_sme"), ("transfer", "tech_brokers"),
    ("transfer", "tech_contract_turnover"),
])
def test_every_family_moves_its_target(family, target):
    e = _effect(family)
    assert e["spend"] > 0, (family, e)
    assert e[target] > 0, f"{family} money does not raise {target}: {e}"


@pytest.mark.parametrize("family, target, per_yuan", [
    ("subsidy", "rd_expenditure", 2.0), ("voucher", "rd_expenditure", 2.0),
    ("voucher", "tech_contract_turnover", 7.0), ("award", "platforms", 1 / (50 * WAN)),
    ("equity", "rd_expenditure", 2.0), ("transfer", "tech_contract_turnover", 25.0),
])
def test_leverage_is_bounded(family, target, per_yuan):
    """The mean effect per yuan does not exceed the bound by more than two standard errors of the paired mean (a
    single replicate can: voucher money also acts through registration and HTE bunching, whose R&D varies from
    replicate to replicate — measured 0.2–3.6 R&D yuan per voucher yuan, mean 1.9 ± 0.4 over 8 replicates)."""
    d = _paired(family)
    ratio = d[target] / d["spend"]
    upper_noise = 2.0 * ratio.std(ddof=1) / np.sqrt(ratio.size)
    assert ratio.mean() - upper_noise <= per_yuan, (
        f"{family}: {target} {ratio.mean():.3g} ± {upper_noise:.2g} per yuan > {per_yuan:g}")
