"""Virtual experiments (issue 12, ``experiments/validation``), fast versions: few replicates on full-size runs.

Each published result is asserted at prior medians with the tolerance the full version uses (``Measured.passed``:
the 90% interval of the estimate — replicate mean ± 1.645·sd/√n, or pooled share ± 1.645·binomial SE — meets the
published range; a one-sided claim needs the whole interval above its bound). Each experiment is also shown to
respond to the primitive behind it (a response test), with a margin of several standard errors stated in its message.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from innosim.experiments.validation import Measured, facts, grant_lottery, notch, parameter_sets, voucher_lottery
from innosim.experiments.validation.__main__ import main
from innosim.experiments.validation.facts import hill
from innosim.experiments.validation.grants import paired_coin
from innosim.experiments.validation.notch import excess_mass
from innosim.experiments.validation.vouchers import additional_share

REPS = 3
GRANT_REPS = 24


def sets(**overrides: float) -> list[dict[str, float]]:
    return parameter_sets(REPS, overrides=overrides or None)


def by_name(rows: list[Measured], start: str) -> Measured:
    return next(r for r in rows if r.name.startswith(start))


def msg(r: Measured) -> str:
    pub = r.published
    return (f"{r.experiment}: {r.name} = {r.value:.3f} ± {r.half_width:.3f} (90%, n={r.replicates}); published "
            f"{pub.text if pub else '-'} [{pub.low if pub else '-'}, {pub.high if pub else '-'}]")


@pytest.fixture(scope="module")
def notch_medians() -> list[Measured]:
    return notch(sets())


@pytest.fixture(scope="module")
def grants_medians() -> list[Measured]:
    # Large firms' R&D is noisy at the firm level: the lottery needs more replicates than the other experiments.
    return grant_lottery(parameter_sets(GRANT_REPS))


@pytest.fixture(scope="module")
def facts_medians() -> list[Measured]:
    return facts(sets())


# --- the estimators on known inputs ----------------------------------------------------------------------------

def test_estimators_on_known_inputs():
    """Additional share from counts; Hill on a Pareto(1) sample (± 0.1); excess mass; the pair-matched coin."""
    share, se = additional_share((1000, 1000, 1000, 200))
    assert share == pytest.approx(0.8) and 0 < se < 0.02
    x = np.random.default_rng(1).pareto(1.0, 200_000) + 1.0
    assert hill(x) == pytest.approx(1.0, abs=0.1)
    assert excess_mass(np.array([10, 30, 10])) == pytest.approx(2.0)
    small = np.array([True, True, True, False, False, False, False])
    won, pair = paired_coin(small, np.arange(7.0), np.random.default_rng(0))
    for p in range(pair.max() + 1):
        assert won[pair == p].sum() == 1, "each matched pair has exactly one winner"
        assert len(set(small[pair == p])) == 1, "pairs never mix size classes"


# --- (a) voucher lottery ---------------------------------------------------------------------------------------

def test_voucher_lottery_reproduces_cornet():
    """≈ 0.8 of vouchers additional (Cornet et al. 2006), accepted 0.7–0.9 (pooled share ± 1.645 SE)."""
    r = voucher_lottery(sets())
    assert r.extra["p_buy_win"] == pytest.approx(1.0), "a winner always buys (the voucher price tipped it)"
    assert r.passed, msg(r)


def test_voucher_additionality_falls_when_needs_are_worth_more():
    """svc_mu −1.2 → −0.3 (needs worth more relative to the fee): more losers buy anyway, so the additional share
    falls — by more than 0.1 and more than 4 pooled SEs."""
    lo, hi = voucher_lottery(sets(svc_mu=-1.2)), voucher_lottery(sets(svc_mu=-0.3))
    gap = lo.value - hi.value
    assert gap > max(0.1, 4 * float(np.hypot(lo.se, hi.se))), f"{msg(lo)} vs {msg(hi)}"


# --- (b) InnoCom notch -----------------------------------------------------------------------------------------

def test_relabel_share_reproduces_chen(notch_medians):
    """≈ 24% of the bunchers' reported R&D rise is relabelling (Chen et al. 2021), accepted 0.14–0.34."""
    r = by_name(notch_medians, "relabelled")
    assert r.passed, msg(r)


def test_relabel_share_rises_when_audits_are_weaker():
    """kappa_audit 5.0 → 1.2 (the prior's ends; cheaper relabelling): the relabelled share rises by more than 0.2."""
    strict, lax = (by_name(notch(sets(kappa_audit=k)), "relabelled") for k in (5.0, 1.2))
    assert lax.value - strict.value > 0.2 + strict.half_width + lax.half_width, f"{msg(strict)} vs {msg(lax)}"


def test_bunching_mass_at_each_threshold(notch_medians):
    """Excess mass in [thr, thr + 0.25pp) over its neighbours > 0 at 3%, 4% and 5% (whole 90% interval above 0)."""
    rows = [r for r in notch_medians if r.name.startswith("excess")]
    assert all(r.passed for r in rows), "; ".join(msg(r) for r in rows)


# --- (c) grant lottery -----------------------------------------------------------------------------------------

def test_grant_lottery_in_meta_analytic_range(grants_medians):
    """Extra own R&D per grant yuan in 0.166–0.252 (Correa et al. 2013; 90% interval of the replicate mean)."""
    r = by_name(grants_medians, "extra own R&D per grant yuan, all")
    assert r.passed, msg(r)


def test_grant_lottery_small_firms_above_large(grants_medians):
    """Small firms (revenue < 2,000万) gain more own R&D per grant yuan than large ones (interval above 0)."""
    r = by_name(grants_medians, "small minus large")
    assert r.passed, msg(r)


def test_small_firm_additionality_falls_with_alpha_constrained(grants_medians):
    """alpha_constrained 0.6 (median) → 0.2: small firms' extra own R&D per grant yuan falls by more than 0.1 and
    more than both 90% half-widths together."""
    med = by_name(grants_medians, "… small")
    low = by_name(grant_lottery(parameter_sets(GRANT_REPS, overrides={"alpha_constrained": 0.2})), "… small")
    assert med.value - low.value > max(0.1, med.half_width + low.half_width), f"{msg(med)} vs {msg(low)}"


# --- (d) stylised facts ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("start", ["revenue tail", "Subbotin", "age of peak", "young-firm share, lowest",
                                   "young-firm share, highest"])
def test_stylised_facts(facts_medians, start):
    """Zipf-like tail 0.8–1.2; Subbotin shape ≤ 1.2; hazard peak at ages 2–4; young share 0.4–0.6 every year."""
    r = by_name(facts_medians, start)
    assert r.passed, msg(r)


def test_young_share_responds_to_entry(facts_medians):
    """entry_rate 0.08 → 0.22 (median 0.15 in between): the lowest yearly young-firm share rises by more than 0.1
    at each step."""
    low = by_name(facts(sets(entry_rate=0.08)), "young-firm share, lowest")
    med = by_name(facts_medians, "young-firm share, lowest")
    high = by_name(facts(sets(entry_rate=0.22)), "young-firm share, lowest")
    assert med.value - low.value > 0.1 and high.value - med.value > 0.05, f"{msg(low)}; {msg(med)}; {msg(high)}"


# --- the full version's command ----------------------------------------------------------------------------------

def test_command_prints_table_and_json(tmp_path, capsys):
    """One replicate: a markdown table with every experiment, the same table in --out, JSON on the last line."""
    out = tmp_path / "v.md"
    main(["--replicates", "1", "--out", str(out)])
    text = capsys.readouterr().out.strip().splitlines()
    doc = json.loads(text[-1])
    assert {r["experiment"][:3] for r in doc["results"]} == {"(a)", "(b)", "(c)", "(d)"}
    assert doc["parameters"] == "prior medians" and doc["replicates"] == 1
    assert "| experiment |" in out.read_text(encoding="utf-8")
