"""The technology-contract registry: which share of the deals made is registered, and so counted as technology-
contract turnover (技术合同成交额).

Deals are what firms, universities and brokers actually sign (``contract_deals``, yuan). Registration is a separate
decision of the seller, pushed by the registration network (service points, district assessments) and pulled by the
tax exemptions on registered income. Its share moves in steps that the deals do not: among large provincial
registries 2015–2023, annual log growth deviates from each place's trend with SD ≈ 0.29, of which ≈ 0.19 persists as
a level shift and ≈ 0.17 reverts the next year (``calibration/data/turnover_panel.md``).

The registered share is a level relative to the initial year's (``theta_sell`` and the contract sizes are fitted to
registered turnover, so 1.0 means "as registered in 2021"). Its log is

- a documented registration drive (the city profile's ``transfer.registry_drive``): a linear ramp to the calibrated
  ``reg_drive`` log points, kept afterwards;
- from ``shocks_from`` on (the first year no published figure is fitted to): a random walk with yearly steps of SD
  ``reg_shock_sd``. In fitted years the figures themselves set the level through ``reg_drive``, so forecasts start
  from the level the data show instead of a fresh draw of it.

The panel's one-year spikes (SD ≈ 0.17) need no term of their own: the model's heavy-tailed contract values already
make yearly log growth deviate from a run's own trend with SD ≈ 0.15 (24 replicates of one posterior vector).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from innosim.model.calendar import FIRST_YEAR, index
from innosim.model.city import RegistryDrive


def quarter_index(label: str) -> int:
    """Quarter index of a '2022Q2' label (0 = the first simulated quarter)."""
    return index(int(label[:4]), int(label[-1]))


class Registry:
    """The registered share of deals (relative to the initial year's), quarter by quarter."""

    def __init__(self, drive: RegistryDrive | None, shocks_from: int) -> None:
        self.drive = (quarter_index(drive.first_quarter), quarter_index(drive.full_quarter)) if drive else None
        self.shocks_from = shocks_from
        self.level = 0.0  # persistent log shift from the shocks so far

    def start_year(self, year: int, params: Mapping[str, float], rng: np.random.Generator) -> None:
        """Year start: from ``shocks_from`` on, the year's persistent step (log points)."""
        if year >= max(self.shocks_from, FIRST_YEAR + 1):
            self.level += params["reg_shock_sd"] * float(rng.standard_normal())

    def share(self, q: int, params: Mapping[str, float]) -> float:
        """Registered share of quarter ``q``'s deals, relative to the initial year's."""
        log = self.level
        if self.drive is not None:
            first, full = self.drive
            ramp = min(1.0, max(0.0, (q - first + 1) / (full - first + 1)))
            log += params["reg_drive"] * ramp
        return float(np.exp(log))
