"""The technology-contract registry (agents.registry): registered turnover = deals × the registered share; the
documented drive ramps it; shocks start only after the fitted years; brokers hire on deals."""

from __future__ import annotations

import numpy as np
import pytest

from innosim.agents.registry import Registry, quarter_index
from innosim.model.calendar import index
from innosim.model.city import RegistryDrive
from innosim.model.parameters import resolve
from innosim.model.run import run_one
from innosim.model.scenario_files import load_scenario_file

DRIVE = RegistryDrive(first_quarter="2022Q2", full_quarter="2023Q4", evidence="test")


def test_drive_ramps_linearly_in_logs_to_its_full_size_and_stays():
    reg, p = Registry(DRIVE, shocks_from=2024), {"reg_drive": 0.35, "reg_shock_sd": 0.2}
    shares = [reg.share(q, p) for q in range(index(2021, 1), index(2024, 4) + 1)]
    logs = np.log(shares)
    assert np.all(logs[: quarter_index("2022Q2")] == 0.0)  # before the drive: the initial year's share
    assert logs[quarter_index("2022Q2")] == pytest.approx(0.35 / 7)
    assert logs[quarter_index("2023Q4")] == pytest.approx(0.35)
    assert np.all(np.diff(logs) >= 0)
    assert np.all(logs[quarter_index("2023Q4"):] == pytest.approx(0.35))
    assert Registry(None, 2024).share(10, p) == 1.0  # a city without a documented drive


def test_shocks_only_from_the_first_unfitted_year_with_the_stated_sd():
    # 4,000 independent registries: after five yearly steps of SD 0.25 the log share has SD 0.25·√5 = 0.559; the
    # sample SD's standard error is 0.559/√8000 ≈ 0.006, so ±0.03 is five standard errors.
    p = {"reg_drive": 0.0, "reg_shock_sd": 0.25}
    logs, before = [], []
    for k in range(4000):
        reg, rng = Registry(None, shocks_from=2024), np.random.default_rng(k)
        for year in range(2021, 2029):
            reg.start_year(year, p, rng)
            if year == 2023:
                before.append(reg.share(index(2023, 4), p))
        logs.append(np.log(reg.share(index(2028, 4), p)))
    assert set(before) == {1.0}
    assert np.std(logs) == pytest.approx(0.25 * np.sqrt(5), abs=0.03)
    assert abs(np.mean(logs)) < 0.03  # median-preserving: a step is as likely down as up


def _run(params: dict, replicate: int, through: int | None = None) -> dict[str, np.ndarray]:
    sc = load_scenario_file("scenarios/baseline.yaml").scenario
    if through is not None:
        sc = sc.model_copy(update={"fitted_through": through})
    return run_one(sc, resolve(params), 7, replicate, quarters=20).quarterly


@pytest.fixture(scope="module")
def runs():
    p = {"reg_drive": 0.4, "reg_shock_sd": 0.3}
    return {"fit23": [_run(p, k) for k in range(3)], "fit22": [_run(p, k, through=2022) for k in range(3)],
            "nodrive": _run({"reg_drive": 0.0, "reg_shock_sd": 0.3}, 0)}


def test_registered_turnover_is_deals_times_the_share(runs):
    for r in runs["fit23"]:
        ratio = r["tech_contract_turnover"] / r["contract_deals"]
        assert np.allclose(ratio[: quarter_index("2022Q2")], 1.0, rtol=1e-12)
        assert ratio[quarter_index("2023Q4")] == pytest.approx(np.exp(0.4), rel=1e-12)
    ratio = runs["nodrive"]["tech_contract_turnover"] / runs["nodrive"]["contract_deals"]
    assert np.allclose(ratio[: index(2023, 4) + 1], 1.0, rtol=1e-12)


def test_fitted_years_carry_no_registry_shock_and_the_next_year_does(runs):
    q23, q24 = index(2023, 2), index(2024, 2)
    ratios23 = {float(r["tech_contract_turnover"][q23] / r["contract_deals"][q23]) for r in runs["fit23"]}
    assert len({round(x, 12) for x in ratios23}) == 1  # same share in every replicate: no shock before 2024
    ratios24 = [float(r["tech_contract_turnover"][q24] / r["contract_deals"][q24]) for r in runs["fit23"]]
    assert len({round(x, 12) for x in ratios24}) == 3
    # fitted through 2022 (the backtest): 2023 is already drawn
    ratios = [float(r["tech_contract_turnover"][q23] / r["contract_deals"][q23]) for r in runs["fit22"]]
    assert len({round(x, 12) for x in ratios}) == 3


def test_the_registry_does_not_change_the_deals_brokers_are_hired_for(runs):
    # Deals, brokers and everything else are identical until the first transfer rewards paid on a registered total
    # the drive has raised (Q2 2023 pays on 2022's turnover).
    a, b = runs["fit23"][0], runs["nodrive"]
    upto = index(2023, 1) + 1
    for key in ("contract_deals", "tech_brokers", "tech_enterprises", "rd_expenditure"):
        assert np.array_equal(a[key][:upto], b[key][:upto]), key
    assert not np.array_equal(a["tech_contract_turnover"][:upto], b["tech_contract_turnover"][:upto])
