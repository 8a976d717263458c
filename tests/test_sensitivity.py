"""Sensitivity analysis: the engine against analytic indices, the factor space, noise accounting, and
``innosim sensitivity`` end to end (backends agree, resume equals uninterrupted, bad input exits 2)."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest

from innosim.calibration.posterior import SHIPPED, load_posterior
from innosim.experiments.sensitivity.command import SensitivityRequest, diagnose, run_sensitivity
from innosim.experiments.sensitivity.engine import analyse_callable, design_size, noise_share, sample
from innosim.experiments.sensitivity.space import all_factors, posterior_ranges, problem, select
from innosim.model.calendar import YEARS
from innosim.model.instruments.registry import REGISTRY
from innosim.model.parameters import BY_NAME
from innosim.model.policy import budgets_yuan, with_levers
from tests.conftest import ROOT, city_plan, cli

BASELINE = ROOT / "scenarios" / "baseline.yaml"
FACTORS = all_factors(city_plan())


def ishigami(p: dict[str, float]) -> dict[str, float]:
    x1, x2, x3 = p["x1"], p["x2"], p["x3"]
    return {"y": math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3 ** 4 * math.sin(x1)}


def test_sobol_recovers_ishigami_indices():
    # Analytic indices of the Ishigami function (a = 7, b = 0.1; Saltelli et al. 2008, Global Sensitivity
    # Analysis: The Primer): S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437). Tolerance 0.05 at N = 2048.
    prob = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    idx = analyse_callable(ishigami, prob, "sobol", 2048, seed=11).set_index("parameter")
    assert idx["S1"].to_numpy() == pytest.approx([0.3139, 0.4424, 0.0], abs=0.05)
    assert idx["ST"].to_numpy() == pytest.approx([0.5576, 0.4424, 0.2437], abs=0.05)
    assert (idx["ST_conf"] < 0.1).all()


def test_sobol_groups_on_additive_function():
    # f = x1 + x2 + x3 on [0, 1]^3: each factor explains a third; the group {x1, x2} two thirds, no interactions.
    prob = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0, 1]] * 3, "groups": ["a", "a", "b"]}
    idx = analyse_callable(lambda p: {"y": p["x1"] + p["x2"] + p["x3"]}, prob, "sobol", 1024, seed=5)
    idx = idx.set_index("parameter")
    assert list(idx.index) == ["a", "b"]
    assert idx.loc["a", "S1"] == pytest.approx(2 / 3, abs=0.05) and idx.loc["b", "S1"] == pytest.approx(1 / 3, abs=0.05)
    assert idx.loc["a", "ST"] == pytest.approx(2 / 3, abs=0.05)


def test_morris_linear_function_exact():
    # For a linear function the elementary effect of x_i is its coefficient times its range, at every point:
    # mu* = |a_i| (high - low), sigma = 0.
    prob = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1], [0, 2], [5, 6]]}
    idx = analyse_callable(lambda p: {"y": 2 * p["a"] - 0.5 * p["b"]}, prob, "morris", 10, seed=3)
    idx = idx.set_index("parameter")
    assert idx["mu_star"].to_numpy() == pytest.approx([2.0, 1.0, 0.0], abs=1e-9)
    assert idx["mu"].to_numpy() == pytest.approx([2.0, -1.0, 0.0], abs=1e-9)
    assert idx["sigma"].to_numpy() == pytest.approx([0, 0, 0], abs=1e-9)


def test_design_sizes():
    prob = problem(select("hte,levers", FACTORS), grouped=False)
    d = prob["num_vars"]
    assert len(sample(prob, "morris", 3, 1)) == design_size(prob, "morris", 3) == 3 * (d + 1)
    assert len(sample(prob, "sobol", 8, 1)) == design_size(prob, "sobol", 8) == 8 * (2 * d + 2)
    gprob = problem(select("hte,levers", FACTORS), grouped=True)
    assert len(sample(gprob, "sobol", 8, 1, second_order=False)) == design_size(gprob, "sobol", 8, False) == 8 * 4


def test_noise_share_recovers_variance_components():
    # Between-point sd 2, replicate noise sd 1: noise share 1/5. 2,000 points × 4 replicates: ± 0.03.
    rng = np.random.default_rng(7)
    runs = rng.normal(0, 2, (2000, 1)) + rng.normal(0, 1, (2000, 4))
    assert noise_share(runs) == pytest.approx(0.2, abs=0.03)
    assert noise_share(np.ones((5, 3))) != noise_share(np.ones((5, 3)))  # NaN for a constant output
    assert math.isnan(noise_share(runs[:, :1]))


def test_diagnose_flags_noise_and_wide_intervals():
    idx = pd.DataFrame({"output": ["y", "y", "z", "z"], "parameter": ["a", "b", "a", "b"],
                        "mu_star": [1.0, 0.5, 2.0, 1.0], "mu_star_conf": [2.0, 0.1, 0.2, 0.1], "sigma": [0.1] * 4})
    noise = pd.DataFrame({"output": ["y", "z"], "noise_share": [0.8, 0.1]})
    w = diagnose(idx, noise, "morris", 10)
    assert set(zip(w["output"], w["problem"], strict=True)) == {("y", "noise"), ("y", "too few samples")}
    msg = w[w["problem"] == "too few samples"]["message"].iloc[0]
    assert "--n 160" in msg  # conf 2.0 → goal 0.5 (half of mu* 1.0): 10 × (2.0/0.5)² = 160


def test_factor_space_matches_declarations():
    factors = FACTORS
    assert factors[-1].unit == "× 2024-2028 budget of family transfer"
    params = [f for f in factors if not f.name.startswith("lever.")]
    assert len(params) == len(BY_NAME)
    for f in params:
        p = BY_NAME[f.name]
        assert (f.low, f.high, f.log, f.group) == (p.low, p.high, p.prior == "loguniform", p.group)
    assert {f.name for f in select("levers", FACTORS)} == {f"lever.{fam}" for fam in
                                                  ("subsidy", "award", "voucher", "equity", "finance", "transfer")}


def test_posterior_ranges_are_inside_the_priors():
    post = load_posterior(SHIPPED)
    narrowed = {f.name: f for f in posterior_ranges(FACTORS, post)}
    for name in post.names:
        p = BY_NAME[name]
        assert p.low <= narrowed[name].low < narrowed[name].high <= p.high


def test_levers_scale_family_budgets_from_2024(baseline):
    s = with_levers(baseline, {"voucher": 2.0, "subsidy": 0.5})
    b0, b = budgets_yuan(baseline), budgets_yuan(s)
    for key in REGISTRY:
        m = {"voucher": 2.0, "subsidy": 0.5}.get(REGISTRY[key].family, 1.0)
        for y in YEARS:
            assert b[key][y] == pytest.approx(b0[key][y] * (m if y >= 2024 else 1.0), rel=1e-12)
    same = budgets_yuan(with_levers(baseline, {}))
    assert all(same[k][y] == pytest.approx(b0[k][y], rel=1e-12) for k in REGISTRY for y in YEARS)


TINY = dict(method="morris", n=2, replicates=2, params="alpha_constrained,p_pass,lever.voucher", progress=False)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sa") / "out"
    return run_sensitivity(SensitivityRequest(BASELINE, out=str(out), workers=2, **TINY))


def test_sensitivity_run_writes_everything(tiny_run):
    for f in ["indices.csv", "noise.csv", "warnings.csv", "sample.csv", "outputs.parquet", "problem.json",
              "manifest.json", "morris_values.png", "morris_met.png"]:
        assert (tiny_run / f).is_file(), f
    idx = pd.read_csv(tiny_run / "indices.csv")
    assert {"output", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"} <= set(idx.columns)
    assert len(idx) == 11 * 3  # 5 values + 6 met outputs × 3 factors
    sample_df = pd.read_csv(tiny_run / "sample.csv")
    assert len(sample_df) == 2 * 4 and sample_df["lever.voucher"].between(0.5, 2.0).all()
    outputs = pd.read_parquet(tiny_run / "outputs.parquet")
    assert len(outputs) == 8 * 2 and set(outputs["met.all"]) <= {0.0, 1.0}
    man = json.loads((tiny_run / "manifest.json").read_text())
    assert man["runs"] == 16 and man["status"] == "complete"


def test_sensitivity_backends_and_resume_agree(tiny_run, tmp_path):
    serial = run_sensitivity(SensitivityRequest(BASELINE, out=str(tmp_path / "serial"), workers=1, **TINY))
    assert (serial / "indices.csv").read_bytes() == (tiny_run / "indices.csv").read_bytes()
    # Resume: drop most of the store, as if the batch had been killed, and continue.
    part = tmp_path / "resumed"
    shutil.copytree(serial, part)
    parts = sorted((part / "store").glob("part-*.parquet"))
    for p in parts:
        p.unlink()
    (part / "manifest.json").unlink()
    resumed = run_sensitivity(SensitivityRequest(BASELINE, out=str(part), workers=1, resume=True, **TINY))
    assert (resumed / "indices.csv").read_bytes() == (tiny_run / "indices.csv").read_bytes()
    assert json.loads((resumed / "manifest.json").read_text())["runs_this_session"] == 16


def test_sensitivity_dask_equals_processes(tiny_run, tmp_path):
    pytest.importorskip("distributed")
    d = run_sensitivity(SensitivityRequest(BASELINE, out=str(tmp_path / "dask"), workers=2, backend="dask", **TINY))
    assert (d / "indices.csv").read_bytes() == (tiny_run / "indices.csv").read_bytes()


@pytest.mark.parametrize("args,fragment", [
    (["--method", "sobol", "--n", "100"], "power of 2"),
    (["--params", "alpha_tiny"], "not a factor or group"),
    (["--params", "alpha_constrained"], "at least two factors"),
    (["--outputs", "value.happiness"], "unknown output"),
    (["--method", "anova"], "invalid choice"),
])
def test_sensitivity_bad_input_exit_2(args, fragment, tmp_path):
    r = cli("sensitivity", str(BASELINE), "--out", str(tmp_path / "o"), *args)
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()
