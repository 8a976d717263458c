"""Indicators recorded every quarter, and their yearly aggregation (stocks at year end, flows summed).

Money is recorded in yuan per quarter and reported in 亿元 (1e8 yuan) in annual tables.
"""

from __future__ import annotations

STOCKS = ("tech_enterprises", "hte", "tech_sme", "listed_hte", "platforms", "national_key_labs", "tech_brokers",
          "incubated", "national_incubators", "firms_alive", "public_stakes", "public_stake_cost",
          "vc_backed", "municipal_labs", "young_firms")
# tech_contract_turnover is what the registry counts (the targets and the published figures); contract_deals is
# what was signed, in initial-year registration terms (agents.registry).
FLOWS = ("rd_expenditure", "rd_firms", "rd_universities", "tech_contract_turnover", "contract_deals", "births",
         "exits", "vc_deals", "hte_new", "equity_exits", "equity_proceeds", "equity_written_off", "voucher_deadweight",
         "private_coinvest", "brokered_matches", "contracts_university", "converted_grants", "seed_rewards",
         "hte_applications", "services_unsubsidised", "voucher_additional", "rd_relabelled", "sme_matches",
         "hte_bunching")
MONEY = {"rd_expenditure", "rd_firms", "rd_universities", "tech_contract_turnover", "contract_deals",
         "equity_proceeds", "equity_written_off", "voucher_deadweight", "private_coinvest", "seed_rewards",
         "public_stake_cost", "services_unsubsidised", "voucher_additional", "rd_relabelled"}
# Flows the model accumulates during a quarter (the rest are computed when recording).
ACCUMULATED = ("tech_contract_turnover", "contract_deals", "vc_deals", "hte_new", "equity_exits", "equity_proceeds",
               "equity_written_off", "voucher_deadweight", "private_coinvest", "brokered_matches",
               "contracts_university", "converted_grants", "seed_rewards", "hte_applications",
               "services_unsubsidised", "voucher_additional", "rd_relabelled", "sme_matches", "hte_bunching")


def empty_flows() -> dict[str, float]:
    return dict.fromkeys(ACCUMULATED, 0.0)
