"""Results folders a briefing reads: each is recognised by its ``manifest.json`` (the command that wrote it) and
its tables are read here, with a clear error naming the file and what is wrong when one is missing or broken."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from innosim.experiments.report.plan import PlanView, from_manifest, required
from innosim.model.errors import InputError

KINDS = {"innosim run": "run", "innosim sweep": "sweep", "innosim sensitivity": "sensitivity",
         "innosim compare": "compare", "innosim calibrate": "calibration"}
# Tables (and their required columns) each kind of folder must hold for a briefing.
NEEDS = {
    "run": {"annual.csv": ["replicate", "year", "tech_enterprises", "rd_expenditure", "platforms",
                           "tech_contract_turnover", "tech_brokers"],
            "targets.csv": ["indicator", "target", "p_met", "ci_low", "ci_high", "n"]},
    "sweep": {"probabilities.csv": ["point", "label", "is_base", "budget_yi_per_year", "target", "p_met", "ci_low",
                                    "ci_high", "n"]},
    "sensitivity": {"indices.csv": ["output", "parameter"]},
    "compare": {"comparison.csv": ["scenario", "targets_met_mean", "targets_met_low",
                                   "targets_met_high", "p_all", "p_all_low", "p_all_high"]},
    "calibration": {"fit.csv": ["indicator", "year", "period", "kind", "observed", "sim_median", "sim_p05",
                                "sim_p95", "within_90"]},
}


# Tables that are empty when the city's plan states no target (nothing to judge).
EMPTY_OK = {"targets.csv", "probabilities.csv"}


@dataclass
class Source:
    """One results folder: its kind, manifest and tables (by file name)."""

    folder: Path
    kind: str
    manifest: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def name(self) -> str:
        m = self.manifest
        if self.kind == "run":
            return str(m.get("resolved_config", {}).get("name") or self.folder.name)
        if self.kind == "sweep":
            meta = self.folder / "sweep.json"
            if meta.is_file():
                try:
                    return str(json.loads(meta.read_text(encoding="utf-8"))["spec"]["name"])
                except (json.JSONDecodeError, KeyError, TypeError):
                    pass
        return self.folder.name

    @cached_property
    def stated_plan(self) -> PlanView | None:
        """The city plan the results were made for (the manifest's ``plan`` block), if it names one."""
        return from_manifest(self.manifest)

    @property
    def plan(self) -> PlanView:
        """The city plan the results were made for; an ``InputError`` if the manifest names none."""
        return required(self.stated_plan, self.folder)

    def path(self, file: str) -> str:
        return str(self.folder / file)

    def observed(self) -> pd.DataFrame | None:
        """The city's published figures a run folder carries (``observed.csv``), or None."""
        p = self.folder / "observed.csv"
        return pd.read_csv(p, dtype={"year": str}) if p.is_file() else None


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(path, "", "missing: this results folder is incomplete (re-run the command that wrote it)")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise InputError(path, "", f"not a readable CSV table ({str(e).splitlines()[0]})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(path, missing[0], "column missing (the file was not written by this version of innosim "
                         "or was edited)")
    if frame.empty and path.name not in EMPTY_OK:
        raise InputError(path, "", "holds no rows")
    return frame


def load_source(folder: str | Path) -> Source:
    """Read one results folder; raises ``InputError`` naming the file when it is not a complete innosim result."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "", "not a folder (give results folders written by innosim run, sweep, "
                         "sensitivity, compare or calibrate)")
    mpath = folder / "manifest.json"
    if not mpath.is_file():
        raise InputError(mpath, "", "missing: not an innosim results folder, or one that did not finish")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(mpath, "", f"not valid JSON ({e})") from None
    kind = KINDS.get(manifest.get("command", "") if isinstance(manifest, dict) else "")
    if kind is None:
        raise InputError(mpath, "command", f"unknown results kind {manifest.get('command')!r}; expected one of "
                         f"{', '.join(KINDS)}")
    src = Source(folder, kind, manifest)
    for file, cols in NEEDS[kind].items():
        src.tables[file] = _read_csv(folder / file, cols)
    if kind == "compare":
        for extra in ("cost_effectiveness.csv", "deadweight.csv"):
            if (folder / extra).is_file():
                src.tables[extra] = _read_csv(folder / extra, ["scenario"])
    if kind == "sweep" and (folder / "indicators.csv").is_file():  # projections, charted when no target is set
        src.tables["indicators.csv"] = _read_csv(folder / "indicators.csv",
                                                 ["point", "label", "indicator", "median", "p05", "p95"])
    return src


def posterior_manifest(sources: list[Source]) -> tuple[dict | None, str | None]:
    """The calibration manifest behind the runs: a calibration folder given to the briefing, else the one beside
    the posterior file a run's manifest names; (manifest, path)."""
    for s in sources:
        if s.kind == "calibration":
            return s.manifest, s.path("manifest.json")
    for s in sources:
        post = s.manifest.get("posterior_file")
        if post:
            m = Path(post).parent / "manifest.json"
            if m.is_file():
                try:
                    return json.loads(m.read_text(encoding="utf-8")), str(m)
                except json.JSONDecodeError:
                    return None, None
    return None, None
