"""The scenario schema: which city, each instrument's yearly budget (亿元 per year) and options, a policy
transformation for the action-plan years (budget scale, family mix), and behavioural assumptions.

Reading files (``extends:`` chains, provenance) is ``model.scenario_files``; what the policy block does to the
budgets is ``model.policy``. Unknown keys, wrong types, negative budgets and shares outside [0, 1] are
rejected by pydantic; the loader turns that into one ``InputError`` naming the file and the field path.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from innosim.model.calendar import FIRST_YEAR, LAST_YEAR, YEARS
from innosim.model.errors import excerpt
from innosim.model.instruments.registry import FAMILIES, REGISTRY
from innosim.model.parameters import BY_NAME

NAME_MAX = 64


def check_name(v: str) -> str:
    """A name that can name a results folder (scenarios, sweeps): at most 64 letters, digits, '-', '_' or '.',
    starting with a letter or digit."""
    if len(v) > NAME_MAX:
        raise ValueError(f"name is {len(v)} characters long; at most {NAME_MAX} (it names the results folder)")
    if not all(c.isalnum() or c in "-_." for c in v) or not v[0].isalnum():
        raise ValueError("name may hold letters, digits, '-', '_' and '.' only and must start with a letter or "
                         "digit (it names the results folder)")
    return v


class Strict(BaseModel):
    """Exact types (a YAML ``true`` is not a number, ``"3"`` not an integer) and finite numbers only."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


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
    """Transformation of the budgets from ``from_year`` on. Left out, ``from_year`` is the first year of the city's
    action plan (``plan.start_year`` of the city profile), filled in when the scenario is loaded."""

    from_year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR)
    budget_scale: float = Field(1.0, ge=0.0)
    mix: dict[str, float] | None = None

    @field_validator("mix")
    @classmethod
    def _mix_ok(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is None:
            return v
        for fam, share in v.items():
            if fam not in FAMILIES:
                raise ValueError(f"unknown instrument family {excerpt(fam)}; allowed: {', '.join(FAMILIES)}")
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"share of {excerpt(fam)} must lie in [0, 1] (got {share})")
        total = sum(v.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"family shares must sum to 1 (got {total:.4f})")
        return v


class Scenario(Strict):
    """A validated scenario; ``city`` is the absolute path of its city profile."""

    name: str = Field(min_length=1)
    description: str = ""
    city: str
    instruments: dict[str, InstrumentSpec] = Field(default_factory=dict)
    policy: Policy = Field(default_factory=Policy)
    assumptions: dict[str, float] = Field(default_factory=dict)
    # Filled in when the scenario is loaded (model.scenario_files): the instruments the city runs. Not part of
    # the scenario's own data (excluded from dumps); None = every registered instrument.
    menu: list[str] | None = Field(None, exclude=True)
    # Set by a calibration fitted through an earlier year (``innosim calibrate --through``, the backtest): the last
    # year whose figures pin the registry's share; None = model.calendar.LAST_FITTED_YEAR. Not part of the file.
    fitted_through: int | None = Field(None, exclude=True)

    @field_validator("name")
    @classmethod
    def _name_ok(cls, v: str) -> str:
        return check_name(v)

    @field_validator("instruments")
    @classmethod
    def _instruments_ok(cls, v: dict[str, InstrumentSpec]) -> dict[str, InstrumentSpec]:
        for key, spec in v.items():
            if key not in REGISTRY:
                raise ValueError(f"unknown instrument {excerpt(key)}; allowed: {', '.join(REGISTRY)}")
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
                raise ValueError(f"unknown parameter {excerpt(name)} (see model/parameters.py)")
            p = BY_NAME[name]
            if not p.contains(value):
                raise ValueError(f"{name} = {value} lies outside its declared range [{p.low}, {p.high}]")
        return v
