"""Calibration charts: observed points against posterior-predictive bands, marginal posteriors against priors,
epsilon and effective sample size per generation. They read only the calibration's result tables."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from innosim.calibration.observed import OBSERVED_NAME, points_for  # noqa: E402
from innosim.model.parameters import BY_NAME  # noqa: E402

PANELS = [("hte", "HTE stock", "firms"), ("tech_sme", "Registered tech SMEs (running total)", "firms"),
          ("tech_enterprises", "Tech-based enterprises", "firms"),
          ("rd_expenditure", "R&D expenditure", "100m yuan / yr"),
          ("tech_contract_turnover", "Technology-contract turnover", "100m yuan / yr"),
          ("tech_brokers", "Technology brokers", "persons"), ("platforms", "Prov.-and-above platforms", "platforms"),
          ("national_key_labs", "National key labs", "labs"), ("listed_hte", "Listed HTEs", "firms")]
def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


STOCK = {"hte", "tech_sme", "tech_enterprises", "tech_brokers", "platforms", "national_key_labs", "listed_hte"}


def fit_chart(ts: pd.DataFrame, out: Path) -> Path:
    """Yearly posterior-predictive bands 2021-2024 with every observed point 2019-2024 (by kind)."""
    fig, axes = plt.subplots(3, 3, figsize=(14, 11), dpi=130)
    for ax, (name, title, unit) in zip(axes.flat, PANELS, strict=True):
        g = ts.groupby(["replicate", "year"])[name]
        yearly = g.last() if name in STOCK else g.sum()
        q = yearly.groupby("year").quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
        ax.fill_between(q.index, q[0.05], q[0.95], color="tab:blue", alpha=0.2, label="90% predictive")
        ax.fill_between(q.index, q[0.25], q[0.75], color="tab:blue", alpha=0.35, label="50% predictive")
        ax.plot(q.index, q[0.5], color="tab:blue", lw=1.8)
        obs = points_for(name, range(2019, 2025))
        styles = {"actual": dict(marker="o", color="black"), "implied_base": dict(marker="o", mfc="white", color="k")}
        for kind, st in styles.items():
            pts = obs[obs["kind"] == kind]
            if len(pts):
                ax.plot(pts["year"], pts["value"], ls="none", ms=6, label=kind, **st)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit, fontsize=8)
        ax.set_xlim(2018.6, 2024.4)
        ax.grid(alpha=0.3)
        if name in OBSERVED_NAME and ax is axes.flat[0]:
            ax.legend(fontsize=7, frameon=False)
    fig.suptitle("Posterior-predictive fit (bands 2021-2024; points: published figures, year-end or full year)")
    return _save(fig, out / "fit.png")


def marginals_chart(post: pd.DataFrame, out: Path) -> Path:
    """Weighted posterior histogram of each calibrated parameter over its prior range (prior = flat line)."""
    names = [c for c in post.columns if c != "weight"]
    cols = 4
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(14, 2.6 * rows), dpi=130, squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        p = BY_NAME[name]
        log = p.prior == "loguniform"
        edges = np.geomspace(p.low, p.high, 21) if log else np.linspace(p.low, p.high, 21)
        ax.hist(post[name], bins=edges, weights=post["weight"], density=True, color="tab:blue", alpha=0.7,
                label="posterior")
        width = (np.log(p.high) - np.log(p.low)) if log else (p.high - p.low)
        xs = np.geomspace(p.low, p.high, 50) if log else np.linspace(p.low, p.high, 50)
        ax.plot(xs, (1.0 / (xs * width)) if log else np.full_like(xs, 1.0 / width), color="tab:red", label="prior")
        if log:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        unit = p.unit.replace("万", "10k").replace("亿", "100m")
        ax.set_title(f"{name} ({unit})", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, frameon=False)
    return _save(fig, out / "marginals.png")


def generations_chart(gens: pd.DataFrame, out: Path) -> Path:
    """Epsilon and effective sample size per generation."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8), dpi=130)
    a.plot(gens["t"], gens["epsilon"], marker="o")
    a.set_xlabel("generation")
    a.set_ylabel("epsilon (distance units)")
    a.set_title("Acceptance threshold")
    b.plot(gens["t"], gens["ess"], marker="o", label="effective sample size")
    b.plot(gens["t"], gens["particles"], ls="--", color="grey", label="particles")
    b.set_xlabel("generation")
    b.set_ylabel("particles")
    b.set_title("Effective sample size")
    b.legend(fontsize=8, frameon=False)
    for ax in (a, b):
        ax.grid(alpha=0.3)
    return _save(fig, out / "generations.png")
