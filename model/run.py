"""The one run path: build a model, step it, read what was asked for, and always dispose of it.

``run_one`` is a pure function of (scenario, parameters, seed, replicate): every command that runs the model
(run, sweep, sensitivity, compare, calibration, benchmarks) goes through it, so the Mesa 3.3 leak fix
(``InnosimModel.dispose``) cannot be forgotten at a call site. What a caller wants beyond the quarterly
indicators and the ledger — a payment log, year-end snapshots of firm columns, the 拨改投 fund's expected
proceeds — it asks for with probes, which see the model after every quarter and return one object at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from innosim.model.calendar import N_QUARTERS
from innosim.model.city import CityProfile
from innosim.model.instruments.delivery import Payment
from innosim.model.scenario import Scenario
from innosim.model.simulation import InnosimModel


class Probe(Protocol):
    """Reads a running model. ``name`` keys its result in ``RunResult.probes``."""

    name: str

    def start(self, model: InnosimModel) -> None: ...

    def after_quarter(self, model: InnosimModel, q: int) -> None: ...

    def finish(self, model: InnosimModel) -> Any: ...


@dataclass
class RunResult:
    """One run: quarterly indicator arrays (yuan for money, one value per quarter index), the ledger as records
    (instrument × year, 亿元) and each probe's result."""

    replicate: int
    quarterly: dict[str, np.ndarray]
    ledger: list[dict[str, float | int | str]]
    probes: dict[str, Any] = field(default_factory=dict)


class PaymentLog:
    """Every payment of every instrument: (instrument, year, recipient ids, yuan)."""

    name = "payments"

    def __init__(self) -> None:
        self.payments: list[Payment] = []

    def start(self, model: InnosimModel) -> None:
        model.payment_listeners.append(self.payments.append)

    def after_quarter(self, model: InnosimModel, q: int) -> None:
        return None

    def finish(self, model: InnosimModel) -> list[Payment]:
        return self.payments


def run_one(scenario: Scenario, params: dict[str, float], seed: int, replicate: int,
            probes: Sequence[Probe] = (), city: CityProfile | None = None, quarters: int = N_QUARTERS) -> RunResult:
    """Run ``quarters`` quarters of one replicate; the model is disposed of before this returns."""
    model = InnosimModel(scenario, params, seed=seed, replicate=replicate, city=city)
    try:
        for p in probes:
            p.start(model)
        for q in range(quarters):
            model.step()
            for p in probes:
                p.after_quarter(model, q)
        data = {k: v[:quarters].copy() for k, v in model.recorder.data.items()}
        ledger = model.ledger.rows()
        results = {p.name: p.finish(model) for p in probes}
    finally:
        model.dispose()
    del model
    return RunResult(replicate=replicate, quarterly=data, ledger=ledger, probes=results)
