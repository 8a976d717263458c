"""How each published figure enters the ABC distance (documented in calibration/README.md).

Every row of the city's observed file (``calibration/data/``) becomes an ``Observation``: either used, with the model
statistic it is compared with (same indicator, same period: a year-end stock, a mid-year stock, a full-year or
first-half flow, a running total within the year), a mode and a scale; or not used, with the reason.

- ``actual``: two-sided, scale 5% of the value (at least 0.5·sqrt(value) and 1, for small counts).
- ``actual`` stated as a lower bound (突破 / 超, "a lower bound" in the note): penalised only when the simulation
  falls below it.
- ``partial``: compared with the simulated same period (first half-year, Jan-Sep running total, mid-year stock),
  scale 10%; lower bounds one-sided as above.
- ``implied_base`` (half a 2028 doubling target): two-sided with a wide scale, 25%.
- ``target``: never an observation.
Rows before the initial state (end-2020), after the calibration window (2024+, kept for out-of-sample checks; the
2021-2024 R&D growth figure excepted) or without a model counterpart are listed as not used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from innosim.calibration.observed import load_observed
from innosim.model.calendar import FIRST_YEAR, LAST_FITTED_YEAR, index
from innosim.model.units import YI

REL_SD = {"actual": 0.05, "partial": 0.10, "implied_base": 0.25}
LOWER_BOUND_MARKERS = ("lower bound", "突破", "超")
GROWTH_SD = 0.01  # absolute scale of an average growth rate (1 percentage point)
CAL_QUARTERS = 16  # 2021Q1-2024Q4: the 2021-2024 R&D growth figure needs 2024
LAST_CAL_YEAR = LAST_FITTED_YEAR  # later single-year figures are kept out of the fit (out-of-sample checks)

# (observed indicator, period) -> model statistic template; {y} is the year
STATS = {
    ("hte_stock", "year_end"): "hte@{y}Q4",
    ("hte_listed", "mid_year"): "listed_hte@{y}Q2",
    ("hte_applications", "first_batch"): "hte_applications:{y}",
    ("tech_sme_registered", "jan_to_sep"): "tech_sme@{y}Q3",
    ("tech_sme_registered", "h1"): "tech_sme@{y}Q2",
    ("tech_enterprises", "year_end"): "tech_enterprises@{y}Q4",
    ("rd_expenditure", "year"): "rd_expenditure:{y}",
    ("rd_expenditure_growth", "average"): "rd_growth:{y}",
    ("tech_contract_turnover", "year"): "tech_contract_turnover:{y}",
    ("tech_contract_turnover", "h1"): "tech_contract_turnover:{y}H1",
    ("tech_brokers", "year_end"): "tech_brokers@{y}Q4",
    ("platforms_provincial_plus", "year_end"): "platforms@{y}Q4",
    ("national_key_labs", "mid_year"): "national_key_labs@{y}Q2",
    ("national_incubators", "mid_year"): "national_incubators@{y}Q2",
    ("municipal_key_labs", "sep"): "municipal_labs@{y}Q3",
}
# Partial figures that cover only part of what the statistic covers (the first of several batches): lower bounds.
PARTIAL_OF_STATISTIC = {("hte_applications", "first_batch")}
NO_COUNTERPART = {
    "gdp": "GDP is not modelled",
    "rd_intensity": "R&D intensity needs GDP, which is not modelled",
    "provincial_tech_innovation_centres": "no separate count of technology-innovation centres in the model",
    "provincial_new_rd_institutes_rated_excellent": "a rating count, not a stock the model has",
    "rd_institution_coverage_large_industrial": "R&D institutions inside firms are not modelled",
    "large_industrial_firms_with_rd_institution": "R&D institutions inside firms are not modelled",
    "credit_whitelist_firms": "an eligibility list, not an outcome the model produces",
    "loan_investment_linkage_firms": "cumulative programme count since before 2021; the model starts at end-2020",
    "municipal_nsf_youth_grants": "a budget-driven delivery count (an input, not behaviour)",
    "key_tech_projects_municipal": "a budget-driven delivery count (an input, not behaviour)",
    "park_cultivation_projects": "a budget-driven delivery count (an input, not behaviour)",
    "incubators_total": "only a 2018 figure, before the initial state",
}


@dataclass(frozen=True)
class Observation:
    """One published figure and how it is used."""

    key: str
    indicator: str
    year: str
    period: str
    kind: str
    value: float
    source_id: str
    stat: str | None
    mode: str  # "two_sided" | "lower_bound" | "unused"
    sd: float
    reason: str

    @property
    def used(self) -> bool:
        return self.stat is not None


def _is_lower_bound(row: pd.Series) -> bool:
    note = str(row.get("note", "") or "")
    return any(m in note for m in LOWER_BOUND_MARKERS)


def _classify(row: pd.Series) -> Observation:
    ind, year, period, kind = row["indicator"], str(row["year"]), row["period"], row["kind"]
    value = float(row["value"])
    key = f"{ind}/{year}/{period}"
    common = dict(key=key, indicator=ind, year=year, period=period, kind=kind, value=value,
                  source_id=str(row["source_id"]))
    if kind == "target":
        return Observation(**common, stat=None, mode="unused", sd=np.nan, reason="a plan target, not an observation")
    if ind in NO_COUNTERPART:
        return Observation(**common, stat=None, mode="unused", sd=np.nan, reason=NO_COUNTERPART[ind])
    first_year = int(year.split("-")[0])
    if first_year < FIRST_YEAR and ind != "rd_expenditure_growth":
        reason = "before the initial state (end-2020)"
        if ind == "rd_expenditure" and first_year == FIRST_YEAR - 1:
            reason = "the initial condition: the city profile is built to match it"
        return Observation(**common, stat=None, mode="unused", sd=np.nan, reason=reason)
    if first_year > LAST_CAL_YEAR:
        return Observation(**common, stat=None, mode="unused", sd=np.nan,
                           reason=f"after the calibration window (2021-{LAST_CAL_YEAR}): kept for out-of-sample checks")
    template = STATS.get((ind, period))
    if template is None:
        return Observation(**common, stat=None, mode="unused", sd=np.nan, reason="no model statistic for this period")
    lower = _is_lower_bound(row) or (ind, period) in PARTIAL_OF_STATISTIC
    if ind == "rd_expenditure_growth":
        return Observation(**common, stat=template.format(y=year), mode="two_sided", sd=GROWTH_SD,
                           reason="average yearly growth 2020->2024 of simulated R&D, ±1 pp")
    # Small counts get a Poisson-like floor so one lab more or less is not a large miss.
    sd = max(REL_SD[kind] * value, 0.5 * np.sqrt(value), 1.0)
    mode = "lower_bound" if lower else "two_sided"
    reason = {"actual": "same indicator and period",
              "partial": "compared with the simulated same period",
              "implied_base": "soft: half a 2028 doubling target"}[kind]
    if lower:
        reason += "; stated as a lower bound (突破/超): penalised only below it"
    return Observation(**common, stat=template.format(y=first_year), mode=mode, sd=sd, reason=reason)


def observations(frame: pd.DataFrame | None = None) -> list[Observation]:
    """Every row of the observed file, classified."""
    df = load_observed() if frame is None else frame
    return [_classify(r) for _, r in df.iterrows()]


def used(obs: list[Observation] | None = None) -> list[Observation]:
    return [o for o in (obs if obs is not None else observations()) if o.used]


# --- model statistics --------------------------------------------------------------------------------------
def statistic(stat: str, data: dict[str, np.ndarray], initial_rd_yi: float) -> float:
    """Value of a statistic such as ``hte@2021Q4``, ``tech_contract_turnover:2022H1`` or ``rd_growth:2021-2024``
    from a run's quarterly arrays (money in yuan there; statistics in 亿元)."""
    if "@" in stat:
        name, when = stat.split("@")
        year, q = int(when[:4]), int(when[-1])
        return float(data[name][index(year, q)])
    name, when = stat.split(":")
    if name == "rd_growth":
        last = int(when.split("-")[1])
        total = data["rd_expenditure"][index(last, 1): index(last, 4) + 1].sum() / YI
        years = last - (FIRST_YEAR - 1)
        return float((total / initial_rd_yi) ** (1.0 / years) - 1.0)
    year = int(when[:4])
    end = index(year, 2) if when.endswith("H1") else index(year, 4)
    value = float(data[name][index(year, 1): end + 1].sum())
    return value / YI if name in ("rd_expenditure", "tech_contract_turnover") else value


def distance(sim: dict[str, float], obs: list[Observation], observed: dict[str, float] | None = None) -> float:
    """sqrt of the sum of squared standardised misses (one-sided for lower bounds); ``observed`` replaces the
    published values (e.g. data the model generated, for identifiability checks)."""
    total = 0.0
    for o in obs:
        target = o.value if observed is None else observed[o.key]
        miss = sim[o.key] - target
        if o.mode == "lower_bound":
            miss = min(0.0, miss)
        total += (miss / o.sd) ** 2
    return float(np.sqrt(total))


def table(obs: list[Observation] | None = None) -> pd.DataFrame:
    """The observation model as a table (for the README and the manifest)."""
    rows = [{"key": o.key, "kind": o.kind, "value": o.value, "used": o.used, "statistic": o.stat, "mode": o.mode,
             "scale": o.sd, "reason": o.reason, "source": o.source_id} for o in (obs or observations())]
    return pd.DataFrame(rows)
