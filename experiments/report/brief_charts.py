"""The briefing's charts, in the house style, in English or Chinese: each is drawn from a results table passed in
(nothing here runs the model), writes ``<stem>.png`` (300 dpi) and ``<stem>.pdf`` into ``folder`` and returns
the PNG path. The drawing lives with each kind's charts (run_charts, sweep_charts …); this module is the
briefing's entry point to them, with the call shapes the briefing has always used."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from innosim.experiments.report import calibration_charts, compare_charts, run_charts, sensitivity_charts, sweep_charts
from innosim.experiments.report.calibration_charts import fit_label
from innosim.experiments.report.compare_charts import mix_ranking
from innosim.model.calendar import LAST_YEAR

__all__ = ["budget_curve", "calibration_fit", "fan", "fit_label", "mix_ranking", "probability_bars",
           "sensitivity_bars"]

Targets = Mapping[str, float] | None


def fan(annual: pd.DataFrame, indicator: str, scenario: str, lang: str, folder: Path, stem: str, *,
        targets: Targets = None) -> Path:
    """Fan chart of ``indicator`` (see ``run_charts.fan``)."""
    return run_charts.fan(annual, indicator, scenario, folder, stem, lang=lang, targets=targets)


def probability_bars(probs: pd.DataFrame, lang: str, folder: Path, stem: str, *, targets: Targets = None,
                     target_year: int = LAST_YEAR) -> Path:
    """P(met) per target and scenario (see ``compare_charts.probability_bars``)."""
    return compare_charts.probability_bars(probs, folder, stem, lang=lang, targets=targets, target_year=target_year)


def budget_curve(curve: pd.DataFrame, sweep: str, lang: str, folder: Path, stem: str, *,
                 targets: Targets = None) -> Path:
    """P(met) against the mean yearly budget, 亿元 (see ``sweep_charts.budget_curve_brief``)."""
    return sweep_charts.budget_curve_brief(curve, sweep, folder, stem, lang=lang, targets=targets)


def sensitivity_bars(indices: pd.DataFrame, method: str, name: str, lang: str, folder: Path, stem: str,
                     top: int = 6, *, targets: Targets = None, target_year: int = LAST_YEAR) -> Path:
    """Top factors per target indicator (see ``sensitivity_charts.top_factors``)."""
    return sensitivity_charts.top_factors(indices, method, name, folder, stem, lang=lang, targets=targets,
                                          target_year=target_year, top=top)


def calibration_fit(fit: pd.DataFrame, lang: str, folder: Path, stem: str, *, targets: Targets = None) -> Path:
    """Published figures against the 90% predictive interval (see ``calibration_charts.fit_ratio_chart``)."""
    return calibration_charts.fit_ratio_chart(fit, folder, stem, lang=lang, targets=targets)
