"""``innosim compare``: paired runs equal ``innosim run`` replicates, tables recompute from the stored runs,
deadweight arithmetic on hand-made traces, worker counts agree, and bad input exits 2 cleanly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from innosim.experiments.compare.command import CompareRequest, counterfactual_of, run_compare
from innosim.experiments.compare.worker import ACT, Trace, deadweight, firm_acts
from innosim.experiments.runs.command import RunRequest, run_scenario
from innosim.model.policy import budgets_yuan
from innosim.model.scenario_files import load_scenario
from tests.conftest import ROOT, city_plan, cli, write_scenario

BASE = str(ROOT / "scenarios" / "baseline.yaml")
VOUCHER = str(ROOT / "scenarios" / "mix_voucher_heavy.yaml")
REPS = 6
PLAN = city_plan()
TARGETS = PLAN.targets


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "c"
    run_compare(CompareRequest((BASE, VOUCHER), replicates=REPS, counterfactual=True, out=str(out), progress=False))
    return out


def test_writes_tables_and_chart(comparison):
    for f in ("comparison.csv", "cost_effectiveness.csv", "deadweight.csv", "runs.parquet", "ranking.png",
              "ranking.pdf", "manifest.json", "variance_split.csv"):
        assert (comparison / f).is_file(), f
    vs = pd.read_csv(comparison / "variance_split.csv")
    assert len(vs) == 3 * len(TARGETS) and vs["parameter_share"].between(0, 1).all()
    assert np.allclose(vs["parameter_share"] + vs["noise_share"], 1.0)
    t = pd.read_csv(comparison / "comparison.csv")
    assert list(t["scenario"]) == ["baseline", "mix_voucher_heavy", "no-new-policy"]
    for k in (*TARGETS, "all"):
        assert ((t[f"p_{k}_low"] <= t[f"p_{k}"] + 1e-12) & (t[f"p_{k}"] <= t[f"p_{k}_high"] + 1e-12)).all()
    for k in TARGETS:
        assert (t[f"{k}_2028_p05"] <= t[f"{k}_2028_median"]).all()
        assert (t[f"{k}_2028_median"] <= t[f"{k}_2028_p95"]).all()
    assert (t["spent_2024_2028_yi"] <= t["budget_2024_2028_yi"] + 1e-9).all()
    cf = t[t["scenario"] == "no-new-policy"].iloc[0]
    # No new money from 2024: what the counterfactual spends is only recycled 拨改投 proceeds.
    assert cf["budget_2024_2028_yi"] < 2.0
    assert (t["equity_returned_by_2028_yi"] >= 0).all() and (t["equity_expected_after_2028_yi"] >= 0).all()


def test_replicate_k_equals_innosim_run(comparison, tmp_path):
    """Pairing: replicate k of a compared scenario is replicate k of ``innosim run`` with the same seed."""
    folder = run_scenario(RunRequest(BASE, replicates=3, out=str(tmp_path / "r"), progress=False))
    annual = pd.read_csv(folder / "annual.csv")
    runs = pd.read_parquet(comparison / "runs.parquet").set_index("run")
    last = annual[annual["year"] == 2028].set_index("replicate")
    for k in range(3):
        for ind in TARGETS:
            assert runs.loc[k, f"s0.{ind}_2028"] == pytest.approx(last.loc[k, ind], rel=1e-9)


def test_cost_and_deadweight_recompute_from_runs(comparison):
    runs = pd.read_parquet(comparison / "runs.parquet")
    ce = pd.read_csv(comparison / "cost_effectiveness.csv")
    rec = ce[(ce["scenario"] == "baseline") & (ce["gain"] == "yi_turnover")].iloc[0]
    cost = (runs["s0.spent_2024_2028"] - runs["cf.spent_2024_2028"]) * 1e8
    gain = runs["s0.turnover_2024_2028"] - runs["cf.turnover_2024_2028"]
    assert rec["yuan_per_unit"] == pytest.approx(cost.mean() / gain.mean(), rel=1e-5)
    assert rec["yuan_per_unit_low"] <= rec["yuan_per_unit"] <= rec["yuan_per_unit_high"]
    dw = pd.read_csv(comparison / "deadweight.csv")
    for r in dw[dw["scenario"] == "mix_voucher_heavy"].dropna(subset=["deadweight_share"]).to_dict("records"):
        k = r["instrument"]
        assert r["deadweight_share"] == pytest.approx(runs[f"s1.dw.{k}"].sum() / runs[f"s1.dwpaid.{k}"].sum(),
                                                      rel=1e-5)
        assert 0.0 <= r["share_low"] <= r["deadweight_share"] <= r["share_high"] <= 1.0


def _trace(rd: dict[int, list[float]], hte: dict[int, list[bool]], payments) -> Trace:
    snap = {y: {"rd": np.array(rd[y], float), "hte": np.array(hte[y]), "survival": np.ones(len(rd[y]), bool),
                "vc_deal": np.zeros(len(rd[y]), bool)} for y in rd}
    z = np.zeros((1, 8))
    return Trace({}, z, z, ["x"], np.zeros(8), np.zeros(8), 0.0, 0.0, payments, snap, 50e4)


def test_deadweight_arithmetic():
    """Firm 0 raised R&D by the full grant, firm 1 not at all, firm 2 by half; HTE award to a firm that is HTE
    in the counterfactual anyway (deadweight) and to one that is not."""
    years = {2022: [0, 0, 0], 2023: [0, 0, 0], 2024: [100.0, 100.0, 100.0]}
    cf = _trace(years, {y: [False, True, False] for y in years}, [])
    pol_rd = {**years, 2024: [110.0, 100.0, 105.0]}
    pay = [("key_tech_grants", 2024, np.array([0, 1, 2]), np.array([10.0, 10.0, 10.0])),
           ("hte_award", 2024, np.array([1, 2]), np.array([4.0, 6.0]))]
    out = deadweight(_trace(pol_rd, {y: [False, True, True] for y in years}, pay), cf, PLAN.years)
    assert out["dwpaid.key_tech_grants"] * 1e8 == pytest.approx(30.0)
    assert out["dw.key_tech_grants"] * 1e8 == pytest.approx(0 + 10 + 5)
    assert out["dw.hte_award"] * 1e8 == pytest.approx(4.0)
    assert set(ACT) >= {"key_tech_grants", "hte_award", "vouchers", "equity"}


def test_firm_list_shares_the_rd_credit():
    """The targeted firm list pays into R&D like a grant: paid together with a grant to a firm whose R&D rose by
    half of what both paid, each carries half of its own payment as deadweight (left out of ``ACT``, the grant
    was credited with the list's share of the extra R&D and showed no deadweight)."""
    assert ACT["firm_list"] == "rd"
    years = {2022: [0.0], 2023: [0.0], 2024: [100.0]}
    hte = {y: [True] for y in years}
    cf = _trace(years, hte, [])
    pay = [("key_tech_grants", 2024, np.array([0]), np.array([10.0])),
           ("firm_list", 2024, np.array([0]), np.array([10.0]))]
    out = deadweight(_trace({**years, 2024: [110.0]}, hte, pay), cf, PLAN.years)
    assert out["dwpaid.firm_list"] * 1e8 == pytest.approx(10.0)
    assert out["dw.firm_list"] * 1e8 == pytest.approx(5.0)
    assert out["dw.key_tech_grants"] * 1e8 == pytest.approx(5.0)


def test_deadweight_counts_only_the_menu():
    """Only instruments on the city's menu get deadweight columns (and rows); None means every instrument."""
    assert firm_acts(None) == ACT
    menu = ["key_tech_grants", "firm_list", "visits", "platform_awards"]
    assert list(firm_acts(menu)) == ["key_tech_grants", "firm_list"]
    years = {2022: [0.0], 2023: [0.0], 2024: [100.0]}
    cf = _trace(years, {y: [True] for y in years}, [])
    out = deadweight(_trace(years, {y: [True] for y in years}, []), cf, PLAN.years, firm_acts(menu))
    assert set(out) == {"dwpaid.key_tech_grants", "dw.key_tech_grants", "dwpaid.firm_list", "dw.firm_list"}


def test_deadweight_rows_are_the_menu(comparison):
    """Qingdao's menu holds every firm-paid instrument but the firm list: no firm-list row or column."""
    menu = load_scenario(BASE).menu
    dw = pd.read_csv(comparison / "deadweight.csv")
    assert list(dw["instrument"].unique()) == list(firm_acts(menu))
    assert "firm_list" not in set(dw["instrument"])
    assert not any("firm_list" in c for c in pd.read_csv(comparison / "comparison.csv").columns)


def test_one_worker_equals_two(tmp_path):
    a = run_compare(CompareRequest((BASE,), replicates=4, counterfactual=True, out=str(tmp_path / "a"), progress=False))
    b = run_compare(CompareRequest((BASE,), replicates=4, counterfactual=True, out=str(tmp_path / "b"), workers=2,
                                   progress=False))
    for f in ("comparison.csv", "cost_effectiveness.csv", "deadweight.csv"):
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_counterfactual_definition():
    s = load_scenario(BASE)
    cf = counterfactual_of(s)
    b = budgets_yuan(cf)
    assert all(v == 0 for d in b.values() for y, v in d.items() if y >= 2024)
    assert all(b[k][y] == budgets_yuan(s)[k][y] for k in b for y in (2021, 2022, 2023))


def test_bad_input_exits_2(tmp_path):
    r = cli("compare", BASE, BASE, "--replicates", "2", "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "distinct names" in r.stderr and "Traceback" not in r.stderr
    other = write_scenario(tmp_path, f"extends: {BASE}\nname: other\nassumptions: {{p_pass: 0.8}}\n", "o.yaml")
    r = cli("compare", BASE, str(other), "--counterfactual", "--replicates", "2", "--out", str(tmp_path / "y"))
    assert r.returncode == 2 and "assumptions" in r.stderr and "Traceback" not in r.stderr
    r = cli("compare", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "z"))
    assert r.returncode == 2 and "missing.yaml" in r.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists() and not (tmp_path / "z").exists()
