"""Test helpers: small configs that run in a fraction of a second, and cached runs.

Tests take them as fixtures (``small_config``, ``small_run``, ``abx_run`` in ``conftest.py``); plain
functions stay here for module-level helpers (paired comparisons over seeds) and ``test_cli.py``.
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import pytest

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



#: Debian's Chromium, which the browser tests drive with Playwright (``.ci/run`` installs it).
CHROMIUM = os.environ.get("ABX_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
#: Where the browser tests keep their screenshots (CI keeps the folder).
ARTIFACTS = Path(os.environ.get("ABX_ARTIFACTS", "test-artifacts"))
#: Flags for a headless Chromium on a machine with no network beyond localhost.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def need_chromium() -> None:
    """Skip a browser test without a Chromium, except in CI (``CI`` set), where it fails."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must install Chromium for the browser tests (not found at {CHROMIUM})")
        pytest.skip(f"no Chromium at {CHROMIUM} (set ABX_CHROMIUM)")
