"""Checking an ``abx-sim`` command line before Hydra creates any folder.

Hydra would start a run (or a sweep) and fail inside it, after making its output folder, with a
multi-line error or a traceback. Here the command line is read with Hydra's own argument and
override parsers, every run's config is composed and validated, the output folder is tried and
the sweep's settings are checked, so a mistake ends in one line naming the key, the value and what
is allowed, with exit status 2 and nothing written.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from hydra._internal.utils import get_args_parser
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.api import checked, compose_config, config_dir, read_overrides
from sim.core.config import Config
from sim.core.memory import available_bytes, needed_bytes
from sim.core.params import ConfigError
from sim.sweep import catalog
from sim.sweep.plan import check_condition

#: Hydra's flags that print something instead of running (help, the config, shell completion).
_PRINTING = ("help", "hydra_help", "cfg", "info", "shell_completion", "experimental_rerun")


def fail(message: str) -> NoReturn:
    """Report a user mistake in one line and exit with status 2."""
    print(f"abx-sim: error: {message}", file=sys.stderr)
    sys.exit(2)


def parse_command_line(args: Sequence[str]) -> argparse.Namespace:
    """Hydra's reading of the command line (flags and overrides); a malformed one fails in one line."""
    parser = get_args_parser()
    parser.error = fail  # type: ignore[method-assign]  # argparse would print its usage, then the error
    opts = parser.parse_args(list(args))
    if opts.config_path is not None:  # relative to the package's own folder: no use to anyone but Hydra's tests
        fail(f"--config-path {opts.config_path}: not supported; use --config-dir FOLDER to add option files "
             "or ABX_SIM_CONFIG_DIR=FOLDER to replace configs/")
    return opts


def preflight(args: Sequence[str]) -> None:
    """Check a command line (its config files already passed :func:`sim.core.guard.check`); return
    only if Hydra may run it."""
    opts = parse_command_line(args)
    if any(getattr(opts, flag) for flag in _PRINTING):
        return
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
        overrides = read_overrides(opts.overrides)
    except ConfigError as exc:
        fail(str(exc))
    swept = [o for o in overrides if o.is_sweep_override()]
    if swept and not opts.multirun:
        fail(f"{swept[0].input_line}: several values make a sweep; add -m (--multirun) to run one run per value")

    def compose(texts: list[str]) -> tuple[DictConfig, Config]:
        try:
            cfg = compose_config(texts, return_hydra_config=True, config_name=name, extra_dirs=extra)
            HydraConfig.instance().set_config(cfg)  # hydra.run.dir and friends read it
            return cfg, checked(cfg)
        except ConfigError as exc:
            fail(str(exc))

    if not opts.multirun:
        cfg, _ = compose(list(opts.overrides))
        check_writable(Path(str(cfg.hydra.run.dir)))
        return
    check_sweep([str(o.input_line) for o in overrides if not o.is_sweep_override()],
                {o.get_key_element(): [f"{o.get_key_element()}={v}" for v in o.sweep_string_iterator()]
                 for o in swept}, compose)


def check_sweep(fixed: list[str], swept: dict[str, list[str]],
                compose: Callable[[list[str]], tuple[DictConfig, Config]]) -> None:
    """Every swept value, each with the first value of the other swept keys, composes and
    validates; then the sweep's own settings, its memory with all its workers, and its folder."""
    first = [values[0] for values in swept.values()]
    variants = [first] + [[*first[:i], value, *first[i + 1:]] for i, values in enumerate(swept.values())
                          for value in values[1:]]
    composed = [compose([*fixed, *variant]) for variant in variants]
    configs = [cfg for cfg, _ in composed]
    cfg = configs[0]
    batch = cfg.hydra.sweeper.get("max_batch_size")
    if batch is not None and batch < 1:
        fail(f"hydra.sweeper.max_batch_size = {batch}: must be at least 1 (or null for one batch)")
    jobs = OmegaConf.select(cfg, "hydra.launcher.n_jobs", default=None)
    if isinstance(jobs, int) and jobs < 1 and jobs != -1:
        fail(f"hydra.launcher.n_jobs = {jobs}: must be at least 1 (or -1 for one per core)")
    workers = (os.cpu_count() or 1) if jobs == -1 else jobs if isinstance(jobs, int) else 1
    need, have = max(needed_bytes(config) for _, config in composed) * workers, available_bytes()
    if have is not None and need > have:
        fail(f"a sweep with {workers} workers needs about {need / 1e9:.1f} GB of memory and this machine has "
             f"{have / 1e9:.1f} GB available; use fewer workers (hydra.launcher.n_jobs) or fewer accounts")
    strategies = sorted({str(c.strategy.name) for c in configs})
    baseline = str(cfg.sweep.baseline)
    if baseline and baseline not in strategies:
        fail(f"sweep.baseline = {baseline!r}: the sweep runs {', '.join(strategies)}")
    if cfg.sweep.condition:
        worlds = [OmegaConf.masked_copy(c, ["market", "vendor", "strategy"]) for c in configs]  # not hydra's node
        inputs = {key for world in worlds for key in catalog.flatten(world)}
        inputs |= set(cfg.sweep.params) | {"horizon_weeks"}
        try:
            check_condition(str(cfg.sweep.condition), strategies, inputs)
        except ValueError as exc:
            fail(f"sweep.{exc}")
    check_writable(Path(str(cfg.hydra.sweep.dir)))


def check_writable(folder: Path) -> None:
    """Refuse an output folder that cannot be created or written, without leaving anything behind."""
    folder = folder.absolute()
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        fail(f"cannot write outputs to {folder}: {existing} is a file, not a folder")
    try:  # the only reliable test of "can I create the folder here" is to try
        os.rmdir(tempfile.mkdtemp(prefix=".abx-sim-check-", dir=existing))
    except OSError as exc:
        fail(f"cannot write outputs to {folder}: {existing} is not a writable folder ({exc.strerror})")
