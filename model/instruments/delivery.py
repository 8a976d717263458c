"""The one delivery path every instrument is paid through: its call (quarter, budget left, own random stream),
eligibility, priority, requests fitted first come first served into the year's budget, booking in the ledger,
the payment record, then the effect on the recipients. Money in yuan."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

import numpy as np

from innosim.agents.world import World
from innosim.model.calendar import quarter_of, year_of
from innosim.model.instruments.base import Call, Grant, Instrument
from innosim.model.ledger import Ledger
from innosim.model.rng import Streams

Payment = tuple[str, int, np.ndarray, np.ndarray]  # instrument, year, recipient ids, yuan
Listener = Callable[[Payment], None]


def deliver(inst: Instrument, w: World, ledger: Ledger, streams: Streams, q: int,
            listeners: Iterable[Listener] = ()) -> float:
    """Run ``inst``'s call in quarter ``q`` if it has one and money is left; returns yuan paid."""
    year = year_of(q)
    left = ledger.remaining(inst.key, year)
    if quarter_of(q) not in inst.quarters or left <= 0:
        return 0.0
    call = Call(q=q, year=year, budget_left=left, stream=partial(streams.get, inst.key, q))
    mask = inst.eligible(w, call)
    idx = inst.select(w, call, mask)
    if idx.size == 0:
        return 0.0
    ask = inst.request(w, call, idx)
    paid = ledger.fit(inst.key, year, ask.amount)
    keep = paid > 0
    idx, paid = idx[keep], paid[keep]
    total = ledger.book(inst.key, year, paid)
    if idx.size:
        for listener in listeners:
            listener((inst.key, year, idx.copy(), paid.copy()))
        basis = None if ask.basis is None else ask.basis[keep]
        inst.effect(w, call, Grant(idx=idx, paid=paid, basis=basis))
    return total
