"""ABC-MCMC rejuvenation of the last ABC-SMC population: many equal-weight particles from the same ABC posterior.

ABC-SMC's importance weights degenerate in many dimensions (the shipped 13-parameter fit ended with an effective
sample size of 13 out of 300). Here ``n`` particles are resampled by weight from the last population and each is
moved ``steps`` times with a Metropolis kernel that leaves the ABC posterior at the final epsilon invariant
(Marjoram et al. 2003; the "rejuvenation" step of Del Moral, Doucet & Jasra 2012):

- propose the calibrated coordinates θ' = θ + L·z, z ~ N(0, I), L the Cholesky factor of the population's
  transition kernel (pyabc's ``MultivariateNormalTransition`` fitted to the last population: weighted covariance
  times Silverman's factor squared) times ``scale``;
- every parameter not calibrated and not fixed is proposed afresh from its prior (an independence proposal
  whose density cancels the prior's), with a fresh replicate seed;
- the priors are uniform in the sampling coordinate, so the Metropolis ratio is 1 inside the prior box and 0
  outside; accept when θ' is inside and the new simulation's distance is ≤ epsilon.

Move ``s`` of particle ``i`` draws everything from ``SeedSequence([seed, MOVE_TAG, s, i])``, and moves run through
the injected ordered map: the result does not depend on the number of workers or the backend. Each completed
round is written atomically to ``<folder>/round_<s>.parquet``; a restarted call continues after the last one.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc

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

    def inside(self, c: np.ndarray) -> bool:
        return bool(np.all(c >= np.asarray(self.low)) and np.all(c <= np.asarray(self.high)))


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


def kernel(space: Space, population: pd.DataFrame, scale: float = 1.0) -> np.ndarray:
    """Cholesky factor of the population's transition kernel (pyabc's multivariate normal, Silverman bandwidth)
    in the calibrated coordinates, times ``scale``."""
    coords = pd.DataFrame(space.coordinates(population), columns=list(space.names))
    tr = pyabc.MultivariateNormalTransition()
    tr.fit(coords, population["weight"].to_numpy(dtype=float))
    cov = np.atleast_2d(np.asarray(tr.cov, dtype=float)) * scale**2
    return np.linalg.cholesky(cov + 1e-12 * np.eye(len(space.names)))


def move(mover: Mover, task: tuple[int, int, dict]) -> dict:
    """One Metropolis move of one particle (a row of the state: parameter values, ``distance``, ``replicate``,
    ``moves``); returns the new row with ``accepted`` (0/1)."""
    step, i, row = task
    rng = np.random.default_rng(np.random.SeedSequence([mover.seed, MOVE_TAG, step, i]))
    sp = mover.space
    c = np.array([np.log(row[n]) if lg else row[n] for n, lg in zip(sp.names, sp.log, strict=True)], dtype=float)
    proposal = c + mover.chol @ rng.standard_normal(len(c))
    replicate = int(rng.integers(0, 2**31 - 1))
    if not sp.inside(proposal):
        return {**row, "accepted": 0}
    calibrated = {n: sp.value(j, proposal[j]) for j, n in enumerate(sp.names)}
    params, stats = mover.simulate(calibrated, replicate, rng)
    d = float(mover.distance(stats))
    if d > mover.epsilon:
        return {**row, "accepted": 0}
    return {**row, **params, "distance": d, "replicate": replicate, "moves": row["moves"] + 1, "accepted": 1}


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


def rejuvenate(initial: pd.DataFrame, mover: Mover, steps: int, folder: Path, map_: OrderedMap = map,
               progress: Callable[[int, float], None] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run ``steps`` rounds of moves over every particle of ``initial`` (from ``resample``); returns the final
    state and a table ``round, acceptance, moved_once, distinct, ess`` (ESS after merging duplicate vectors).
    Rounds already on disk in ``folder`` are read, not recomputed."""
    folder.mkdir(parents=True, exist_ok=True)
    state, rounds = initial, []
    names = [c for c in initial.columns if c not in ("distance", "replicate", "origin", "moves", "accepted")]
    for s in range(1, steps + 1):
        path = folder / f"round_{s:03d}.parquet"
        if path.is_file():
            state = pd.read_parquet(path)
        else:
            rows = state.drop(columns="accepted", errors="ignore").to_dict("records")
            fn = functools.partial(move, mover)
            state = pd.DataFrame(list(map_(fn, [(s, i, r) for i, r in enumerate(rows)])))
            write_atomic(state, path)
        acc = float(state["accepted"].mean())
        rounds.append({"round": s, "acceptance": acc, "moved_once": float((state["moves"] > 0).mean()),
                       "distinct": distinct(state[names]), "ess": merged_ess(state[names])})
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
