"""Sensitivity charts, drawn from ``indices.csv`` only: S1/ST bars with intervals (Sobol'), μ*–σ plots (Morris),
and index-by-year lines when yearly outputs were analysed."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from innosim.experiments.report.run_charts import LABELS  # noqa: E402

TOP = 12
YEARLY = re.compile(r"^value\.(\w+)\.(\d{4})$")


def _title(output: str) -> str:
    kind, _, target = output.partition(".")
    name = LABELS[target][0] if target in LABELS else "All five targets"
    return f"{name}: {'2028 value' if kind == 'value' else 'target met (probability)'}"


def _grid(k: int) -> tuple[plt.Figure, np.ndarray]:
    ncol = min(k, 3)
    nrow = int(np.ceil(k / ncol))
    fig, axs = plt.subplots(nrow, ncol, figsize=(5.4 * ncol, 4.4 * nrow), dpi=120, squeeze=False)
    for ax in axs.flat[k:]:
        ax.axis("off")
    return fig, axs


def _save(fig: plt.Figure, title: str, path: Path) -> Path:
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def sobol_bars(indices: pd.DataFrame, outputs: list[str], path: Path, title: str) -> Path:
    """Horizontal bars of S1 and ST (95% intervals) per output, the top factors by ST."""
    fig, axs = _grid(len(outputs))
    for ax, output in zip(axs.flat, outputs, strict=False):
        g = indices[indices["output"] == output].dropna(subset=["ST"]).nlargest(TOP, "ST").iloc[::-1]
        if g.empty:
            ax.text(0.5, 0.5, "output did not vary: no indices", ha="center", transform=ax.transAxes)
        y = np.arange(len(g))
        ax.barh(y - 0.2, g["ST"], 0.4, xerr=g["ST_conf"], color="tab:blue", label="total (ST)", capsize=2)
        ax.barh(y + 0.2, g["S1"], 0.4, xerr=g["S1_conf"], color="tab:orange", label="first order (S1)", capsize=2)
        ax.set_yticks(y, g["parameter"], fontsize=8)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(_title(output), fontsize=9)
        ax.set_xlabel("Sobol' index (share of variance)")
        ax.grid(axis="x", alpha=0.3)
    axs.flat[0].legend(fontsize=8, loc="lower right")
    return _save(fig, title, path)


def morris_plot(indices: pd.DataFrame, outputs: list[str], path: Path, title: str) -> Path:
    """μ* against σ per output (μ* with its 95% interval), the top factors labelled."""
    fig, axs = _grid(len(outputs))
    for ax, output in zip(axs.flat, outputs, strict=False):
        g = indices[indices["output"] == output].dropna(subset=["mu_star"])
        if g.empty:
            ax.text(0.5, 0.5, "output did not vary: no indices", ha="center", transform=ax.transAxes)
        ax.errorbar(g["mu_star"], g["sigma"], xerr=g["mu_star_conf"], fmt="o", ms=4, color="tab:blue",
                    ecolor="lightsteelblue", capsize=2)
        top = g[g["mu_star"] > 0].nlargest(8, "mu_star")
        # Binary outputs give few distinct effects: factors on the same spot share one label, not a pile of text.
        for (mu, sd), same in top.groupby([top["mu_star"].round(12), top["sigma"].round(12)], sort=False):
            names = list(same["parameter"])
            label = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
            ax.annotate(label, (mu, sd), fontsize=7, xytext=(3, 3), textcoords="offset points")
        lim = float(max(g["mu_star"].max(), g["sigma"].max())) if len(g) else 1.0
        ax.plot([0, lim], [0, lim], color="grey", lw=0.8, ls="--")  # σ = μ*: effects as uneven as they are large
        ax.set_title(_title(output), fontsize=9)
        ax.set_xlabel("μ* (mean |elementary effect|)")
        ax.set_ylabel("σ (interaction / non-linearity)")
        ax.grid(alpha=0.3)
    return _save(fig, title, path)


def yearly_lines(indices: pd.DataFrame, column: str, path: Path, title: str) -> Path:
    """The index of the five most influential factors (in 2028) of each target, year by year."""
    m = indices["output"].str.extract(YEARLY)
    data = indices.assign(target=m[0], year=pd.to_numeric(m[1])).dropna(subset=["target"])
    targets = list(dict.fromkeys(data["target"]))
    fig, axs = _grid(len(targets))
    for ax, t in zip(axs.flat, targets, strict=False):
        g = data[data["target"] == t]
        last = g[g["year"] == g["year"].max()].nlargest(5, column)["parameter"]
        for p in last:
            s = g[g["parameter"] == p].sort_values("year")
            ax.plot(s["year"], s[column], marker="o", ms=3, label=p)
        ax.set_title(LABELS[t][0] if t in LABELS else t, fontsize=9)
        ax.set_xlabel("year")
        ax.set_ylabel(column)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _save(fig, title, path)


def charts(indices: pd.DataFrame, method: str, out: Path, name: str) -> list[Path]:
    """Every chart for the outputs analysed: values, met (probabilities) and yearly values."""
    outputs = list(dict.fromkeys(indices["output"]))
    values = [o for o in outputs if o.startswith("value.") and not YEARLY.match(o)]
    met = [o for o in outputs if o.startswith("met.")]
    drawn = []
    draw = sobol_bars if method == "sobol" else morris_plot
    label = "Sobol' indices" if method == "sobol" else "Morris screening"
    for kind, group in (("values", values), ("met", met)):
        if group:
            drawn.append(draw(indices, group, out / f"{method}_{kind}.png", f"{label} — {name} ({kind})"))
    if any(YEARLY.match(o) for o in outputs):
        col = "ST" if method == "sobol" else "mu_star"
        drawn.append(yearly_lines(indices, col, out / "indices_by_year.png", f"{label} by year — {name}"))
    return drawn
