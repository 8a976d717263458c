"""One replicate of a comparison: every scenario and the no-new-policy counterfactual on the same parameter draw
and the same random streams, reduced to one row of numbers on a worker.

Deadweight needs the recipients of every payment and what the same firms did in the paired counterfactual run,
so it is computed here, where both runs exist, and only per-instrument sums leave the worker. Firms are matched
by row: the rows of the firms alive in 2020 are the same in every run; an entrant is matched by its order of entry,
which is exact while entry counts agree (they diverge only where a policy changes spin-outs or incubator intake).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from innosim.calibration.posterior import Posterior, replicate_parameters
from innosim.experiments.runs.ensemble import Task, indicator_frame, to_annual
from innosim.model.calendar import FIRST_YEAR, N_QUARTERS, YEARS
from innosim.model.city import Plan
from innosim.model.run import PaymentLog, run_one
from innosim.model.scenario import Scenario
from innosim.model.simulation import InnosimModel
from innosim.model.units import WAN, YI

# What each instrument pays for, judged on the recipient firm in the paired counterfactual run:
#  rd           extra R&D of that firm in the paying year (money not matched by extra R&D is deadweight);
#  rd_increase  the R&D rise the reward pays for (last year over the year before) happened anyway;
#  hte          the firm holds HTE status at the end of the year anyway;
#  vc_deal      the firm closed a VC/angel round in that year anyway;
#  survival     the firm is still alive at the end of the year anyway.
# Instruments paid to universities, service points or per platform have no firm to compare and no entry here;
# nor have visits (paid per visit for a tie, which the snapshots do not hold). The targeted firm list pays
# project money into the listed firms' R&D pipeline (``fund_rd``) like a grant, so it is judged on R&D; left
# out, its firms' extra R&D was credited to the other R&D-paying instruments alone.
ACT: dict[str, str] = {
    "key_tech_grants": "rd", "sme_project_support": "rd", "vouchers": "rd", "equity": "rd",
    "rd_reward": "rd_increase", "hte_award": "hte", "vc_seed_reward": "vc_deal", "loan_subsidy": "survival",
    "firm_list": "rd",
}


def firm_acts(menu: list[str] | None) -> dict[str, str]:
    """``ACT`` restricted to the instruments on a city's menu (``Scenario.menu``; None = every instrument), in
    ``ACT``'s order: the instruments whose deadweight is counted and reported."""
    return {k: a for k, a in ACT.items() if menu is None or k in menu}


def plan_span(plan: Plan) -> str:
    """``<start>_<target>``: the plan years in column names (``rd_<span>``, ``budget_<span>``)."""
    return f"{plan.start_year}_{plan.target_year}"


@dataclass(frozen=True)
class CompareContext:
    """What every worker needs: the scenarios, the counterfactual (or None), the posterior, the seed and the city
    plan (its years are where money is counted, its targets what is judged)."""

    scenarios: tuple[Scenario, ...]
    counterfactual: Scenario | None
    posterior: Posterior | None
    seed: int
    plan: Plan


@dataclass
class Trace:
    """One run: yearly indicators, ledger arrays, every payment and year-end firm snapshots."""

    annual: dict[str, np.ndarray]
    budget: np.ndarray  # [instrument, year] yuan, incl. recycled 拨改投 proceeds
    spent: np.ndarray
    keys: list[str]
    invested: np.ndarray  # 拨改投 money put in per year, yuan
    proceeds: np.ndarray
    written_off: float
    expected_after: float
    payments: list[tuple[str, int, np.ndarray, np.ndarray]]
    snap: dict[int, dict[str, np.ndarray]]  # year -> column -> array over firm rows
    min_increase: float  # yuan, the R&D reward's threshold


class YearEndSnapshots:
    """Probe: firm columns deadweight needs, copied after each year is closed (``rd_last_year`` = that year's R&D)."""

    name = "snapshots"

    def __init__(self) -> None:
        self.snap: dict[int, dict[str, np.ndarray]] = {}

    def start(self, model: InnosimModel) -> None:
        return None

    def after_quarter(self, model: InnosimModel, q: int) -> None:
        if q % 4 != 3:
            return
        year = FIRST_YEAR + q // 4
        f = model.firms
        first_q = 4 * (year - FIRST_YEAR)
        self.snap[year] = {"rd": f.rd_last_year.copy(), "hte": f.hte.copy(), "survival": f.alive.copy(),
                           "vc_deal": (f.vc_q >= first_q) & (f.vc_q < first_q + 4)}

    def finish(self, model: InnosimModel) -> dict[int, dict[str, np.ndarray]]:
        return self.snap


class FinalAccounts:
    """Probe: the ledger arrays and the 拨改投 fund's position at the end of the run."""

    name = "accounts"

    def start(self, model: InnosimModel) -> None:
        return None

    def after_quarter(self, model: InnosimModel, q: int) -> None:
        return None

    def finish(self, model: InnosimModel) -> dict:
        fund, led = model.investors.fund, model.ledger
        return {"budget": led.budget.copy(), "spent": led.spent.copy(), "keys": list(led.keys),
                "invested": led.invested.copy(), "proceeds": led.proceeds.copy(), "written_off": fund.written_off,
                "expected_after": fund.expected_proceeds(model, N_QUARTERS - 1),
                "min_increase": model.instruments["rd_reward"].opt.min_increase_wan * WAN}


def trace_run(scenario: Scenario, params: dict[str, float], seed: int, replicate: int) -> Trace:
    """Run one scenario with the payment log, year-end snapshots and final accounts."""
    res = run_one(scenario, params, seed, replicate, (PaymentLog(), YearEndSnapshots(), FinalAccounts()))
    annual = to_annual(indicator_frame(res.quarterly, Task(replicate, params)))
    acc = res.probes["accounts"]
    return Trace(annual={c: annual[c].to_numpy() for c in annual.columns}, budget=acc["budget"],
                 spent=acc["spent"], keys=acc["keys"], invested=acc["invested"], proceeds=acc["proceeds"],
                 written_off=acc["written_off"], expected_after=acc["expected_after"],
                 payments=res.probes["payments"], snap=res.probes["snapshots"], min_increase=acc["min_increase"])


def _plan(values: np.ndarray, years: tuple[int, ...]) -> float:
    return float(values[[YEARS.index(y) for y in years]].sum())


def outcomes(t: Trace, plan: Plan) -> dict[str, float]:
    """Per-run numbers of one scenario (亿元 for money, counts otherwise): target indicators in the target year,
    R&D, turnover, budget and spending summed over the plan years, the 拨改投 fund over the whole run."""
    a = t.annual
    final, span, years = plan.target_year, plan_span(plan), plan.years
    last = int(np.flatnonzero(a["year"] == final)[0])
    in_plan = np.isin(a["year"], years)
    out = {f"{k}_{final}": float(a[k][last]) for k in plan.headline}
    out[f"rd_{span}"] = float(a["rd_expenditure"][in_plan].sum())
    out[f"turnover_{span}"] = float(a["tech_contract_turnover"][in_plan].sum())
    out["targets_met"] = float(sum(a[k][last] > v for k, v in plan.targets.items()))
    out[f"budget_{span}"] = _plan(t.budget.sum(axis=0), years) / YI
    out[f"spent_{span}"] = _plan(t.spent.sum(axis=0), years) / YI
    out["equity_invested"] = float(t.invested.sum()) / YI
    out["equity_returned"] = float(t.proceeds.sum()) / YI
    out["equity_written_off"] = t.written_off / YI
    out["equity_expected"] = t.expected_after / YI
    for i, k in enumerate(t.keys):
        out[f"spent.{k}"] = _plan(t.spent[i], years) / YI
    return out


def _col(t: Trace, year: int, name: str, ids: np.ndarray) -> np.ndarray:
    """Snapshot column at ``ids``; rows not yet born that year read as zero / False."""
    col = t.snap[year][name]
    out = np.zeros(ids.size, dtype=col.dtype)
    ok = ids < col.size
    out[ok] = col[ids[ok]]
    return out


def _acted_anyway(act: str, cf: Trace, year: int, ids: np.ndarray) -> np.ndarray:
    """Whether each matched recipient did the paid-for act in the counterfactual (binary acts)."""
    if act == "rd_increase":
        rise = _col(cf, year - 1, "rd", ids) - _col(cf, year - 2, "rd", ids)
        return rise >= cf.min_increase
    return _col(cf, year, act, ids)


def deadweight(policy: Trace, cf: Trace, years: tuple[int, ...], acts: dict[str, str] = ACT) -> dict[str, float]:
    """Per instrument of ``acts`` (``firm_acts`` of the city's menu): yuan paid to matched firms in ``years``
    (the plan's) as ``dwpaid.<key>`` and the deadweight part as ``dw.<key>``, 亿元."""
    paid = {k: 0.0 for k in acts}
    dead = {k: 0.0 for k in acts}
    rd_pay: dict[int, list[tuple[str, np.ndarray, np.ndarray]]] = {}
    for key, year, ids, amount in policy.payments:
        act = acts.get(key)
        if act is None or year not in years:
            continue
        n_cf = cf.snap[year]["survival"].size
        ok = ids < n_cf
        ids, amount = ids[ok], amount[ok]
        paid[key] += float(amount.sum())
        if act == "rd":
            rd_pay.setdefault(year, []).append((key, ids, amount))
        else:
            dead[key] += float(amount[_acted_anyway(act, cf, year, ids)].sum())
    for year, items in rd_pay.items():
        # A firm's extra R&D is shared among its R&D-paying instruments in proportion to what each paid.
        n = policy.snap[year]["rd"].size
        total = np.zeros(n)
        for _, ids, amount in items:
            np.add.at(total, ids, amount)
        extra = policy.snap[year]["rd"] - _col(cf, year, "rd", np.arange(n))
        covered = np.divide(np.clip(extra, 0.0, total), total, out=np.zeros(n), where=total > 0)
        for key, ids, amount in items:
            dead[key] += float(np.sum(amount * (1.0 - covered[ids])))
    out = {}
    for k in acts:
        out[f"dwpaid.{k}"] = paid[k] / YI
        out[f"dw.{k}"] = dead[k] / YI
    return out


def run_pair(ctx: CompareContext, key: tuple[int, int]) -> dict:
    """Store row of replicate ``run``: ``s<i>.<name>`` per scenario, ``cf.<name>`` for the counterfactual."""
    point, run = key
    idx, base = replicate_parameters(ctx.posterior, ctx.seed, run)
    row: dict = {"point": point, "run": run, "draw": idx}
    cf = None
    if ctx.counterfactual is not None:
        cf = trace_run(ctx.counterfactual, {**base, **ctx.counterfactual.assumptions}, ctx.seed, run)
        row.update({f"cf.{k}": v for k, v in outcomes(cf, ctx.plan).items()})
    for i, sc in enumerate(ctx.scenarios):
        t = trace_run(sc, {**base, **sc.assumptions}, ctx.seed, run)
        row.update({f"s{i}.{k}": v for k, v in outcomes(t, ctx.plan).items()})
        if cf is not None:
            row.update({f"s{i}.{k}": v for k, v in deadweight(t, cf, ctx.plan.years, firm_acts(sc.menu)).items()})
        del t
    return row
