"""``innosim response``: a small batch (2 families, levels 0/1/2, 3 paired replicates, prior medians) writes its
files; level 1 is one shared point; level 0 of a family disburses nothing for it; the tables recompute from the
paired file; 1 and 2 workers give identical tables; bad lists exit 2 with one line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from innosim.experiments.cli import main
from innosim.experiments.response.command import n_points, parse_levels
from innosim.model.policy import budgets_yuan, family_members, with_levers
from innosim.model.scenario_files import load_scenario
from tests.conftest import ROOT, city_plan

BASE = str(ROOT / "scenarios" / "baseline.yaml")
PLAN = city_plan()
Y = PLAN.target_year
ARGS = ["response", BASE, "--families", "subsidy,voucher", "--levels", "0,1,2", "--replicates", "3",
        "--params", "prior", "--quiet"]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("resp") / "one"
    assert main([*ARGS, "--out", str(out)]) == 0
    return out


def test_writes_tables_charts_and_manifest(batch):
    for f in ("response.csv", "response_paired.parquet", "response_probability.png", "response_probability.pdf",
              "response_disbursed.png", "response_disbursed.pdf", "manifest.json"):
        assert (batch / f).is_file(), f
    for k in PLAN.targets:
        assert (batch / f"response_{k}.png").is_file() and (batch / f"response_{k}.pdf").is_file()
    t = pd.read_csv(batch / "response.csv")
    assert list(zip(t["family"], t["level"], strict=True)) == [("subsidy", 0), ("subsidy", 1), ("subsidy", 2),
                                                                ("voucher", 0), ("voucher", 1), ("voucher", 2)]
    for k in (*PLAN.targets, "all"):
        assert ((t[f"p_{k}_low"] <= t[f"p_{k}"] + 1e-12) & (t[f"p_{k}"] <= t[f"p_{k}_high"] + 1e-12)).all()
    for k in PLAN.targets:
        assert (t[f"{k}_{Y}_p05"] <= t[f"{k}_{Y}_median"]).all() and (t[f"{k}_{Y}_median"] <= t[f"{k}_{Y}_p95"]).all()
    m = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))
    assert m["command"] == "innosim response" and m["replicates"] == 3 and m["families"] == ["subsidy", "voucher"]
    assert m["runs"] == 3 * n_points(["subsidy", "voucher"], [0, 1, 2]) == 15
    assert sorted(m["files"]) == sorted(p.name for p in batch.iterdir())


def test_level_1_is_one_shared_point(batch):
    t = pd.read_csv(batch / "response.csv")
    one = t[t["level"] == 1]
    assert len(one) == 2 and (one["point"] == 0).all()
    # Every outcome number is identical across families (only the family's own money columns differ).
    outcome = [c for c in t.columns if c.startswith("p_") or c.startswith(tuple(PLAN.targets))]
    assert one[outcome].iloc[0].equals(one[outcome].iloc[1])
    assert (one[[f"{k}_{Y}_diff_{s}" for k in PLAN.targets for s in ("mean", "low", "high")]].to_numpy() == 0).all()
    assert (one[[f"p_{k}_diff" for k in (*PLAN.targets, "all")]].to_numpy() == 0).all()


def test_budgets_scale_and_level_0_disburses_nothing(batch):
    t = pd.read_csv(batch / "response.csv").set_index(["family", "level"])
    for fam in ("subsidy", "voucher"):
        base = t.loc[(fam, 1), "family_budget_yi_per_year"]
        assert base > 0
        assert t.loc[(fam, 2), "family_budget_yi_per_year"] == pytest.approx(2 * base, rel=1e-9)
        assert t.loc[(fam, 0), "family_budget_yi_per_year"] == 0
        assert t.loc[(fam, 0), "disbursed_yi_per_year"] == 0
        assert (t.loc[fam, "disbursed_yi_per_year"] <= t.loc[fam, "available_yi_per_year"] + 1e-9).all()
    assert t.loc[("subsidy", 2), "budget_multiplier"] > 1 > t.loc[("subsidy", 0), "budget_multiplier"]


def test_other_families_and_earlier_years_keep_the_scenario_budget():
    s = load_scenario(BASE)
    base, scaled = budgets_yuan(s), budgets_yuan(with_levers(s, {"voucher": 3.0}))
    first = s.policy.from_year
    voucher = set(family_members("voucher"))
    for k in base:
        for y in base[k]:
            want = base[k][y] * (3.0 if k in voucher and y >= first else 1.0)
            assert scaled[k][y] == pytest.approx(want, rel=1e-12, abs=0)


def test_tables_recompute_from_paired_file(batch):
    t = pd.read_csv(batch / "response.csv").set_index(["family", "level"])
    p = pd.read_parquet(batch / "response_paired.parquet")
    assert len(p) == 6 * 3
    k = "tech_enterprises"
    for (fam, lv), g in p.groupby(["family", "level"]):
        g = g.sort_values("run")
        base = p[(p["family"] == fam) & (p["level"] == 1)].sort_values("run")
        assert list(g["run"]) == list(base["run"]) == [0, 1, 2]  # paired by run
        assert t.loc[(fam, lv), f"{k}_{Y}_median"] == pytest.approx(np.median(g[k]), rel=1e-5)
        d = g[k].to_numpy() - base[k].to_numpy()
        assert t.loc[(fam, lv), f"{k}_{Y}_diff_mean"] == pytest.approx(d.mean(), rel=1e-5, abs=1e-9)
        assert t.loc[(fam, lv), "disbursed_yi_per_year"] == pytest.approx(g["disbursed_yi_per_year"].mean(),
                                                                            rel=1e-5, abs=1e-12)


def test_one_worker_equals_two(batch, tmp_path):
    out = tmp_path / "two"
    assert main([*ARGS, "--workers", "2", "--out", str(out)]) == 0
    assert (out / "response.csv").read_bytes() == (batch / "response.csv").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "response_paired.parquet"),
                                  pd.read_parquet(batch / "response_paired.parquet"))


@pytest.mark.parametrize("extra, fragment", [
    (["--families", "subsidy,grants"], "unknown family"),
    (["--families", ""], "--families"),
    (["--families", "voucher,voucher"], "given twice"),
    (["--levels", "0,-1"], "budget factor >= 0"),
    (["--levels", "0,abc"], "not a number"),
    (["--levels", ""], "--levels"),
    (["--levels", "1,2,2"], "given twice"),
    (["--levels", "0,nan"], "budget factor >= 0"),
    (["--replicates", "400000"], "--yes"),
])
def test_bad_input_exits_2(extra, fragment, capsys, tmp_path):
    out = tmp_path / "never"
    assert main(["response", BASE, "--params", "prior", "--quiet", "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and fragment in err, err
    assert not out.exists()


def test_levels_parse():
    assert parse_levels(" 0, 0.5,1 ,4") == (0.0, 0.5, 1.0, 4.0)
    assert n_points(["subsidy", "award", "voucher"], [0, 0.5, 1, 2]) == 1 + 3 * 3
    assert n_points(["subsidy"], [0, 2]) == 3  # level 1 is added: the reference every difference is against


def test_ctrl_c_message_says_nothing_was_written():
    from argparse import Namespace

    from innosim.experiments.runs.stopped import interrupted

    msg = interrupted(Namespace(command="response", out=None), ["response", BASE], 0.0)
    assert "nothing was written" in msg and "again" in msg


def test_level_1_run_k_is_innosim_run_replicate_k(batch):
    """Pairing: the shared point's run k is replicate k of ``innosim run --params prior`` with the same seed."""
    from innosim.experiments.runs.ensemble import Task, run_replicate, to_annual
    from innosim.model.parameters import prior_medians

    annual = to_annual(run_replicate(load_scenario(BASE), Task(1, prior_medians()), 20240101))
    last = annual[annual["year"] == Y].iloc[0]
    p = pd.read_parquet(batch / "response_paired.parquet")
    row = p[(p["level"] == 1) & (p["run"] == 1)].iloc[0]
    for k in PLAN.targets:
        assert row[k] == pytest.approx(float(last[k]), rel=1e-12)


def test_charts_draw_in_chinese(batch, tmp_path):
    from innosim.experiments.report.response_charts import disbursement_chart, probability_curves, value_curves

    t = pd.read_csv(batch / "response.csv")
    one = {"tech_enterprises": PLAN.targets["tech_enterprises"]}
    pngs = [*value_curves(t, tmp_path, "zh", targets=one, target_year=Y),
            probability_curves(t, tmp_path, "zh", targets=one, target_year=Y),
            disbursement_chart(t, tmp_path, "zh", targets=one, target_year=Y)]
    assert [p.name for p in pngs] == ["response_tech_enterprises.png", "response_probability.png",
                                      "response_disbursed.png"]
    assert all(p.with_suffix(".pdf").is_file() for p in pngs)
