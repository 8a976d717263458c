"""Every budget transformation, in one place: what a scenario's ``policy`` block does to the instrument budgets,
and the transformations experiments apply (family mixes, budget levers, one instrument's budget, the
no-new-money counterfactual) with their inverses. Budgets are 亿元 per year in scenarios and yuan in the model.
"""

from __future__ import annotations

from collections.abc import Iterable

from innosim.model.calendar import YEARS
from innosim.model.instruments.registry import FAMILIES, REGISTRY
from innosim.model.scenario import InstrumentSpec, Policy, Scenario
from innosim.model.units import YI


def plain_sum(values: Iterable[float]) -> float:
    """Left-to-right float sum, as ``sum()`` added floats up to Python 3.11. Python 3.12's ``sum()`` compensates
    rounding (CPython gh-100425), which moved mixed budgets in their last digit and some runs across a threshold;
    adding plainly keeps every budget, and so every result, the same on 3.11 and 3.12."""
    total = 0.0
    for v in values:
        total += v
    return total


def start_year(scenario: Scenario) -> int:
    """First year the policy block applies to (the plan's first year unless the scenario sets another)."""
    if scenario.policy.from_year is None:
        raise ValueError(f"scenario {scenario.name!r}: policy.from_year is not resolved; load the scenario with "
                         "model.scenario_files (which fills in the city plan's start year)")
    return scenario.policy.from_year


def family_members(family: str, scenario: Scenario | None = None) -> list[str]:
    """Instrument keys of one family, in registry order (only those on the scenario's city menu, if given)."""
    menu = None if scenario is None else scenario.menu
    return [k for k in REGISTRY if REGISTRY[k].family == family and (menu is None or k in menu)]


def budgets_yuan(scenario: Scenario) -> dict[str, dict[int, float]]:
    """Yearly budget per instrument in yuan after the policy transformation (scale, then family mix)."""
    raw = {k: (scenario.instruments[k].by_year() if k in scenario.instruments else {y: 0.0 for y in YEARS})
           for k in REGISTRY}
    out = {k: dict(v) for k, v in raw.items()}
    pol = scenario.policy
    first = start_year(scenario)
    for y in YEARS:
        if y < first:
            continue
        total = plain_sum(raw[k][y] for k in REGISTRY) * pol.budget_scale
        if pol.mix is None:
            for k in REGISTRY:
                out[k][y] = raw[k][y] * pol.budget_scale
            continue
        for fam in FAMILIES:
            members = family_members(fam, scenario)
            if not members:
                continue
            fam_raw = plain_sum(raw[k][y] for k in members)
            fam_total = total * pol.mix.get(fam, 0.0)
            for k in members:
                # Keep the baseline split inside a family; an empty family splits evenly.
                w = raw[k][y] / fam_raw if fam_raw > 0 else 1.0 / len(members)
                out[k][y] = fam_total * w
    return {k: {y: v * YI for y, v in d.items()} for k, d in out.items()}


def total_yi(scenario: Scenario) -> float:
    """All instruments' budgets over every simulated year, 亿元."""
    return plain_sum(plain_sum(d.values()) for d in budgets_yuan(scenario).values()) / YI


def mean_budget_yi(scenario: Scenario, years: Iterable[int]) -> float:
    """Mean total budget per year over ``years``, 亿元 per year."""
    b = budgets_yuan(scenario)
    years = list(years)
    return plain_sum(plain_sum(d[y] for d in b.values()) for y in years) / len(years) / YI


def family_shares(scenario: Scenario) -> dict[str, float]:
    """Each family's share of the budget in the policy's first year (or the scenario's mix if it sets one)."""
    if scenario.policy.mix is not None:
        return {f: scenario.policy.mix.get(f, 0.0) for f in FAMILIES}
    b = budgets_yuan(scenario)
    y = start_year(scenario)
    fam = {f: plain_sum(b[k][y] for k in REGISTRY if REGISTRY[k].family == f) for f in FAMILIES}
    total = plain_sum(fam.values())
    return {f: (v / total if total > 0 else 1.0 / len(FAMILIES)) for f, v in fam.items()}


def complete_mix(base: Scenario, fixed: dict[str, float]) -> dict[str, float]:
    """A full family mix in which the families in ``fixed`` take the given shares and the others share what is
    left in their base proportions; raises ``ValueError`` when that is impossible."""
    shares = family_shares(base)
    free = [f for f in FAMILIES if f not in fixed]
    rest_total = 1.0 - plain_sum(fixed.values())
    free_base = plain_sum(shares[f] for f in free)
    if rest_total < -1e-9:
        raise ValueError(f"the set family shares sum to {plain_sum(fixed.values()):.3f} > 1")
    if not free:
        if abs(rest_total) > 1e-6:
            raise ValueError(f"every family is set and the shares sum to {1 - rest_total:.3f}, not 1")
    elif free_base <= 0 and rest_total > 1e-9:
        raise ValueError("the families not set have no base budget to share the remainder")
    mix = dict(fixed)
    for f in free:
        mix[f] = max(rest_total, 0.0) * (shares[f] / free_base if free_base > 0 else 0.0)
    return {f: round(v, 12) for f, v in mix.items()}


def instrument_budget_from_start(base: Scenario, key: str, value: float) -> dict[int, float]:
    """The budget map (亿元 per year) of instrument ``key`` set to ``value`` from the policy's first year on."""
    spec = base.instruments.get(key)
    years = spec.by_year() if spec else {}
    first = start_year(base)
    return {**{y: v for y, v in years.items() if y < first}, first: value}


def instrument_budget_at_start(base: Scenario, key: str) -> float:
    """Inverse of ``instrument_budget_from_start``: instrument ``key``'s budget in the policy's first year before
    the budget scale, 亿元 (0 when the scale is 0)."""
    if base.policy.budget_scale <= 0:
        return 0.0
    return budgets_yuan(base)[key][start_year(base)] / YI / base.policy.budget_scale


def with_levers(base: Scenario, levers: dict[str, float]) -> Scenario:
    """``base`` with each family's budget from the policy's first year on multiplied by its lever (1 if absent).

    The budgets are written out per instrument and year (亿元), so the result carries no policy transformation."""
    budgets = budgets_yuan(base)
    first = start_year(base)
    instruments = {}
    for key in REGISTRY:
        m = levers.get(REGISTRY[key].family, 1.0)
        by_year = {y: budgets[key][y] / YI * (m if y >= first else 1.0) for y in YEARS}
        spec = base.instruments.get(key)
        instruments[key] = InstrumentSpec(budget=by_year, options=spec.options if spec else {})
    return base.model_copy(update={"instruments": instruments, "policy": Policy(from_year=first)})


def without_new_money(scenario: Scenario, from_year: int, name: str, description: str) -> Scenario:
    """The counterfactual: every budget zero from ``from_year`` (options, city and assumptions unchanged)."""
    policy = scenario.policy.model_copy(update={"budget_scale": 0.0, "mix": None, "from_year": from_year})
    return scenario.model_copy(update={"name": name, "policy": policy, "description": description})
