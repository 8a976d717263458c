"""Policy signals: what the city's programmes announce to firms, investors and hosts in one quarter.

Agents respond to money that is on offer, not to instruments by name. The simulation asks every instrument
for its signals at the start of each quarter (its terms, and how much of this year's budget is left) and hands
the agents one ``PolicySignals``; which instrument provides which signal is the instrument's business
(``Instrument.signals``). An agent turns a budget into an expected value by dividing it among the claims it
expects (``funded_share``), so money acts through the size of what is on offer, never through an on/off flag.
Money in yuan.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PolicySignals:
    """This quarter's offers. Defaults describe a city with no programme."""

    voucher_budget: float = 0.0  # yuan of vouchers left this year
    voucher_rate: float = 0.0  # share of a service fee the voucher pays
    voucher_cap: float = 0.0  # yuan per firm per year
    sme_budget: float = 0.0  # yuan of tech-SME project support left this year
    sme_cap: float = 0.0  # yuan per project
    sme_share_of_rd: float = 0.0  # project asked as a share of the firm's yearly R&D
    sme_min_rd: float = 0.0  # yearly R&D (yuan) a firm needs to apply
    loan_budget: float = 0.0  # yuan of loan subsidies left this year
    loan_subsidy: float = 0.0  # yuan a subsidised borrower receives at most (cap)
    hte_award_budget: float = 0.0  # yuan of HTE awards left this year
    hte_award_first: float = 0.0  # yuan per first certification
    hte_award_renewal: float = 0.0  # yuan per renewal
    seed_budget: float = 0.0  # yuan of seed rewards left this year
    seed_rate: float = 0.0  # reward per yuan of seed investment
    rd_reward_budget: float = 0.0  # yuan of R&D-increase rewards left this year
    rd_reward_rate: float = 0.0  # reward per yuan of verified R&D increase
    rd_reward_cap: float = 0.0  # yuan per firm
    rd_reward_min: float = 0.0  # yuan of increase a firm needs to qualify
    lab_budget: float = 0.0  # yuan of platform awards left this year
    lab_award: float = 0.0  # yuan per new municipal lab


def funded_share(budget: float, claims: float) -> float:
    """Expected share of a claim that is paid when ``claims`` yuan compete for ``budget`` yuan, first come first
    served: 1 while the budget covers every claim, falling as 1/claims beyond."""
    if budget <= 0.0:
        return 0.0
    if claims <= budget:
        return 1.0
    return budget / claims
