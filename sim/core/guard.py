"""Configs hold values, never code: refuse anything that would make Hydra import or call something.

Hydra instantiates ``hydra.callbacks`` (any ``_target_``) before a run, and Python's logging
configuration behind ``hydra.job_logging`` builds handlers from ``class`` and ``()`` keys; both
import a module and call it. A market or strategy file is ``@package _global_``, so it can reach
the ``hydra`` node as well as a command-line override can. :func:`check` refuses, before Hydra
starts, every override and every YAML file in the config folders in play whose keys name one of
:data:`FORBIDDEN`. The project's own files name none of them (a test checks), so nothing the
project needs is lost: its sweeper and launchers are Hydra plugins chosen by name
(``hydra/launcher=joblib``), not written out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from sim.core.params import ConfigError

#: Key names that make Hydra, OmegaConf or ``logging.config`` import or call code, or widen the
#: config search path to folders nobody checked.
FORBIDDEN = frozenset({"_target_", "_partial_", "_args_", "_recursive_", "()", "callbacks", "handlers", "class",
                       "searchpath"})
#: Separators inside an override's key or a defaults entry (``+hydra.callbacks.x``,
#: ``override hydra/callbacks``, ``hydra/callbacks@x``).
_PARTS = re.compile(r"[./\s:+~@]+")
#: Hydra's flags that add a config folder.
_DIR_FLAGS = ("--config-dir", "-cd")


class UnsafeConfig(ConfigError):
    """A config or override that would run code; the message is the one line to show."""


def forbidden_part(key: str) -> str | None:
    """The forbidden name inside a key path, or ``None``."""
    return next((p for p in _PARTS.split(str(key)) if p in FORBIDDEN), None)


def check_overrides(args: Iterable[str]) -> None:
    """Refuse command-line overrides whose key path names a forbidden key."""
    for arg in args:
        if arg.startswith("-"):
            continue
        key = arg.partition("=")[0]
        bad = forbidden_part(key)
        if bad:
            raise UnsafeConfig(f"{key}: '{bad}' is not allowed: a config holds values and cannot import or run "
                               "code (see the README's Security section)")


def _keys(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every (path, key) of a YAML tree, defaults entries included."""
    if isinstance(node, dict):
        for k, v in node.items():
            here = f"{path}.{k}" if path else str(k)
            yield here, str(k)
            yield from _keys(v, here)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            here = f"{path}[{i}]"
            if isinstance(v, str):  # a defaults entry written as text: "override hydra/callbacks: x"
                yield here, v.partition(":")[0]
            yield from _keys(v, here)


def check_file(path: Path) -> None:
    """Refuse a YAML file that names a forbidden key anywhere (or that cannot be read)."""
    try:
        tree = yaml.safe_load(path.read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnsafeConfig(f"{path}: cannot read this config file ({first})") from None
    for where, key in _keys(tree):
        bad = forbidden_part(key)
        if bad:
            raise UnsafeConfig(f"{path}: {where}: '{bad}' is not allowed: a config holds values and cannot "
                               "import or run code (see the README's Security section)")


def config_dirs(args: list[str], default: Path) -> list[Path]:
    """The config folders a command line brings into play: the default one and any ``--config-dir``
    (``--config-path`` is refused before the guard runs)."""
    dirs = [default]
    for i, arg in enumerate(args):
        flag, eq, value = arg.partition("=")
        if flag in _DIR_FLAGS:
            value = value if eq else (args[i + 1] if i + 1 < len(args) else "")
            if value:
                dirs.append(Path(value).expanduser())
    return dirs


def check(args: list[str], default_dir: Path) -> None:
    """Refuse unsafe overrides and config files before Hydra reads anything (:class:`UnsafeConfig`)."""
    check_overrides(args)
    for folder in config_dirs(args, default_dir):
        if folder.is_dir():
            for path in sorted(folder.rglob("*.yaml")):
                check_file(path)
