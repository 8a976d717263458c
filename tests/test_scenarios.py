"""Every shipped scenario validates, says what it assumes, and runs."""

from __future__ import annotations

import numpy as np
import pytest

from innosim.model.policy import budgets_yuan
from innosim.model.scenario_files import load_scenario
from innosim.model.simulation import InnosimModel
from tests.conftest import SCENARIOS, cli

SHIPPED = sorted(p.name for p in SCENARIOS.glob("*.yaml"))
REQUIRED = {"baseline.yaml", "budget_x0p5.yaml", "budget_x1p5.yaml", "budget_x2.yaml", "mix_subsidy_heavy.yaml",
            "mix_voucher_heavy.yaml", "mix_equity_heavy.yaml"}


def test_required_scenarios_are_shipped():
    assert REQUIRED <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_scenario_validates_and_runs_four_quarters(name):
    text = (SCENARIOS / name).read_text(encoding="utf-8")
    assert text.lstrip().startswith("#"), "each scenario opens with a comment block saying what it assumes"
    assert cli("validate", f"scenarios/{name}").returncode == 0
    out = InnosimModel(load_scenario(SCENARIOS / name), seed=1).run(4)
    assert out["tech_enterprises"][3] > 0 and out["rd_expenditure"].sum() > 0


def test_mixes_keep_the_baseline_total():
    base = budgets_yuan(load_scenario(SCENARIOS / "baseline.yaml"))
    for name in ("mix_subsidy_heavy", "mix_voucher_heavy", "mix_equity_heavy"):
        mix = budgets_yuan(load_scenario(SCENARIOS / f"{name}.yaml"))
        for y in range(2021, 2029):
            assert np.isclose(sum(d[y] for d in mix.values()), sum(d[y] for d in base.values()))


def test_budget_scale_applies_from_2024():
    base = budgets_yuan(load_scenario(SCENARIOS / "baseline.yaml"))
    half = budgets_yuan(load_scenario(SCENARIOS / "budget_x0p5.yaml"))
    for k in base:
        assert half[k][2023] == base[k][2023]
        assert np.isclose(half[k][2026], 0.5 * base[k][2026])


def test_budgets_add_up_the_same_on_every_python():
    """Budgets add left to right (Python 3.11's float ``sum``), never with 3.12's compensated ``sum``, so mixed
    budgets and every result built on them are the same on both."""
    from innosim.model.policy import plain_sum

    values = [0.1] * 10 + [1e16, 1.0, -1e16]
    total = 0.0
    for v in values:
        total += v
    assert plain_sum(values) == total
    mixed = budgets_yuan(load_scenario(SCENARIOS / "mix_equity_heavy.yaml"))
    assert all(v == v and v >= 0 for d in mixed.values() for v in d.values())
