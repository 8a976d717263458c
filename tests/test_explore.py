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


# ---- slider helpers: each slider is given its value on its own grid, and a value equal to it is no move

# (low, high, step) of the page's sliders: total budget, a family budget, two assumptions (step = range / 50)
RANGES = [(0.0, 19.8, 0.5), (0.0, 2.0, 0.1), (0.1, 0.9, 0.016), (0.1, 0.6, 0.01)]


def _page():
    pytest.importorskip("solara")
    from innosim.experiments.explore import page

    return page


@pytest.mark.parametrize("low,high,step", RANGES)
def test_on_grid_keeps_values_on_the_grid(low, high, step):
    on_grid = _page().on_grid
    decimals = len(f"{step:g}".partition(".")[2])
    for k in range(int((high - low) / step + 1e-9) + 1):  # every grid value up to high
        v = round(low + k * step, decimals)
        assert on_grid(v, low, high, step) == v, v


def test_on_grid_rounds_off_grid_values_as_the_slider_does():
    """Vuetify: round((v - low % step) / step) * step + low % step, to the step's decimals, clamped."""
    on_grid = _page().on_grid
    assert on_grid(0.2375, 0.1, 0.6, 0.01) == 0.24  # theta_sell in Tai'an's baseline
    assert on_grid(0.26, 0.0, 2.0, 0.1) == 0.3
    assert on_grid(1.04, 0.0, 2.0, 0.1) == 1.0
    assert on_grid(1.15, 0.0, 2.0, 0.1) == 1.1  # 1.15 is 1.1499… in binary, as in the browser
    assert on_grid(0.35, 0.1, 0.9, 0.016) == 0.356  # the grid starts at low, not at 0
    # out of range: clamped; a maximum off the grid is itself the top value
    assert on_grid(-1.0, 0.0, 2.0, 0.1) == 0.0
    assert on_grid(5.0, 0.1, 0.6, 0.01) == 0.6
    assert on_grid(19.9, 0.0, 19.8, 0.5) == 19.8


def test_on_grid_ties_round_up_not_to_even():
    """Math.round in the browser takes a half up; Python's round would take 0.25 / 0.5 = 0.5 to 0 and 1.25 to 1.0."""
    on_grid = _page().on_grid
    assert on_grid(0.25, 0.0, 2.0, 0.5) == 0.5
    assert on_grid(0.75, 0.0, 2.0, 0.5) == 1.0
    assert on_grid(1.25, 0.0, 2.0, 0.5) == 1.5
    assert on_grid(0.2, 0.1, 0.9, 0.2) == 0.3  # half-way from low's grid


@pytest.mark.parametrize("low,high,step", RANGES)
def test_on_grid_is_its_own_fixed_point(low, high, step):
    """A value the page gives is one the slider keeps: rounding it again sends nothing back."""
    import numpy as np

    on_grid = _page().on_grid
    for v in np.random.default_rng(3).uniform(low - step, high + step, 500):
        g = on_grid(float(v), low, high, step)
        assert low <= g <= high and on_grid(g, low, high, step) == g, (v, g)


def test_echo_is_the_value_given_and_nothing_else():
    import numpy as np

    echo = _page().echo
    assert echo(0.24, 0.24) and echo(np.float64(0.24), 0.24)
    assert echo(1, 1.0)  # the browser sends a whole number as an int
    assert echo(0.24 + 1e-12, 0.24)  # float noise in the round trip
    assert not echo(0.25, 0.24) and not echo(0.24 + 0.01, 0.24)  # one step is a move
    assert not echo(0.2375, 0.24)  # the raw scenario value is not what the slider was given


# ---- assumption slider labels

def test_param_labels_read_as_words():
    from innosim.experiments.explore.words import param_label
    from innosim.experiments.report import i18n

    for n in settings.ASSUMPTIONS:
        en = param_label(n, "en")
        assert en != n and "_" not in en and en[0].isupper(), en
        assert en.lower() in BY_NAME[n].description.lower()  # the description's words, nothing invented
        assert param_label(n, "zh") == i18n.PARAM_ZH[n]
    assert param_label("k_b", "en") == "Broker matching capacity"
    assert param_label("no_such_parameter", "en") == "no_such_parameter"


def test_param_label_in_chinese_falls_back_to_the_description(monkeypatch):
    from innosim.experiments.explore.words import param_label
    from innosim.experiments.report import i18n

    monkeypatch.delitem(i18n.PARAM_ZH, "k_b")
    assert param_label("k_b", "zh") == "Broker matching capacity"


def test_taian_sliders_on_their_grid_with_readable_labels(monkeypatch):
    """Tai'an's baseline on the page: every slider holds a value on its own grid (the browser has nothing to round
    and send back), and the assumption sliders are named in words, in English and after switching to Chinese."""
    solara = pytest.importorskip("solara")
    monkeypatch.setenv("INNOSIM_EXPLORE_PARAMS", "prior")
    monkeypatch.setenv("INNOSIM_EXPLORE_LANG", "en")
    import ipyvuetify as v

    from innosim.experiments.explore.page import Page, on_grid
    from innosim.experiments.explore.words import param_label
    from innosim.experiments.report import i18n

    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        [select] = [s for s in rc.find(v.Select).widgets if s.label == "Scenario"]
        select.v_model = "taian/baseline"
        for lang in ("en", "zh"):
            sliders = rc.find(v.Slider).widgets
            labels = [s.label for s in sliders]
            assert not any(t.startswith(i18n.FAMILY[lang]["voucher"]) for t in labels)  # Tai'an runs none
            for s in sliders:
                if s.step is not None and float(s.step) > 0 and not isinstance(s.v_model, int):
                    assert on_grid(float(s.v_model), float(s.min), float(s.max), float(s.step)) == s.v_model, s.label
            for n in settings.ASSUMPTIONS:
                assert any(t.startswith(f"{param_label(n, lang)} ") for t in labels), (n, labels)
                assert not any(t.startswith(f"{n} ") for t in labels), labels
            [btn] = [b for b in rc.find(v.Btn).widgets if "innosim-lang" in (b.class_ or "").split()]
            btn.click()
    finally:
        rc.close()
