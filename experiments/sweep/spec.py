"""Sweep files: a base scenario, axes to vary, and how many runs each point gets.

A sweep file is YAML (docs/sweeps.md has every key)::

    name: budget
    base: ../baseline.yaml            # relative to the sweep file
    axes:
      - {field: budget_scale, values: [0.5, 1.0, 2.0]}
      - {field: mix.equity, low: 0.1, high: 0.4, points: 4}
    runs: {draws: 100, replicates: 1}         # or: precision: {half_width: 0.02, batch: 100, max_runs: 2000}

Axis fields: ``budget_scale`` (the total budget multiplier for the action-plan years), ``mix.<family>`` (one
instrument family's share of the total; the other families keep their base proportions), ``budget.<instrument>``
(亿元 per year from ``policy.from_year`` on), a declared parameter name (fixed at that value instead of drawn), or any
dotted scenario path (``instruments.equity.options.share_equity``). The points are the full grid of the axes, plus the
base scenario itself when no grid point equals it. Every point is validated as a scenario before anything runs.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from innosim.experiments.runs.targets import outcomes
from innosim.model import policy
from innosim.model.city import Plan
from innosim.model.errors import InputError, format_pydantic
from innosim.model.instruments.registry import FAMILIES, REGISTRY
from innosim.model.parameters import BY_NAME
from innosim.model.scenario import Scenario, check_name
from innosim.model.scenario_files import load_raw, load_scenario_file, validate_scenario
from innosim.model.yaml_files import read_yaml

MAX_POINTS = 10_000  # grid points per sweep: checked from the axis lengths before any point is built


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Axis(_Strict):
    """One swept field: explicit ``values``, or ``points`` evenly spaced values from ``low`` to ``high``."""

    field: str = Field(min_length=1)
    values: list[Any] | None = None
    low: float | None = None
    high: float | None = None
    points: int | None = Field(None, ge=2, le=1000)
    label: str | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Axis:
        ranged = (self.low, self.high, self.points)
        if self.values is not None and any(v is not None for v in ranged):
            raise ValueError("give either values or low/high/points, not both")
        if self.values is None and any(v is None for v in ranged):
            raise ValueError("give values, or all of low, high and points")
        if self.values is not None and len(self.values) == 0:
            raise ValueError("values must not be empty")
        if self.values is not None and len({json.dumps(v, sort_keys=True) for v in self.values}) < len(self.values):
            raise ValueError("values must not repeat")
        return self

    def grid(self) -> list[Any]:
        """The axis's values in sweep order."""
        if self.values is not None:
            return list(self.values)
        return [round(float(v), 10) for v in np.linspace(self.low, self.high, self.points)]


class FixedRuns(_Strict):
    """``draws`` posterior draws per point, ``replicates`` model runs (random streams) per draw."""

    draws: int = Field(ge=1, le=1_000_000)
    replicates: int = Field(1, ge=1, le=1000)


class Precision(_Strict):
    """Add ``batch`` runs per point per round until every probability's interval half-width ≤ ``half_width``."""

    half_width: float = Field(gt=0.0, lt=0.5)
    level: float = Field(0.95, gt=0.5, lt=1.0)
    batch: int = Field(100, ge=1)
    max_runs: int = Field(2000, ge=1)
    min_runs: int = Field(0, ge=0)
    replicates: int = Field(1, ge=1, le=1000)

    @model_validator(mode="after")
    def _multiples(self) -> Precision:
        if self.batch % self.replicates:
            raise ValueError(f"batch ({self.batch}) must be a multiple of replicates ({self.replicates})")
        if self.max_runs < self.batch:
            raise ValueError(f"max_runs ({self.max_runs}) must be at least one batch ({self.batch})")
        return self


class Heatmap(_Strict):
    """The two axes (fields) of the heatmap, and the outcome it colours (``all`` = all five targets)."""

    x: str
    y: str
    target: str = "all"  # checked against the city plan's targets in load_sweep


class Discovery(_Strict):
    """PRIM scenario discovery: a box per outcome where the share of runs meeting it is at least ``threshold``."""

    threshold: float = Field(0.8, gt=0.0, le=1.0)
    targets: list[str] | None = None  # None: every outcome of the city plan (filled in by load_sweep)
    min_positive: int = Field(10, ge=1)
    peel_alpha: float = Field(0.05, gt=0.0, lt=0.5)
    mass_min: float = Field(0.05, gt=0.0, lt=1.0)


class SweepSpec(_Strict):
    """A validated sweep file."""

    name: str = Field(min_length=1)
    description: str = ""
    base: str
    seed: int = Field(20240101, ge=0)
    params: str = "posterior"
    axes: list[Axis] = Field(min_length=1)
    runs: FixedRuns | None = None
    precision: Precision | None = None
    include_base: bool = True
    heatmap: Heatmap | None = None
    discovery: Discovery = Field(default_factory=Discovery)

    @field_validator("name")
    @classmethod
    def _name_ok(cls, v: str) -> str:
        return check_name(v)

    @model_validator(mode="after")
    def _consistent(self) -> SweepSpec:
        if (self.runs is None) == (self.precision is None):
            raise ValueError("give exactly one of runs (a fixed number per point) or precision (a goal)")
        fields = [a.field for a in self.axes]
        if len(set(fields)) < len(fields):
            raise ValueError("an axis field appears twice")
        size = 1
        for a in self.axes:
            size *= len(a.values) if a.values is not None else (a.points or 1)
        if size > MAX_POINTS:
            raise ValueError(f"the grid has {size:,} points (the product of the axis lengths); a sweep may have at "
                             f"most {MAX_POINTS:,} — use fewer values per axis or split it into several sweeps")
        if self.heatmap is not None:
            for f in (self.heatmap.x, self.heatmap.y):
                if f not in fields:
                    raise ValueError(f"heatmap axis {f!r} is not one of the sweep's axes ({', '.join(fields)})")
            if self.heatmap.x == self.heatmap.y:
                raise ValueError("heatmap x and y must be different axes")
        return self

    @property
    def replicates_per_draw(self) -> int:
        return self.runs.replicates if self.runs else self.precision.replicates  # type: ignore[union-attr]


@dataclass(frozen=True)
class Point:
    """One sweep point: its index, a label, the axis values, and the resolved scenario."""

    index: int
    label: str
    values: dict[str, Any]
    scenario: Scenario
    is_base: bool

    def budget_yi_per_year(self, last_year: int) -> float:
        """Mean total budget per action-plan year (``policy.from_year`` to ``last_year``, the plan's target year),
        亿元."""
        return policy.mean_budget_yi(self.scenario, range(policy.start_year(self.scenario), last_year + 1))


@dataclass(frozen=True)
class Sweep:
    """A loaded sweep: the spec, its file, and every point to run."""

    spec: SweepSpec
    path: Path
    base_path: Path
    points: list[Point]
    plan: Plan  # the base scenario's city plan: targets and target year every point is judged on
    base_chain_sha256: str  # of the base scenario's extends chain and city profile, as read when loading

    @property
    def axis_fields(self) -> list[str]:
        return [a.field for a in self.spec.axes]

    def identity(self) -> str:
        """sha256 over everything that decides the runs (spec, resolved points); a resumed sweep must match it."""
        h = hashlib.sha256()
        h.update(self.spec.model_dump_json().encode())
        for p in self.points:
            h.update(p.scenario.model_dump_json().encode())
        return h.hexdigest()


# --- applying an axis value to a scenario's raw mapping ---------------------------------------------------------------
def _set_path(data: dict, path: list[str], value: Any) -> None:
    node = data
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = value


def _check_field(field: str) -> str | None:
    """Why ``field`` cannot be an axis, or None when it can."""
    head, _, rest = field.partition(".")
    if field == "budget_scale" or field in BY_NAME:
        return None
    if head == "mix":
        return None if rest in FAMILIES else f"unknown instrument family {rest!r}; allowed: {', '.join(FAMILIES)}"
    if head == "budget":
        return None if rest in REGISTRY else f"unknown instrument {rest!r}; allowed: {', '.join(REGISTRY)}"
    if head in ("instruments", "policy", "assumptions") and rest:
        return None
    return ("not a sweepable field: use budget_scale, mix.<family>, budget.<instrument>, a declared parameter "
            "name, or a scenario path starting with instruments., policy. or assumptions.")


def _apply(data: dict, base: Scenario, values: dict[str, Any]) -> dict:
    """The raw scenario mapping with every axis value applied."""
    out = copy.deepcopy(data)
    mix_set = {f.partition(".")[2]: float(v) for f, v in values.items() if f.startswith("mix.")}
    for field, value in values.items():
        head, _, rest = field.partition(".")
        if field == "budget_scale":
            _set_path(out, ["policy", "budget_scale"], value)
        elif field in BY_NAME:
            _set_path(out, ["assumptions", field], value)
        elif head == "budget":
            _set_path(out, ["instruments", rest, "budget"], policy.instrument_budget_from_start(base, rest, value))
        elif head != "mix":
            _set_path(out, field.split("."), value)
    if mix_set:
        _set_path(out, ["policy", "mix"], policy.complete_mix(base, mix_set))
    return out


def _label(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())


def _base_value(field: str, base: Scenario, data: dict) -> Any:
    """The base scenario's value of an axis field (NaN where the base leaves it to the parameter draw)."""
    head, _, rest = field.partition(".")
    if field == "budget_scale":
        return base.policy.budget_scale
    if head == "mix":
        return round(policy.family_shares(base)[rest], 10)
    if head == "budget":
        return policy.instrument_budget_at_start(base, rest)
    if field in BY_NAME:
        return base.assumptions.get(field, float("nan"))
    node: Any = data
    for key in field.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file and every point it defines; raises ``InputError`` naming file and field."""
    path = Path(path)
    raw = read_yaml(path)
    raw.setdefault("name", path.stem)
    try:
        spec = SweepSpec(**raw)
    except ValidationError as e:
        err = format_pydantic(path, e)
        raise InputError(path, err.field, err.problem.replace("docs/scenarios.md", "docs/sweeps.md")) from None
    for i, axis in enumerate(spec.axes):
        problem = _check_field(axis.field)
        if problem:
            raise InputError(path, f"axes.{i}.field", problem)
    base_path = (path.parent / spec.base).resolve()
    if not base_path.is_file():
        raise InputError(path, "base", f"scenario file not found: {spec.base}")
    base_file = load_scenario_file(base_path)
    base, plan = base_file.scenario, base_file.city.plan
    spec = _with_outcomes(spec, path, outcomes(plan.targets))
    data, _ = load_raw(base_path)
    data.setdefault("name", base_path.stem)

    def build(values: dict[str, Any]) -> Scenario:
        try:
            return validate_scenario(_apply(data, base, values), base_path)
        except InputError as e:
            problem = f"{e.field}: {e.problem}" if e.field else e.problem
            raise InputError(path, "axes", f"point {_label(values)}: {problem}") from None
        except ValueError as e:  # pydantic's ValidationError is a ValueError
            if isinstance(e, ValidationError):
                err = format_pydantic(base_path, e)
                problem = f"{err.field}: {err.problem}" if err.field else err.problem
            else:
                problem = str(e)
            raise InputError(path, "axes", f"point {_label(values)}: {problem}") from None

    fields = [a.field for a in spec.axes]
    points: list[Point] = []
    base_dump = base.model_dump_json()
    for combo in itertools.product(*(a.grid() for a in spec.axes)):
        values = dict(zip(fields, combo, strict=True))
        scen = build(values)
        points.append(Point(len(points), _label(values), values, scen, scen.model_dump_json() == base_dump))
    if spec.include_base and not any(p.is_base for p in points):
        values = {f: _base_value(f, base, data) for f in fields}
        points.append(Point(len(points), "base", values, base, True))
    return Sweep(spec, path, base_path, points, plan, base_file.chain_sha256)


def _with_outcomes(spec: SweepSpec, path: Path, allowed: tuple[str, ...]) -> SweepSpec:
    """``spec`` with its outcome names checked against the plan's, and discovery's default (every outcome) set."""
    def check(name: str, field: str) -> None:
        if name not in allowed:
            raise InputError(path, field, f"unknown target {name!r}; allowed: {', '.join(allowed)}")

    if spec.heatmap is not None:
        check(spec.heatmap.target, "heatmap.target")
    if spec.discovery.targets is None:
        return spec.model_copy(update={"discovery": spec.discovery.model_copy(update={"targets": list(allowed)})})
    for t in spec.discovery.targets:
        check(t, "discovery.targets")
    return spec
