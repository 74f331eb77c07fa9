"""Random streams: one per random process, derived from the run seed and the process's name.

Every random process of the model (buying windows, research, turnover, touch delivery, deal
decisions, renewals, ...) draws from its own stream, and every week's draws of a process come
from a fresh generator keyed by ``(replication, process, week)`` under the run seed. So a draw that
one strategy makes and another does not never shifts any other process's draws, nor the same
process's draws in later weeks: two strategies run with one seed and replication share every
draw their mechanisms do not change (common random numbers), as in Starsim's per-process streams.

Draws are made per slot where that is cheap (one uniform per account or member, used or not), so
within a week too, account ``i`` gets the same number whichever strategy runs.

>>> s = Streams(seed=7, replication=0)
>>> a = s.generator("renewals", week=3).random(2)
>>> _ = s.generator("touch_delivery", week=3).random(1000)  # another process draws more ...
>>> bool((a == Streams(7, 0).generator("renewals", week=3).random(2)).all())  # ... renewals unmoved
True
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import numpy as np

from sim.core import compiled

#: Every random process, with what it draws. A stream can only be asked for by one of these names.
PROCESSES: dict[str, str] = {
    "market": "the market at week 0: segments, industries, value, fit, committees, customers, opinions",
    "buying_windows": "buying windows opening and their length",
    "research": "in-market and false research activity",
    "intent_observation": "which research the intent data sees",
    "self_serve": "committee members finding and reading content on their own",
    "turnover": "members leaving their committee, and their replacements' reach and skepticism",
    "usage_shocks": "customers' usage drops (reorganisations, projects ending)",
    "list_recut": "accounts dropped from the list at a re-cut",
    "lead_follow_up": "whether sales follows up a new lead at all",
    "touch_delivery": "touches each member receives this week",
    "theater": "touches perceived as superficial",
    "collisions": "contradictory touches between uncoordinated teams",
    "qualification": "SDR-worked accounts qualifying into opportunities",
    "deal_decisions": "no-decision and win draws when a buyer decides",
    "renewals": "churn, expansion and contraction at renewal, and their size",
    "expansion": "expansion opportunities won",
    "referrals": "referrals from advocates and the peers they reach",
    "mesa": "Mesa's own generator (agent-set shuffles); no mechanism draws from it",
}


class Streams:
    """The random streams of one run (seed and replication).

    Args:
        seed: the run seed.
        replication: the replication index; replication ``r`` of every strategy gets the same
            streams, different replications independent ones.
    """

    def __init__(self, seed: int, replication: int) -> None:
        self.seed, self.replication = int(seed), int(replication)

    def generator(self, process: str, week: int = -1) -> np.random.Generator:
        """A new generator for ``process`` in ``week`` (-1: before the first week).

        Raises:
            KeyError: for a process not declared in :data:`PROCESSES`.
        """
        if process not in PROCESSES:
            raise KeyError(f"undeclared random process {process!r}; declared: {', '.join(PROCESSES)}")
        key = (self.replication, zlib.crc32(process.encode()), week + 1)
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))


class WeekStreams:
    """This week's generator of each process, made on first use and kept for the rest of the week.

    >>> ws = WeekStreams(Streams(1, 0))
    >>> ws.start(5); g = ws("theater")
    >>> g is ws("theater")
    True
    """

    def __init__(self, streams: Streams) -> None:
        self.streams, self.week = streams, -1
        self._made: dict[str, np.random.Generator] = {}

    def start(self, week: int) -> None:
        """Begin ``week``: later calls get that week's generators."""
        self.week, self._made = week, {}

    def __call__(self, process: str) -> np.random.Generator:
        """The generator of ``process`` for the current week."""
        if process not in self._made:
            self._made[process] = self.streams.generator(process, self.week)
        return self._made[process]


def uniforms(rng: np.random.Generator, n: int) -> Iterator[tuple[slice, np.ndarray]]:
    """``rng.random(n)`` a chunk at a time: the same numbers in the same order, as (slots, values)
    pairs, so a draw for each of seven million members never holds 54 MB at once.

    >>> parts = [u for _, u in uniforms(np.random.default_rng(1), 5)]
    >>> bool((np.concatenate(parts) == np.random.default_rng(1).random(5)).all())
    True
    """
    for start in range(0, n, compiled.MEMBER_CHUNK):
        stop = min(start + compiled.MEMBER_CHUNK, n)
        yield slice(start, stop), rng.random(stop - start)
