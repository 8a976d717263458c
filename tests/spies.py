"""Test helpers that watch instruments pay without changing what they do."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from innosim.model.instruments.base import Call, Grant, Instrument


def spy_effect(inst: Instrument, check: Callable[..., None]) -> None:
    """Call ``check(world, call, grant)`` each time instrument ``inst`` pays, before its effect runs."""
    orig = inst.effect

    def effect(w, call: Call, grant: Grant) -> None:
        check(w, call, grant)
        return orig(w, call, grant)

    inst.effect = effect  # type: ignore[method-assign]


def recheck_eligibility(inst: Instrument, w, call: Call, idx: np.ndarray) -> bool:
    """Whether every paid id is still eligible at the moment of payment (for instruments whose eligibility
    draws no randomness), on a throw-away stream so the run's own draws are untouched."""
    probe = Call(q=call.q, year=call.year, budget_left=call.budget_left, stream=lambda: np.random.default_rng(0))
    return bool(np.all(inst.eligible(w, probe)[idx]))
