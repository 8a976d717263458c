"""National tax rules that make certification and registration worth something to a firm (rates, shares).

These are national, not city, rules: the same for every city profile. Sources are the State Council / Ministry of
Finance announcements named beside each figure; docs/model.md cites them in full.
"""

from __future__ import annotations

CIT_STANDARD = 0.25  # enterprise income tax rate (企业所得税法)
CIT_HTE = 0.15  # certified high-tech enterprises (企业所得税法 第二十八条)
HTE_NOTCH = CIT_STANDARD - CIT_HTE  # share of taxable profit the certificate saves
SMALL_PROFIT_LIMIT = 3e6  # yuan of taxable profit up to which 小型微利企业 pay an effective 5% (公告2023年第12号)
HTE_YEARS = 3  # validity of a certificate (高新技术企业认定管理办法 2016)

# Extra R&D super-deduction (加计扣除) a *registered* tech SME gets beyond an unregistered firm, by year, as a share
# of R&D: 2021 manufacturing firms already 100% (财政部 税务总局公告2021年第13号), others 75%, tech SMEs 75%;
# 2022 tech SMEs 100% (公告2022年第16号) vs 75% for non-manufacturing firms; from 2023 every firm 100%
# (公告2023年第7号). The gain applies to the non-manufacturing share of firms (NON_MANUFACTURING_SHARE).
SUPER_DEDUCTION_GAIN: dict[int, float] = {2022: 0.25}
NON_MANUFACTURING_SHARE = 0.4  # assumption: software / services share of tech SMEs


def super_deduction_gain(year: int) -> float:
    """Extra deduction (share of R&D) registration earns a non-manufacturing tech SME in ``year``."""
    return SUPER_DEDUCTION_GAIN.get(year, 0.0)
