"""A second city as data: every command runs on Tai'an's baseline (small), with no other city's name in any output;
a profile missing a required plan field is refused cleanly; no module names a city."""

from __future__ import annotations

import re

import pytest
import yaml

from innosim.model.city import load_city
from tests.conftest import ROOT, SCENARIOS, cli

TAIAN = SCENARIOS / "taian" / "baseline.yaml"
VARIANT = SCENARIOS / "taian" / "shuangbai_x3.yaml"
SWEEP = SCENARIOS / "sweeps" / "taian_budget.yaml"
PROFILES = sorted((SCENARIOS / "cities").glob("*.yaml"))


def city_words(profile) -> set[str]:
    """The names a city goes by: its profile's file stem, ``name`` and display names."""
    c = load_city(profile)
    return {profile.stem.lower(), c.name.lower(), c.names.en.lower(), c.names.zh}


OTHER_CITIES = set().union(*(city_words(p) for p in PROFILES if p.stem != "taian"))


def text_of(folder) -> str:
    """Every text a results folder holds (tables, manifests, HTML) plus the text of its PDFs."""
    parts = []
    for p in sorted(folder.rglob("*")):
        if p.suffix in (".csv", ".json", ".html", ".md", ".txt", ".yaml"):
            parts.append(p.read_text(encoding="utf-8", errors="replace"))
        elif p.suffix == ".pdf" and p.name.startswith("briefing"):
            from pypdf import PdfReader

            parts.append("".join(page.extract_text() or "" for page in PdfReader(p).pages))
    return "\n".join(parts)


def no_other_city(text: str) -> None:
    low = text.lower()
    found = [w for w in OTHER_CITIES if w in low]
    assert not found, f"another city named in Tai'an output: {found}"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """run, compare (with counterfactual), sweep and sensitivity on Tai'an, each as small as it can be."""
    tmp = tmp_path_factory.mktemp("taian")
    out = {k: tmp / k for k in ("run", "compare", "sweep", "sensitivity")}
    runs = {
        "run": cli("run", str(TAIAN), "--replicates", "2", "--out", str(out["run"])),
        "compare": cli("compare", str(TAIAN), str(VARIANT), "--replicates", "2", "--counterfactual", "--out",
                       str(out["compare"])),
        "sweep": cli("sweep", str(SWEEP), "--out", str(out["sweep"])),
        "sensitivity": cli("sensitivity", str(TAIAN), "--n", "2", "--replicates", "2", "--params",
                           "lever.subsidy,lever.transfer", "--out", str(out["sensitivity"]), "--yes"),
    }
    for name, r in runs.items():
        assert r.returncode == 0, (name, r.stderr[-2000:])
    return tmp, out, runs


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "sensitivity"])
def test_command_runs_on_taian_without_another_city(folders, command):
    _, out, runs = folders
    no_other_city(runs[command].stdout + runs[command].stderr)
    no_other_city(text_of(out[command]))


def test_run_charts_headline_indicators_without_target_lines(folders):
    _, out, runs = folders
    assert len(list(out["run"].glob("fan_*.png"))) == 5
    assert "none" in runs["run"].stdout  # no target in the plan: the summary says so
    assert (out["run"] / "observed.csv").read_text(encoding="utf-8").count("T01") >= 3


def test_sweep_and_compare_chart_projections_without_targets(folders):
    _, out, runs = folders
    for k in ("sweep", "compare"):
        assert (out[k] / "value_bands.png").is_file(), k
    assert "value_bands.png" in runs["sweep"].stdout


def test_compare_deadweight_rows_are_taian_menu(folders):
    """The deadweight table has a row for each firm-paid instrument Tai'an runs — the targeted firm list
    (创新50强) among them — and none for instruments it does not run (vouchers, 拨改投, …)."""
    import pandas as pd

    from innosim.experiments.compare.worker import ACT

    _, out, _ = folders
    menu = set(load_city(SCENARIOS / "cities" / "taian.yaml").instruments)
    dw = pd.read_csv(out["compare"] / "deadweight.csv")
    assert set(dw["instrument"]) == {k for k in ACT if k in menu}
    assert "firm_list" in set(dw["instrument"]) and "vouchers" not in set(dw["instrument"])
    assert (dw.loc[dw["instrument"] == "firm_list", "paid_to_firms_yi"] > 0).all()
    cols = pd.read_csv(out["compare"] / "comparison.csv").columns
    assert "deadweight_firm_list" in cols and "deadweight_vouchers" not in cols


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_brief_on_taian(folders, lang):
    tmp, out, _ = folders
    dest = tmp / f"brief_{lang}"
    r = cli("brief", str(out["run"]), str(out["compare"]), str(out["sweep"]), str(out["sensitivity"]),
            "--lang", lang, "--out", str(dest))
    assert r.returncode == 0, r.stderr[-2000:]
    html = (dest / "briefing.html").read_text(encoding="utf-8")
    assert ("泰安" if lang == "zh" else "Tai&#x27;an") in html
    no_other_city(r.stdout + r.stderr + text_of(dest))
    # No target: the compare and sweep folders are charted as projections (value bands), each with a caption
    # whose numbers are the folders' medians.
    from html import escape as html_escape

    import pandas as pd

    caps = pd.read_csv(dest / "captions.csv").set_index("chart")
    for stem in ("2_compare_value_bands", "3_sweep_value_bands"):
        assert stem in caps.index, list(caps.index)
        assert (dest / caps.loc[stem, "png"]).is_file() and (dest / caps.loc[stem, "pdf"]).is_file()
        assert ("规划未设定目标" if lang == "zh" else "The plan sets no target") in caps.loc[stem, "caption"]
        assert html_escape(caps.loc[stem, "caption"]) in html
    nums = pd.read_csv(dest / "numbers.csv", dtype=str)
    quoted = nums[nums["chart"].str.endswith("value_bands")]
    assert set(quoted["file"]) == {str(out["compare"] / "comparison.csv"), str(out["sweep"] / "indicators.csv")}
    for rec in quoted.to_dict("records"):
        assert rec["text"] in caps.loc[rec["chart"], "caption"]


def test_explore_engine_on_taian():
    from innosim.experiments.explore import settings
    from innosim.experiments.explore.charts import fan_pngs
    from innosim.experiments.explore.engine import cards, run_pair

    assert settings.shipped_scenarios()["taian/baseline"] == TAIAN
    loaded = settings.load(TAIAN)
    scen = settings.apply(loaded, settings.Setting().with_budget("transfer", 0.5))
    out = run_pair(scen, loaded.scenario, loaded.city.plan, 2, 7, "prior")
    c = cards(out).set_index("indicator")
    assert list(c.index) == list(loaded.city.plan.headline) and c["p_met"].isna().all()
    assert set(fan_pngs(out, "en", "x")) == set(loaded.city.plan.headline)


def _profile_without(tmp_path, drop: str):
    data = yaml.safe_load((SCENARIOS / "cities" / "taian.yaml").read_text(encoding="utf-8"))
    data["observed"] = str(ROOT / "calibration" / "data" / "taian_observed.csv")
    section, _, key = drop.partition(".")
    del data[section][key]
    prof = tmp_path / "city.yaml"
    prof.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    scen = tmp_path / "s.yaml"
    scen.write_text(f"name: s\ncity: {prof}\ninstruments: {{visits: {{budget: 0.05}}}}\n", encoding="utf-8")
    return scen


@pytest.mark.parametrize("drop,fragment", [("plan.target_year", "plan.target_year"),
                                           ("plan.targets", "plan.targets"),
                                           ("plan.no_target", "no target")])
def test_profile_missing_a_plan_field_exits_2(tmp_path, drop, fragment):
    r = cli("validate", str(_profile_without(tmp_path, drop)))
    assert r.returncode == 2, r.stdout + r.stderr
    err = r.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1 and err.startswith("innosim: error: "), err
    assert fragment in err and "city.yaml" in err, err


def test_no_module_names_a_city():
    """City and plan are data: no module outside the city profiles names a shipped city."""
    words = set().union(*(city_words(p) for p in PROFILES)) | {"tai'an"}
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words)), re.IGNORECASE)
    hits = []
    for pkg in ("model", "agents", "calibration", "experiments", "benchmarks"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            if "data" in path.relative_to(ROOT).parts:  # a city's published figures and their analysis are data
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:80]}")
    assert not hits, "\n".join(hits)


def test_transferred_posterior_check_on_a_run_folder(folders):
    from innosim.calibration.transfer import predictive_check

    _, out, _ = folders
    t = predictive_check(out["run"])
    assert set(t["indicator"]) == {"hte", "tech_sme"} and (t["runs"] == 2).all()
    assert {"published", "model_p05", "model_median", "model_p95", "consistent"} <= set(t.columns)
