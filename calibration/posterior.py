"""The calibrated posterior that runs use by default, and how a replicate draws its parameter set.

The shipped file (``calibration/posterior/posterior.parquet``) holds whole parameter vectors: one row per
particle, a column per declared parameter (exactly the values its accepted simulation used) and ``weight``.
Replicates come in pairs: replicates 2j and 2j+1 draw the same row (from draw slot j's named stream, so replicate k
uses the same draw in every scenario) and differ only in their random streams; the within-pair spread measures
stochastic noise (``experiments/runs/variance.py``). A file written before whole vectors were stored holds only
the calibrated columns: the parameters it lacks (``Posterior.missing``) are drawn from their priors, from the same
stream.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from innosim.model.errors import InputError
from innosim.model.parameters import BY_NAME, PARAMETERS, prior_medians
from innosim.model.rng import Streams

SHIPPED = Path(__file__).parent / "posterior" / "posterior.parquet"


@dataclass(frozen=True)
class Posterior:
    """Particles (parameter values) with normalised weights."""

    path: Path
    particles: pd.DataFrame
    weights: np.ndarray
    sha256: str

    @property
    def names(self) -> list[str]:
        return list(self.particles.columns)

    @property
    def missing(self) -> list[str]:
        """Declared parameters the file does not hold (drawn from their priors per draw)."""
        return [p.name for p in PARAMETERS if p.name not in self.particles.columns]


def load_posterior(path: str | Path = SHIPPED) -> Posterior:
    """Read and check a posterior file; raises ``InputError`` naming the file and the problem."""
    p = Path(path)
    if not p.is_file():
        raise InputError(p, "", "posterior file not found (run `innosim calibrate` or use --params prior)")
    try:
        df = pd.read_parquet(p)
    except Exception as e:  # pyarrow raises several types for a non-Parquet file
        raise InputError(p, "", f"not a readable Parquet file ({type(e).__name__})") from None
    if "weight" not in df.columns:
        raise InputError(p, "weight", "missing column")
    unknown = [c for c in df.columns if c != "weight" and c not in BY_NAME]
    if unknown:
        raise InputError(p, unknown[0], "not a declared parameter (model/parameters.py)")
    w = df["weight"].to_numpy(dtype=float)
    if len(df) == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise InputError(p, "weight", "weights must be finite, non-negative and not all zero")
    for c in df.columns:
        if c == "weight":
            continue
        par = BY_NAME[c]
        if not df[c].between(par.low, par.high).all():
            raise InputError(p, c, f"values outside the declared range [{par.low}, {par.high}]")
    sha = hashlib.sha256(p.read_bytes()).hexdigest()
    return Posterior(p, df.drop(columns="weight").reset_index(drop=True), w / w.sum(), sha)


def choose_posterior(params: str, relative_to: Path | None = None, option: str = "--params",
                     required: bool = False) -> Posterior | None:
    """The posterior a command's ``params`` option names: ``prior`` → None (prior medians), ``posterior`` → the
    shipped one, else a Parquet path (relative to ``relative_to``). When none is shipped, ``posterior`` gives None
    with a note on stderr, or — if ``required`` — an ``InputError`` naming ``option``."""
    if params == "prior":
        return None
    if params == "posterior":
        if SHIPPED.is_file():
            return load_posterior(SHIPPED)
        if required:
            raise InputError(option, params, "no calibrated posterior is shipped (calibration/posterior/)")
        print("innosim: note: no calibrated posterior is shipped; running on prior medians", file=sys.stderr)
        return None
    path = Path(params)
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    return load_posterior(path)


def prior_draw(rng: np.random.Generator, names: list[str] | None = None) -> dict[str, float]:
    """One draw from the declared priors of ``names`` (all when None)."""
    out = {}
    for p in PARAMETERS:
        if names is not None and p.name not in names:
            continue
        u = float(rng.random())
        out[p.name] = (float(np.exp(np.log(p.low) + u * (np.log(p.high) - np.log(p.low))))
                       if p.prior == "loguniform" else p.low + u * (p.high - p.low))
    return out


PAIR = 2  # replicates sharing one posterior draw (different random streams)


def draw_parameters(post: Posterior | None, seed: int, slot: int) -> tuple[int, dict[str, float]]:
    """(row index, full parameter set) of draw slot ``slot``: a row drawn by weight from slot's own stream, whole;
    only parameters the file lacks are drawn from their priors. ``post=None``: prior medians (index -1)."""
    if post is None:
        return -1, prior_medians()
    rng = Streams(seed, slot).get("posterior")
    idx = int(rng.choice(len(post.weights), p=post.weights))
    missing = post.missing
    nuisance = prior_draw(rng, missing) if missing else {}
    row = {k: float(v) for k, v in post.particles.iloc[idx].items()}
    return idx, {**nuisance, **row}


def replicate_parameters(post: Posterior | None, seed: int, replicate: int) -> tuple[int, dict[str, float]]:
    """(draw index, full parameter set) of one replicate: replicates 2j and 2j+1 share draw slot j."""
    return draw_parameters(post, seed, replicate // PAIR)
