"""What the explore page lets a user set, and how a setting becomes a scenario: the shipped scenarios and city
profiles, each instrument family's mean budget over the plan years (亿元/yr), a short list of influential
behavioural assumptions, and the scenario YAML a setting exports to (``innosim run`` of it reproduces the page)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from innosim.model.city import CityProfile, load_city
from innosim.model.instruments.registry import FAMILIES
from innosim.model.parameters import BY_NAME, Parameter
from innosim.model.policy import budgets_yuan, family_members, instrument_budget_from_start, plain_sum, with_levers
from innosim.model.scenario import InstrumentSpec, Scenario
from innosim.model.scenario_files import SHIPPED_SCENARIOS, load_scenario_file, validate_scenario
from innosim.model.units import YI

# The assumptions offered on the page: the ones sensitivity runs found to move the targets most. Checked against
# model.parameters.BY_NAME by ``assumption_parameters`` (the page calls it when it starts; a test too).
ASSUMPTIONS: tuple[str, ...] = ("p_register", "theta_sell", "alpha_constrained", "prov_quota", "k_b")
MAX_SETTINGS = 4  # settings kept side by side
MAX_REPLICATES = 200


def assumption_parameters(names: tuple[str, ...] = ASSUMPTIONS) -> list[Parameter]:
    """The declared parameters behind ``names``; raises ``KeyError`` naming every one that is not declared."""
    missing = [n for n in names if n not in BY_NAME]
    if missing:
        raise KeyError(f"explore assumptions not declared in model/parameters.py: {', '.join(missing)}")
    return [BY_NAME[n] for n in names]


def shipped_scenarios() -> dict[str, Path]:
    """Scenario name -> file of every shipped scenario, baseline first: ``scenarios/*.yaml`` by their stem, then
    each other city's scenarios (``scenarios/<city>/*.yaml``) as ``<city>/<stem>``."""
    files = sorted(SHIPPED_SCENARIOS.glob("*.yaml"), key=lambda p: (p.stem != "baseline", p.stem))
    out = {p.stem: p for p in files}
    for folder in sorted(d for d in SHIPPED_SCENARIOS.iterdir() if d.is_dir() and d.name not in ("cities", "sweeps")):
        for p in sorted(folder.glob("*.yaml"), key=lambda p: (p.stem != "baseline", p.stem)):
            out[f"{folder.name}/{p.stem}"] = p
    return out


def cities() -> dict[str, Path]:
    """City name -> profile file of every shipped city (``scenarios/cities/*.yaml``)."""
    return {p.stem: p for p in sorted((SHIPPED_SCENARIOS / "cities").glob("*.yaml"))}


@dataclass(frozen=True)
class Loaded:
    """A scenario as loaded for the page: the scenario (city applied), its city profile and its file."""

    scenario: Scenario
    city: CityProfile
    path: Path


def load(path: str | Path, city: str | Path | None = None) -> Loaded:
    """Load a scenario file, optionally with another city profile (a file path); raises ``InputError``."""
    src = load_scenario_file(path)
    if city is None or Path(city).resolve() == Path(src.scenario.city).resolve():
        return Loaded(src.scenario, src.city, Path(path))
    raw = src.scenario.model_dump()
    raw["city"] = str(Path(city).resolve())
    raw["policy"]["from_year"] = None
    scen = validate_scenario(raw, path)
    return Loaded(scen, load_city(scen.city), Path(path))


def family_budgets(scenario: Scenario, years: tuple[int, ...]) -> dict[str, float]:
    """Each family's mean yearly budget over ``years`` (亿元/yr), after the scenario's policy block."""
    b = budgets_yuan(scenario)
    return {f: plain_sum(plain_sum(b[k][y] for k in family_members(f)) for y in years) / len(years) / YI
            for f in FAMILIES}


@dataclass(frozen=True)
class Setting:
    """One setting of the page: family budgets (亿元/yr, mean over the plan years; None = the scenario's),
    assumption values (only those changed), replicates, seed and parameter source (``posterior`` or ``prior``)."""

    budgets: dict[str, float] = field(default_factory=dict)
    assumptions: dict[str, float] = field(default_factory=dict)
    replicates: int = 8
    seed: int = 20240101
    params: str = "posterior"

    def with_budget(self, family: str, value: float) -> Setting:
        return replace(self, budgets={**self.budgets, family: float(value)})

    def with_assumption(self, name: str, value: float) -> Setting:
        return replace(self, assumptions={**self.assumptions, name: float(value)})


def apply(base: Loaded, setting: Setting) -> Scenario:
    """The scenario a setting describes: each family's budget from the plan's first year scaled to the set mean
    (a family the scenario leaves empty gets the set amount split evenly over its instruments on the city's menu;
    a family the city runs no instrument of stays empty), assumptions set.
    Returns ``base.scenario`` itself when nothing differs (so the pair shares its runs)."""
    scen = base.scenario
    now = family_budgets(scen, base.city.plan.years)
    changed = {f: v for f, v in setting.budgets.items() if abs(v - now[f]) > 1e-9}
    assumptions = {**scen.assumptions, **setting.assumptions}
    if not changed and assumptions == scen.assumptions:
        return scen
    out = scen
    if changed:
        out = with_levers(scen, {f: v / now[f] for f, v in changed.items() if now[f] > 0})
        empty = [f for f in changed if now[f] <= 0]
        if empty:
            instruments = dict(out.instruments)
            for f in empty:
                members = family_members(f, scen)  # only instruments on the city's menu can be funded
                for k in members:
                    opts = instruments[k].options if k in instruments else {}
                    instruments[k] = InstrumentSpec(budget=instrument_budget_from_start(
                        out, k, changed[f] / len(members)), options=opts)
            out = out.model_copy(update={"instruments": instruments})
    return out.model_copy(update={"name": f"{scen.name}-explore", "assumptions": assumptions,
                                  "description": f"{scen.name} as set on the innosim explore page"})


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as a YAML file ``innosim run`` reads back into the same scenario (budgets in 亿元/yr)."""
    data = scenario.model_dump(exclude_defaults=False)
    data["instruments"] = {k: {"budget": {int(y): float(v) for y, v in spec.by_year().items()},
                               **({"options": spec.options} if spec.options else {})}
                           for k, spec in scenario.instruments.items()}
    data["policy"] = {k: v for k, v in data["policy"].items() if v is not None}
    head = "# Written by innosim explore; run it with: innosim run <this file> --replicates N --seed S\n"
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
