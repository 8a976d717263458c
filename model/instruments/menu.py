"""A city's instrument menu: which instruments the city runs and, for each, its caps (``CityProfile.instruments``).

A scenario may fund only instruments on its city's menu, and may set a capped option (``Options.caps``) at most to
the city's cap; an option it leaves out takes the city's cap. An instrument off the menu is built with its
defaults and, with no budget, never pays and draws nothing (``model.instruments.base``).
"""

from __future__ import annotations

from innosim.model.city import CityProfile
from innosim.model.errors import excerpt
from innosim.model.instruments.base import Options
from innosim.model.instruments.registry import REGISTRY
from innosim.model.scenario import Scenario


def check_profile_menu(city: CityProfile) -> None:
    """Every menu entry names a registered instrument and only its capped options; raises ``ValueError`` with
    the field path."""
    for key, caps in city.instruments.items():
        if key not in REGISTRY:
            raise ValueError(f"instruments.{key}: unknown instrument {excerpt(key)}; allowed: {', '.join(REGISTRY)}")
        allowed = REGISTRY[key].Options.caps
        for name, value in caps.items():
            if name not in allowed:
                raise ValueError(f"instruments.{key}.{name}: not a cap of {key}; its caps: "
                                 f"{', '.join(allowed) or 'none'}")
            if value <= 0:
                raise ValueError(f"instruments.{key}.{name}: a cap must be > 0 (got {value})")
        missing = [c for c in allowed if c not in caps]
        if missing:
            raise ValueError(f"instruments.{key}: no cap given for {', '.join(missing)}")


def check_menu(scenario: Scenario, city: CityProfile) -> None:
    """The scenario funds only instruments on the city's menu, within the city's caps; raises ``ValueError``
    naming the scenario field."""
    for key, spec in scenario.instruments.items():
        if key not in city.instruments:
            if any(v > 0 for v in spec.by_year().values()):
                raise ValueError(f"instruments.{key}: {city.name} does not run this instrument (it is not on the "
                                 f"city profile's instrument menu: {', '.join(city.instruments)})")
            continue
        for name, value in spec.options.items():
            cap = city.instruments[key].get(name)
            if cap is not None and value > cap:
                raise ValueError(f"instruments.{key}.options.{name}: {value} exceeds {city.name}'s cap {cap:g}")
    check_mix(scenario, city)


def check_mix(scenario: Scenario, city: CityProfile) -> None:
    """A family mix gives money only to families the city runs an instrument of."""
    for fam, share in (scenario.policy.mix or {}).items():
        runs = [k for k in city.instruments if REGISTRY[k].family == fam]
        if share > 0 and not runs:
            raise ValueError(f"policy.mix.{fam}: {city.name} runs no {fam} instrument (its menu: "
                             f"{', '.join(city.instruments)})")


def options_for(scenario: Scenario, city: CityProfile, key: str) -> Options:
    """Validated options of instrument ``key`` in ``city``: the scenario's options over the city's caps."""
    spec = scenario.instruments.get(key)
    given = spec.options if spec else {}
    return REGISTRY[key].Options(**{**city.instruments.get(key, {}), **given})
