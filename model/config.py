"""Scenario files: YAML with ``extends:``, validated into a ``Scenario`` object.

A scenario names a city profile, gives each instrument's yearly budget (亿元 = 1e8 yuan per year) and
options, an optional policy transformation for the action-plan years (budget scale, family mix) and any
behavioural assumptions changed from the priors. Unknown keys, wrong types, negative budgets, shares outside
[0, 1] and missing files are reported as ``InputError`` naming the file and the field path.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from innosim.model.calendar import FIRST_YEAR, LAST_YEAR, YEARS
from innosim.model.errors import InputError, format_pydantic
from innosim.model.instruments.registry import FAMILIES, REGISTRY
from innosim.model.parameters import BY_NAME

YI = 1e8  # yuan per 亿元


def check_name(v: str) -> str:
    """A name that can name a results folder (scenarios, sweeps)."""
    if not all(c.isalnum() or c in "-_." for c in v):
        raise ValueError("name may hold letters, digits, '-', '_' and '.' only (it names the results folder)")
    return v


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Budget = float | dict[int, float]


class InstrumentSpec(Strict):
    """Budget (亿元 per year, one number for every year or a year -> amount map) and options."""

    budget: Budget = 0.0
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("budget")
    @classmethod
    def _budget_ok(cls, v: Budget) -> Budget:
        items = v.items() if isinstance(v, dict) else [(None, v)]
        for year, amount in items:
            if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
                raise ValueError(f"year {year} outside {FIRST_YEAR}-{LAST_YEAR}")
            if amount < 0:
                raise ValueError(f"budget must be >= 0 亿元 (got {amount})")
        return v

    def by_year(self) -> dict[int, float]:
        """Budget in 亿元 for every simulated year; years missing from a map repeat the previous year."""
        if not isinstance(self.budget, dict):
            return {y: float(self.budget) for y in YEARS}
        out: dict[int, float] = {}
        last = 0.0
        for y in YEARS:
            last = float(self.budget.get(y, last))
            out[y] = last
        return out


class Policy(Strict):
    """Transformation of the budgets from ``from_year`` on (the action-plan years by default)."""

    from_year: int = Field(2024, ge=FIRST_YEAR, le=LAST_YEAR)
    budget_scale: float = Field(1.0, ge=0.0)
    mix: dict[str, float] | None = None

    @field_validator("mix")
    @classmethod
    def _mix_ok(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is None:
            return v
        for fam, share in v.items():
            if fam not in FAMILIES:
                raise ValueError(f"unknown instrument family {fam!r}; allowed: {', '.join(FAMILIES)}")
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"share of {fam!r} must lie in [0, 1] (got {share})")
        total = sum(v.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"family shares must sum to 1 (got {total:.4f})")
        return v


class Scenario(Strict):
    """A validated scenario."""

    name: str = Field(min_length=1)
    description: str = ""
    city: str
    instruments: dict[str, InstrumentSpec] = Field(default_factory=dict)
    policy: Policy = Field(default_factory=Policy)
    assumptions: dict[str, float] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name_ok(cls, v: str) -> str:
        return check_name(v)

    @field_validator("instruments")
    @classmethod
    def _instruments_ok(cls, v: dict[str, InstrumentSpec]) -> dict[str, InstrumentSpec]:
        for key, spec in v.items():
            if key not in REGISTRY:
                raise ValueError(f"unknown instrument {key!r}; allowed: {', '.join(REGISTRY)}")
            try:
                REGISTRY[key].Options(**spec.options)
            except ValidationError as e:
                first = e.errors()[0]
                loc = ".".join([key, "options", *(str(p) for p in first["loc"])])
                msg = "unknown option" if first["type"] == "extra_forbidden" else first["msg"]
                raise ValueError(f"{loc}: {msg.removeprefix('Value error, ')}") from None
        return v

    @field_validator("assumptions")
    @classmethod
    def _assumptions_ok(cls, v: dict[str, float]) -> dict[str, float]:
        for name, value in v.items():
            if name not in BY_NAME:
                raise ValueError(f"unknown parameter {name!r} (see model/parameters.py)")
            p = BY_NAME[name]
            if not p.contains(value):
                raise ValueError(f"{name} = {value} lies outside its declared range [{p.low}, {p.high}]")
        return v

    def options(self, key: str):
        """Validated options object of instrument ``key`` (defaults when not given)."""
        spec = self.instruments.get(key)
        return REGISTRY[key].Options(**(spec.options if spec else {}))

    def budgets_yuan(self) -> dict[str, dict[int, float]]:
        """Yearly budget per instrument in yuan after the policy transformation."""
        raw = {k: (self.instruments[k].by_year() if k in self.instruments else {y: 0.0 for y in YEARS})
               for k in REGISTRY}
        out = {k: dict(v) for k, v in raw.items()}
        for y in YEARS:
            if y < self.policy.from_year:
                continue
            total = sum(raw[k][y] for k in REGISTRY) * self.policy.budget_scale
            if self.policy.mix is None:
                for k in REGISTRY:
                    out[k][y] = raw[k][y] * self.policy.budget_scale
                continue
            for fam in FAMILIES:
                members = [k for k in REGISTRY if REGISTRY[k].family == fam]
                fam_raw = sum(raw[k][y] for k in members)
                fam_total = total * self.policy.mix.get(fam, 0.0)
                for k in members:
                    # Keep the baseline split inside a family; an empty family splits evenly.
                    w = raw[k][y] / fam_raw if fam_raw > 0 else 1.0 / len(members)
                    out[k][y] = fam_total * w
        return {k: {y: v * YI for y, v in d.items()} for k, d in out.items()}


def _deep_merge(base: dict, child: dict) -> dict:
    out = dict(base)
    for k, v in child.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def _read_yaml(path: Path, field: str = "") -> dict:
    if not path.is_file():
        raise InputError(path, field, "file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise InputError(path, "", f"malformed YAML: {where}{getattr(e, 'problem', e)}") from None
    except UnicodeDecodeError:
        raise InputError(path, "", "not a UTF-8 text file") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(path, "", "the top level must be a mapping of keys to values")
    return data


def load_raw(path: str | Path, _seen: tuple[Path, ...] = ()) -> tuple[dict, list[Path]]:
    """The merged YAML mapping of a scenario and the chain of files it was built from (child last)."""
    path = Path(path).resolve()
    if path in _seen:
        raise InputError(path, "extends", "circular extends chain")
    data = _read_yaml(path)
    chain = [path]
    parent = data.pop("extends", None)
    if "city" in data and isinstance(data["city"], str):
        data["city"] = str((path.parent / data["city"]).resolve())
    if parent is None:
        return data, chain
    if not isinstance(parent, str):
        raise InputError(path, "extends", "must be the path of another scenario file")
    ppath = (path.parent / parent).resolve()
    if not ppath.is_file():
        raise InputError(path, "extends", f"file not found: {parent}")
    pdata, pchain = load_raw(ppath, _seen + (path,))
    return _deep_merge(pdata, data), pchain + chain


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario file; raises ``InputError`` on any bad input."""
    data, _ = load_raw(path)
    data.setdefault("name", Path(path).stem)
    if "city" not in data:
        raise InputError(path, "city", "missing: name the city profile file, e.g. cities/qingdao.yaml")
    try:
        scen = Scenario(**data)
    except ValidationError as e:
        raise format_pydantic(path, e) from None
    from innosim.model.city import load_city  # late import: the city module is independent of scenarios

    load_city(scen.city)
    return scen


def file_hash(path: str | Path) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def chain_hash(path: str | Path) -> str:
    """sha256 over every file of the extends chain and the city profile, so any edit changes it."""
    scen_raw, chain = load_raw(path)
    files = list(chain)
    if "city" in scen_raw:
        files.append(Path(scen_raw["city"]))
    h = hashlib.sha256()
    for p in files:
        h.update(p.read_bytes())
    return h.hexdigest()
