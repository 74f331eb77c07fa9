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
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Glob, IntervalSweep, Override
from hydra.errors import OverrideParseException
from omegaconf import DictConfig, OmegaConf

from sim.core import guard
from sim.core.config import Config
from sim.core.memory import check_fits
from sim.core.model import ABXModel
from sim.core.params import ConfigError, declared_fields
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
    global _registered
    store = ConfigStore.instance()
    policies = [(family, name, cls) for family, members in REGISTRY.items() for name, cls in members.items()]
    if _registered != (store, policies) or "abx_schema.yaml" not in store.repo:
        store.store(name="abx_schema", node=Config)
        for family, name, cls in policies:
            store.store(group=f"strategy/{family}", name=f"{name}_schema", node=cls.Params(policy=name))
        _registered = (store, policies)
    OmegaConf.register_new_resolver("abx_config_groups", config_groups_help, replace=True)


#: The store and the policies :func:`register_schema` last stored: storing converts every schema to
#: a config (30 ms), and ``abx-sim`` registers when it is imported and again when it composes.
_registered: tuple[ConfigStore, list[tuple[str, str, type]]] | None = None


def compose_config(overrides: Sequence[str] = (), return_hydra_config: bool = False, config_name: str = "config",
                   extra_dirs: Sequence[Path] = (), job_name: str = "app") -> DictConfig:
    """Compose the main config with Hydra overrides, e.g. ``["strategy=abm", "seed=3"]``.

    ``extra_dirs`` are further config folders searched after :func:`config_dir` (what
    ``--config-dir`` adds on the command line); ``job_name`` is Hydra's ``hydra.job.name`` (its
    compose API's default is ``app``; ``abx-sim``'s is ``cli``). Raises :class:`ConfigError` in one line for an
    override that is not a list of strings, names a forbidden key (:mod:`sim.core.guard`) or does
    not compose (an unknown key or option, a value of the wrong type).
    """
    if isinstance(overrides, str | bytes) or not isinstance(overrides, Sequence) or not all(
            isinstance(o, str) for o in overrides):
        raise ConfigError(f"overrides = {overrides!r}: must be a list of key=value strings, e.g. "
                          "['strategy=abm', 'seed=3']")
    read_overrides(overrides)
    register_schema()
    search = [f"hydra.searchpath=[{','.join(f'file://{Path(d).resolve()}' for d in extra_dirs)}]"] if extra_dirs else []
    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3", job_name=job_name):
            return compose(config_name=config_name, overrides=[*overrides, *search],
                           return_hydra_config=return_hydra_config)
    except Exception as exc:  # Hydra and OmegaConf raise many exception types for a bad override
        raise ConfigError(condense(exc)) from None


#: The Hydra settings abx-sim takes on the command line (and ``hydra.launcher.*`` options): the
#: rest of Hydra's node (job names, logging, sweep subfolders) is the project's, and a bad value
#: there would fail inside Hydra after the run folder exists.
HYDRA_SETTINGS = ("hydra.run.dir", "hydra.sweep.dir", "hydra.sweeper.max_batch_size", "hydra/launcher")


def read_overrides(overrides: Sequence[str]) -> list[Override]:
    """The overrides as Hydra reads them, each checked on its own: it parses, names a key, sets a
    Hydra setting abx-sim takes (:data:`HYDRA_SETTINGS`), names no forbidden key
    (:mod:`sim.core.guard`), does not delete one of the schema's keys
    (which would silently bring back its default), names no forbidden key inside a value
    (``+hydra={callbacks: ...}``), has values to sweep, and gives a flag ``true`` or ``false``.
    Raises :class:`ConfigError` in one line naming the override."""
    parser = OverridesParser.create()
    flags = flag_keys()
    read = []
    for text in overrides:
        try:
            [override] = parser.parse_overrides([text])
        except OverrideParseException as exc:
            raise ConfigError(f"{text}: not an override of the form key=value ({_parse_problem(text, exc)})") from None
        guard.check_overrides([text])  # a forbidden key names the problem before anything else does
        key = override.key_or_group
        if not key:
            raise ConfigError(f"{text}: no key before '='")
        if re.split(r"[./]", key)[0] == "hydra" and key not in HYDRA_SETTINGS and not key.startswith("hydra.launcher."):
            raise ConfigError(f"{key}: not a Hydra setting abx-sim takes; it takes {', '.join(HYDRA_SETTINGS)} "
                              "and hydra.launcher.* options")
        if override.is_delete():
            raise ConfigError(f"{text}: removing a key is not supported; set the value you want instead "
                              "(`abx-sim --cfg job` shows them)")
        for dotted, value in (leaf for v in sweep_values(override) for leaf in _leaves(key, v)):
            if value is None and not dotted.startswith("hydra"):
                raise ConfigError(f"{dotted} = null: needs a value (`abx-sim --cfg job` shows the current ones)")
            if dotted != key:  # a forbidden key inside a value: +hydra={callbacks: ...} (the key itself is checked)
                guard.check_overrides([f"{dotted}="])
            if dotted in flags and not isinstance(value, bool):
                raise ConfigError(f"{dotted} = {value}: must be true or false")
        read.append(override)
    return read


def _parse_problem(text: str, exc: Exception) -> str:
    """What Hydra's override parser could not read, in words (its message, or the character its
    caret points at)."""
    lines = str(exc).splitlines()
    if len(lines) > 1 and lines[1].strip() == "^":  # a lexer error: the caret marks the character
        col = lines[1].index("^") - (len(lines[0]) - len(text))
        return f"cannot read {text[col]!r} at character {col + 1}" if 0 <= col < len(text) else "cannot be read"
    return lines[1].strip() if len(lines) > 1 and not lines[1].startswith("See ") else "cannot be read"


def sweep_values(override: Override) -> list[Any]:
    """The values an override sets: one, or every value it sweeps (``glob(...)`` over the group's
    options). Raises :class:`ConfigError` for a sweep with no value or an ``interval(...)``."""
    if not override.is_sweep_override():
        return [override.value()]
    value = override.value()
    if isinstance(value, Glob):
        values: list[Any] = value.filter(config_options(override.key_or_group))
    elif isinstance(value, IntervalSweep):
        raise ConfigError(f"{override.input_line}: interval(...) is a continuous range, which only an optimising "
                          "sweeper can sample; list the values (a,b,c), use range(...) or a sweep design")
    else:
        values = list(override.sweep_iterator())
    if not values:
        raise ConfigError(f"{override.input_line}: sweeps no value")
    return values


def _leaves(key: str, value: Any) -> Iterator[tuple[str, Any]]:
    """``(dotted key, value)`` of every leaf of an override's value (a mapping is walked)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(f"{key}.{k}", v)
    else:
        yield key, value


def flag_keys() -> set[str]:
    """The dotted keys of every flag (``bool`` field) of the schema and of every registered policy."""
    flags = {key for key, f, _ in declared_fields(Config) if f.type == "bool"}
    for family, policies in REGISTRY.items():
        for cls in policies.values():
            flags |= {f"strategy.{family}.{f.name}" for f in dataclasses.fields(cls.Params) if f.type == "bool"}
    return flags


def condense(exc: BaseException) -> str:
    """One line from a Hydra/OmegaConf composition error: the key, the value, what is allowed."""
    text = "\n".join(str(e) for e in (exc, exc.__cause__) if e is not None)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    key = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("full_key:")), "")
    missing = re.search(r"Could not find '([^']+)'", text)
    if missing:
        listed = lines[: next((i for i, line in enumerate(lines) if line.startswith("Config search path")),
                              len(lines))]
        options = [line for line in listed if not re.match(r"(In |Could not|Available)", line)]
        group, _, choice = missing.group(1).rpartition("/")
        options = config_options(group) or options  # Hydra's list has the policies' *_schema entries
        return f"{group}={choice}: no such option; available: {', '.join(options)}"
    if "not in struct" in text or re.search(r"Key '[^']+' not in '", text):
        name = key or re.search(r"Key '([^']+)'", text).group(1)  # type: ignore[union-attr]
        return f"{name}: unknown key (check the spelling; `abx-sim --cfg job` lists every key)"
    converted = re.search(r"(Value '.*' of type '\w+' could not be converted to \w+)", text)
    if converted:
        return f"{key}: {converted.group(1)}"
    carried = [getattr(e, "full_key", None) for e in (exc, exc.__cause__)]  # omegaconf's errors carry their key
    key = key or next((str(k) for k in carried if k), "")
    return (f"{key}: " if key and key not in lines[0] else "") + "; ".join(lines[:3])


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
