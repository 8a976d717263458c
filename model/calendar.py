"""The simulation calendar: quarterly steps 2021Q1-2028Q4 from an initial state at end-2020."""

from __future__ import annotations

FIRST_YEAR = 2021
LAST_YEAR = 2028
YEARS: tuple[int, ...] = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
N_QUARTERS = 4 * len(YEARS)
# The last year whose published figures the shipped calibration fits (calibration.observation_model); processes
# whose realised path the figures pin down (the registry's share) draw fresh shocks only after it.
LAST_FITTED_YEAR = 2023


def year_of(q: int) -> int:
    """Calendar year of quarter index ``q`` (0 = 2021Q1)."""
    return FIRST_YEAR + q // 4


def quarter_of(q: int) -> int:
    """Quarter within the year, 1-4."""
    return q % 4 + 1


def label(q: int) -> str:
    """'2021Q1' style label."""
    return f"{year_of(q)}Q{quarter_of(q)}"


def index(year: int, quarter: int) -> int:
    """Quarter index of ``year``Q``quarter``."""
    return (year - FIRST_YEAR) * 4 + quarter - 1
