"""The factor space of a sensitivity batch, built from the same declarations the calibration uses.

Factors are the declared behavioural parameters (``model/parameters.py``: name, group, prior range, unit) and
the policy levers: one budget multiplier per instrument family (``lever.<family>``, 0.5–2 × the scenario's
budget of that family over the city plan's years). Log-uniform factors are sampled in log coordinates, so a
Morris step or a Sobol point is even in log space. Ranges default to the priors; ``posterior`` uses the
calibrated posterior's weighted 5–95% range for the parameters it holds. Factors not analysed are fixed at
their prior median (``posterior``: the posterior's weighted median where it has one) and levers at 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from innosim.calibration.identifiability import weighted_quantile
from innosim.calibration.posterior import Posterior
from innosim.model.city import Plan
from innosim.model.errors import InputError
from innosim.model.instruments.registry import FAMILIES
from innosim.model.parameters import BY_NAME, PARAMETERS

LEVER_LOW, LEVER_HIGH = 0.5, 2.0
LEVER_GROUP = "levers"
GROUPS = tuple(dict.fromkeys(p.group for p in PARAMETERS)) + (LEVER_GROUP,)


@dataclass(frozen=True)
class Factor:
    """One factor: natural-unit range, whether it is sampled in log coordinates, its group and unit."""

    name: str
    group: str
    low: float
    high: float
    log: bool
    unit: str

    def bounds(self) -> list[float]:
        """Bounds in the sampling coordinate."""
        return [math.log(self.low), math.log(self.high)] if self.log else [self.low, self.high]

    def to_natural(self, u: np.ndarray) -> np.ndarray:
        return np.exp(u) if self.log else u


def all_factors(plan: Plan, families: tuple[str, ...] = FAMILIES) -> list[Factor]:
    """Every declared parameter (prior ranges) and a lever for each of ``families`` (default: every family; a
    command passes those its city runs) on the budget of ``plan``'s years."""
    out = [Factor(p.name, p.group, p.low, p.high, p.prior == "loguniform", p.unit) for p in PARAMETERS]
    years = f"{plan.start_year}-{plan.target_year}"
    out += [Factor(f"lever.{f}", LEVER_GROUP, LEVER_LOW, LEVER_HIGH, True, f"× {years} budget of family {f}")
            for f in FAMILIES if f in families]
    return out


def select(spec: str, factors: list[Factor]) -> list[Factor]:
    """Factors named by ``spec`` among ``factors``: ``all``, group names and/or factor names, comma-separated."""
    by_name = {f.name: f for f in factors}
    chosen: dict[str, Factor] = {}
    for token in [t.strip() for t in spec.split(",") if t.strip()]:
        if token == "all":
            chosen.update(by_name)
        elif token in GROUPS:
            chosen.update({f.name: f for f in factors if f.group == token})
        elif token in by_name:
            chosen[token] = by_name[token]
        else:
            raise InputError("--params", token, f"not a factor or group; groups: {', '.join(GROUPS)}, 'all', or "
                             "parameter names (model/parameters.py) and lever.<family>")
    if len(chosen) < 2:
        raise InputError("--params", spec, "a sensitivity analysis needs at least two factors")
    return [f for f in factors if f.name in chosen]  # declaration order, whatever order they were named in


def posterior_ranges(factors: list[Factor], post: Posterior) -> list[Factor]:
    """Factors with the posterior's weighted 5–95% range where the posterior holds them."""
    out = []
    for f in factors:
        if f.name in post.names:
            x = post.particles[f.name].to_numpy(dtype=float)
            lo, hi = (weighted_quantile(x, post.weights, q) for q in (0.05, 0.95))
            if hi <= lo:  # a collapsed marginal: keep a sliver so the factor still has a range
                p = BY_NAME[f.name]
                lo, hi = max(p.low, lo * (1 - 1e-3) if f.log else lo - 1e-3 * (p.high - p.low)), \
                    min(p.high, hi * (1 + 1e-3) if f.log else hi + 1e-3 * (p.high - p.low))
            out.append(Factor(f.name, f.group, lo, hi, f.log, f.unit))
        else:
            out.append(f)
    return out


def fixed_values(post: Posterior | None) -> dict[str, float]:
    """Values of the parameters not analysed: prior medians, or posterior weighted medians where available."""
    values = {p.name: p.median for p in PARAMETERS}
    if post is not None:
        for name in post.names:
            values[name] = weighted_quantile(post.particles[name].to_numpy(dtype=float), post.weights, 0.5)
    return values


def problem(factors: list[Factor], grouped: bool) -> dict:
    """The SALib problem (bounds in sampling coordinates; groups = the declarations' groups if ``grouped``)."""
    prob = {"num_vars": len(factors), "names": [f.name for f in factors], "bounds": [f.bounds() for f in factors]}
    if grouped:
        prob["groups"] = [f.group for f in factors]
    return prob
