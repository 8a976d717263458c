"""All four experiments on one parameter source, and their markdown table."""

from __future__ import annotations

import math

from innosim.calibration.posterior import Posterior
from innosim.experiments.validation.common import Measured, parameter_sets
from innosim.experiments.validation.facts import facts
from innosim.experiments.validation.grants import grant_lottery
from innosim.experiments.validation.notch import notch
from innosim.experiments.validation.vouchers import voucher_lottery


def run_all(replicates: int, post: Posterior | None = None, seed: int = 0) -> list[Measured]:
    """Every experiment with ``replicates`` replicates: prior medians (``post`` None) or replicate k's posterior
    draw."""
    sets = parameter_sets(replicates, post, seed)
    return [voucher_lottery(sets, seed), *notch(sets, seed), *grant_lottery(sets, seed), *facts(sets, seed)]


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "–"
    return f"{x:.3f}" if abs(x) < 10 else f"{x:.1f}"


def markdown(rows: list[Measured]) -> str:
    """Markdown table: experiment, measure, value with the 5–95% range over replicates, replicates, published
    value, source, pass/fail (the 90% interval of the estimate meets the published range)."""
    out = ["| experiment | measure | measured (5–95% over replicates) | n | published | source | pass |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        est = f"{_num(r.value)} ± {_num(r.half_width)}"
        ok = "–" if r.passed is None else ("pass" if r.passed else "**FAIL**")
        pub = r.published.text if r.published else "(not checked)"
        src = r.published.source if r.published else ""
        out.append(f"| {r.experiment} | {r.name} | {est} [{_num(r.low)}, {_num(r.high)}] | {r.replicates} | {pub} "
                   f"| {src} | {ok} |")
    return "\n".join(out)
