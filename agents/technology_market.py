"""Technology contracts between firms: firms sell out of their knowledge stock (the large contracts, which follow
R&D and knowledge); brokers match firms' technology needs with what their spare capacity allows.

Registered turnover counts contracts whose seller is in the city; firms are > 90% of sellers by value (MOST
2019). Contract values are log-normal with a heavy right tail (``contract_sigma``). Registration itself is driven by
the national tax treatment of registered technology-contract income (技术转让所得 exemption, VAT exemption), which is
the same in every scenario: it is part of ``theta_sell``, not a lever.
"""

from __future__ import annotations

import numpy as np

from innosim.agents.world import World
from innosim.model.units import WAN

# Brokered and university–firm deals are small: Zhenhai 2014 brokered deals 0.75–3.8m yuan each; Ningbo's > 1,600
# brokers made 26.4m yuan of deals in Jan–Jul 2024 (≈ 0.05% of the city's turnover). Median 30万, log-sd 1.
BROKERED_MEDIAN_WAN = 30.0
BROKERED_SIGMA = 1.0


def brokered_values(k: int, rng: np.random.Generator) -> np.ndarray:
    """Values (yuan) of ``k`` brokered or university–firm contracts."""
    return BROKERED_MEDIAN_WAN * WAN * np.exp(BROKERED_SIGMA * rng.standard_normal(k))


def quarter_share(q: int, h1_share: float) -> float:
    """Share of a year's contracts registered in quarter index ``q``: registrations cluster at the year's end."""
    h2 = 1.0 - h1_share
    return (h1_share / 2, h1_share / 2, 0.35 * h2, 0.65 * h2)[q % 4]


def firm_contracts(m: World, q: int, rng: np.random.Generator) -> None:
    """This quarter's firm-to-firm contracts: a Poisson count with the firms' summed sales rate (their knowledge
    stocks), log-normal values; adds to this quarter's turnover (yuan)."""
    f, p = m.firms, m.params
    median = m.city.transfer.contract_value_median_wan * WAN
    mean_value = median * np.exp(0.5 * p["contract_sigma"] ** 2)
    season = 4.0 * quarter_share(q, p["h1_share"])
    # compress, not a boolean index: the same elements and sum, without the index machinery (2× faster here)
    lam = p["theta_sell"] * float(np.sum(np.compress(f.alive, f.knowledge))) / 4.0 * season / mean_value
    k = int(rng.poisson(lam))
    values = median * np.exp(p["contract_sigma"] * rng.standard_normal(k))
    m.flows["contract_deals"] += float(values.sum())


def broker_matches(m: World, q: int, rng: np.random.Generator) -> None:
    """Firms' technology needs that brokers match with their capacity left after university results; each match is
    a brokered contract (``brokered_values``, yuan)."""
    f, p = m.firms, m.params
    tech = float(np.count_nonzero(f.alive & (f.tech_sme | f.hte)))
    needs = rng.poisson(p["sme_need"] * tech * quarter_share(q, p["h1_share"]))
    k = int(min(needs, np.floor(m.brokers.free)))
    m.brokers.use(k)
    m.flows["contract_deals"] += float(brokered_values(k, rng).sum())
    m.flows["sme_matches"] += k
    m.flows["brokered_matches"] += k
