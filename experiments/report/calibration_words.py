"""Names of the calibration's panels and published figures in English and Chinese (units: firms, 亿元 …)."""

from __future__ import annotations

# indicator of the model's quarterly output -> (panel title, unit); the nine panels of fit.png, in order.
PANELS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {"hte": ("HTE stock", "firms"), "tech_sme": ("Registered tech SMEs (running total)", "firms"),
           "tech_enterprises": ("Tech-based enterprises", "firms"),
           "rd_expenditure": ("R&D expenditure", "100m yuan / yr"),
           "tech_contract_turnover": ("Technology-contract turnover", "100m yuan / yr"),
           "tech_brokers": ("Technology brokers", "persons"),
           "platforms": ("Prov.-and-above platforms", "platforms"),
           "national_key_labs": ("National key labs", "labs"), "listed_hte": ("Listed HTEs", "firms")},
    "zh": {"hte": ("高新技术企业数", "家"), "tech_sme": ("入库科技型中小企业（累计）", "家"),
           "tech_enterprises": ("科技型企业数量", "家"), "rd_expenditure": ("全社会研发经费", "亿元/年"),
           "tech_contract_turnover": ("技术合同成交额", "亿元/年"), "tech_brokers": ("技术经纪人", "名"),
           "platforms": ("省级以上科创平台", "家"), "national_key_labs": ("国家重点实验室", "家"),
           "listed_hte": ("上市高企数", "家")},
}
# Stocks are read at year end, the other panels summed over the year.
STOCK = {"hte", "tech_sme", "tech_enterprises", "tech_brokers", "platforms", "national_key_labs", "listed_hte"}

# fit.csv's indicator names of the published figures.
FIT_NAMES = {
    "en": {"hte_stock": "HTE stock", "hte_applications": "HTE applications", "hte_listed": "listed HTEs",
           "tech_sme_registered": "registered tech SMEs", "tech_enterprises": "tech-based enterprises",
           "rd_expenditure_growth": "R&D growth", "rd_expenditure": "R&D expenditure",
           "tech_contract_turnover": "contract turnover", "tech_brokers": "technology brokers",
           "platforms_provincial_plus": "prov.-and-above platforms", "national_key_labs": "national key labs",
           "national_incubators": "national incubators"},
    "zh": {"hte_stock": "高新技术企业数", "hte_applications": "高企申报数", "hte_listed": "上市高企数",
           "tech_sme_registered": "入库科技型中小企业", "tech_enterprises": "科技型企业数量",
           "rd_expenditure_growth": "研发经费增速", "rd_expenditure": "全社会研发经费",
           "tech_contract_turnover": "技术合同成交额", "tech_brokers": "技术经纪人",
           "platforms_provincial_plus": "省级以上科创平台", "national_key_labs": "国家重点实验室",
           "national_incubators": "国家级孵化器"},
}
PERIODS = {"en": {"year_end": "year end", "year": "full year", "mid_year": "mid-year", "h1": "H1",
                  "jan_to_sep": "Jan–Sep", "first_batch": "first batch", "average": "average"},
           "zh": {"year_end": "年末", "year": "全年", "mid_year": "年中", "h1": "上半年", "jan_to_sep": "1–9月",
                  "first_batch": "第一批", "average": "年均"}}
