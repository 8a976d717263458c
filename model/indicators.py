"""Indicators recorded every quarter, and their yearly aggregation (stocks at year end, flows summed).

Money is recorded in yuan per quarter and reported in 亿元 (1e8 yuan) in annual tables.
"""

from __future__ import annotations

import numpy as np

from innosim.model.calendar import N_QUARTERS

# The five 2028 targets (BRIEF §2): indicator -> (target value, unit for tables)
TARGETS: dict[str, float] = {
    "tech_enterprises": 22000,
    "rd_expenditure": 800.0,
    "platforms": 200,
    "tech_contract_turnover": 1200.0,
    "tech_brokers": 3400,
}

STOCKS = ("tech_enterprises", "hte", "tech_sme", "listed_hte", "platforms", "national_key_labs", "tech_brokers",
          "incubated", "national_incubators", "firms_alive", "public_stakes", "public_stake_cost",
          "vc_backed")
FLOWS = ("rd_expenditure", "rd_firms", "rd_universities", "tech_contract_turnover", "births", "exits",
         "vc_deals", "hte_new", "equity_exits", "equity_proceeds", "equity_written_off", "voucher_deadweight",
         "private_coinvest", "brokered_matches", "contracts_university", "converted_grants", "seed_rewards",
         "hte_applications")
MONEY = {"rd_expenditure", "rd_firms", "rd_universities", "tech_contract_turnover", "equity_proceeds",
         "equity_written_off", "voucher_deadweight", "private_coinvest", "seed_rewards", "public_stake_cost"}
# Flows the model accumulates during a quarter (the rest are computed when recording).
ACCUMULATED = ("tech_contract_turnover", "vc_deals", "hte_new", "equity_exits", "equity_proceeds",
               "equity_written_off", "voucher_deadweight", "private_coinvest", "brokered_matches",
               "contracts_university", "converted_grants", "seed_rewards", "hte_applications")


def empty_flows() -> dict[str, float]:
    return dict.fromkeys(ACCUMULATED, 0.0)


class Recorder:
    """Quarterly indicator arrays, one row per quarter index."""

    def __init__(self, instrument_keys: list[str]) -> None:
        self.spend_keys = [f"spend_{k}" for k in instrument_keys]
        self.names = list(STOCKS) + list(FLOWS) + self.spend_keys
        self.data = {k: np.zeros(N_QUARTERS) for k in self.names}

    def record(self, m, q: int, rd_firms: float, births: int, exits: int, spend: dict[str, float]) -> None:
        f = m.firms
        d = self.data
        registered = f.tech_sme | (f.tech_sme_last & (q % 4 < 3))
        d["tech_enterprises"][q] = np.count_nonzero(f.alive & (f.hte | registered))
        d["hte"][q] = np.count_nonzero(f.hte)
        d["tech_sme"][q] = np.count_nonzero(f.tech_sme)
        d["listed_hte"][q] = np.count_nonzero(f.listed & f.hte & f.alive)
        d["platforms"][q] = m.platforms.count(f)
        d["national_key_labs"][q] = m.platforms.national
        d["tech_brokers"][q] = m.brokers.count()
        d["incubated"][q] = np.count_nonzero(f.incubated)
        d["national_incubators"][q] = np.count_nonzero(m.incubators.national)
        d["firms_alive"][q] = np.count_nonzero(f.alive)
        held = f.stake > 0
        d["public_stakes"][q] = np.count_nonzero(held)
        d["public_stake_cost"][q] = float(f.stake_cost[held].sum())
        d["vc_backed"][q] = np.count_nonzero(f.vc_backed & f.alive)
        rd_u = m.universities.rd_quarter()
        d["rd_firms"][q] = rd_firms
        d["rd_universities"][q] = rd_u
        d["rd_expenditure"][q] = rd_firms + rd_u
        d["births"][q] = births
        d["exits"][q] = exits
        for k in ACCUMULATED:
            d[k][q] = m.flows[k]
        for k, v in spend.items():
            d[f"spend_{k}"][q] = v
