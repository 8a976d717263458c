"""A pyabc sampler whose result depends only on the seed, not on how many workers or which backend.

pyabc's own parallel samplers reseed workers from OS entropy. Here generation ``t``'s ``n`` sampling tasks are
numbered, task ``i`` seeds numpy and ``random`` from (seed, t, i) and samples until it has one accepted particle,
and the results are gathered in task order: local processes, a Dask cluster and a plain loop give the same
population.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from pyabc.sampler import MappingSampler

OrderedMap = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]
"""``map_(fn, items)``: ``fn`` applied to every item, results in the items' order (builtin ``map``, a process
pool's or a Dask client's ordered map). Calibration never builds one itself: the caller injects it."""


def _task_seed(seed: int, t: int, i: int) -> int:
    return int(np.random.SeedSequence([seed, t + 1, i]).generate_state(1)[0])


class SeededMappingSampler(MappingSampler):
    """``MappingSampler`` with per-task seeds; ``map_`` is any ordered map (builtin, executor, Dask)."""

    def __init__(self, seed: int, map_: OrderedMap = map) -> None:
        super().__init__(map_=map_)
        self.seed = int(seed)

    def __getstate__(self):
        return super().__getstate__() + (self.seed,)

    def __setstate__(self, state):
        super().__setstate__(state[:-1])
        self.seed = state[-1]

    def seeded_map_function(self, simulate_one, task: tuple[int, int]):
        simulate_one = self.unpickle(simulate_one)
        s = _task_seed(self.seed, *task)
        np.random.seed(s)
        random.seed(s)
        nr = 0
        sample = self._create_empty_sample()
        while True:
            sim = simulate_one()
            nr += 1
            sample.append(sim)
            if sim.accepted:
                break
        return sample, nr

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        fn = functools.partial(self.seeded_map_function, self.pickle(simulate_one))
        results = list(self.map_(fn, [(t, i) for i in range(n)]))
        sample = self._create_empty_sample()
        total = 0
        for smp, nr in results:
            sample += smp
            total += nr
        self.nr_evaluations_ = total
        return sample
