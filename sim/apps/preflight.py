"""Checking an ``abx-sim`` command line before Hydra creates any folder.

Hydra would start a run (or a sweep) and fail inside it, after making its output folder, with a
multi-line error or a traceback. Here the command line is read with Hydra's own argument and
override parsers, every run's config is composed and validated, the output folder is tried and
the sweep's settings are checked, so a mistake ends in one line naming the key, the value and what
is allowed, with exit status 2 and nothing written.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from hydra._internal.utils import get_args_parser
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, read_write

from sim.api import checked, compose_config, config_dir, read_overrides, sweep_values, with_strategy
from sim.core.config import Config
from sim.core.memory import available_bytes, needed_bytes
from sim.core.params import ConfigError
from sim.core.validate import design_ranges
from sim.sweep import catalog
from sim.sweep.plan import check_condition

#: Hydra's flags that print something (help, the config, search path) instead of running.
_PRINTING = ("help", "hydra_help", "cfg", "info")


def fail(message: str) -> NoReturn:
    """Report a user mistake in one line and exit with status 2."""
    print(f"abx-sim: error: {message}", file=sys.stderr)
    sys.exit(2)


def parse_command_line(args: Sequence[str]) -> argparse.Namespace:
    """Hydra's reading of the command line (flags and overrides); a malformed one fails in one line,
    and so do the flags abx-sim does not take."""
    parser = get_args_parser()
    parser.error = fail  # type: ignore[method-assign]  # argparse would print its usage, then the error
    opts = parser.parse_args(list(args))
    if opts.config_path is not None:  # relative to the package's own folder: no use to anyone but Hydra's tests
        fail(f"--config-path {opts.config_path}: not supported; use --config-dir FOLDER to add option files "
             "or ABX_SIM_CONFIG_DIR=FOLDER to replace configs/")
    for flag, name in (("experimental_rerun", "--experimental-rerun"), ("shell_completion", "--shell-completion")):
        if getattr(opts, flag):  # a rerun unpickles a file (it could run anything)
            fail(f"{name}: not supported by abx-sim")
    return opts


def printing(opts: argparse.Namespace) -> bool:
    """Whether a command line (:func:`parse_command_line`) asks Hydra to print something (help,
    the config, the search path) instead of running."""
    return any(getattr(opts, flag) for flag in _PRINTING)


def single_run(opts: argparse.Namespace) -> bool:
    """Whether a command line (:func:`parse_command_line`) asks for one run: not a sweep, not a
    command that prints."""
    return not opts.multirun and not printing(opts)


#: Hydra's name for ``abx-sim``'s job (its main names the job after the task function's module,
#: sim/apps/cli.py): a run folder's log is ``cli.log`` and ``.hydra/hydra.yaml`` says ``name: cli``.
JOB_NAME = "cli"


@dataclasses.dataclass(frozen=True)
class Composed:
    """A single run's config, composed as Hydra's main composes it for ``hydra.run`` (Hydra's node
    included), and the validated :class:`Config` it gives: what :func:`sim.apps.cli.run_composed` runs."""

    cfg: DictConfig
    config: Config
    baseline: Config | None = None  # the config ``output.compare`` runs beside it


def preflight(opts: argparse.Namespace) -> Composed | None:
    """Check a command line, as :func:`parse_command_line` read it (its config files already passed
    :func:`sim.core.guard.check`); return only if Hydra may run it (or print its help or config).

    For a single run the config composed here is returned, ready to run without composing it again;
    ``None`` means Hydra composes it again: a sweep (:func:`sim.apps.cli.run_sweep`), or Hydra's main
    reads the command line (``--help``, ``--cfg``, ``--info``, a ``--config-dir``, whose folders Hydra's
    main searches in another order, or a config file that sets ``hydra.mode``).
    """
    extra = []
    if opts.config_dir is not None:
        folder = Path(opts.config_dir).expanduser()
        if not folder.is_dir():
            fail(f"--config-dir {opts.config_dir}: no such folder")
        extra.append(folder)
    name = opts.config_name or "config"
    if not any((d / f"{name}.yaml").is_file() for d in (config_dir(), *extra)):
        fail(f"--config-name {name}: no {name}.yaml in {config_dir()}" + "".join(f" or {d}" for d in extra))
    try:
        overrides = read_overrides(opts.overrides, extra)
        swept = {o.get_key_element(): [f"{o.get_key_element()}={v}" for v in sweep_values(o)]
                 for o in overrides if o.is_sweep_override()}
    except ConfigError as exc:
        fail(str(exc))
    if swept and not opts.multirun:
        line = next(o.input_line for o in overrides if o.is_sweep_override())
        fail(f"{line}: several values make a sweep; add -m (--multirun) to run one run per value")

    def compose(texts: list[str]) -> tuple[DictConfig, Config]:
        try:
            cfg = compose_config(texts, return_hydra_config=True, config_name=name, extra_dirs=extra, job_name=JOB_NAME)
            HydraConfig.instance().set_config(cfg)  # hydra.run.dir and friends read it
            return cfg, checked(cfg)
        except ConfigError as exc:
            fail(str(exc))

    fixed = [str(o.input_line) for o in overrides if not o.is_sweep_override()]
    if printing(opts):  # help or config: it must compose, nothing is written
        compose([*fixed, *(values[0] for values in swept.values())])
    elif not opts.multirun:
        cfg, config = compose(fixed)
        baseline = None
        if config.output.compare:  # an unknown preset is refused before the run folder exists
            try:
                baseline = with_strategy(config, config.output.compare)
            except ConfigError as exc:
                fail(str(exc))
        check_writable(cfg, "hydra.run.dir")
        if not extra and cfg.hydra.mode is None:
            with read_write(cfg.hydra):  # what Hydra's main adds for a run (hydra._internal.utils._run_app)
                cfg.hydra.mode = RunMode.RUN
                cfg.hydra.overrides.hydra.append("hydra.mode=RUN")
            return Composed(cfg, config, baseline)
    else:
        check_sweep(fixed, swept, compose)
    return None


def check_sweep(fixed: list[str], swept: dict[str, list[str]],
                compose: Callable[[list[str]], tuple[DictConfig, Config]]) -> None:
    """Every swept value composes and validates (each with the first value of the other swept keys;
    of a long numeric list, the smallest and the largest); then the sweep's own settings, its memory
    with all its workers, and its folder."""
    first = [values[0] for values in swept.values()]
    composed = [compose([*fixed, *first])]
    cfg = composed[0][0]
    if composed[0][1].output.compare:
        fail(f"output.compare = {composed[0][1].output.compare}: for a single run; a sweep compares strategies by "
             "sweeping them (strategy=abx,abm), paired by seed in its report")
    check_writable(cfg, "hydra.sweep.dir")
    if cfg.hydra.sweeper.get("params"):
        fail("hydra.sweeper.params: not supported; sweep values on the command line (key=a,b) or sample them "
             "with a configs/sweep/ design")
    for i, values in enumerate(swept.values()):
        for value in _representatives(values[1:]):
            composed.append(compose([*fixed, *first[:i], value, *first[i + 1:]]))
    configs = [c for c, _ in composed]
    batch = cfg.hydra.sweeper.get("max_batch_size")
    if batch is not None and batch < 1:
        fail(f"hydra.sweeper.max_batch_size = {batch}: must be at least 1 (or null for one batch)")
    jobs = OmegaConf.select(cfg, "hydra.launcher.n_jobs", default=None)
    if isinstance(jobs, int) and jobs < 1 and jobs != -1:
        fail(f"hydra.launcher.n_jobs = {jobs}: must be at least 1 (or -1 for one per core)")
    workers = (os.cpu_count() or 1) if jobs == -1 else jobs if isinstance(jobs, int) else 1
    largest = max((config for _, config in composed), key=needed_bytes)
    if "market.n_accounts" in cfg.sweep.params:  # a design that samples the market's size: its largest one
        size = int(cfg.sweep.params["market.n_accounts"][1])
        largest = dataclasses.replace(largest, market=dataclasses.replace(largest.market, n_accounts=size))
    need, have = needed_bytes(largest) * workers, available_bytes()
    if have is not None and need > have:
        fail(f"a sweep with {workers} worker{'s' * (workers != 1)} needs about {need / 1e9:.1f} GB of memory and "
             f"this machine has {have / 1e9:.1f} GB available; use fewer workers (hydra.launcher.n_jobs) or fewer "
             "accounts")
    if cfg.sweep.design == "posterior":
        check_posterior(str(cfg.sweep.posterior), largest)
    strategies = sorted({str(c.strategy.name) for c in configs})
    baseline = str(cfg.sweep.baseline)
    if baseline and baseline not in strategies:
        fail(f"sweep.baseline = {baseline!r}: the sweep runs {', '.join(strategies)}")
    if cfg.sweep.condition:
        worlds = [OmegaConf.masked_copy(c, [str(k) for k in c if k != "hydra"]) for c in configs]
        inputs = {key for world in worlds for key in catalog.flatten(world)} | set(cfg.sweep.params)
        try:
            check_condition(str(cfg.sweep.condition), strategies, inputs)
        except ValueError as exc:
            fail(f"sweep.{exc}")


def check_posterior(path: str, config: Config) -> None:
    """A posterior design's fit must be readable, and every one of its parameters one a design may
    sample, every particle within the parameter's declared range."""
    from sim.sweep.designs import read_posterior

    try:
        posterior = read_posterior(path)
    except ValueError as exc:
        fail(str(exc))
    ranges = design_ranges(config)
    for key in (c for c in posterior.columns if c != "weight"):
        if key not in ranges:
            fail(f"sweep.posterior = {path!r}: {key} is not a parameter a design may sample (docs/parameters.md)")
        lo, hi = ranges[key]
        if posterior[key].min() < lo or posterior[key].max() > hi:
            fail(f"sweep.posterior = {path!r}: {key} has particles outside its range [{lo:g}, {hi:g}]")


def _representatives(values: list[str]) -> list[str]:
    """The swept values worth composing: all of them, or of a long list of numbers of one type
    (``seed=range(1000)``) the smallest and the largest: a declared range holds every value between."""
    numbers = [_number(v.partition("=")[2]) for v in values]
    if len(values) <= 8 or any(x is None for x in numbers) or len({type(x) for x in numbers}) > 1:
        return values
    order = sorted(range(len(values)), key=lambda j: numbers[j])  # type: ignore[arg-type, return-value]
    return [values[order[0]], values[order[-1]]]


def _number(text: str) -> int | float | None:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return None


def check_writable(cfg: DictConfig, key: str) -> None:
    """Refuse an output folder (Hydra's ``key``) that cannot be resolved, created or written, without
    leaving anything behind."""
    try:
        folder = Path(str(OmegaConf.select(cfg, key, throw_on_missing=True))).absolute()
    except Exception as exc:  # an interpolation that cannot be resolved (${oc.env:...})
        fail(f"{key}: {str(exc).splitlines()[0]}")
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        fail(f"cannot write outputs to {folder}: {existing} is a file, not a folder")
    try:  # the only reliable test of "can I create the folder here" is to try
        os.rmdir(tempfile.mkdtemp(prefix=".abx-sim-check-", dir=existing))
    except OSError as exc:
        fail(f"cannot write outputs to {folder}: {existing} is not a writable folder ({exc.strerror})")
