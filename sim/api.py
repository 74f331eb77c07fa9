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

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from sim.core.config import Config
from sim.core.memory import check_fits
from sim.core.model import ABXModel
from sim.core.policies import REGISTRY
from sim.core.validate import validate

#: Environment variable naming another config folder to use instead of ``configs/`` (it must hold
#: ``config.yaml``), e.g. a copy with extra options. Everything reads it: the API, ``abx-sim`` and the dashboard.
CONFIG_DIR_ENV = "ABX_SIM_CONFIG_DIR"


def config_dir() -> Path:
    """The Hydra config tree: ``$ABX_SIM_CONFIG_DIR`` if set, else ``configs/`` of the source checkout.

    Raises:
        FileNotFoundError: ``$ABX_SIM_CONFIG_DIR`` is not a folder holding ``config.yaml``, or no
            ``configs/`` is found.
    """
    chosen = os.environ.get(CONFIG_DIR_ENV)
    if chosen:
        path = Path(chosen).expanduser().resolve()
        if not (path / "config.yaml").is_file():
            raise FileNotFoundError(f"{CONFIG_DIR_ENV}={chosen}: not a config folder (it has no config.yaml)")
        return path
    here = Path(__file__).resolve().parent
    for candidate in (here / "configs", here.parent / "configs"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"abx-sim configs not found next to {here}")


def config_groups() -> list[str]:
    """The config groups: every folder under :func:`config_dir` holding YAML files, e.g.
    ``strategy/tiering``, sorted (Hydra's own ``hydra/...`` groups excluded)."""
    root = config_dir()
    groups = {path.parent.relative_to(root).as_posix() for path in root.glob("*/**/*.yaml")}
    return sorted(g for g in groups if g.split("/")[0] != "hydra")


def config_options(group: str) -> list[str]:
    """The options of a config group (``group=option``): its YAML files' names, sorted.

    In a policy family's group (``strategy/<family>``) a file is an option only if the policy it
    names (its ``policy:`` key) is registered: a file for a class that is not loaded cannot compose.

    >>> config_options("strategy/orchestration")
    ['manual', 'signal', 'siloed']
    """
    folder = config_dir() / group
    names = sorted(path.stem for path in folder.glob("*.yaml"))
    family = group.removeprefix("strategy/")
    if group.startswith("strategy/") and family in REGISTRY:
        names = [n for n in names if _policy_named(folder / f"{n}.yaml") in REGISTRY[family]]
    return names


def _policy_named(path: Path) -> str | None:
    """The ``policy:`` a policy's YAML file selects (``None`` if it names none)."""
    node = OmegaConf.load(path)
    return node.get("policy") if isinstance(node, DictConfig) else None


def config_groups_help() -> str:
    """The config groups of ``abx-sim --help``, one line each: ``group: option, option, ...``."""
    return "\n".join(f"{group}: {', '.join(config_options(group))}" for group in config_groups())


def register_schema() -> None:
    """Register the structured configs, and the help's ``${abx_config_groups:}`` resolver, with Hydra
    (idempotent).

    ``abx_schema`` is the root; each registered policy's ``Params`` is stored as
    ``strategy/<family>/<name>_schema``, which that policy's YAML file extends, so every policy
    parameter can be overridden from the command line and is type-checked.
    """
    store = ConfigStore.instance()
    store.store(name="abx_schema", node=Config)
    for family, policies in REGISTRY.items():
        for name, cls in policies.items():
            store.store(group=f"strategy/{family}", name=f"{name}_schema", node=cls.Params(policy=name))
    OmegaConf.register_new_resolver("abx_config_groups", config_groups_help, replace=True)


def compose_config(overrides: Sequence[str] = (), return_hydra_config: bool = False) -> DictConfig:
    """Compose the main config with Hydra overrides, e.g. ``["strategy=abm", "seed=3"]``."""
    register_schema()
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides), return_hydra_config=return_hydra_config)


@dataclass
class Results:
    """One run's outputs, as plain Python and pandas objects."""

    config: Config
    summary: dict[str, float]
    timeseries: pd.DataFrame
    accounts: pd.DataFrame
    stories: pd.DataFrame
    model: ABXModel

    def story(self, account: int) -> pd.DataFrame:
        """The week-by-week events of one tracked account."""
        return self.stories[self.stories.account == account].reset_index(drop=True)


def simulate(cfg: Config | DictConfig, progress: bool = False) -> Results:
    """Run a config for its whole horizon and collect the results."""
    model = ABXModel(cfg)
    model.run(progress=progress)
    return Results(config=model.cfg, summary=model.summary(), timeseries=model.recorder.frame(model.steps),
                   accounts=model.account_table(), stories=model.story.frame(), model=model)


def run(overrides: Sequence[str] | DictConfig | Config = (), progress: bool = False) -> Results:
    """Compose (from overrides) or take a config, validate it, run it, and return :class:`Results`."""
    cfg = overrides if isinstance(overrides, DictConfig | Config) else compose_config(overrides)
    return simulate(checked(cfg), progress=progress)


def checked(cfg: DictConfig | Config) -> Config:
    """A config ready to run: validated (a composed one; Hydra's own node, if present, is left out)
    and small enough for this machine's memory. Raises :class:`~sim.core.params.ConfigError`."""
    if isinstance(cfg, DictConfig):
        cfg = validate(OmegaConf.masked_copy(cfg, [str(k) for k in cfg if k != "hydra"]))
    check_fits(cfg)
    return cfg

