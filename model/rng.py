"""Named random streams for common random numbers (CRN).

Every random process draws from its own stream, seeded from (run seed, replicate, process name, quarter).
Within a quarter a process draws by firm slot — counter-based (``slot_uniforms``, ``slot_normals``: a hash of
the stream's key and the slot, so only the slots a rule weighs are drawn), or one array indexed by slot from a
generator — so firm ``i`` receives the same number in every scenario that shares the seed and replicate: adding an
instrument, or changing a budget, does not shift anybody else's draws, and scenario differences are paired
rather than noise.

A run asks for ≈ 500 (process, quarter) streams. Building a seeded PCG64 costs ≈ 20 µs; setting the state of an
existing one ≈ 1 µs, so each process name keeps one generator whose 128-bit state and stream increment are set
from a SplitMix64 hash of (seed, replicate, name, quarter) on every request. A generator is valid until the same
process name is asked for again (no rule holds two quarters of one process at once).
"""

from __future__ import annotations

import zlib

import numpy as np
from numba import njit
from scipy.special import ndtri


def _name_key(name: str) -> int:
    # crc32 is stable across processes and Python versions, unlike hash().
    return zlib.crc32(name.encode("utf-8"))


_MASK = (1 << 64) - 1


def _splitmix64(x: int) -> int:
    """One step of SplitMix64 (Steele et al. 2014), a bijective 64-bit mixer, on a Python int."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _name_hash(seed: int, replicate: int, name: str) -> int:
    return _splitmix64(_splitmix64(_splitmix64(seed) ^ replicate) ^ _name_key(name))


def _state(prefix: int, quarter: int) -> dict:
    """PCG64 state of quarter index ``quarter``: four chained SplitMix64 words of (prefix, quarter + 1)."""
    a = _splitmix64(prefix ^ ((quarter + 1) & _MASK))
    b = _splitmix64(a)
    c = _splitmix64(b)
    d = _splitmix64(c)
    return {"bit_generator": "PCG64", "has_uint32": 0, "uinteger": 0,
            "state": {"state": (a << 64) | b, "inc": (c << 64) | d | 1}}


_GAMMA = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, nogil=True, error_model="numpy")
def slot_bits(key, i):
    """The 64 random bits of firm slot ``i`` under a 64-bit stream key: the SplitMix64 output at counter ``i``
    (counter-based: any subset of slots can be drawn, and slot ``i`` gets the same bits whichever others are)."""
    x = key + np.uint64(i + 1) * np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True, nogil=True, error_model="numpy")
def slot_uniform(key, i):
    """Uniform in [0, 1) of firm slot ``i`` under a 64-bit stream key: the top 53 of its ``slot_bits``."""
    return np.float64(slot_bits(key, i) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True, error_model="numpy")
def slot_uniforms(key, ids):
    """``slot_uniform`` of every slot in ``ids`` (int64)."""
    out = np.empty(ids.size)
    for j in range(ids.size):
        out[j] = slot_uniform(key, ids[j])
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def slot_uniform_range(key, n):
    """``slot_uniform`` of slots 0 … n − 1 (for a rule that weighs most rows of the table)."""
    out = np.empty(n)
    for i in range(n):
        out[i] = slot_uniform(key, i)
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def slot_open_uniforms(key, ids):
    """Uniforms in (0, 1) of the slots in ``ids`` (int64): the middle of the slot's 2⁻⁵² cell, from the top 52 of
    its ``slot_bits``, so that an inverse distribution function of it is finite ((2k + 1)·2⁻⁵³ is exact)."""
    out = np.empty(ids.size)
    for j in range(ids.size):
        out[j] = (np.float64(slot_bits(key, ids[j]) >> np.uint64(12)) + 0.5) * (1.0 / 4503599627370496.0)
    return out


def slot_normals(key: np.uint64, ids: np.ndarray) -> np.ndarray:
    """Standard normals of the slots in ``ids`` under ``key``: the inverse normal of their ``slot_open_uniforms``
    (|z| ≤ 8.3), so a rule draws a normal only for the rows it weighs."""
    return ndtri(slot_open_uniforms(key, np.asarray(ids, dtype=np.int64)))


def stream_state(seed: int, replicate: int, name: str, quarter: int) -> dict:
    """PCG64 state of process ``name`` in quarter index ``quarter`` of run (seed, replicate)."""
    return _state(_name_hash(seed, replicate, name), quarter)


class Streams:
    """Factory of independent generators for one run (seed, replicate)."""

    def __init__(self, seed: int, replicate: int) -> None:
        if seed < 0 or replicate < 0:
            raise ValueError("seed and replicate must be non-negative integers")
        self.seed = int(seed)
        self.replicate = int(replicate)
        self._gens: dict[str, tuple[int, np.random.Generator]] = {}
        self._keys: dict[str, int] = {}

    def get(self, name: str, quarter: int = -1) -> np.random.Generator:
        """Generator for process ``name`` in quarter index ``quarter`` (-1: set-up, before 2021Q1); valid until
        ``name`` is asked for again."""
        known = self._gens.get(name)
        if known is None:
            known = self._gens[name] = (_name_hash(self.seed, self.replicate, name),
                                        np.random.Generator(np.random.PCG64(0)))
        prefix, gen = known
        gen.bit_generator.state = _state(prefix, quarter)
        return gen

    def key(self, name: str, quarter: int = -1) -> np.uint64:
        """64-bit key of process ``name`` in quarter index ``quarter`` for counter-based per-slot draws
        (``slot_uniform``), independent of the generator ``get`` returns for the same name and quarter."""
        prefix = self._keys.get(name)
        if prefix is None:  # the name's hash once per run, not per quarter
            prefix = self._keys[name] = _name_hash(self.seed, self.replicate, "slots:" + name)
        return np.uint64(_splitmix64(prefix ^ (quarter + 1)))

    def uniforms(self, name: str, quarter: int, ids: np.ndarray) -> np.ndarray:
        """Uniforms of firm slots ``ids`` for process ``name`` in quarter ``quarter``: slot ``i`` gets the same
        number in every scenario and whichever other slots are drawn, so a rule draws only for the firms it
        weighs (common random numbers without a draw per row of the table)."""
        return slot_uniforms(self.key(name, quarter), np.asarray(ids, dtype=np.int64))

    def run_seed(self) -> int:
        """An integer seed for Mesa's own ``Model(rng=...)`` (agent-set shuffles)."""
        return int(self.get("mesa").integers(0, 2**62))
