"""Policy signals: what the city's programmes announce to firms, investors and hosts in one quarter.

Agents respond to money that is on offer, not to instruments by name. The simulation asks every instrument
for its signals at the start of each quarter (from the ledger: is this year's budget still open, and how much
is left) and hands the agents one ``PolicySignals``; which instrument provides which signal is the
instrument's business (``Instrument.signals``). Money in yuan.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PolicySignals:
    """This quarter's offers. Defaults describe a city with no programme."""

    vouchers_open: bool = False  # voucher money is left this year: registering as a tech SME can pay
    seed_reward_open: bool = False  # VCs can count on the seed-investment reward this year
    platform_award_budget: float = 0.0  # yuan of platform awards left this year
    platform_award_provincial: float = 0.0  # yuan awarded per new provincial-and-above platform
