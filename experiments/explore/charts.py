"""The page's charts, drawn with the house style (Chinese with the CJK font): fan charts against the targets with
the observed points (``experiments.report.run_charts.fan``) and spending per instrument against its budget."""

from __future__ import annotations

import inspect
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the page draws off screen, in worker threads
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from innosim.calibration.observed import load_observed  # noqa: E402
from innosim.experiments.explore.engine import Outcome  # noqa: E402
from innosim.experiments.explore.words import w  # noqa: E402
from innosim.experiments.report import i18n  # noqa: E402
from innosim.experiments.report.house_style import BLUE, GREY, save, style  # noqa: E402
from innosim.experiments.report.run_charts import fan  # noqa: E402
from innosim.model.city import load_city  # noqa: E402


def fan_pngs(out: Outcome, lang: str, label: str) -> dict[str, bytes]:
    """PNG bytes of the fan chart of each target indicator (median, 50%/90% bands, observed points, target)."""
    observed = load_observed(Path(load_city(out.scenario.city).observed))  # the scenario's own city
    kw = {"lang": lang, "targets": out.plan.targets, "pdf": False, "observed": observed}
    if "target_year" in inspect.signature(fan).parameters:
        kw["target_year"] = out.plan.target_year
    with tempfile.TemporaryDirectory(prefix="innosim-explore-") as tmp:
        return {k: fan(out.annual, k, label, Path(tmp), f"fan_{k}", **kw).read_bytes() for k in out.plan.headline}


def spending_png(spend: pd.DataFrame, lang: str) -> bytes:
    """Horizontal bars: each instrument's mean yearly budget and money disbursed over the plan years (亿元/yr)."""
    names = [i18n.INSTRUMENT[lang].get(k, k) for k in spend["instrument"]]
    y = range(len(names))
    with style(lang), tempfile.TemporaryDirectory(prefix="innosim-explore-") as tmp:
        fig, ax = plt.subplots(figsize=(10, 0.42 * len(names) + 1.4))
        ax.barh([v + 0.2 for v in y], spend["budget"], height=0.4, color=GREY, alpha=0.5,
                label=i18n.t("resp_planned", lang))
        ax.barh([v - 0.2 for v in y], spend["spent"], height=0.4, color=BLUE, label=i18n.t("resp_disbursed", lang))
        ax.set_yticks(list(y))
        ax.set_yticklabels(names)
        ax.invert_yaxis()
        ax.set_xlabel(i18n.t("resp_money_axis", lang))
        ax.set_title(w("spending", lang), loc="left")
        ax.legend(loc="lower right")
        return save(fig, Path(tmp), "spending", pdf=False).read_bytes()
