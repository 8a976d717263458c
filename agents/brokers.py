"""Technology brokers (技术经纪人): a stock that grows with training, demand from contract volume and
retention, and shrinks with attrition. Not a trend: every change comes from one of these flows."""

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

    def count(self) -> int:
        return int(np.floor(self.stock))

    def broker_index(self) -> float:
        """Brokers relative to the initial stock (drives firm-to-firm deal flow)."""
        return self.stock / max(self.initial, 1.0)
