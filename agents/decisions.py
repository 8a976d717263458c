"""Decisions a firm weighs on its expected benefit, as pure vectorised functions of primitives.

The rules in ``agents/`` call these on the model's firm columns; the virtual experiments
(``experiments/validation``) call the same functions, so a published field result the model reproduces comes
from these decisions and changes when their primitives change. Money in yuan, rates per year unless stated.
"""

from __future__ import annotations

import numpy as np

from innosim.model.tax import HTE_NOTCH, SMALL_PROFIT_LIMIT


def buys_service(log_ratio: np.ndarray, fee: np.ndarray, subsidy: np.ndarray | float = 0.0) -> np.ndarray:
    """A firm buys an external R&D / testing service when the need's value exceeds the price it pays:
    value = fee·exp(log_ratio), price = fee − subsidy (a voucher pays ``subsidy`` yuan of the fee)."""
    price_share = np.maximum(1.0 - np.asarray(subsidy) / np.maximum(fee, 1.0), 1e-12)
    return log_ratio > np.log(price_share)


def voucher_gain(log_ratio: np.ndarray, fee: np.ndarray, subsidy: np.ndarray) -> np.ndarray:
    """Surplus a voucher of ``subsidy`` yuan adds to a need: the whole subsidy if the firm buys anyway, the
    value above the lowered price if the voucher makes it buy, nothing if it still does not buy (yuan)."""
    value = fee * np.exp(log_ratio)
    return np.clip(value - fee + subsidy, 0.0, subsidy)


def relabel_share(c_real: float, kappa: np.ndarray) -> np.ndarray:
    """Share of an R&D-intensity gap a firm closes by relabelling rather than real R&D. Closing a yuan of gap
    costs ``(1 − s)·c_real + kappa·s²/2`` (real R&D at net cost ``c_real``; relabelling at an expected penalty
    convex in the relabelled share), minimised at ``s = c_real / kappa``."""
    return np.clip(c_real / np.asarray(kappa, dtype=float), 0.0, 1.0)


def gap_unit_cost(c_real: float, kappa: np.ndarray) -> np.ndarray:
    """Least cost of closing one yuan of intensity gap (yuan), at the optimal relabelling share."""
    s = relabel_share(c_real, kappa)
    return (1.0 - s) * c_real + kappa * s**2 / 2.0


def notch_value(margin: np.ndarray, revenue: np.ndarray) -> np.ndarray:
    """Yearly tax the HTE certificate saves: the 10-point notch on pre-tax profit (yuan). Nothing for loss makers,
    and nothing for small-profit enterprises (taxable profit ≤ 300万), whose preferential rate is already below
    15% — for them the certificate is worth only the awards and programmes that require it."""
    profit = np.maximum(margin, 0.0) * revenue
    return np.where(profit > SMALL_PROFIT_LIMIT, HTE_NOTCH * profit, 0.0)


def constrained_share(revenue: np.ndarray, rev_half: float) -> np.ndarray:
    """Probability a firm of yearly ``revenue`` (yuan) is financially constrained: one half at ``rev_half``,
    falling with size (log-logistic, slope 0.8)."""
    return 1.0 / (1.0 + np.exp(0.8 * np.log(np.maximum(revenue, 1.0) / rev_half)))


def additionality(constrained: np.ndarray, alpha_c: float, alpha_u: float) -> np.ndarray:
    """Own R&D per public R&D yuan: crowding in where internal funds bind, partial crowding out where not."""
    return np.where(constrained, alpha_c, alpha_u)


def registers(value: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """A firm registers (or applies) when the expected yearly value of the status exceeds its cost."""
    return value > cost
