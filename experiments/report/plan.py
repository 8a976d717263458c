"""The city plan as the charts and the briefing see it: its title, first and target year, and the value each
indicator must exceed in the target year. Every results folder carries it in its manifest (``plan``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from innosim.model.errors import InputError


@dataclass(frozen=True)
class PlanView:
    """``title``, ``start_year`` and ``target_year`` (calendar years), ``targets``: indicator -> value to exceed in
    ``target_year`` (亿元 for money)."""

    title: str
    start_year: int
    target_year: int
    targets: Mapping[str, float] = field(default_factory=dict)


def from_manifest(manifest: Mapping) -> PlanView | None:
    """The plan block of a results folder's manifest, or None when it has none (a calibration shipped before
    manifests named the plan: it needs none)."""
    block = manifest.get("plan") if isinstance(manifest, Mapping) else None
    if not (isinstance(block, Mapping) and {"title", "start_year", "target_year", "targets"} <= set(block)):
        return None
    return PlanView(str(block["title"]), int(block["start_year"]), int(block["target_year"]),
                    {str(k): float(v) for k, v in block["targets"].items()})


def required(plan: PlanView | None, folder: Path) -> PlanView:
    """``plan``, or an ``InputError`` on the folder's manifest when the folder's charts need one."""
    if plan is None:
        raise InputError(folder / "manifest.json", "plan", "missing: the results were written by an older innosim "
                         "whose manifests did not name the city plan; run the command again")
    return plan
