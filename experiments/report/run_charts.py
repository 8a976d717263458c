"""Fan charts of the target indicators: median, 50% and 90% bands over replicates, observed points by kind,
and the 2028 target line. Charts read only the results tables."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from innosim.calibration.observed import points_for  # noqa: E402
from innosim.model.indicators import TARGETS  # noqa: E402

LABELS = {
    "tech_enterprises": ("Tech-based enterprises", "firms"),
    "rd_expenditure": ("Society-wide R&D expenditure", "100 million yuan (yi) / year"),
    "platforms": ("Provincial-and-above S&T platforms", "platforms"),
    "tech_contract_turnover": ("Technology-contract turnover", "100 million yuan (yi) / year"),
    "tech_brokers": ("Technology brokers", "persons"),
}
KIND_STYLE = {
    "actual": dict(marker="o", color="black", label="observed (actual)"),
    "partial": dict(marker="^", color="dimgray", label="observed (lower bound / partial)"),
    "implied_base": dict(marker="o", mfc="white", color="black", label="implied 2023 base (soft)"),
}


def fan_chart(annual: pd.DataFrame, indicator: str, out: Path, scenario_name: str) -> Path:
    """Write ``fan_<indicator>.png`` into ``out``; returns its path."""
    g = annual.groupby("year")[indicator]
    q = g.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    title, unit = LABELS[indicator]
    fig, ax = plt.subplots(figsize=(8, 4.8), dpi=150)
    ax.fill_between(q.index, q[0.05], q[0.95], color="tab:blue", alpha=0.18, label="90% band")
    ax.fill_between(q.index, q[0.25], q[0.75], color="tab:blue", alpha=0.35, label="50% band")
    ax.plot(q.index, q[0.5], color="tab:blue", lw=2, label="median")
    obs = points_for(indicator, range(2021, 2024))
    for kind, style in KIND_STYLE.items():
        pts = obs[obs["kind"] == kind]
        if len(pts):
            ax.plot(pts["year"], pts["value"], ls="none", ms=7, **style)
    target = TARGETS[indicator]
    ax.axhline(target, color="tab:red", ls="--", lw=1.5)
    ax.annotate(f"2028 target > {target:,.0f}", xy=(2028, target), xytext=(-4, 4), textcoords="offset points",
                ha="right", va="bottom", color="tab:red")
    ax.set_xlim(2020.7, 2028.3)
    ax.set_ylim(bottom=0, top=max(target, float(q[0.95].max())) * 1.12)
    ax.set_title(f"{title} — {scenario_name}")
    ax.set_xlabel("year")
    ax.set_ylabel(unit)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    fig.tight_layout()
    path = out / f"fan_{indicator}.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def fan_charts(annual: pd.DataFrame, out: Path, scenario_name: str) -> list[Path]:
    """One fan chart per target indicator."""
    return [fan_chart(annual, k, out, scenario_name) for k in TARGETS]
