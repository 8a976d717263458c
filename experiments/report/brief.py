"""``innosim brief``: charts, a self-contained ``briefing.html`` and ``briefing.pdf`` from results folders only.

Nothing is simulated here. Every number shown comes from a table in one of the folders given (or, for the
observed points on the fan charts, from the published figures shipped in ``calibration/data``); ``numbers.csv``
lists each number a caption quotes with its file and column, ``captions.csv`` each caption. Target values and
years come from each folder's manifest (its ``plan`` block), so the briefing names the plan it was made for.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from innosim.experiments.report import (
    calibration_charts,
    compare_charts,
    i18n,
    run_charts,
    sensitivity_charts,
    sweep_charts,
    value_charts,
)
from innosim.experiments.report import captions as cap
from innosim.experiments.report.brief_limits import limits
from innosim.experiments.report.brief_tables import band_frame, budget_curve_frame, cost_rows, target_rows
from innosim.experiments.report.document import Chart, write_html, write_pdf
from innosim.experiments.report.house_style import apply, style
from innosim.experiments.report.plan import PlanView, required
from innosim.experiments.report.sources import Source, load_source
from innosim.experiments.runs.folders import claim_out_dir, git_commit, now, package_versions, write_manifest
from innosim.model.errors import InputError

RESULTS = Path("results") / "briefings"


@dataclass(frozen=True)
class BriefRequest:
    """What ``innosim brief`` is asked for: results folders (``sources``), the language ('en' or 'zh') and the
    briefing folder (``out``; None: a new folder under results/briefings)."""

    sources: tuple[str, ...]
    lang: str = "zh"
    out: str | None = None


def briefing_plan(sources: list[Source]) -> PlanView:
    """The plan the briefing is about: that of the first folder whose manifest names one."""
    plan = next((s.stated_plan for s in sources if s.stated_plan is not None), None)
    return required(plan, sources[0].folder)


def doc_title(plan: PlanView, lang: str) -> str:
    """The briefing's title, naming the plan and its target year."""
    key = "doc_title_plan" if plan.targets else "doc_title_none"
    return i18n.t(key, lang, title=plan.title_in(lang), year=plan.target_year)


def make_brief(req: BriefRequest) -> Path:
    """Write the briefing ``req`` asks for; returns the briefing folder."""
    if req.lang not in i18n.LANGS:
        raise InputError("--lang", req.lang, f"must be one of {', '.join(i18n.LANGS)}")
    apply(req.lang)  # fails early, before anything is written, when Chinese has no font
    sources = [load_source(f) for f in req.sources]
    if not sources:
        raise InputError("results", "", "give at least one results folder")
    # Claimed before drawing (two briefs never share a folder); built in a staging folder inside it and moved up
    # with manifest.json last, so a killed brief never leaves a folder that looks finished. Left with an error,
    # the claim removes the staging folder (and the folder, if it created it).
    with claim_out_dir(req.out, req.lang, base=RESULTS, tag="brief") as claim:
        stage = claim.staging()
        with style(req.lang):  # the briefing's text pages are drawn in the same font as its charts
            _build(sources, req.lang, stage)
        return claim.publish()


def _build(sources: list[Source], lang: str, stage: Path) -> None:
    items: list[Chart] = []
    numbers: list[dict] = []
    plan = briefing_plan(sources)

    def add(stem: str, png: Path, c: cap.Caption) -> None:
        items.append(Chart(stem, png, c.text))
        numbers.extend({"chart": stem, **n} for n in c.numbers)

    table, probs = target_rows(sources, lang, plan)
    if not probs.empty:
        png = compare_charts.probability_bars(probs, stage, "probabilities", lang=lang, targets=plan.targets,
                                              target_year=plan.target_year)
        add("probabilities", png,
            cap.probabilities(probs, lang))
    for i, s in enumerate(sources):
        tag = f"{i + 1}_{s.kind}"
        own = plan if s.kind == "calibration" else s.plan  # a calibration is judged against no target
        targets, year = own.targets, own.target_year
        if s.kind == "run":
            for k in own.headline:
                stem = f"{tag}_fan_{k}"
                png = run_charts.fan(s.tables["annual.csv"], k, cap.scenario_label(s.name, lang), stage, stem,
                                     lang=lang, targets=targets, observed=s.observed())
                add(stem, png, cap.fan(s.tables["annual.csv"], s.tables["targets.csv"], k, lang,
                                       s.path("annual.csv"), s.path("targets.csv"), plan_targets=targets, year=year))
        elif s.kind == "compare" and targets:  # ranked by targets met: nothing to rank without targets
            t = s.tables["comparison.csv"].copy()
            t["scenario"] = [cap.scenario_label(x, lang) for x in t["scenario"]]
            add(f"{tag}_mix_ranking", compare_charts.mix_ranking(t, stage, lang, stem=f"{tag}_mix_ranking",
                                                                 targets=targets, target_year=year),
                cap.mix_ranking(s.tables["comparison.csv"], lang, s.path("comparison.csv")))
        elif s.kind == "sweep" and targets:
            curve = budget_curve_frame(s)
            if curve is not None:
                stem = f"{tag}_budget_curve"
                add(stem, sweep_charts.budget_curve_brief(curve, s.name, stage, stem, lang=lang, targets=targets),
                    cap.budget_curve(curve, lang, s.path("probabilities.csv"), plan_targets=targets))
        elif s.kind in ("compare", "sweep"):  # no target: each scenario's / point's projections, no target line
            bands = band_frame(s, own, lang)
            if bands is not None:
                stem = f"{tag}_value_bands"
                add(stem, value_charts.value_bands(bands, stage, stem, lang=lang, indicators=own.headline,
                                                   target_year=year),
                    cap.value_bands(bands, lang, year))
        elif s.kind == "sensitivity":
            method = s.manifest.get("method", "morris")
            stem = f"{tag}_sensitivity"
            shown = dict.fromkeys(own.headline, 0.0)  # the indicators charted (with or without a target)
            add(stem, sensitivity_charts.top_factors(s.tables["indices.csv"], method, s.name, stage, stem, lang=lang,
                                                  targets=shown, target_year=year),
                cap.sensitivity(s.tables["indices.csv"], method, lang, s.path("indices.csv"), plan_targets=shown,
                                year=year))
        elif s.kind == "calibration":
            stem = f"{tag}_calibration_fit"
            add(stem, calibration_charts.fit_ratio_chart(s.tables["fit.csv"], stage, stem, lang=lang),
                cap.calibration(s.tables["fit.csv"], lang, s.path("fit.csv")))
    prob_title = i18n.t("prob_title" if plan.targets else "proj_title", lang, year=plan.target_year)
    tables = [(prob_title, table)] if not table.empty else []
    costs = cost_rows(sources, lang)
    if not costs.empty:
        tables.append((i18n.t("col_cost", lang), costs))
    lim = limits(sources, lang, plan)
    srcs = [f"{s.folder} ({s.manifest.get('command')}, {str(s.manifest.get('finished', ''))[:19]})" for s in sources]
    generated = now()[:16].replace("T", " ")
    title = doc_title(plan, lang)
    write_html(stage / "briefing.html", lang, generated, tables, items, lim, srcs, title=title)
    scratch = stage / ".scratch"
    scratch.mkdir()
    write_pdf(stage / "briefing.pdf", lang, generated, tables, items, lim, srcs, scratch, title=title)
    shutil.rmtree(scratch)
    pd.DataFrame([{"chart": c.stem, "png": c.png.name, "pdf": c.png.with_suffix(".pdf").name, "caption": c.caption}
                  for c in items]).to_csv(stage / "captions.csv", index=False)
    pd.DataFrame(numbers, columns=["chart", "text", "file", "column", "row"]).to_csv(stage / "numbers.csv", index=False)
    for name, frame in tables:
        frame.to_csv(stage / ("key_numbers.csv" if name == prob_title else "cost_per_unit.csv"), index=False)
    write_manifest(stage, {
        "command": "innosim brief", "lang": lang, "sources": [str(s.folder) for s in sources],
        "source_kinds": [s.kind for s in sources], "charts": [c.png.name for c in items],
        "packages": package_versions(), "git_commit": git_commit(), "finished": now(),
        "files": sorted(p.name for p in stage.iterdir()) + ["manifest.json"],
    })
