"""ABC-MCMC rejuvenation of the last ABC-SMC population: many equal-weight particles from the same ABC posterior.

ABC-SMC's importance weights degenerate in many dimensions (the shipped 13-parameter fit ended with an effective
sample size of 13 out of 300). Here ``n`` particles are resampled by weight from the last population and each is
moved ``steps`` times with a Metropolis kernel that leaves the ABC posterior at the final epsilon invariant
(Marjoram et al. 2003; the "rejuvenation" step of Del Moral, Doucet & Jasra 2012):

- map the calibrated coordinates c (uniform priors on a box) to unbounded ones, u = logit((c − low)/(high − low)),
  and propose u' = u + L·z, z ~ N(0, I), L the Cholesky factor of the particles' covariance in u times
  (2.38/√d)² (``kernel``), times a factor adapted between rounds towards an acceptance of 25%;
- every parameter not calibrated and not fixed is proposed afresh from its prior (an independence proposal
  whose density cancels the prior's), with a fresh replicate seed;
- the uniform prior in c is the density Π σ(u)(1 − σ(u)) in u, so the Metropolis ratio is that density's ratio:
  accept when a uniform draw is below it (checked first: a rejected proposal costs no simulation) and the new
  simulation's distance is ≤ epsilon. A random walk in c itself, rejected whenever it left the box, stuck
  particles near an edge: in the 2026-11-24 fit three vectors near the box's edge held 64 of 1,200 particles
  through every final round (more than half their proposals fell outside), capping the merged ESS near 570.
- with probability ``jump`` a move is instead an independence proposal u' ~ N(m, S), a normal fitted to the
  particles when the final rounds start (``independence``), with the Metropolis–Hastings ratio's correction
  q(u)/q(u'). A random walk cannot leave a region where every neighbour misses epsilon: in the 2026-11-24 fit
  27 copies of three vectors (0 of 30 fresh simulations within epsilon: each got there by one lucky run) were
  never moved in 60 final rounds; none of 18 random-walk proposals from them came within epsilon in up to 12
  simulations each, while 3 of 18 independence proposals from them were accepted. A mixture of kernels that
  each leave the target invariant leaves it invariant.

Move ``s`` of particle ``i`` draws everything from ``SeedSequence([seed, MOVE_TAG, s, i])``, and moves run through
the injected ordered map: the result does not depend on the number of workers or the backend. Each completed
round is written atomically to ``<folder>/round_<s>.parquet``; a restarted call continues after the last one.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from innosim.calibration.sampler import OrderedMap

MOVE_TAG = 7_340_033  # separates the moves' seeds from the SMC sampler's (seed, t + 1, i)


@dataclass(frozen=True)
class Space:
    """The calibrated coordinates: names, whether each is log-scaled, and the prior box in coordinates."""

    names: tuple[str, ...]
    log: tuple[bool, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]

    def coordinates(self, values: pd.DataFrame) -> np.ndarray:
        x = values[list(self.names)].to_numpy(dtype=float).copy()
        for j, lg in enumerate(self.log):
            if lg:
                x[:, j] = np.log(x[:, j])
        return x

    def value(self, j: int, c: float) -> float:
        return float(np.exp(c)) if self.log[j] else float(c)

    def unbounded(self, c: np.ndarray) -> np.ndarray:
        """u = logit of the position in the prior box (rows or one vector of coordinates); the box's edges, which
        a continuous prior never draws, are kept a hair inside."""
        lo, hi = np.asarray(self.low), np.asarray(self.high)
        p = np.clip((np.asarray(c, dtype=float) - lo) / (hi - lo), 1e-12, 1 - 1e-12)
        return np.log(p) - np.log1p(-p)

    def bounded(self, u: np.ndarray) -> np.ndarray:
        """The coordinates c of unbounded ``u`` (the inverse of ``unbounded``)."""
        lo, hi = np.asarray(self.low), np.asarray(self.high)
        return lo + (hi - lo) * (0.5 * (1.0 + np.tanh(0.5 * np.asarray(u, dtype=float))))

    @staticmethod
    def log_prior(u: np.ndarray) -> float:
        """Log density, up to a constant, of the uniform prior on the box expressed in u: Σ log σ(u)(1 − σ(u))."""
        u = np.asarray(u, dtype=float)
        return float(-np.sum(np.logaddexp(0.0, u) + np.logaddexp(0.0, -u)))


@dataclass(frozen=True)
class Mover:
    """Everything a move needs, shipped to workers once. ``simulate(params, replicate, rng)`` returns
    (the whole parameter vector used, the statistics); ``distance(stats)`` the ABC distance."""

    space: Space
    chol: np.ndarray
    epsilon: float
    seed: int
    simulate: Callable[[dict[str, float], int, np.random.Generator], tuple[dict[str, float], dict[str, float]]]
    distance: Callable[[dict[str, float]], float]
    jump: float = 0.0
    center: np.ndarray | None = None
    spread: np.ndarray | None = None


def kernel(space: Space, population: pd.DataFrame, scale: float = 1.0, weighted: bool = False) -> np.ndarray:
    """Cholesky factor of the move kernel in the unbounded coordinates (``Space.unbounded``): the particles'
    covariance times (2.38 / √d)² (the optimal random-walk scaling of Roberts, Gelman & Gilks 1997) times
    ``scale``². Unweighted by default: with degenerate importance weights the weighted covariance is that of a
    handful of particles and would shrink the moves to nothing in most directions (any symmetric kernel keeps the
    target)."""
    x = space.unbounded(space.coordinates(population))
    w = population["weight"].to_numpy(dtype=float) if weighted else np.full(len(population), 1.0)
    d = len(space.names)
    cov = np.atleast_2d(np.cov(x, rowvar=False, aweights=w / w.sum())) if len(x) > 1 else np.eye(d)
    cov = cov * (2.38 * scale) ** 2 / d
    return np.linalg.cholesky(cov + 1e-12 * np.eye(d))


def rescaled(mover: Mover, factor: float) -> Mover:
    """The same move with its kernel multiplied by ``factor``."""
    return dataclasses.replace(mover, chol=mover.chol * factor)


TARGET_ACCEPTANCE = 0.25


def adapt(factor: float, acceptance: float) -> float:
    """Next round's kernel factor from this round's acceptance: towards ``TARGET_ACCEPTANCE``, at most halving or
    doubling (adapting between rounds keeps every round a valid Metropolis kernel)."""
    return float(factor * np.clip(acceptance / TARGET_ACCEPTANCE, 0.5, 2.0))


def independence(space: Space, population: pd.DataFrame, widen: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and Cholesky factor (its covariance times ``widen``²) of a normal fitted to the particles in the
    unbounded coordinates: the independence proposal of ``Mover.jump``."""
    x = space.unbounded(space.coordinates(population))
    cov = np.atleast_2d(np.cov(x, rowvar=False)) * widen**2
    return x.mean(axis=0), np.linalg.cholesky(cov + 1e-12 * np.eye(len(space.names)))


def _log_q(mover: Mover, u: np.ndarray) -> float:
    """Log density, up to a constant, of the independence proposal at ``u``."""
    return float(-0.5 * np.sum(np.linalg.solve(mover.spread, u - mover.center) ** 2))


def move(mover: Mover, task: tuple[int, int, dict]) -> dict:
    """One Metropolis(–Hastings) move of one particle (a row of the state: parameter values, ``distance``,
    ``replicate``, ``moves``); returns the new row with ``accepted`` and ``jumped`` (0/1: an independence
    proposal, ``Mover.jump``)."""
    step, i, row = task
    rng = np.random.default_rng(np.random.SeedSequence([mover.seed, MOVE_TAG, step, i]))
    sp = mover.space
    c = np.array([np.log(row[n]) if lg else row[n] for n, lg in zip(sp.names, sp.log, strict=True)], dtype=float)
    u = sp.unbounded(c)
    z = rng.standard_normal(len(c))
    replicate = int(rng.integers(0, 2**31 - 1))
    log_ratio, jumped = 0.0, 0
    if mover.jump > 0.0 and rng.random() < mover.jump:  # no draw at all without jumps: the plain kernel's stream
        u_new, jumped = mover.center + mover.spread @ z, 1
        log_ratio = _log_q(mover, u) - _log_q(mover, u_new)
    else:
        u_new = u + mover.chol @ z
    if np.log(rng.random()) > sp.log_prior(u_new) - sp.log_prior(u) + log_ratio:
        return {**row, "accepted": 0, "jumped": jumped}
    proposal = sp.bounded(u_new)
    calibrated = {n: sp.value(j, proposal[j]) for j, n in enumerate(sp.names)}
    params, stats = mover.simulate(calibrated, replicate, rng)
    d = float(mover.distance(stats))
    if d > mover.epsilon:
        return {**row, "accepted": 0, "jumped": jumped}
    return {**row, **params, "distance": d, "replicate": replicate, "moves": row["moves"] + 1, "accepted": 1,
            "jumped": jumped}


def resample(population: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` particles drawn by weight (with replacement) from the population; ``origin`` is the row drawn."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, MOVE_TAG, 0]))
    w = population["weight"].to_numpy(dtype=float)
    idx = rng.choice(len(population), size=n, p=w / w.sum())
    out = population.iloc[idx].drop(columns="weight").reset_index(drop=True)
    out.insert(len(out.columns), "origin", idx)
    out["moves"] = 0
    return out


def write_atomic(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(path.name + ".part")
    frame.to_parquet(tmp, index=False)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


BOOKKEEPING = ("distance", "replicate", "origin", "moves", "accepted", "jumped")  # state columns, not parameters


def rejuvenate(initial: pd.DataFrame, mover: Mover, steps: int, folder: Path, map_: OrderedMap = map,
               progress: Callable[[int, float], None] | None = None,
               factor: float | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run ``steps`` rounds of moves over every particle of ``initial`` (from ``resample``); returns the final
    state and a table ``round, acceptance, walk_acceptance`` (of the random-walk moves alone) ``, moved_once,
    distinct, ess`` (ESS after merging duplicate vectors).
    Rounds already on disk in ``folder`` are read, not recomputed. With ``factor``, the kernel is multiplied by it in
    round 1 and adapted after each round (``adapt``); the table gains ``factor``."""
    folder.mkdir(parents=True, exist_ok=True)
    state, rounds = initial, []
    names = [c for c in initial.columns if c not in BOOKKEEPING]
    for s in range(1, steps + 1):
        path = folder / f"round_{s:03d}.parquet"
        if path.is_file():
            state = pd.read_parquet(path)
        else:
            rows = state.drop(columns=["accepted", "jumped"], errors="ignore").to_dict("records")
            fn = functools.partial(move, mover if factor is None else rescaled(mover, factor))
            state = pd.DataFrame(list(map_(fn, [(s, i, r) for i, r in enumerate(rows)])))
            write_atomic(state, path)
        acc = float(state["accepted"].mean())
        walked = state["jumped"] == 0 if "jumped" in state else np.full(len(state), True)
        walk_acc = float(state.loc[walked, "accepted"].mean()) if walked.any() else acc
        rounds.append({"round": s, "acceptance": acc, "walk_acceptance": walk_acc,
                       "moved_once": float((state["moves"] > 0).mean()),
                       "distinct": distinct(state[names]), "ess": merged_ess(state[names]),
                       **({} if factor is None else {"factor": factor})})
        if factor is not None:  # the random walk's own acceptance: jumps do not use its kernel
            factor = adapt(factor, walk_acc)
        if progress is not None:
            progress(s, acc)
    return state, pd.DataFrame(rounds)


def distinct(values: pd.DataFrame) -> int:
    return int(len(values.drop_duplicates()))


def merged_ess(values: pd.DataFrame, weights: np.ndarray | None = None) -> float:
    """Kish's effective sample size after merging identical parameter vectors (their weights summed): a particle
    repeated k times counts as one with k times the weight."""
    w = np.full(len(values), 1.0 / len(values)) if weights is None else np.asarray(weights, float) / np.sum(weights)
    key = pd.util.hash_pandas_object(values.reset_index(drop=True), index=False).to_numpy()
    merged = pd.Series(w).groupby(key).sum().to_numpy()
    return float(1.0 / np.sum(merged**2))


QUANTILE = 0.5  # each stage's epsilon: this quantile of the current particles' distances


def stage_seed(seed: int, stage: int) -> int:
    return int(np.random.SeedSequence([seed, MOVE_TAG, 10_000 + stage]).generate_state(1)[0])


def ladder(population: pd.DataFrame, make_mover: Callable[[pd.DataFrame, float, int], Mover], n: int, stages: int,
           moves: int, folder: Path, seed: int, map_: OrderedMap = map,
           progress: Callable[[str], None] | None = None,
           final_moves: int | None = None, jump: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ABC-SMC with MCMC moves and equal weights (Del Moral, Doucet & Jasra 2012): resample ``n`` particles by
    weight from ``population``; then for each of ``stages`` stages lower epsilon to the median distance of the
    current particles (``QUANTILE``; the last stage keeps the previous epsilon if ``stages`` is 1), keep the
    particles within it, resample ``n`` of them uniformly, and move each ``moves`` times at that epsilon with a
    kernel fitted to them (``make_mover(particles, epsilon, seed)``); then ``final_moves`` more rounds at the last
    epsilon, without resampling (a stage's resampling doubles copies; these rounds only break them up), written to
    ``final/``, where a share ``jump`` of the moves are independence proposals from a normal fitted to the
    particles the final rounds start from (``Mover.jump``). No importance weights, so nothing degenerates;
    every stage's rounds are on disk (``stage_SS/round_RRR.parquet``) and a restart continues after the last.
    The kernel factor adapts towards an acceptance of ``TARGET_ACCEPTANCE`` round by round and carries over from
    one stage to the next. Returns the final particles and a table ``stage, epsilon, alive, round, acceptance,
    moved_once, distinct, ess, factor``."""
    state = resample(population, n, seed)
    rows = []
    factor = 1.0
    for st in range(1, stages + 1):
        eps = float(np.quantile(state["distance"], QUANTILE)) if stages > 1 else float(state["distance"].max())
        alive = state[state["distance"] <= eps].reset_index(drop=True)
        alive = alive.assign(weight=1.0 / len(alive))
        s_seed = stage_seed(seed, st)
        start = resample(alive.drop(columns=["origin", "moves"], errors="ignore"), n, s_seed)
        mover = make_mover(alive, eps, s_seed)

        def say(r: int, acc: float, st=st, eps=eps) -> None:
            if progress is not None:
                progress(f"stage {st}/{stages} (epsilon {eps:.4g}) round {r}/{moves}: acceptance {acc:.3f}")

        state, rounds = rejuvenate(start, mover, moves, folder / f"stage_{st:02d}", map_, say, factor)
        factor = adapt(float(rounds["factor"].iloc[-1]), float(rounds["acceptance"].iloc[-1]))
        rows += [{"stage": st, "epsilon": eps, "alive": len(alive), **r} for r in rounds.to_dict("records")]
    if final_moves and stages:
        eps = rows[-1]["epsilon"]
        here = state.drop(columns=["origin", "moves", "accepted", "jumped"], errors="ignore")
        here = here.assign(weight=1.0 / len(state))
        mover = make_mover(here, eps, stage_seed(seed, stages + 1))
        if jump > 0.0:
            center, spread = independence(mover.space, here)
            mover = dataclasses.replace(mover, jump=jump, center=center, spread=spread)

        def last(r: int, acc: float) -> None:
            if progress is not None:
                progress(f"final (epsilon {eps:.4g}) round {r}/{final_moves}: acceptance {acc:.3f}")

        start = state.drop(columns=["accepted", "jumped"], errors="ignore").assign(moves=0)
        state, rounds = rejuvenate(start, mover, final_moves, folder / "final", map_, last, factor)
        rows += [{"stage": stages + 1, "epsilon": eps, "alive": len(here), **r} for r in rounds.to_dict("records")]
    return state, pd.DataFrame(rows)
