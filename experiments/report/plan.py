"""The city plan as the charts and the briefing see it: its title, first and target year, the headline
indicators it charts and the value each must exceed in the target year where the plan states one. Every results
folder carries it in its manifest (``plan``)."""

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
    indicators: tuple[str, ...] = ()  # headline indicators; empty: the keys of ``targets``
    title_zh: str | None = None

    @property
    def headline(self) -> tuple[str, ...]:
        """The indicators charted: ``indicators``, or the target indicators when none are listed."""
        return self.indicators or tuple(self.targets)

    def title_in(self, lang: str) -> str:
        """The plan's title in ``lang`` (the Chinese title when there is one)."""
        return self.title_zh if lang == "zh" and self.title_zh else self.title


def from_manifest(manifest: Mapping) -> PlanView | None:
    """The plan block of a results folder's manifest, or None when it has none (a calibration shipped before
    manifests named the plan: it needs none)."""
    block = manifest.get("plan") if isinstance(manifest, Mapping) else None
    if not (isinstance(block, Mapping) and {"title", "start_year", "target_year", "targets"} <= set(block)):
        return None
    zh = block.get("title_zh")
    return PlanView(str(block["title"]), int(block["start_year"]), int(block["target_year"]),
                    {str(k): float(v) for k, v in block["targets"].items()},
                    tuple(str(k) for k in block.get("indicators") or ()), str(zh) if zh else None)


def required(plan: PlanView | None, folder: Path) -> PlanView:
    """``plan``, or an ``InputError`` on the folder's manifest when the folder's charts need one."""
    if plan is None:
        raise InputError(folder / "manifest.json", "plan", "missing: the results were written by an older innosim "
                         "whose manifests did not name the city plan; run the command again")
    return plan
