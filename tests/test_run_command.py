"""``innosim run`` end to end: the files, their columns, the manifest and the charts."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from innosim.experiments.runs.targets import target_table, wilson
from tests.conftest import city_plan, cli

ANNUAL_COLUMNS = ["replicate", "year", "tech_enterprises", "hte", "tech_sme", "rd_expenditure", "platforms",
                  "tech_contract_turnover", "tech_brokers"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "baseline"
    r = cli("run", "scenarios/baseline.yaml", "--replicates", "4", "--seed", "3", "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out, r


def test_outputs_exist_and_summary_printed(run_dir):
    out, r = run_dir
    for name in ("manifest.json", "timeseries.parquet", "annual.csv", "targets.csv", "ledger.csv",
                 "variance_split.csv"):
        assert (out / name).is_file(), name
    assert len(list(out.glob("fan_*.png"))) == 5
    assert "P(met)" in r.stdout and "tech_brokers" in r.stdout and str(out) in r.stdout
    assert "replicates" in r.stderr  # the progress bar


def test_tables(run_dir):
    out, _ = run_dir
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 4 * 32 and ts["quarter"].iloc[0] == "2021Q1" and ts["quarter"].iloc[-1] == "2028Q4"
    annual = pd.read_csv(out / "annual.csv")
    assert set(ANNUAL_COLUMNS) <= set(annual.columns)
    assert any(c.startswith("spend_") for c in annual.columns)
    assert len(annual) == 4 * 8
    targets = pd.read_csv(out / "targets.csv")
    assert list(targets.columns) == ["indicator", "target", "p_met", "ci_low", "ci_high", "n", "deff"]
    assert list(targets["indicator"]) == ["tech_enterprises", "rd_expenditure", "platforms",
                                          "tech_contract_turnover", "tech_brokers", "all"]
    plan = city_plan()
    pd.testing.assert_frame_equal(targets, target_table(annual, plan.targets, plan.target_year), check_exact=False,
                                  atol=1e-6)
    # Yearly flows are the sum of the quarters; stocks are the year-end quarter.
    r0 = ts[(ts.replicate == 0) & (ts.year == 2023)]
    a0 = annual[(annual.replicate == 0) & (annual.year == 2023)].iloc[0]
    assert abs(r0["rd_expenditure"].sum() - a0["rd_expenditure"]) < 1e-4
    assert r0["hte"].iloc[-1] == a0["hte"]


def test_ledger_reports_unspent_and_matches_spending(run_dir):
    out, _ = run_dir
    led = pd.read_csv(out / "ledger.csv")
    annual = pd.read_csv(out / "annual.csv")
    assert (led["spent"] <= led["budget"] + 1e-9).all() and (led["unspent"] >= -1e-9).all()
    assert ((led["budget"] - led["spent"] - led["unspent"]).abs() < 1e-9).all()
    spent = led.groupby(["replicate", "year", "instrument"])["spent"].sum().unstack()
    for k in spent.columns:
        got = annual.set_index(["replicate", "year"])[f"spend_{k}"]
        assert (abs(got - spent[k]) < 1e-5).all(), k
    eq = led[led.instrument == "equity"]
    assert (eq["recycled"].iloc[1:].to_numpy() >= 0).all()


def test_manifest(run_dir):
    out, _ = run_dir
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for key in ("scenario_file", "scenario_sha256", "resolved_config", "seed", "replicates", "parameter_source",
                "packages", "git_commit", "started", "finished"):
        assert key in m, key
    assert m["seed"] == 3 and m["replicates"] == 4 and "posterior" in m["parameter_source"]
    assert m["posterior_file"].endswith("posterior.parquet") and len(m["posterior_sha256"]) == 64
    assert m["packages"]["mesa"].startswith("3.")
    annual = pd.read_csv(out / "annual.csv")
    draws = annual.groupby("replicate")["draw"].first()
    assert (draws >= 0).all() and list(draws) == m["draws"]


def test_prior_medians_on_request(tmp_path):
    out = tmp_path / "prior"
    r = cli("run", "scenarios/baseline.yaml", "--replicates", "2", "--params", "prior", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["parameter_source"] == "prior medians" and m["posterior_file"] is None
    assert (pd.read_csv(out / "annual.csv")["draw"] == -1).all()


def test_bad_posterior_file_is_a_clean_error(tmp_path):
    bad = tmp_path / "p.parquet"
    bad.write_text("not parquet")
    r = cli("run", "scenarios/baseline.yaml", "--replicates", "1", "--params", str(bad), "--quiet",
            "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "p.parquet" in r.stderr and "Traceback" not in r.stderr


def test_default_folder_never_overwrites(tmp_path):
    from tests.conftest import ROOT

    base = tmp_path
    scen = str(ROOT / "scenarios" / "baseline.yaml")
    r1 = cli("run", scen, "--replicates", "1", "--quiet", cwd=base)
    r2 = cli("run", scen, "--replicates", "1", "--quiet", cwd=base)
    assert r1.returncode == 0 and r2.returncode == 0, (r1.stderr, r2.stderr)
    assert (base / "results" / "baseline" / "manifest.json").is_file()
    assert (base / "results" / "baseline-2" / "manifest.json").is_file()


def test_wilson_against_hand_computed():
    # k=8, n=10: centre (8 + 1.92)/13.84, half-width 1.96*sqrt(1.6+0.96)/13.84
    lo, hi = wilson(8, 10)
    assert abs(lo - 0.4902) < 1e-3 and abs(hi - 0.9433) < 1e-3
    lo, hi = wilson(0, 20)
    assert lo == 0.0 and abs(hi - 0.1611) < 1e-3


def test_streamed_replicates_equal_the_whole_ensemble(tmp_path, baseline):
    """``innosim run`` writes replicates as they finish: ledger, annual and target tables are byte-identical to
    writing the whole ensemble at once, and ``timeseries.parquet`` reads back as the same table, in row groups of
    ``GROUP_REPLICATES`` whole replicates (so at most that many are held)."""
    import pyarrow.parquet as pq

    from innosim.experiments.runs import ensemble
    from innosim.experiments.runs.command import parameter_sets
    from innosim.experiments.runs.ensemble import ReplicateWriter, ordered_ensemble, run_ensemble, to_annual
    from innosim.experiments.runs.executors import make_executor
    from innosim.experiments.runs.folders import write_tables

    tasks, _ = parameter_sets("posterior", 5, 5)
    plan = city_plan()
    whole, streamed = tmp_path / "whole", tmp_path / "streamed"
    whole.mkdir()
    streamed.mkdir()
    with make_executor("processes", 1) as ex:
        ts, ledger = run_ensemble(baseline, tasks, 5, ex, quarters=12)
    ledger.to_csv(whole / "ledger.csv", index=False, float_format="%.8f")
    annual = to_annual(ts)
    write_tables(whole, ts, annual, target_table(annual, plan.targets, plan.target_year))
    ensemble.GROUP_REPLICATES, old = 2, ensemble.GROUP_REPLICATES  # several row groups, the last one short
    try:
        with make_executor("processes", 2) as ex, ReplicateWriter(streamed) as out:
            for t, led in ordered_ensemble(baseline, list(reversed(tasks)), 5, ex, quarters=12):
                out.add(t, led)
                assert len(out.held) < 2
    finally:
        ensemble.GROUP_REPLICATES = old
    a = out.annual_table()
    a.to_csv(streamed / "annual.csv", index=False, float_format="%.6f")
    target_table(a, plan.targets, plan.target_year).to_csv(streamed / "targets.csv", index=False,
                                                          float_format="%.6f")
    for name in ("annual.csv", "ledger.csv", "targets.csv"):
        assert (whole / name).read_bytes() == (streamed / name).read_bytes(), name
    back = pd.read_parquet(streamed / "timeseries.parquet")
    pd.testing.assert_frame_equal(back, pd.read_parquet(whole / "timeseries.parquet"), check_exact=True)
    assert back.equals(ts)
    groups = pq.ParquetFile(streamed / "timeseries.parquet").metadata
    assert [groups.row_group(i).num_rows for i in range(groups.num_row_groups)] == [24, 24, 12]
