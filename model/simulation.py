"""The innosim Mesa model: one quarter per step, 2021Q1-2028Q4, from the city's end-2020 state.

Phase order of one quarter (the only place it is defined):
 0. year start (Q1)   the year's growth shocks; firms plan R&D (reward response, bunching at the HTE notch)
 1. entry and exit      births (background + university spin-outs), incubator graduation and intake, exits
 2. status rounds       tech-SME register batch (every quarter); HTE certification (Q4)
 3. investors           VC / angel deals (with 先投后股 conversion), 拨改投 exits, listings
 4. instruments         every registered instrument in registry order, within its yearly budget
 5. R&D and growth      service purchases at full price; R&D spending (own + public with additionality + awards +
                        VC money); revenue growth
 6. transfer            university results -> contracts, firm-to-firm contracts, brokered firm needs, broker flows
 7. platforms           annual platform round (Q4)
 8. record              indicators of the quarter; year-end bookkeeping after Q4

The model is a pure function of (scenario, parameters, seed, replicate): all randomness comes from named
streams (``model.rng.Streams``). It implements ``agents.world.World`` — what rules and instruments may read and
write — and keeps the ledger, the streams and the instruments to itself: instruments are paid through
``model.instruments.delivery``, and agents see the programmes only as this quarter's ``PolicySignals``.
Run it through ``model.run.run_one``, which always calls ``dispose()`` so that Mesa 3.3 (which keeps every model
alive through ``Agent._ids``) does not leak across long ensembles.
"""

from __future__ import annotations

import mesa
import numpy as np

from innosim.agents import enterprise_rules as rules
from innosim.agents import services, status
from innosim.agents.brokers import BrokerPool
from innosim.agents.enterprises import EnterpriseAgent, synthesise
from innosim.agents.incubators import IncubatorNetwork
from innosim.agents.investors import InvestorSector
from innosim.agents.platforms import PlatformRegistry
from innosim.agents.registry import Registry
from innosim.agents.technology_market import broker_matches, firm_contracts
from innosim.agents.universities import UniversitySector
from innosim.model.calendar import FIRST_YEAR, LAST_FITTED_YEAR, N_QUARTERS, year_of
from innosim.model.city import CityProfile, load_city
from innosim.model.indicators import empty_flows
from innosim.model.instruments.delivery import Listener, deliver
from innosim.model.instruments.menu import options_for
from innosim.model.instruments.registry import REGISTRY
from innosim.model.ledger import Ledger
from innosim.model.parameters import resolve
from innosim.model.policy import budgets_yuan
from innosim.model.recorder import Recorder
from innosim.model.rng import Streams
from innosim.model.scenario import Scenario
from innosim.model.scenario_files import with_plan_start
from innosim.model.signals import PolicySignals
from innosim.model.units import YI


class InnosimModel(mesa.Model):
    """The city's innovation ecosystem under one scenario."""

    def __init__(self, scenario: Scenario, params: dict[str, float] | None = None, seed: int = 0,
                 replicate: int = 0, city: CityProfile | None = None) -> None:
        self.streams = Streams(seed, replicate)
        super().__init__(rng=self.streams.run_seed())
        self.city = city or load_city(scenario.city)
        scenario = with_plan_start(scenario, self.city)
        self.params = resolve({**(params or {}), **scenario.assumptions})
        self.q = 0
        self.year = FIRST_YEAR
        self.flows = empty_flows()
        self._spin_queue: list[np.ndarray] = []
        self._inspected: dict[int, EnterpriseAgent] = {}
        # Called with every payment (instrument, year, recipient rows, yuan); a probe subscribes (model.run).
        self.payment_listeners: list[Listener] = []
        self.signals = PolicySignals()
        c = self.city
        self.firms = synthesise(c, self.streams.get("synthesis"))
        self.nu_scale = self.firms.nu_scale
        self.birth_segment_code = [s.name for s in c.enterprises.segments].index(c.enterprises.birth_segment)
        self.universities = UniversitySector(self, c.universities, self.streams.get("universities.setup"))
        self.incubators = IncubatorNetwork(self, c.incubators, self.streams.get("incubators.setup"))
        self.incubators.seat_initial(self.firms, c.incubators.tenants_total, self.streams.get("incubators.seat"))
        inv = c.investors
        self.investors = InvestorSector(self, inv.vc_funds, inv.angel_networks, inv.banks, inv.guidance_funds)
        self.brokers = BrokerPool(c.transfer.brokers, c.transfer.service_points)
        pl = c.platforms
        self.platforms = PlatformRegistry(pl.municipal_labs, pl.provincial_plus, pl.national_key_labs,
                                          self.universities.n, self.universities.rd_year, self.firms,
                                          pl.host_rd_threshold_wan, pl.municipal_threshold_wan,
                                          self.streams.get("platforms.setup"))
        self.instruments = {k: cls(options_for(scenario, c, k)) for k, cls in REGISTRY.items()}
        self.ledger = Ledger(budgets_yuan(scenario))
        self.hte_round = status.HTERound()
        self.recorder = Recorder(list(REGISTRY))
        self.last_year_turnover = c.transfer.turnover_initial_yi * YI  # registered, yuan
        self.last_year_deals = self.last_year_turnover  # signed, in initial-year registration terms (yuan)
        self._year_turnover = 0.0
        self._year_deals = 0.0
        fitted = scenario.fitted_through if scenario.fitted_through is not None else LAST_FITTED_YEAR
        self.registry = Registry(c.transfer.registry_drive, shocks_from=fitted + 1)
        self.firms_alive_start = int(np.count_nonzero(self.firms.alive))
        services.draw_service_needs(self, FIRST_YEAR, self._need_keys(-1))

    # --- the actions World grants rules and instruments ----------------------------------------------
    def queue_spinouts(self, parents: np.ndarray) -> None:
        """University ids of spin-outs to be born next quarter."""
        if parents.size:
            self._spin_queue.append(parents)

    def add_firm_rd(self, idx: np.ndarray, amount: np.ndarray) -> None:
        """Extra R&D (yuan) performed this quarter by firms ``idx`` (e.g. bought services)."""
        f = self.firms
        np.add.at(f.rd, idx, amount)
        np.add.at(f.rd_year, idx, amount)
        np.add.at(f.knowledge, idx, amount)
        self._extra_rd += float(np.sum(amount))

    def receive_equity_proceeds(self, year: int, amount: float) -> None:
        """拨改投 exit proceeds (yuan) arrive in ``year``; the ledger recycles them into next year's fund."""
        self.ledger.receive_proceeds(year, amount)

    def policy_signals(self, year: int) -> PolicySignals:
        """What the programmes announce now: each instrument's signals given its budget left this year."""
        offers: dict[str, float | bool] = {}
        for key, inst in self.instruments.items():
            offers.update(inst.signals(self.ledger.remaining(key, year)))
        return PolicySignals(**offers)

    def enterprise(self, firm_id: int) -> EnterpriseAgent:
        """Firm ``firm_id`` as a Mesa agent (created on first request) for inspection."""
        if not 0 <= firm_id < self.firms.n:
            raise IndexError(f"no firm {firm_id}: the model has {self.firms.n}")
        if firm_id not in self._inspected:
            self._inspected[firm_id] = EnterpriseAgent(self, firm_id)
        return self._inspected[firm_id]

    # --- one quarter ------------------------------------------------------------------------------
    def step(self) -> None:
        q = self.q
        self.year = year_of(q)
        s = self.streams
        self.flows = empty_flows()
        self._extra_rd = 0.0
        # Offers are read before anything is paid this quarter; every programme an agent responds to below pays
        # later in the quarter (or, for platform awards, after the round), so this equals reading them live.
        self.signals = self.policy_signals(self.year)
        # 0. year start
        if q % 4 == 0:
            self.firms_alive_start = int(np.count_nonzero(self.firms.alive))
            rules.draw_growth(self, s.key("growth", q))
            self.registry.start_year(self.year, self.params, s.get("registry", q))
            rules.assess_finance(self)
            rules.plan_rd_reward(self)
            self.hte_round.plan_bunching(self, self.year)
        # 1. entry and exit
        parents = np.concatenate(self._spin_queue) if self._spin_queue else np.empty(0, dtype=np.int64)
        self._spin_queue = []
        new = rules.births(self, q, parents, s.get("births", q))
        self.incubators.step(self.firms, q, new, s.get("incubators", q))
        dead = rules.exits(self, q, s.key("exits", q))
        self.investors.fund.write_off(self, dead)
        # 2. status rounds
        status.register_tech_smes(self, q, s.key("tech_sme", q))
        if q % 4 == 3:
            self.hte_round.run(self, self.year, (s.key("hte.apply", q), s.key("hte.pass", q)))
        # 3. investors
        vc_keys = (s.key("vc.signal", q), s.key("vc.seed", q), s.key("vc.amount", q))
        self.investors.step(self, q, s.get("vc", q), vc_keys)
        self.investors.expire_convertibles(self, q)
        self.investors.fund.step_exits(self, q, s.key("equity_exits", q))
        self.investors.listings(self, q, s.key("listings", q))
        # 4. instruments
        spend = dict.fromkeys(self.instruments, 0.0)
        self._deliver(q, "instruments", spend)
        # 5. R&D and growth
        services.buy_services(self, q)
        rd_firms = float(rules.spend_rd_and_grow(self, q).sum())
        # 6. transfer
        self.universities.step(self, q, s.get("universities", q))
        firm_contracts(self, q, s.get("contracts", q))
        broker_matches(self, q, s.get("broker_matches", q))
        # Service points hire for the deals they handle, registered or not.
        self.brokers.step(self.params, self.last_year_deals / YI)
        # 7. platforms, then the awards for the platforms the round created
        if q % 4 == 3:
            self.platforms.annual_round(self, self.year, s.get("platforms", q), s.key("platforms.lab_cost", q))
        self._deliver(q, "platforms", spend)
        # 8. report the year's R&D (Q4), record, then close the year
        if q % 4 == 3:
            self.hte_round.report_rd(self)
        deals = self.flows["contract_deals"]
        self.flows["tech_contract_turnover"] = self.registry.share(q, self.params) * deals
        self._year_turnover += self.flows["tech_contract_turnover"]
        self._year_deals += deals
        self.recorder.record(self, q, rd_firms + self._extra_rd, int(new.size), int(dead.size), spend)
        if q % 4 == 3:
            self._close_year(q)
        self.q += 1

    def _deliver(self, q: int, phase: str, spend: dict[str, float]) -> None:
        """Pay this phase's instruments in registry order; adds yuan paid to ``spend``."""
        for key, inst in self.instruments.items():
            if inst.phase == phase:
                spend[key] += deliver(inst, self, self.ledger, self.streams, q, self.payment_listeners)

    def _need_keys(self, q: int) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
        """Slot-draw keys of next year's service needs drawn in quarter ``q``: need, quarter, value, fee."""
        return tuple(self.streams.key(f"voucher_need.{part}", q) for part in ("need", "quarter", "value", "fee"))

    def _close_year(self, q: int) -> None:
        s = self.streams
        rules.year_end(self, self.year, (s.key("innovation", q), s.key("ties", q)))
        services.draw_service_needs(self, self.year + 1, self._need_keys(q))
        self.universities.year_end()
        self.incubators.year_end(s.get("incubators.year_end", q))
        self.last_year_turnover = self._year_turnover
        self.last_year_deals = self._year_deals
        self._year_turnover = 0.0
        self._year_deals = 0.0

    def run(self, quarters: int = N_QUARTERS) -> dict[str, np.ndarray]:
        """Run ``quarters`` steps from the start; returns the quarterly indicator arrays (copies)."""
        for _ in range(quarters):
            self.step()
        return {k: v[:quarters].copy() for k, v in self.recorder.data.items()}

    def dispose(self) -> None:
        """Release the model: drop Mesa's class-level reference to it (Mesa 3.3 keeps every model alive through
        ``Agent._ids``, mesa#3179), then its state. Agents and sectors point back at the model, so without the
        second step the firm table (≈ 15 MB) would wait for the cyclic garbage collector, which under Mesa 3.5 lets
        tens of finished models pile up; the model cannot be used afterwards."""
        self.remove_all_agents()
        ids = getattr(mesa.Agent, "_ids", None)
        if ids is not None:
            ids.pop(self, None)
        self._inspected.clear()
        vars(self).clear()
