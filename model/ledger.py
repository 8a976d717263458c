"""The ledger: every public yuan booked per instrument and year, never more than the budget.

Budgets and amounts are in yuan. The 拨改投 fund is revolving: exit proceeds are booked as ``proceeds`` in the
year they arrive and recycled into the next year's equity budget (``recycled``), so money out, stakes held,
exits and money back are tracked to the yuan.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from innosim.model.calendar import FIRST_YEAR, YEARS


@njit(cache=True, nogil=True)
def first_come(requests, left, out):
    """Paid per request (yuan, in priority order) out of ``left``, into ``out``: each request less what the earlier
    ones take, floored at 0, i.e. ``max(min(request, left - before), 0)`` with ``before`` the exclusive running sum
    of the requests, added in order as np.cumsum adds them. One loop instead of five numpy calls on every delivery.
    ``out`` comes from numpy: numba's own arrays carry a float64 descriptor that takes ``np.add.at`` (used on the
    payments downstream) off its fast path."""
    before = 0.0
    for j in range(requests.size):
        out[j] = max(min(requests[j], left - before), 0.0)
        before += requests[j]


class BudgetExceeded(RuntimeError):
    """A booking would take spending past the budget: a bug in an instrument, never a user error."""


class Ledger:
    """Budgets and bookings, arrays indexed by [instrument, year]."""

    def __init__(self, budgets: dict[str, dict[int, float]], recycle_into: str | None = "equity") -> None:
        self.keys = list(budgets)
        self._row = {k: i for i, k in enumerate(self.keys)}
        shape = (len(self.keys), len(YEARS))
        self.budget = np.zeros(shape)
        for k, by_year in budgets.items():
            for y, v in by_year.items():
                self.budget[self._row[k], y - FIRST_YEAR] = v
        self.spent = np.zeros(shape)
        self.recipients = np.zeros(shape, dtype=np.int64)
        self.proceeds = np.zeros(len(YEARS))
        self.recycled = np.zeros(len(YEARS))
        self.invested = np.zeros(len(YEARS))
        self.recycle_into = recycle_into

    def remaining(self, key: str, year: int) -> float:
        """Budget left for ``key`` in ``year`` (yuan)."""
        r, c = self._row[key], year - FIRST_YEAR
        return max(0.0, float(self.budget[r, c] - self.spent[r, c]))

    def spent_in(self, key: str, year: int) -> float:
        """Yuan booked for ``key`` in ``year`` so far."""
        return float(self.spent[self._row[key], year - FIRST_YEAR])

    def fit(self, key: str, year: int, requests: np.ndarray) -> np.ndarray:
        """Amounts paid for ``requests`` (yuan, in priority order) within what is left: first come, first
        served; the first request that does not fit is cut to the remainder and later ones get nothing."""
        left = self.remaining(key, year)
        if requests.size == 0 or left <= 0:
            return np.zeros_like(requests)
        paid = np.empty(requests.size)
        first_come(np.asarray(requests, dtype=float), left, paid)
        return paid

    def book(self, key: str, year: int, amounts: np.ndarray) -> float:
        """Book payments (yuan); raises ``BudgetExceeded`` if they exceed the remaining budget."""
        # The array methods run the same reductions as np.sum / np.any without their Python-level dispatch.
        total = float(amounts.sum())
        if total < 0 or (amounts < 0).any():
            raise BudgetExceeded(f"{key}: negative payment")
        r, c = self._row[key], year - FIRST_YEAR
        if self.spent[r, c] + total > self.budget[r, c] * (1 + 1e-12) + 1e-6:
            raise BudgetExceeded(f"{key} {year}: {self.spent[r, c] + total:.0f} > budget {self.budget[r, c]:.0f}")
        self.spent[r, c] += total
        self.recipients[r, c] += int(np.count_nonzero(amounts))
        if key == self.recycle_into:
            self.invested[c] += total
        return total

    def receive_proceeds(self, year: int, amount: float) -> None:
        """Exit proceeds of public stakes (yuan) arrive in ``year``; they top up next year's fund budget."""
        if amount < 0:
            raise ValueError("proceeds cannot be negative")
        c = year - FIRST_YEAR
        self.proceeds[c] += amount
        if self.recycle_into is not None and c + 1 < len(YEARS):
            self.budget[self._row[self.recycle_into], c + 1] += amount
            self.recycled[c + 1] += amount

    def unspent(self) -> np.ndarray:
        """Budget left over per [instrument, year] (yuan)."""
        return self.budget - self.spent

    def rows(self) -> list[dict[str, float | int | str]]:
        """One record per instrument × year (亿元): budget (incl. recycled proceeds), spent, unspent, recipients;
        the equity rows also carry the fund's proceeds and recycled money."""
        out = []
        for r, key in enumerate(self.keys):
            for c, year in enumerate(YEARS):
                rec = {"instrument": key, "year": year, "budget": self.budget[r, c] / 1e8,
                       "spent": self.spent[r, c] / 1e8, "unspent": (self.budget[r, c] - self.spent[r, c]) / 1e8,
                       "recipients": int(self.recipients[r, c]), "proceeds": 0.0, "recycled": 0.0}
                if key == self.recycle_into:
                    rec["proceeds"] = self.proceeds[c] / 1e8
                    rec["recycled"] = self.recycled[c] / 1e8
                out.append(rec)
        return out
