"""City profiles: the initial state at end-2020 as data (stocks, firm-size mix, agents) and the city's action
plan (its years and targets), each number sourced.

A profile is YAML (``scenarios/cities/*.yaml``). Every numeric field must have an entry in ``sources``
(its dotted path -> where the number comes from, or why it is an assumption), so a second city is data, not code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from innosim.model.calendar import FIRST_YEAR, LAST_YEAR
from innosim.model.errors import InputError, excerpt, format_pydantic
from innosim.model.indicators import FLOWS, STOCKS
from innosim.model.yaml_files import read_yaml


class Strict(BaseModel):
    """Exact types and finite numbers only."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Segment(Strict):
    """A group of firms drawn from one size and R&D-intensity distribution."""

    name: str
    count: int = Field(ge=0)
    revenue_median_wan: float = Field(gt=0, description="万 yuan per year")
    revenue_sigma: float = Field(ge=0, le=4)
    rd_intensity_median: float = Field(gt=0, lt=1)
    rd_intensity_sigma: float = Field(ge=0, le=3)
    age_mean_years: float = Field(gt=0)
    tech: bool = True
    marine_share: float = Field(0.0, ge=0, le=1)
    key_chain_share: float = Field(0.0, ge=0, le=1)


class Enterprises(Strict):
    segments: list[Segment] = Field(min_length=1)
    birth_segment: str
    rd_total_yi: float = Field(gt=0, description="firms' R&D in the initial year, 亿元")
    hte_stock: int = Field(ge=0)
    tech_sme_registered: int = Field(ge=0)
    listed_hte: int = Field(ge=0)
    vc_backed: int = Field(ge=0)
    knowledge_years: float = Field(gt=0, description="initial knowledge stock in years of R&D")

    @model_validator(mode="after")
    def _birth_segment_known(self) -> Enterprises:
        if self.birth_segment not in {s.name for s in self.segments}:
            raise ValueError(f"birth_segment {excerpt(self.birth_segment)} is not one of the segments")
        return self


class Universities(Strict):
    count: int = Field(ge=1)
    researchers_total: int = Field(ge=1)
    rd_total_yi: float = Field(gt=0)
    size_sigma: float = Field(ge=0, le=3)
    rd_growth: float = Field(ge=-0.2, le=0.5, description="yearly growth of university R&D funding")


class Incubators(Strict):
    count: int = Field(ge=0)
    national: int = Field(ge=0)
    tenants_total: int = Field(ge=0)
    capacity_total: int = Field(ge=0)
    tenancy_years: float = Field(gt=0)
    intake_share: float = Field(ge=0, le=1, description="share of new firms that apply to an incubator")


class Investors(Strict):
    vc_funds: int = Field(ge=0)
    banks: int = Field(ge=0)
    angel_networks: int = Field(ge=0)
    guidance_funds: int = Field(ge=1)


class RegistryDrive(Strict):
    """A documented campaign that raised the share of deals registered as technology contracts (service points,
    door-to-door registration): the registered share rises linearly in logs from ``first_quarter`` to
    ``full_quarter`` by the calibrated ``reg_drive`` and stays there."""

    first_quarter: str = Field(pattern=r"^20[0-9]{2}Q[1-4]$", description="first quarter of the drive, e.g. 2022Q2")
    full_quarter: str = Field(pattern=r"^20[0-9]{2}Q[1-4]$", description="quarter it reaches its full size")
    evidence: str = Field(min_length=1, description="where the drive is documented")

    @model_validator(mode="after")
    def _ordered(self) -> RegistryDrive:
        if self.full_quarter < self.first_quarter:
            raise ValueError("full_quarter comes before first_quarter")
        return self


class Transfer(Strict):
    brokers: int = Field(ge=0)
    service_points: int = Field(ge=0)
    contract_value_median_wan: float = Field(gt=0)
    training_cost_wan: float = Field(gt=0, description="万 yuan per trained broker")
    turnover_initial_yi: float = Field(ge=0, description="technology-contract turnover in the initial year, 亿元")
    registry_drive: RegistryDrive | None = Field(None, description="a documented registration drive, if any")


class Platforms(Strict):
    provincial_plus: int = Field(ge=0)
    national_key_labs: int = Field(ge=0)
    host_rd_threshold_wan: float = Field(gt=0, description="yearly R&D (万 yuan) that qualifies a host")
    municipal_labs: int = Field(ge=0, description="municipal labs (key labs, new R&D institutes) in the initial year")
    municipal_threshold_wan: float = Field(
        gt=0, description="yearly R&D (万 yuan) of a firm that can host a municipal lab")


class Plan(Strict):
    """The city's S&T plan: the years it funds, the headline indicators its outputs chart, and the value each
    indicator must exceed in ``target_year`` where the plan states one.

    ``indicators`` (default: the keys of ``targets``) are charted and tabled; ``targets`` holds only what the plan
    states (it may be empty); ``no_target`` names every headline indicator the plan sets no target for, and why —
    those are shown as trajectories without a target line and are never judged."""

    title: str = Field(min_length=1)
    title_zh: str | None = Field(None, min_length=1, description="the plan's title in Chinese (default: title)")
    start_year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, description="first year of the plan's budgets")
    target_year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    indicators: list[str] = Field(default_factory=list, description="headline indicators (default: targets)")
    targets: dict[str, float] = Field(description="indicator -> value to exceed (亿元 for money); may be empty")
    no_target: dict[str, str] = Field(default_factory=dict, description="indicator -> why the plan sets none")

    @model_validator(mode="after")
    def _consistent(self) -> Plan:
        if self.target_year < self.start_year:
            raise ValueError(f"target_year {self.target_year} is before start_year {self.start_year}")
        for name in (*self.targets, *self.indicators, *self.no_target):
            if name not in STOCKS and name not in FLOWS:
                raise ValueError(f"unknown indicator {excerpt(name)} in the plan; allowed: "
                                 f"{', '.join(STOCKS + FLOWS)}")
        shown = self.headline
        if not shown:
            raise ValueError("the plan names no indicator: give targets or indicators")
        for name in self.targets:
            if name not in shown:
                raise ValueError(f"target {excerpt(name)} is not one of the plan's indicators")
            if name in self.no_target:
                raise ValueError(f"{excerpt(name)} has a target and is also listed under no_target")
        for name in shown:
            if name not in self.targets and name not in self.no_target:
                raise ValueError(f"indicator {excerpt(name)} has no target: state it, or say under no_target "
                                 "that the plan sets none")
        return self

    @property
    def headline(self) -> tuple[str, ...]:
        """The indicators charted and tabled: ``indicators``, or the keys of ``targets`` when none are listed."""
        return tuple(self.indicators) if self.indicators else tuple(self.targets)

    @property
    def years(self) -> tuple[int, ...]:
        """The plan's years, ``start_year`` to ``target_year``."""
        return tuple(range(self.start_year, self.target_year + 1))


class Names(Strict):
    """The city's name in charts and briefings."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


class CityProfile(Strict):
    """A city as data. ``observed`` is the file of its published figures (a path relative to the profile, made
    absolute when loaded); ``instruments`` is its menu: each instrument the city runs, with that city's caps
    (option -> the largest value the documents allow, in the option's unit)."""

    name: str
    names: Names
    initial_year: int = Field(ge=2000, le=2030)
    plan: Plan
    observed: str = Field(min_length=1)
    instruments: dict[str, dict[str, float]] = Field(min_length=1)
    enterprises: Enterprises
    universities: Universities
    incubators: Incubators
    investors: Investors
    transfer: Transfer
    platforms: Platforms
    sources: dict[str, str]

    @model_validator(mode="after")
    def _every_number_sourced(self) -> CityProfile:
        missing = [p for p in _numeric_paths(self) if p not in self.sources]
        if missing:
            raise ValueError(f"no source given for {', '.join(missing)} (add them under 'sources')")
        unsourced = [k for k in self.instruments if f"instruments.{k}" not in self.sources]
        if unsourced:
            raise ValueError(f"no source given for the caps of {', '.join(unsourced)} (add instruments.<key> "
                             "under 'sources')")
        if self.initial_year != FIRST_YEAR - 1:
            raise ValueError(f"initial_year must be {FIRST_YEAR - 1}: the simulation calendar starts in {FIRST_YEAR} "
                             "(model/calendar.py) from the state at the end of the year before")
        if self.incubators.national > self.incubators.count:
            raise ValueError("incubators.national exceeds incubators.count")
        return self


def _numeric_paths(profile: CityProfile) -> list[str]:
    paths = ["plan.start_year", "plan.target_year", "plan.targets"]
    for section in ("enterprises", "universities", "incubators", "investors", "transfer", "platforms"):
        obj = getattr(profile, section)
        for field, value in obj:
            if field == "segments":
                paths.append(f"{section}.segments")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                paths.append(f"{section}.{field}")
    return paths


@lru_cache(maxsize=16)
def _load_cached(path: str, mtime: float) -> CityProfile:
    data = read_yaml(Path(path))
    try:
        profile = CityProfile(**data)
    except ValidationError as e:
        raise format_pydantic(path, e) from None
    return _with_observed_path(Path(path), profile)


def load_city(path: str | Path) -> CityProfile:
    """Read and validate a city profile; raises ``InputError`` naming the file and field."""
    p = Path(path)
    if not p.is_file():
        raise InputError(p, "", "city profile not found")
    return _load_cached(str(p.resolve()), p.stat().st_mtime)


def _with_observed_path(path: Path, profile: CityProfile) -> CityProfile:
    """``profile`` with ``observed`` made absolute (relative to the profile's folder); the file must exist."""
    obs = (path.parent / profile.observed).resolve()
    if not obs.is_file():
        raise InputError(path, "observed", f"file not found: {excerpt(profile.observed)}")
    return profile.model_copy(update={"observed": str(obs)})
