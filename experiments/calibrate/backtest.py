"""``innosim backtest``: calibrate on the figures through a year, then score the next year's published figures
with the posterior-predictive runs (whole parameter vectors from the posterior): inside the 50% / 90% interval,
interval score (Gneiting & Raftery 2007), absolute error of the median. Writes ``backtest.csv``,
``backtest.png`` and ``manifest.json``; the calibration itself is in ``calibration/`` inside the folder.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from innosim.calibration.predictive import score_table
from innosim.experiments.calibrate.command import CalibrateRequest, calibrate
from innosim.experiments.report.backtest_charts import backtest_chart
from innosim.experiments.runs.files import write_csv
from innosim.experiments.runs.folders import build_manifest, claim_existing, claim_out_dir, now, write_manifest
from innosim.model.errors import InputError
from innosim.model.scenario_files import load_scenario_file


def held_out(fit: pd.DataFrame, year: int) -> pd.DataFrame:
    """The fit table's figures not fitted whose period ends in ``year``."""
    last = fit["year"].astype(str).str.split("-").str[-1].astype(int)
    return fit[(~fit["fitted"].astype(bool)) & (last == year)]


def summary(scores: pd.DataFrame) -> dict:
    """Coverage, mean interval scores and median absolute error of the median, over the scored figures."""
    act = scores[scores["kind"] == "actual"]
    return {"figures_scored": int(len(scores)), "actual_figures": int(len(act)),
            "coverage_50": float(scores["within_50"].mean()) if len(scores) else np.nan,
            "coverage_90": float(scores["within_90"].mean()) if len(scores) else np.nan,
            "actual_coverage_90": float(act["within_90"].mean()) if len(act) else np.nan,
            "mean_interval_score_90_relative": float((scores["interval_score_90"] / scores["observed"]).mean()),
            "median_abs_error_of_median": float(scores["abs_error_median"].median()) if len(scores) else np.nan,
            "median_rel_error_of_median": float(scores["rel_error_median"].median()) if len(scores) else np.nan}


def backtest(req: CalibrateRequest) -> Path:
    """Calibrate through ``req.through`` into ``<folder>/calibration`` and score the figures of the next year."""
    started = now()
    if req.through is None:
        raise InputError("--through", "", "a backtest needs the last fitted year")
    source = load_scenario_file(req.scenario)
    claim = claim_existing(Path(req.out)) if req.resume and req.out else claim_out_dir(req.out, "backtest")
    try:
        folder = claim.final
        cal_dir = folder / "calibration"
        cal = calibrate(dataclasses.replace(req, out=str(cal_dir), ship=None,
                                            resume=req.resume and (cal_dir / "history.db").is_file()))
        fit = pd.read_csv(cal / "fit.csv", dtype={"year": str})
        year = req.through + 1
        scores = score_table(held_out(fit, year))
        if scores.empty:
            print(f"backtest: no published figure of {year} to score", file=sys.stderr)
        write_csv(scores, folder / "backtest.csv")
        chart = backtest_chart(scores, folder, year, lang=req.lang)
        write_manifest(folder, build_manifest("innosim backtest", started, req.seed, source.city.plan, {
            "scenario_file": req.scenario, "through": req.through, "scored_year": year,
            "calibration_folder": "calibration", "population_size": req.population, "generations": req.generations,
            "rejuvenate": req.rejuvenate, "moves": req.moves, "predictive_runs": req.predictive,
            "workers": req.workers, **summary(scores), "charts": [chart.name],
        }))
    except BaseException:
        claim.abandon()
        raise
    claim.release()
    return folder


def format_backtest(scores: pd.DataFrame) -> str:
    if scores.empty:
        return "no held-out figure"
    cols = ["indicator", "year", "period", "kind", "observed", "sim_median", "sim_p05", "sim_p95", "within_50",
            "within_90", "interval_score_90", "abs_error_median"]
    s = summary(scores)
    return (scores[cols].to_string(index=False, float_format=lambda v: f"{v:,.3g}")
            + f"\n\ninside 50%: {s['coverage_50']:.0%}  inside 90%: {s['coverage_90']:.0%}  median |error| of the "
            f"median: {s['median_abs_error_of_median']:,.3g} ({s['median_rel_error_of_median']:.1%} of the figure)")
