"""The one chart stack (experiments/report): every chart function renders in English and Chinese without missing
glyphs, writes the files its command expects (PNG at 300 dpi, PDF where the briefing needs it), leaves the global
matplotlib settings as it found them, and no module chooses the matplotlib backend."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from innosim.experiments.report import (
    calibration_charts,
    compare_charts,
    prim_chart,
    run_charts,
    sensitivity_charts,
    sweep_charts,
)
from innosim.experiments.report.calibration_words import PANELS
from innosim.model.calendar import FIRST_YEAR, LAST_YEAR
from tests.conftest import ROOT

REPORT = ROOT / "experiments" / "report"
TARGETS = {"tech_enterprises": 22000.0, "rd_expenditure": 800.0, "platforms": 200.0,
           "tech_contract_turnover": 1200.0, "tech_brokers": 3400.0}
YEARS = range(FIRST_YEAR, LAST_YEAR + 1)
RNG = np.random.default_rng(7)


def _annual() -> pd.DataFrame:
    rows = []
    for r in range(8):
        for i, y in enumerate(YEARS):
            rows.append({"replicate": r, "year": y, **{k: v * (0.4 + 0.08 * i) * RNG.uniform(0.9, 1.1)
                                                        for k, v in TARGETS.items()}})
    return pd.DataFrame(rows)


def _probs() -> pd.DataFrame:
    rows, point = [], 0
    for scale in (0.5, 1.0, 2.0):
        for eq in (0.15, 0.35):
            for t in (*TARGETS, "all"):
                p = min(1.0, 0.2 * scale + eq)
                rows.append({"point": point, "label": f"p{point}", "is_base": scale == 1.0 and eq == 0.15,
                             "budget_scale": scale, "mix.equity": eq, "budget_yi_per_year": 10 * scale, "target": t,
                             "p_met": p, "ci_low": max(0, p - 0.1), "ci_high": min(1, p + 0.1), "n": 20})
            point += 1
    return pd.DataFrame(rows)


def _indices(method: str) -> pd.DataFrame:
    params = ["alpha_constrained", "k_b", "lever.voucher", "p_pass"]
    outputs = [f"value.{k}" for k in TARGETS] + ["met.all"] + [f"value.tech_brokers.{y}" for y in YEARS]
    rows = []
    for o in outputs:
        for j, p in enumerate(params):
            v = 0.1 * (j + 1)
            rows.append({"output": o, "parameter": p, "S1": v / 2, "S1_conf": 0.02, "ST": v, "ST_conf": 0.03,
                         "mu_star": v * 10, "mu_star_conf": 0.5, "sigma": v * 5})
    frame = pd.DataFrame(rows)
    return frame.drop(columns=["mu_star", "mu_star_conf", "sigma"] if method == "sobol" else ["S1", "S1_conf"])


def _ts() -> pd.DataFrame:
    rows = []
    for r in range(5):
        for y in range(FIRST_YEAR, FIRST_YEAR + 4):
            for q in range(4):
                rows.append({"replicate": r, "year": y, "quarter": q,
                             **{k: RNG.uniform(50, 150) * (1 + y - FIRST_YEAR) for k in PANELS["en"]}})
    return pd.DataFrame(rows)


def _comparison() -> pd.DataFrame:
    rows = []
    for i, name in enumerate(["baseline", "no-new-policy", "混合方案"]):
        rec = {"scenario": name, "targets_met_mean": 1.0 + i, "targets_met_low": 0.5 + i, "targets_met_high": 1.4 + i}
        rec.update({f"p_{k}": 0.1 * (i + j) for j, k in enumerate(TARGETS)})
        rows.append(rec)
    return pd.DataFrame(rows)


def _prim_box():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        x = pd.DataFrame({"budget_scale": RNG.uniform(0.5, 2, 200), "k_b": RNG.uniform(0, 1, 200)})
        y = ((x["budget_scale"] > 1.2) & (x["k_b"] > 0.3)).to_numpy().astype(int)
        box = prim.Prim(x, y, threshold=0.8).find_box()
    return box, box.peeling_trajectory


def draw_everything(folder: Path, lang: str) -> list[Path]:
    """Every public chart function once, in ``lang``; returns the PNGs written."""
    t = {"lang": lang, "targets": TARGETS}
    ty = {**t, "target_year": 2028}
    annual, probs, box = _annual(), _probs(), _prim_box()
    fit = pd.read_csv(ROOT / "calibration" / "posterior" / "fit.csv")
    gens = pd.read_csv(ROOT / "calibration" / "posterior" / "generations.csv")
    post = pd.read_parquet(ROOT / "calibration" / "posterior" / "posterior.parquet").head(200)
    curve = probs[probs["mix.equity"] == 0.15]
    pngs = [*run_charts.fan_charts(annual, folder, "基准 baseline", **t),
            sweep_charts.budget_curve(probs, ["budget_scale", "mix.equity"], folder, "budget", **t),
            sweep_charts.heatmap(probs, "budget_scale", "mix.equity", ["budget_scale", "mix.equity"], "all", folder,
                                 "budget", **ty),
            calibration_charts.fit_chart(_ts(), folder, lang=lang),
            calibration_charts.marginals_chart(post, folder, lang=lang),
            calibration_charts.generations_chart(gens, folder, lang=lang),
            compare_charts.mix_ranking(_comparison(), folder, lang, stem="ranking", targets=TARGETS, target_year=2028),
            run_charts.fan(annual, "rd_expenditure", "baseline", folder, "b_fan", **t),
            sweep_charts.budget_curve_brief(curve, "budget", folder, "b_curve", **t),
            calibration_charts.fit_ratio_chart(fit, folder, "b_fit", lang=lang),
            sensitivity_charts.top_factors(_indices("sobol"), "sobol", "s", folder, "b_sens", target_year=2028, **t),
            compare_charts.probability_bars(pd.DataFrame([{"scenario": "baseline", "indicator": k, "p": 0.5,
                                                           "low": 0.4, "high": 0.6} for k in (*TARGETS, "all")]),
                                            folder, "b_probs", target_year=2028, **t),
            prim_chart.prim_box_chart(box[0], box[1], len(box[1]) - 1, "all", 30, 200, 0.8, folder, "budget",
                                      lang=lang)]
    sub = folder / "sobol"
    sub.mkdir()
    pngs += sensitivity_charts.charts(_indices("sobol"), "sobol", sub, "baseline", **ty)
    sub = folder / "morris"
    sub.mkdir()
    pngs += sensitivity_charts.charts(_indices("morris"), "morris", sub, "baseline", **ty)
    return pngs


@pytest.fixture(scope="module", params=["en", "zh"])
def drawn(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"charts_{request.param}")
    mpl.rcParams["font.size"] = 31  # a caller's (or a previous chart's) setting the charts must neither use nor undo
    before = dict(mpl.rcParams)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pngs = draw_everything(folder, request.param)
        after = dict(mpl.rcParams)
    finally:
        mpl.rcdefaults()
    return {"lang": request.param, "folder": folder, "pngs": pngs, "warnings": [str(w.message) for w in caught],
            "rc_before": before, "rc_after": after}


def test_no_missing_glyphs(drawn):
    missing = [w for w in drawn["warnings"] if "missing from" in w or "Glyph" in w]
    assert not missing, missing[:3]


def test_global_settings_left_as_found(drawn):
    changed = {k for k in drawn["rc_before"] if drawn["rc_before"][k] != drawn["rc_after"][k]}
    assert not changed, sorted(changed)


def test_command_charts_keep_their_file_names(drawn):
    f = drawn["folder"]
    names = {p.name for p in f.iterdir()}
    expected = {*(f"fan_{k}.png" for k in TARGETS), "budget_curve.png", "heatmap_all.png", "fit.png",
                "marginals.png", "generations.png", "ranking.png", "ranking.pdf", "discovery_all.png"}
    assert expected <= names
    # Command charts are PNG only (the manifests list every file); the briefing's also have a vector PDF.
    assert not {"fan_rd_expenditure.pdf", "budget_curve.pdf", "fit.pdf", "discovery_all.pdf"} & names
    assert {"b_fan.pdf", "b_curve.pdf", "b_fit.pdf", "b_sens.pdf", "b_probs.pdf"} <= names
    assert {p.name for p in (f / "sobol").iterdir()} == {"sobol_values.png", "sobol_met.png", "indices_by_year.png"}
    assert {p.name for p in (f / "morris").iterdir()} == {"morris_values.png", "morris_met.png",
                                                          "indices_by_year.png"}


def test_every_png_is_300_dpi(drawn):
    assert len(drawn["pngs"]) >= 20
    for png in drawn["pngs"]:
        assert png.is_file(), png
        with Image.open(png) as im:
            assert round(im.info["dpi"][0]) == 300, png.name


def test_targets_come_from_the_caller(tmp_path):
    """A plan with two targets: two fan charts, and panels for those two and 'all' only."""
    two = {"tech_brokers": 5000.0, "platforms": 250.0}
    pngs = run_charts.fan_charts(_annual(), tmp_path, "x", targets=two)
    assert sorted(p.name for p in pngs) == ["fan_platforms.png", "fan_tech_brokers.png"]
    assert sweep_charts.budget_curve(_probs(), ["budget_scale", "mix.equity"], tmp_path, "b", targets=two)


def test_no_module_chooses_the_backend():
    for path in sorted(REPORT.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "use":
                owner = node.func.value
                assert not (isinstance(owner, ast.Name) and owner.id in {"matplotlib", "mpl"}), path.name
