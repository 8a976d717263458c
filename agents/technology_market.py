"""Firm-to-firm technology contracts: firms sell out of their knowledge stock; brokers deepen the market.

Registered turnover counts contracts whose seller is in the city; firms are > 90% of sellers by value (MOST
2019). Contract values are log-normal with a heavy right tail (``contract_sigma``).
"""

from __future__ import annotations

import numpy as np

from innosim.agents.world import World
from innosim.model.units import WAN


def quarter_share(q: int, h1_share: float) -> float:
    """Share of a year's contracts registered in quarter index ``q``: registrations cluster at the year's end."""
    h2 = 1.0 - h1_share
    return (h1_share / 2, h1_share / 2, 0.35 * h2, 0.65 * h2)[q % 4]


def firm_contracts(m: World, q: int, rng: np.random.Generator) -> None:
    """Poisson contract counts per selling firm, log-normal values; adds to this quarter's turnover (yuan)."""
    f, p = m.firms, m.params
    median = m.city.transfer.contract_value_median_wan * WAN
    mean_value = median * np.exp(0.5 * p["contract_sigma"] ** 2)
    market = m.brokers.broker_index() ** p["beta_broker"]
    season = 4.0 * quarter_share(q, p["h1_share"])
    lam = np.where(f.alive, p["theta_sell"] * f.knowledge / 4.0 * market * season / mean_value, 0.0)
    counts = rng.poisson(lam)
    k = int(counts.sum())
    values = median * np.exp(p["contract_sigma"] * rng.standard_normal(k))
    m.flows["tech_contract_turnover"] += float(values.sum())
