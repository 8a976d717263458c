"""Named random streams for common random numbers (CRN).

Every random process draws from its own stream, seeded from (run seed, replicate, process name, quarter).
Within a quarter a process draws one array indexed by firm slot, so firm ``i`` receives the same uniform in
every scenario that shares the seed and replicate: adding an instrument, or changing a budget, does not shift
anybody else's draws, and scenario differences are paired rather than noise.
"""

from __future__ import annotations

import zlib

import numpy as np


def _name_key(name: str) -> int:
    # crc32 is stable across processes and Python versions, unlike hash().
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Factory of independent generators for one run (seed, replicate)."""

    def __init__(self, seed: int, replicate: int) -> None:
        if seed < 0 or replicate < 0:
            raise ValueError("seed and replicate must be non-negative integers")
        self.seed = int(seed)
        self.replicate = int(replicate)

    def get(self, name: str, quarter: int = -1) -> np.random.Generator:
        """Generator for process ``name`` in quarter index ``quarter`` (-1: set-up, before 2021Q1)."""
        key = [self.seed, self.replicate, _name_key(name), quarter + 1]
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))

    def run_seed(self) -> int:
        """An integer seed for Mesa's own ``Model(rng=...)`` (agent-set shuffles)."""
        return int(self.get("mesa").integers(0, 2**62))
