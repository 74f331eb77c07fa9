"""Shared fixtures: small configs, small runs computed once per session, and the reference runs
many tests read.

The plain functions behind them live in ``helpers.py``, because module-level helpers of the test
files (paired comparisons over seeds) and ``test_cli.py`` import them; tests take them as fixtures.

Tests marked ``slow`` (notebooks, the browser, experiments, sensitivity, validation, sweeps across
launchers, statistical effects over replications) are left out by default (``addopts`` in
``pyproject.toml``): ``pytest -m slow`` runs them, ``pytest -m ""`` runs everything.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from helpers import cached_run
from helpers import small_config as compose_small_config

from sim.api import Results
from sim.core.config import Config


@pytest.fixture(scope="session")
def small_config() -> Callable[..., Config]:
    """Factory of validated small configs: ``small_config("abm", 800, 40, "seed=3")`` is ABM on 800
    accounts for 40 weeks, tier sizes shrunk to fit (see ``helpers.small_overrides``)."""
    return compose_small_config


@pytest.fixture(scope="session")
def small_run() -> Callable[..., Results]:
    """Factory of small runs, each computed once per session and shared by every test that asks for
    it: ``small_run("abx", seed, weeks, n_accounts, extra_overrides)``."""
    return cached_run


@pytest.fixture(scope="session")
def abx_run(small_run: Callable[..., Results]) -> Results:
    """The reference run: ABX, seed 0, 800 accounts, 60 weeks."""
    return small_run("abx", 0, 60, 800)


@pytest.fixture(scope="session")
def abm_run(small_run: Callable[..., Results]) -> Results:
    """ABM in the same world as :func:`abx_run` (seed 0, 800 accounts, 60 weeks)."""
    return small_run("abm", 0, 60, 800)
