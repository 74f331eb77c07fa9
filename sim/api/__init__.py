"""The Python API for notebooks and scripts: compose a config, run it, get DataFrames.

>>> from sim.api import run
>>> res = run(["market.n_accounts=300", "horizon_weeks=8",
...            "strategy.tiering.n_one_to_many=100", "strategy.tiering.n_one_to_few=20"])
>>> res.summary["diag_theater"], 0 <= res.summary["win_rate"] <= 1
(0.0, True)
>>> len(res.timeseries), len(res.accounts)
(8, 300)

Hydra's compose API builds the config, so Hydra never takes over the process.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pandas as pd
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf

from sim.api.configs import (
    CONFIG_DIR_ENV,
    GROUP_MEANINGS,
    config_dir,
    config_groups,
    config_groups_help,
    config_options,
    option_meaning,
    register_schema,
)
from sim.api.overrides import HYDRA_SETTINGS, condense, flag_keys, read_overrides, sweep_values
from sim.core.config import Config
from sim.core.memory import check_fits
from sim.core.model import ABXModel
from sim.core.params import ConfigError
from sim.core.validate import validate

__all__ = ["CONFIG_DIR_ENV", "GROUP_MEANINGS", "HYDRA_SETTINGS", "ArgumentParser", "ConfigError", "Preset", "Results",
           "checked", "compose_config", "condense", "config_dir", "config_groups", "config_groups_help",
           "config_options", "flag_keys", "option_meaning", "preset_of", "read_overrides", "register_schema", "run",
           "simulate", "sweep_values", "with_strategy"]


def compose_config(overrides: Sequence[str] = (), return_hydra_config: bool = False, config_name: str = "config",
                   extra_dirs: Sequence[Path] = (), job_name: str = "app") -> DictConfig:
    """Compose the main config with Hydra overrides, e.g. ``["strategy=abm", "seed=3"]``.

    ``extra_dirs`` are further config folders searched after :func:`config_dir` (what
    ``--config-dir`` adds on the command line); inside a running Hydra app (a sweep's job) the
    app's own search path is used instead; ``job_name`` is Hydra's ``hydra.job.name`` (its
    compose API's default is ``app``; ``abx-sim``'s is ``cli``). Raises :class:`ConfigError` in one line for an
    override that is not a list of strings, names a forbidden key (:mod:`sim.core.guard`) or does
    not compose (an unknown key or option, a value of the wrong type).
    """
    if isinstance(overrides, str | bytes) or not isinstance(overrides, Sequence) or not all(
            isinstance(o, str) for o in overrides):
        raise ConfigError(f"overrides = {overrides!r}: must be a list of key=value strings, e.g. "
                          "['strategy=abm', 'seed=3']")
    read_overrides(overrides, extra_dirs)
    register_schema()
    search = [f"hydra.searchpath=[{','.join(f'file://{Path(d).resolve()}' for d in extra_dirs)}]"] if extra_dirs else []
    try:
        if GlobalHydra.instance().is_initialized():  # inside a Hydra app (a sweep's job): on its search path
            return compose(config_name=config_name, overrides=list(overrides), return_hydra_config=return_hydra_config)
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3", job_name=job_name):
            return compose(config_name=config_name, overrides=[*overrides, *search],
                           return_hydra_config=return_hydra_config)
    except Exception as exc:  # Hydra and OmegaConf raise many exception types for a bad override
        raise ConfigError(condense(exc)) from None



@dataclass
class Results:
    """One run's outputs, as plain Python and pandas objects."""

    config: Config
    summary: dict[str, float]
    timeseries: pd.DataFrame
    accounts: pd.DataFrame
    stories: pd.DataFrame
    model: ABXModel
    #: The vendor's records (:mod:`sim.core.crm`): new-logo opportunities, and every change of ARR.
    opportunities: pd.DataFrame
    revenue: pd.DataFrame

    def story(self, account: int) -> pd.DataFrame:
        """The week-by-week events of one tracked account."""
        return self.stories[self.stories.account == account].reset_index(drop=True)


def simulate(cfg: Config | DictConfig, progress: bool = False) -> Results:
    """Run a config for its whole horizon and collect the results."""
    model = ABXModel(cfg)
    model.run(progress=progress)
    return Results(config=model.cfg, summary=model.summary(), timeseries=model.recorder.frame(model.steps),
                   accounts=model.account_table(), stories=model.story.frame(), model=model,
                   opportunities=model.opportunity_table(), revenue=model.crm.revenue())


def run(overrides: Sequence[str] | DictConfig | Config = (), progress: bool = False) -> Results:
    """Compose (from overrides) or take a config, validate it, run it, and return :class:`Results`.

    Raises :class:`~sim.core.params.ConfigError` (one line: the key, the value, what is allowed)
    for anything that is not a valid config, before any work is done.
    """
    cfg = overrides if isinstance(overrides, DictConfig | Config) else compose_config(overrides)
    return simulate(checked(cfg), progress=progress)


def checked(cfg: DictConfig | Config) -> Config:
    """A config ready to run: validated (Hydra's own node, if present, is left out; a
    :class:`Config` is checked as thoroughly as a composed one, on a copy) and small enough for
    this machine's memory. Raises :class:`~sim.core.params.ConfigError`."""
    if isinstance(cfg, DictConfig):
        cfg = OmegaConf.masked_copy(cfg, [str(k) for k in cfg if k != "hydra"])
    config = validate(cfg)
    check_fits(config)
    return config


@dataclass(frozen=True)
class Preset:
    """The presets a config starts from (its market and strategy), composed alone: at the config's
    market size, since team sizes and budget scale with it, and with the size the preset declares."""

    config: Config
    n_accounts: int


def preset_of(config: Config, extra_dirs: Sequence[Path] = ()) -> Preset:
    """The :class:`Preset` of ``config``: what a report says its settings changed from. Raises
    :class:`ConfigError` if the presets named in it do not compose (a name set by hand)."""
    raw = compose_config([f"market={config.market.name}", f"strategy={config.strategy.name}"], extra_dirs=extra_dirs)
    declared = int(raw.market.n_accounts)
    raw.market.n_accounts = config.market.n_accounts  # the sized values (team sizes, budget) follow
    return Preset(checked(raw), declared)


def with_strategy(config: Config, name: str) -> Config:
    """``config`` with its strategy replaced by the strategy preset ``name`` as the preset declares
    it: the same world (market, vendor, seed, length), another strategy; what ``output.compare``
    runs beside a run. Raises :class:`ConfigError` naming ``output.compare`` for an unknown preset."""
    try:
        strategy = checked(compose_config([f"strategy={name}", f"market.n_accounts={config.market.n_accounts}"]))
    except ConfigError as exc:
        raise ConfigError(f"output.compare = {name!r}: {exc}") from None
    baseline = dataclasses.replace(config, strategy=strategy.strategy,
                                   output=dataclasses.replace(config.output, compare="", report=False))
    return checked(baseline)


class ArgumentParser(argparse.ArgumentParser):
    """The project's command-line parser: a mistake gets one line (``prog: error: ...``, the usage
    left to ``--help``) and exit status 2, as every abx-sim command does."""

    def error(self, message: str) -> NoReturn:
        """Print ``message`` in one line and exit with status 2."""
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)
