"""The city plan as the charts and the briefing see it: its title, first and target year, and the value each
indicator must exceed in the target year. Results folders carry it in their manifest (``plan``); folders written
before that did not, and are read with the plan they were all made for (``LEGACY``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from innosim.model.calendar import LAST_YEAR
from innosim.model.indicators import TARGETS


@dataclass(frozen=True)
class PlanView:
    """``title`` (None for results written before manifests named the plan), ``start_year`` and ``target_year``
    (calendar years), ``targets``: indicator -> value to exceed in ``target_year`` (亿元 for money)."""

    title: str | None
    start_year: int
    target_year: int
    targets: Mapping[str, float] = field(default_factory=dict)


# Transitional: every results folder written before manifests carried the plan block was made for the one plan
# the code knew (targets in model.indicators.TARGETS, budgets from 2024, targets for the last simulated year).
# Goes when TARGETS goes.
LEGACY = PlanView(None, 2024, LAST_YEAR, dict(TARGETS))


def targets_or_default(targets: Mapping[str, float] | None) -> Mapping[str, float]:
    """``targets`` as given, or the legacy plan's while callers do not pass them yet."""
    return LEGACY.targets if targets is None else targets


def from_manifest(manifest: Mapping, folder: Path | None = None) -> PlanView:
    """The plan of a results folder: its manifest's ``plan`` block when present; else the legacy plan, with the
    targets of the folder's ``targets.csv`` when it has one."""
    block = manifest.get("plan") if isinstance(manifest, Mapping) else None
    if isinstance(block, Mapping) and {"start_year", "target_year", "targets"} <= set(block):
        return PlanView(block.get("title"), int(block["start_year"]), int(block["target_year"]),
                        {str(k): float(v) for k, v in block["targets"].items()})
    csv = folder / "targets.csv" if folder is not None else None
    if csv is not None and csv.is_file():
        t = pd.read_csv(csv).dropna(subset=["target"])
        t = t[t["indicator"] != "all"]
        if len(t):
            return PlanView(None, LEGACY.start_year, LEGACY.target_year, dict(zip(t["indicator"], t["target"],
                                                                                   strict=True)))
    return LEGACY
