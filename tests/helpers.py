"""Test helpers: small configs that run in a fraction of a second, and cached runs.

Tests take them as fixtures (``small_config``, ``small_run``, ``abx_run`` in ``conftest.py``); plain
functions stay here for module-level helpers (paired comparisons over seeds) and ``test_cli.py``.
"""

from __future__ import annotations

import functools

from sim.api import Results, compose_config, run
from sim.core.config import Config
from sim.core.validate import validate

SMALL_TIERS = ["strategy.tiering.n_one_to_one=10", "strategy.tiering.n_one_to_few=60",
               "strategy.tiering.n_one_to_many=400"]


def small_overrides(strategy: str = "abx", n_accounts: int = 1500, weeks: int = 52, *extra: str) -> list[str]:
    """Overrides for a small, fast market; tier sizes shrink with it where the strategy has tiers."""
    tiers = SMALL_TIERS if strategy != "channel" else []
    return [f"strategy={strategy}", f"market.n_accounts={n_accounts}", f"horizon_weeks={weeks}", *tiers, *extra]


def small_config(strategy: str = "abx", n_accounts: int = 1500, weeks: int = 52, *extra: str) -> Config:
    """A validated small config."""
    return validate(compose_config(small_overrides(strategy, n_accounts, weeks, *extra)))


@functools.cache
def cached_run(strategy: str, seed: int, weeks: int = 52, n_accounts: int = 1500,
               extra: tuple[str, ...] = ()) -> Results:
    """A small run, computed once per test session."""
    return run(small_overrides(strategy, n_accounts, weeks, f"seed={seed}", *extra))

