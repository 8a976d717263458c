"""Technology brokers (技术经纪人): a stock that grows with training, demand from contract volume and
retention, and shrinks with attrition. Not a trend: every change comes from one of these flows. Brokers make
*brokered* deals — university results and firms' technology needs — up to a capacity per broker (``k_b``; the
calibration city's 52 teams brokered 459 matches in a year); they do not scale the firm-to-firm market."""

from __future__ import annotations

import numpy as np

ADJUST_Q = 0.10  # share of the demand gap service points close each quarter


class BrokerPool:
    """Broker stock (persons) and the service points that employ them."""

    def __init__(self, brokers: int, service_points: int) -> None:
        self.stock = float(brokers)
        self.initial = float(brokers)
        self.service_points = int(service_points)
        self.trained_total = 0.0
        self.hired_total = 0.0
        self.free = 0.0  # matches the brokers can still make this quarter

    def train(self, trainees: float, retention: float) -> None:
        """Trained brokers, of whom ``retention`` become active."""
        self.trained_total += trainees
        self.stock += trainees * retention

    def hire(self, n: float) -> None:
        """Brokers hired by service points with their rewards."""
        self.hired_total += n
        self.stock += n

    def step(self, params: dict[str, float], last_year_turnover_yi: float) -> None:
        """Quarterly attrition, then demand-driven hiring towards ``broker_demand`` per 亿 of turnover."""
        self.stock *= (1.0 - params["broker_attrition"]) ** 0.25
        target = params["broker_demand"] * last_year_turnover_yi
        self.stock += ADJUST_Q * max(0.0, target - self.stock)

    def capacity(self, k_b: float, season: float) -> float:
        """Matches the active brokers can make this quarter (``k_b`` a broker a year, times the quarter's share of
        the year's registrations); resets what was used."""
        self.free = self.stock * k_b * season
        return self.free

    def use(self, matches: float) -> None:
        """Matches made this quarter take up capacity."""
        self.free = max(0.0, self.free - matches)

    def count(self) -> int:
        return int(np.floor(self.stock))

