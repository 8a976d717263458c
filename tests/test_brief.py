"""``innosim brief``: every kind of results folder becomes charts (PNG 300 dpi + PDF), a self-contained HTML page
and a PDF; captions agree with the tables; Chinese renders with a real CJK font; bad input exits 2 cleanly."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader

from innosim.experiments.compare.command import CompareRequest, run_compare
from innosim.experiments.report import house_style, i18n
from innosim.experiments.report.brief import BriefRequest, make_brief
from innosim.experiments.report.captions import money_or_count
from innosim.experiments.runs.command import RunRequest, run_scenario
from innosim.experiments.sensitivity.command import SensitivityRequest, run_sensitivity
from innosim.experiments.sweep.command import SweepRequest, run_sweep
from tests.conftest import ROOT, city_plan, cli

BASE = str(ROOT / "scenarios" / "baseline.yaml")
CALIBRATION = ROOT / "calibration" / "posterior"
TARGETS = city_plan().targets


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """One small folder of every kind the briefing reads."""
    tmp = tmp_path_factory.mktemp("res")
    sweep = tmp / "budget.yaml"
    sweep.write_text(f"name: budget-tiny\nbase: {BASE}\nseed: 1\n"
                     "axes:\n  - {field: budget_scale, values: [0.5, 2.0]}\nruns: {draws: 4, replicates: 1}\n",
                     encoding="utf-8")
    return {
        "run": run_scenario(RunRequest(BASE, replicates=6, out=str(tmp / "run"), progress=False)),
        "compare": run_compare(CompareRequest((BASE, str(ROOT / "scenarios" / "budget_x2.yaml")), replicates=4,
                                              counterfactual=True, out=str(tmp / "cmp"), progress=False)),
        "sweep": run_sweep(SweepRequest(sweep, out=str(tmp / "sweep"), progress=False)),
        "sensitivity": run_sensitivity(SensitivityRequest(BASE, "morris", n=2, replicates=1, params="levers",
                                                          outputs="values", seed=1, out=str(tmp / "sens"),
                                                          progress=False)),
        "calibration": CALIBRATION,
    }


@pytest.fixture(scope="module")
def briefs(results, tmp_path_factory):
    out = tmp_path_factory.mktemp("brief")
    folders = [str(p) for p in results.values()]
    made = {}
    for lang in ("zh", "en"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            made[lang] = make_brief(BriefRequest(tuple(folders), lang, str(out / lang)))
        made[f"{lang}_warnings"] = [str(w.message) for w in caught]
    return made


def test_every_chart_in_png_300dpi_and_pdf(briefs):
    caps = pd.read_csv(briefs["zh"] / "captions.csv")
    kinds = {"probabilities", "fan_tech_enterprises", "mix_ranking", "budget_curve", "sensitivity", "calibration_fit"}
    for k in kinds:
        assert caps["chart"].str.contains(k).any(), k
    for rec in caps.to_dict("records"):
        png, pdf = briefs["zh"] / rec["png"], briefs["zh"] / rec["pdf"]
        assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-"
        with Image.open(png) as im:
            assert round(im.info["dpi"][0]) == 300
            assert im.size[0] >= 2400  # 8+ inches at 300 dpi: sharp on a slide


def test_chinese_renders_with_a_cjk_font_and_no_missing_glyphs(briefs):
    assert not [w for w in briefs["zh_warnings"] if "missing from font" in w]
    assert not [w for w in briefs["en_warnings"] if "missing from font" in w]
    html = (briefs["zh"] / "briefing.html").read_text(encoding="utf-8")
    words = ("科技型企业数量", "全社会研发经费", "省级以上科创平台", "技术合同成交额", "技术经纪人", "亿元",
             "假设与局限")
    for word in words:
        assert word in html, word
    # The chart PDFs embed the CJK font (not a fallback that would draw empty boxes).
    fonts = set()
    for page in PdfReader(briefs["zh"] / "probabilities.pdf").pages:
        for f in page["/Resources"]["/Font"].values():
            fonts.add(str(f.get_object()["/BaseFont"]))
    assert any("CJK" in f or "Han" in f or "WenQuanYi" in f for f in fonts), fonts


def test_every_text_has_both_languages():
    for key, texts in i18n.TEXT.items():
        assert set(texts) == set(i18n.LANGS), key
    for lang in i18n.LANGS:
        assert set(i18n.INDICATORS[lang]) == {*TARGETS, "all"}
    from innosim.model.parameters import PARAMETERS

    assert {p.name for p in PARAMETERS} <= set(i18n.PARAM_ZH)


def test_html_is_self_contained(briefs):
    for lang in ("zh", "en"):
        html = (briefs[lang] / "briefing.html").read_text(encoding="utf-8")
        assert not re.search(r"(?:src|href)\s*=\s*[\"'](?!data:)", html), "external reference"
        assert "http://" not in html and "https://" not in html and "<script" not in html
        srcs = re.findall(r"<img[^>]*src=\"([^\"]{0,30})", html)
        assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)


def test_pdf_has_text_pages_and_one_page_per_chart(briefs):
    for lang in ("zh", "en"):
        n_charts = len(pd.read_csv(briefs[lang] / "captions.csv"))
        pages = len(PdfReader(briefs[lang] / "briefing.pdf").pages)
        assert n_charts + 1 <= pages <= n_charts + 4


def test_fan_captions_match_the_tables(results, briefs):
    annual = pd.read_csv(results["run"] / "annual.csv")
    targets = pd.read_csv(results["run"] / "targets.csv").set_index("indicator")
    last = annual[annual["year"] == 2028]
    for lang in ("zh", "en"):
        caps = pd.read_csv(briefs[lang] / "captions.csv").set_index("chart")["caption"]
        for k in TARGETS:
            text = caps[f"1_run_fan_{k}"]
            v = last[k].to_numpy()
            for x in (np.median(v), np.quantile(v, 0.05), np.quantile(v, 0.95)):
                assert money_or_count(k, x) in text, (k, x, text)
            for col in ("p_met", "ci_low", "ci_high"):
                assert i18n.percent(targets.loc[k, col]) in text
            assert f"{TARGETS[k]:,.0f}" in text


def test_every_quoted_number_is_traced_to_a_file(results, briefs):
    cmp_table = pd.read_csv(results["compare"] / "comparison.csv")
    for lang in ("zh", "en"):
        caps = pd.read_csv(briefs[lang] / "captions.csv").set_index("chart")["caption"]
        nums = pd.read_csv(briefs[lang] / "numbers.csv", dtype=str)
        assert len(nums) > 20
        for rec in nums.to_dict("records"):
            assert rec["text"] in caps[rec["chart"]], rec
            assert Path(rec["file"]).is_file(), rec
        ranking = caps[[c for c in caps.index if c.endswith("mix_ranking")][0]]
        top = cmp_table.sort_values("targets_met_mean", ascending=False).iloc[0]
        assert f"{top['targets_met_mean']:.2f}" in ranking and f"{top['targets_met_high']:.2f}" in ranking


def test_limits_come_from_the_manifests(briefs):
    import json

    from innosim.calibration.posterior import SHIPPED

    html = (briefs["en"] / "briefing.html").read_text(encoding="utf-8")
    ess = json.loads((SHIPPED.parent / "manifest.json").read_text(encoding="utf-8"))["posterior_ess"]
    # The shipped posterior's own effective sample (whole vectors after ABC-MCMC moves) is quoted from its manifest.
    assert f"whole parameter vectors (effective sample {ess:.0f})" in html
    assert "counterfactual" in html and "seed 20240101" in html


def test_no_cjk_font_says_what_to_install(results, tmp_path, monkeypatch):
    monkeypatch.setattr(house_style, "CJK_FAMILIES", ())
    monkeypatch.setattr(house_style, "_bundled_font", lambda: None)
    with pytest.raises(house_style.NoCJKFont, match="mplfonts"):
        make_brief(BriefRequest((str(results["run"]),), "zh", str(tmp_path / "b")))
    assert not (tmp_path / "b").exists()


def test_bad_folders_exit_2(results, tmp_path):
    r = cli("brief", str(tmp_path), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "manifest.json" in r.stderr and "Traceback" not in r.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text((results["run"] / "manifest.json").read_text(encoding="utf-8"))
    r = cli("brief", str(broken), "--lang", "en", "--out", str(tmp_path / "o2"))
    assert r.returncode == 2 and "annual.csv" in r.stderr and not (tmp_path / "o2").exists()
