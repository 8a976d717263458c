"""ABC-SMC calibration of the declared behavioural parameters to the published figures, with pyabc.

The model statistic of every used observation (``calibration.observation_model``) is simulated from the
end-2020 state under the calibration scenario's 2021-2024 budgets; the distance is the root sum of squared
standardised misses. Each simulation's replicate number is drawn from numpy's generator, which the seeded
sampler sets per task, so the same seed gives the same posterior on any number of workers.
"""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc

from innosim.calibration.observation_model import CAL_QUARTERS, Observation, distance, statistic, used
from innosim.calibration.posterior import prior_draw
from innosim.calibration.rejuvenate import Mover, Space, kernel
from innosim.calibration.sampler import OrderedMap, SeededMappingSampler
from innosim.model.city import load_city
from innosim.model.parameters import BY_NAME, PARAMETERS, prior_medians
from innosim.model.run import run_one
from innosim.model.scenario import Scenario

DB_NAME = "history.db"
PAR = "par:"  # prefix of the parameter values stored beside a particle's statistics
REPLICATE = "meta:replicate"


# Calibrated jointly (moved by the transition kernel): every parameter with a Morris effect on a 2028 target
# indicator of at least 10% of that indicator's largest effect (calibration/README.md, "Which parameters"), plus
# those the published figures inform (identifiability) that have no such effect (p_apply_hte, p_pass,
# hte_cost_wan, h1_share, broker_demand, p_list, reg_drive).
CALIBRATED = ("p_register", "reg_cost_wan", "reg_out_wan", "p_apply_hte", "p_pass", "k_ip_wan", "hte_cost_wan",
              "margin", "c_real", "g_drift", "nu_growth", "g_innov", "growth_b", "m_tech", "g_exit", "entry_rate",
              "theta_sell", "h1_share", "reg_drive", "broker_demand", "broker_attrition", "trainee_retention", "p_list",
              "national_rate", "prov_quota", "lab_cost_wan", "platform_exit")
# Fixed at their prior medians: no measurable effect on any 2028 outcome and not a response to an instrument.
# Every other declared parameter is an explicit prior: drawn from it in each simulation and recorded with the
# particle, so the posterior holds its value in the accepted simulation (whole vectors).
FIXED: tuple[str, ...] = ("sme_need",)


def prior_distribution(names: list[str]) -> pyabc.Distribution:
    """pyabc prior over ``names``, uniform in the sampling coordinate: the value for a uniform prior, its log for
    a log-uniform one. A flat prior in the coordinate the transition kernel works in keeps importance weights
    from exploding near the lower bound (a 1/x density there would dominate them)."""
    rvs = {}
    for n in names:
        p = BY_NAME[n]
        lo, hi = (np.log(p.low), np.log(p.high)) if p.prior == "loguniform" else (p.low, p.high)
        rvs[n] = pyabc.RV("uniform", lo, hi - lo)
    return pyabc.Distribution(**rvs)


def to_value(name: str, coordinate: float) -> float:
    """Parameter value of a sampling coordinate (see ``prior_distribution``)."""
    return float(np.exp(coordinate)) if BY_NAME[name].prior == "loguniform" else float(coordinate)


def simulate_statistics(scenario: Scenario, params: dict[str, float], seed: int, replicate: int,
                        obs: list[Observation]) -> dict[str, float]:
    """One run through 2024 -> the statistic of every used observation, keyed by observation key."""
    data = run_one(scenario, params, seed, replicate, quarters=CAL_QUARTERS).quarterly
    c = load_city(scenario.city)
    initial_rd = c.enterprises.rd_total_yi + c.universities.rd_total_yi
    return {o.key: statistic(o.stat, data, initial_rd) for o in obs}


def full_vector(calibrated: dict[str, float], fixed: dict[str, float], rng: np.random.Generator) -> dict[str, float]:
    """Every declared parameter: the calibrated values, the fixed ones, and a prior draw of all others."""
    rest = [p.name for p in PARAMETERS if p.name not in calibrated and p.name not in fixed]
    return {**prior_draw(rng, rest), **fixed, **calibrated}


def tagged(stats: dict[str, float], params: dict[str, float], replicate: int) -> dict[str, float]:
    """The statistics with the whole parameter vector (``par:<name>``) and the replicate (``REPLICATE``) added:
    pyabc stores them with the particle, so the accepted simulation's full vector is in the history. The distance
    reads only observation keys."""
    return {**stats, **{PAR + k: float(v) for k, v in params.items()}, REPLICATE: float(replicate)}


def _model(par, scenario: Scenario, fixed: dict[str, float], seed: int, obs: list[Observation]) -> dict:
    calibrated = {k: to_value(k, float(v)) for k, v in dict(par).items()}
    # numpy's global generator is set per task by the seeded sampler.
    params = full_vector(calibrated, fixed, np.random.default_rng(np.random.randint(0, 2**31 - 1)))
    replicate = int(np.random.randint(0, 2**31 - 1))
    return tagged(simulate_statistics(scenario, params, seed, replicate, obs), params, replicate)


def _distance(x: dict, x0: dict, obs: list[Observation]) -> float:
    return distance(x, obs, x0)


def last_year(o: Observation) -> int:
    """The last year a figure covers (``2021-2024`` -> 2024)."""
    return int(o.year.split("-")[-1])


def through(obs: list[Observation], year: int | None) -> list[Observation]:
    """The figures whose period ends in ``year`` or before (all when ``year`` is None)."""
    return list(obs) if year is None else [o for o in obs if last_year(o) <= year]


def default_fixed(names: list[str]) -> dict[str, float]:
    """``FIXED`` parameters (not being calibrated) at their documented values, the prior medians."""
    med = prior_medians()
    return {n: med[n] for n in FIXED if n not in names}


def space_of(names: list[str]) -> Space:
    """The calibrated coordinates of ``names`` (log for a log-uniform prior) and their prior box."""
    ps = [BY_NAME[n] for n in names]
    log = tuple(p.prior == "loguniform" for p in ps)
    low = tuple(float(np.log(p.low)) if lg else p.low for p, lg in zip(ps, log, strict=True))
    high = tuple(float(np.log(p.high)) if lg else p.high for p, lg in zip(ps, log, strict=True))
    return Space(tuple(names), log, low, high)


def simulate_vector(calibrated: dict[str, float], replicate: int, rng: np.random.Generator, scenario: Scenario,
                    fixed: dict[str, float], seed: int, obs: list[Observation]) -> tuple[dict, dict]:
    """A rejuvenation move's simulation: (whole parameter vector, statistics)."""
    params = full_vector(calibrated, fixed, rng)
    return params, simulate_statistics(scenario, params, seed, replicate, obs)


def build_mover(scenario: Scenario, names: list[str], population: pd.DataFrame, epsilon: float, seed: int,
                fixed: dict[str, float] | None = None, obs: list[Observation] | None = None,
                observed: dict[str, float] | None = None, scale: float = 1.0) -> Mover:
    """The ABC-MCMC move (``calibration.rejuvenate``) for this calibration, at ``epsilon``, with the transition
    kernel fitted to ``population`` (``population_frame``)."""
    obs = used() if obs is None else obs
    fixed = default_fixed(names) if fixed is None else dict(fixed)
    observed = {o.key: o.value for o in obs} if observed is None else observed
    space = space_of(names)
    sim = functools.partial(simulate_vector, scenario=scenario, fixed=fixed, seed=seed, obs=obs)
    dist = functools.partial(distance, obs=obs, observed=observed)
    return Mover(space, kernel(space, population, scale), float(epsilon), int(seed), sim, dist)


def final_epsilon(history: pyabc.History) -> float:
    pops = history.get_all_populations()
    return float(pops.loc[pops["t"] == history.max_t, "epsilon"].iloc[0])


def resolve_names(spec: str | None) -> list[str]:
    """The default calibrated set, ``all``, group names, or a comma-separated list of names."""
    if not spec:
        return list(CALIBRATED)
    if spec == "all":
        return [p.name for p in PARAMETERS]
    groups = {p.group for p in PARAMETERS}
    out: list[str] = []
    for item in spec.split(","):
        item = item.strip()
        if item in groups:
            out += [p.name for p in PARAMETERS if p.group == item]
        elif item in BY_NAME:
            out.append(item)
        else:
            raise KeyError(item)
    return list(dict.fromkeys(out))


def build_abc(scenario: Scenario, names: list[str], population: int, seed: int, map_: OrderedMap = map,
              fixed: dict[str, float] | None = None, obs: list[Observation] | None = None,
              observed: dict[str, float] | None = None) -> tuple[pyabc.ABCSMC, dict[str, float]]:
    """An ``ABCSMC`` object and its observed statistics. ``map_(fn, items)`` runs the sampling tasks and returns
    their results in order (pyabc's ``MappingSampler`` idiom): the builtin ``map``, or an executor's ordered map
    that the caller owns and closes."""
    obs = used() if obs is None else obs
    fixed = default_fixed(names) if fixed is None else dict(fixed)
    observed = {o.key: o.value for o in obs} if observed is None else observed
    sampler = SeededMappingSampler(seed, map_)
    model = functools.partial(_model, scenario=scenario, fixed=fixed, seed=seed, obs=obs)
    dist = functools.partial(_distance, obs=obs)
    abc = pyabc.ABCSMC(model, prior_distribution(names), dist, population_size=population, sampler=sampler)
    return abc, observed


def progress_logging() -> None:
    """pyabc reports each generation (epsilon, acceptance, effective sample size) on stderr, once."""
    log = logging.getLogger("ABC")
    for h in list(log.handlers):
        log.removeHandler(h)
    h = logging.StreamHandler(sys.stderr)
    h.setFormatter(logging.Formatter("calibrate: %(message)s"))
    log.addHandler(h)
    log.setLevel(logging.INFO)
    log.propagate = False
    for noisy in ("ABC.Sampler", "ABC.Adaptation", "ABC.Distance", "ABC.Epsilon", "ABC.Population"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def run_abc(abc, observed: dict, db: Path, generations: int, resume: bool, seed: int,
            min_epsilon: float = 0.0) -> pyabc.History:
    """Start (or continue from the last completed generation) and run up to ``generations`` in all."""
    url = "sqlite:///" + str(db.resolve())
    np.random.seed(seed)  # the prior sample of generation 0 and pyabc's own draws in the main process
    if resume and db.is_file():
        history = abc.load(url, 1)
        done = history.max_t + 1
    else:
        history = abc.new(url, observed)
        done = 0
    left = max(0, generations - done)
    if left:
        history = abc.run(max_nr_populations=left, minimum_epsilon=min_epsilon)
    return history


def population_frame(history: pyabc.History, t: int | None = None) -> pd.DataFrame:
    """Generation ``t`` (default the last): one row per accepted particle with the whole parameter vector its
    simulation used (every declared parameter, in declaration order), ``weight`` (sums to 1), ``distance`` and
    ``replicate``. A history written before vectors were stored gives the calibrated columns only."""
    pop = history.get_population(history.max_t if t is None else t)
    rows = []
    for p in pop.particles:
        ss = p.sum_stat
        vec = {k[len(PAR):]: float(v) for k, v in ss.items() if k.startswith(PAR)}
        if not vec:
            vec = {str(k): to_value(str(k), float(v)) for k, v in dict(p.parameter).items()}
        rows.append({**vec, "weight": float(p.weight), "distance": float(p.distance),
                     "replicate": int(ss.get(REPLICATE, -1))})
    df = pd.DataFrame(rows)
    order = [q.name for q in PARAMETERS if q.name in df.columns]
    df = df[order + ["weight", "distance", "replicate"]]
    df["weight"] = df["weight"] / df["weight"].sum()
    return df


def posterior_frame(history: pyabc.History) -> pd.DataFrame:
    """The last generation as a posterior file: every parameter column plus ``weight`` (sums to 1)."""
    return population_frame(history).drop(columns=["distance", "replicate"])


def generations_frame(history: pyabc.History) -> pd.DataFrame:
    """Epsilon, samples, acceptance rate and effective sample size per generation."""
    from pyabc.weighted_statistics import effective_sample_size

    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].copy()
    ess = []
    for t in pops["t"]:
        _, w = history.get_distribution(m=0, t=int(t))
        w = np.asarray(w)
        ess.append(float(effective_sample_size(np.asarray(w))))
    pops["ess"] = ess
    pops["acceptance"] = pops["particles"] / pops["samples"]
    return pops[["t", "epsilon", "samples", "particles", "acceptance", "ess"]].reset_index(drop=True)
