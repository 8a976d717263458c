"""Calibration: the observation model, the seeded sampler (same seed, same posterior, any workers), resuming,
identifiability on data the model itself generated, and the posterior that runs use."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from innosim.calibration import abc as A
from innosim.calibration.observation_model import Observation, distance, observations, statistic, used
from innosim.calibration.posterior import Posterior, load_posterior, replicate_parameters
from innosim.experiments.runs.executors import make_executor
from innosim.model.errors import InputError
from innosim.model.parameters import prior_medians


def test_every_row_classified_and_targets_never_used():
    obs = observations()
    assert len(obs) == len(pd.read_csv("calibration/data/qingdao_observed.csv"))
    assert not any(o.used for o in obs if o.kind == "target")
    assert all(o.reason for o in obs)
    by_key = {(o.key, o.kind): o for o in obs}
    assert by_key[("tech_contract_turnover/2022/year", "actual")].mode == "lower_bound"  # 突破395亿
    assert by_key[("tech_contract_turnover/2023/h1", "partial")].mode == "lower_bound"
    assert by_key[("hte_stock/2021/year_end", "actual")].mode == "two_sided"
    assert by_key[("rd_expenditure/2023/year", "implied_base")].sd == pytest.approx(100.0)


def test_published_figures_replace_implied_bases_and_later_years_stay_out_of_the_fit():
    by_key = {(o.key, o.kind): o for o in observations()}
    turnover = by_key[("tech_contract_turnover/2023/year", "actual")]  # 709.58亿 in 2024, +12.21%
    assert turnover.used and turnover.mode == "two_sided" and turnover.stat == "tech_contract_turnover:2023"
    assert ("tech_contract_turnover/2023/year", "implied_base") not in by_key
    for key in ("tech_brokers/2024/year_end", "tech_contract_turnover/2024/year"):
        assert not by_key[(key, "actual")].used
        assert "calibration window" in by_key[(key, "actual")].reason
    assert by_key[("tech_brokers/2024/year_end", "actual")].mode == "unused"
    assert by_key[("rd_expenditure_growth/2021-2024/average", "actual")].used  # spans into 2024 on purpose
    for key in ("hte_stock/2020/year_end", "tech_sme_registered/2020/year_end"):  # before the initial state
        assert not by_key[(key, "actual")].used


def test_distance_is_one_sided_for_lower_bounds():
    lb = Observation("x", "i", "2022", "year", "actual", 100.0, "S", "s", "lower_bound", 10.0, "")
    two = Observation("y", "i", "2022", "year", "actual", 50.0, "S", "s", "two_sided", 5.0, "")
    assert distance({"x": 130.0, "y": 50.0}, [lb, two]) == 0.0
    assert distance({"x": 80.0, "y": 60.0}, [lb, two]) == pytest.approx(np.sqrt(4.0 + 4.0))


def test_statistics_from_quarterly_arrays():
    q = np.arange(16, dtype=float)
    data = {"hte": q * 10, "tech_contract_turnover": np.full(16, 1e8), "rd_expenditure": np.full(16, 25e8)}
    assert statistic("hte@2021Q4", data, 300.0) == 30.0
    assert statistic("hte@2023Q2", data, 300.0) == 90.0
    assert statistic("tech_contract_turnover:2022", data, 300.0) == 4.0
    assert statistic("tech_contract_turnover:2022H1", data, 300.0) == 2.0
    assert statistic("rd_growth:2021-2024", data, 50.0) == pytest.approx((100 / 50) ** 0.25 - 1)


def _synthetic(baseline, truth, seed=99, replicates=1):
    """Statistics the model generates at ``truth``; with several replicates, their median (so a check tests
    identifiability rather than the luck of one realisation)."""
    obs = used()
    runs = [A.simulate_statistics(baseline, {**prior_medians(), **truth}, seed, r, obs) for r in range(replicates)]
    return obs, {k: float(np.median([r[k] for r in runs])) for k in runs[0]}


def _calibrate(baseline, names, fixed, obs, observed, tmp_path, workers=1, generations=2, population=20,
               resume=False, db="h.db", backend="processes", scheduler=None):
    with make_executor(backend, workers, scheduler) as ex:
        abc, obs_dict = A.build_abc(baseline, names, population, 7, ex.map, fixed=fixed, obs=obs, observed=observed)
        h = A.run_abc(abc, obs_dict, tmp_path / db, generations, resume, seed=7)
    return A.posterior_frame(h)


def test_same_seed_same_posterior_on_1_and_2_workers(baseline, tmp_path):
    truth = {"theta_sell": 0.3}
    obs, sim = _synthetic(baseline, truth)
    fixed = prior_medians()
    del fixed["theta_sell"]
    one = _calibrate(baseline, ["theta_sell"], fixed, obs, sim, tmp_path, db="a.db")
    again = _calibrate(baseline, ["theta_sell"], fixed, obs, sim, tmp_path, db="b.db")
    two = _calibrate(baseline, ["theta_sell"], fixed, obs, sim, tmp_path, workers=2, db="c.db")
    pd.testing.assert_frame_equal(one, again)
    pd.testing.assert_frame_equal(one, two)


def test_resume_continues_from_last_generation(baseline, tmp_path):
    obs, sim = _synthetic(baseline, {"theta_sell": 0.3})
    fixed = prior_medians()
    del fixed["theta_sell"]
    straight = _calibrate(baseline, ["theta_sell"], fixed, obs, sim, tmp_path, generations=2, db="s.db")
    _calibrate(baseline, ["theta_sell"], fixed, obs, sim, tmp_path, generations=1, db="r.db")
    resumed = _calibrate(baseline, ["theta_sell"], fixed, obs, sim, tmp_path, generations=2, resume=True, db="r.db")
    pd.testing.assert_frame_equal(straight, resumed)


def test_identifiability_recovers_known_parameters(baseline, tmp_path):
    """Data generated at known values; the 90% credible interval of each informed parameter covers the truth."""
    truth = {"theta_sell": 0.35, "p_register": 0.15, "h1_share": 0.3}
    obs, sim = _synthetic(baseline, truth, seed=123, replicates=5)
    fixed = {k: v for k, v in prior_medians().items() if k not in truth}
    post = _calibrate(baseline, list(truth), fixed, obs, sim, tmp_path, workers=2, generations=5, population=60)
    from innosim.calibration.identifiability import weighted_quantile

    for name, value in truth.items():
        x, w = post[name].to_numpy(), post["weight"].to_numpy()
        lo, hi = weighted_quantile(x, w, 0.05), weighted_quantile(x, w, 0.95)
        assert lo <= value <= hi, (name, value, lo, hi)
        prior = A.BY_NAME[name]
        assert hi - lo < 0.8 * (prior.high - prior.low), f"{name} not narrowed by the data"


def test_posterior_file_checks(tmp_path):
    bad = tmp_path / "p.parquet"
    pd.DataFrame({"theta_sell": [0.2], "nope": [1.0], "weight": [1.0]}).to_parquet(bad)
    with pytest.raises(InputError, match="nope"):
        load_posterior(bad)
    pd.DataFrame({"theta_sell": [5.0], "weight": [1.0]}).to_parquet(bad)
    with pytest.raises(InputError, match="outside the declared range"):
        load_posterior(bad)
    with pytest.raises(InputError, match="not found"):
        load_posterior(tmp_path / "missing.parquet")


def test_replicate_draws_are_paired_and_seeded():
    parts = pd.DataFrame({"theta_sell": [0.2, 0.3, 0.4, 0.5]})
    post = Posterior(path=None, particles=parts, weights=np.full(4, 0.25), sha256="x")  # type: ignore[arg-type]
    a = [replicate_parameters(post, 5, k) for k in range(12)]
    b = [replicate_parameters(post, 5, k) for k in range(12)]
    assert a == b
    assert len({i for i, _ in a}) > 1
    assert all(p["theta_sell"] == parts["theta_sell"][i] for i, p in a)
    assert all(set(p) == set(prior_medians()) for _, p in a)


def test_shipped_posterior_meets_the_quality_bar():
    """At least 80% of the 2021-2023 `actual` figures inside the shipped posterior's 90% predictive band."""
    from innosim.calibration.posterior import SHIPPED
    from innosim.calibration.predictive import actual_coverage, calibration_years
    from tests.conftest import city_plan

    post = load_posterior()
    assert set(post.names) <= set(A.BY_NAME) and len(post.weights) > 0
    fit = pd.read_csv(SHIPPED.parent / "fit.csv", dtype={"year": str})
    share, misses = actual_coverage(fit, calibration_years(city_plan().start_year))
    assert share >= 0.8, misses


def test_dask_cluster_gives_the_same_posterior(baseline, tmp_path):
    distributed = pytest.importorskip("distributed")
    obs, sim = _synthetic(baseline, {"theta_sell": 0.3})
    fixed = prior_medians()
    del fixed["theta_sell"]
    local = _calibrate(baseline, ["theta_sell"], fixed, obs, sim, tmp_path, generations=1, population=10, db="l.db")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        remote = _calibrate(baseline, ["theta_sell"], fixed, obs, sim, tmp_path, generations=1, population=10,
                            db="d.db", backend="dask", scheduler=lc.scheduler_address)
    pd.testing.assert_frame_equal(local, remote)


def test_calibrate_command_end_to_end(tmp_path):
    """`innosim calibrate` writes every promised file; a bad --resume is a clean exit-2 error."""
    from tests.conftest import cli

    out = tmp_path / "cal"
    r = cli("calibrate", "--params", "theta_sell,h1_share", "--population-size", "8", "--generations", "1",
            "--predictive", "3", "--out", str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    for name in ("posterior.parquet", "history.db", "generations.csv", "fit.csv", "observation_model.csv",
                 "manifest.json", "fit.png", "marginals.png", "generations.png"):
        assert (out / name).is_file(), name
    assert "t: 0" in r.stderr  # progress per generation
    assert set(load_posterior(out / "posterior.parquet").names) == {"theta_sell", "h1_share"}
    bad = cli("calibrate", "--resume", "--out", str(tmp_path / "nothing"))
    assert bad.returncode == 2 and "--resume" in bad.stderr and "Traceback" not in bad.stderr


def test_calibration_never_imports_experiments():
    """Calibration is a library below experiments: no module of it imports innosim.experiments."""
    import ast
    from pathlib import Path

    for path in Path("calibration").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.startswith("innosim.experiments") for n in names), path


def test_ship_goes_to_the_checkout_or_a_given_folder(tmp_path, monkeypatch):
    from innosim.experiments.calibrate import command

    assert command.ship_folder(None) is None
    assert command.ship_folder(str(tmp_path / "p")) == tmp_path / "p"
    assert command.ship_folder("") == command.SHIPPED.parent  # this test runs from a checkout
    installed = tmp_path / "lib" / "site-packages" / "innosim" / "calibration" / "posterior"
    installed.mkdir(parents=True)
    monkeypatch.setattr(command, "SHIPPED", installed / "posterior.parquet")
    with pytest.raises(InputError, match="--ship DIR"):
        command.ship_folder("")
