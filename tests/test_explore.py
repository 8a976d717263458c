"""innosim explore without a browser: the assumption list matches model.parameters, a setting becomes a scenario
whose YAML reads back into it, and the page renders (solara.render) and drives one small paired run."""

from __future__ import annotations

import time

import pytest

from innosim.experiments.explore import settings
from innosim.experiments.explore.engine import cards, run_pair
from innosim.model.parameters import BY_NAME
from innosim.model.scenario_files import load_scenario_file
from tests.conftest import ROOT

BASELINE = ROOT / "scenarios" / "baseline.yaml"


def test_assumptions_are_declared_parameters():
    assert [p.name for p in settings.assumption_parameters()] == list(settings.ASSUMPTIONS)
    assert all(n in BY_NAME for n in settings.ASSUMPTIONS)
    with pytest.raises(KeyError, match="no_such_parameter"):
        settings.assumption_parameters(("p_register", "no_such_parameter"))


def test_setting_to_scenario_and_yaml_round_trip(tmp_path):
    loaded = settings.load(BASELINE)
    years = loaded.city.plan.years
    now = settings.family_budgets(loaded.scenario, years)
    assert settings.apply(loaded, settings.Setting()) is loaded.scenario  # nothing changed: the pair shares runs
    s = settings.Setting().with_budget("voucher", 2 * now["voucher"]).with_assumption("k_b", 0.4)
    scen = settings.apply(loaded, s)
    after = settings.family_budgets(scen, years)
    assert after["voucher"] == pytest.approx(2 * now["voucher"])  # 亿元/yr, mean over the plan years
    assert after["subsidy"] == pytest.approx(now["subsidy"])
    assert scen.assumptions["k_b"] == 0.4
    f = tmp_path / "x.yaml"
    f.write_text(settings.scenario_yaml(scen), encoding="utf-8")
    assert load_scenario_file(f).scenario.model_dump() == scen.model_dump()


def test_paired_run_cards():
    loaded = settings.load(BASELINE)
    scen = settings.apply(loaded, settings.Setting().with_budget("voucher", 3.0))
    out = run_pair(scen, loaded.scenario, loaded.city.plan, 2, 7, "prior")
    c = cards(out).set_index("indicator")
    assert list(c.index) == [*loaded.city.plan.targets, "all"]
    assert ((c["ci_low"] <= c["p_met"]) & (c["p_met"] <= c["ci_high"])).all()
    assert (c["dp_low"] <= c["dp_high"]).all()


def test_page_renders_and_runs(monkeypatch):
    solara = pytest.importorskip("solara")
    monkeypatch.setenv("INNOSIM_EXPLORE_PARAMS", "prior")
    monkeypatch.setenv("INNOSIM_EXPLORE_LANG", "en")
    from innosim.experiments.explore.page import Page

    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    import ipyvuetify as v

    sliders = rc.find(v.Slider).widgets
    assert len(sliders) == 1 + 6 + 5 + 1  # total, six families, five assumptions, replicates
    [reps] = [s for s in sliders if s.label.startswith("Replicates")]
    reps.v_model = 2
    rc.find(v.Btn, children=["Run"]).widget.click()

    def cards(cls="innosim-card"):
        return [c for c in rc.find(v.Card).widgets if cls in (c.class_ or "").split()]

    deadline = time.time() + 120
    while time.time() < deadline and not cards():
        time.sleep(0.5)
    assert len(cards()) == 6  # five targets and all five
    rc.find(v.Btn, children=["Keep for comparison"]).widget.click()
    assert len(cards("innosim-kept")) == 1
    rc.close()
