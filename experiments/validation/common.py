"""What every virtual experiment shares: the scenario it runs, parameter sets per replicate, and one measured
number with its spread across replicates and the published value it is checked against."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from innosim.calibration.posterior import Posterior, replicate_parameters
from innosim.model.parameters import resolve
from innosim.model.scenario import InstrumentSpec, Scenario
from innosim.model.scenario_files import SHIPPED_SCENARIOS, load_scenario

Z90 = 1.645  # two-sided 90% normal quantile


def baseline(budgets: dict[str, float | dict[int, float]] | None = None) -> Scenario:
    """The shipped baseline scenario with some instruments' budgets replaced (亿元 per year, or year -> 亿元)."""
    sc = load_scenario(SHIPPED_SCENARIOS / "baseline.yaml")
    if not budgets:
        return sc
    inst = dict(sc.instruments)
    for key, budget in budgets.items():
        old = inst.get(key)
        inst[key] = InstrumentSpec(budget=budget, options=old.options if old else {})
    return sc.model_copy(update={"instruments": inst})


def parameter_sets(replicates: int, post: Posterior | None = None, seed: int = 0,
                   overrides: dict[str, float] | None = None) -> list[dict[str, float]]:
    """One parameter set per replicate: prior medians (``post`` None) or replicate k's posterior draw, then
    ``overrides``."""
    out = []
    for k in range(replicates):
        base = resolve() if post is None else replicate_parameters(post, seed, k)[1]
        out.append({**base, **(overrides or {})})
    return out


@dataclass(frozen=True)
class Published:
    """A published field result: the value as stated, the range a model value is accepted in, and its source.
    ``one_sided``: a claim that the value exceeds ``low`` (e.g. "small firms above large"), which the model must
    show — its whole 90% interval above ``low`` — rather than merely be compatible with."""

    text: str
    low: float
    high: float
    source: str
    one_sided: bool = False


@dataclass(frozen=True)
class Measured:
    """One measured number: mean over replicates (``value``), the 5-95% range of the replicate values (``low``,
    ``high``), the per-replicate values, and — for a share — the binomial SE of the pooled share (``se``).
    ``passed``: the 90% interval of the estimate (replicate mean ± 1.645·sd/√n, or pooled share ± 1.645·se) meets
    the published range — or, for a one-sided claim, lies wholly above its lower end."""

    experiment: str
    name: str
    unit: str
    values: tuple[float, ...]
    published: Published | None  # None: reported alongside another row's check, not checked itself
    se: float | None = None
    pooled: float | None = None  # the pooled estimate, where the experiment pools replicates (shares)
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def replicates(self) -> int:
        return len(self.values)

    @property
    def value(self) -> float:
        return float(self.pooled) if self.pooled is not None else float(np.mean(self.values))

    @property
    def low(self) -> float:
        return float(np.quantile(self.values, 0.05))

    @property
    def high(self) -> float:
        return float(np.quantile(self.values, 0.95))

    @property
    def half_width(self) -> float:
        """Half-width of the 90% interval of the estimate (replicate mean or pooled share)."""
        if self.se is not None:
            return Z90 * self.se
        n = len(self.values)
        return Z90 * float(np.std(self.values, ddof=1)) / math.sqrt(n) if n > 1 else 0.0

    @property
    def passed(self) -> bool | None:
        if self.published is None:
            return None
        h, pub = self.half_width, self.published
        if pub.one_sided:
            return self.value - h > pub.low
        return self.value + h >= pub.low and self.value - h <= pub.high

    def row(self) -> dict[str, object]:
        """The JSON form of this result."""
        return {"experiment": self.experiment, "name": self.name, "unit": self.unit, "value": self.value,
                "interval_90": [self.low, self.high], "estimate_half_width_90": self.half_width,
                "replicates": self.replicates, "se": self.se, "values": list(self.values),
                "published": self.published.text if self.published else None,
                "accept": [finite(self.published.low), finite(self.published.high)] if self.published else None,
                "source": self.published.source if self.published else None, "passed": self.passed, **self.extra}


def finite(x: float) -> float | None:
    """``x``, or None where it is infinite or nan (JSON has no infinity)."""
    return x if math.isfinite(x) else None


def check_sets(sets: Sequence[dict[str, float]]) -> None:
    """At least one replicate is needed."""
    if not sets:
        raise ValueError("at least one replicate (parameter set) is needed")
