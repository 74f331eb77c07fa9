"""Sweep jobs' configs without composing every one: Hydra's config loader, memoised per job shape.

Every Hydra launcher (basic, joblib, Ray) builds each job's config with
``config_loader.load_sweep_config``, which composes the whole tree again: the defaults list, every
YAML file, the schema merges (0.27 s a job here, a third of a 2,000-account run). The jobs of a
sweep differ mostly in plain values (``replication=3``, a design point's ``vendor.n_sdr=7``), and
jobs that differ only there share one composition. :class:`ReusingConfigLoader` composes the first
job of each *shape* (its overrides with the plain values blanked out) with Hydra and builds the
others from a copy of it, applying their values with Hydra's own function and filling in the job's
entries of the Hydra node (``overrides.task``, ``job.override_dirname``), so a job's config is the
one Hydra would compose (``tests/test_sweep.py`` compares them). Anything else (a config group, an
append or delete, a dict or list value, a key that is not a plain value in the composed config)
is part of the shape, so such jobs are composed by Hydra as before.
"""

from __future__ import annotations

import copy
import pickle
import uuid
from typing import Any

from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType, ValueType
from omegaconf import DictConfig, OmegaConf, ValueNode

#: Compositions by loader token, then by shape (None: a shape whose jobs are always composed), pickled
#: where pickle can (unpickling a copy takes 1 ms, ``copy.deepcopy`` 10 ms; in a joblib worker Hydra
#: has imported its launcher's config class a second time, which pickle refuses, so copies are deep).
#: Module-level so a joblib or Ray worker, which receives a fresh copy of the loader with every
#: job, keeps the compositions of the jobs it already ran.
_TEMPLATES: dict[str, dict[tuple[str, ...], bytes | DictConfig | None]] = {}


class ReusingConfigLoader:
    """Hydra's config loader with :meth:`load_sweep_config` memoised per job shape; everything
    else is passed through to the wrapped loader."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.token = uuid.uuid4().hex  # one sweep's compositions are never mixed with another's
        self._pickled: bytes | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled for every job a joblib or Ray launcher sends (84 kB, 7 ms to pickle and as much to
        unpickle, per job, on a machine whose cores run the jobs): Hydra's loader is pickled once per
        sweep here, and a worker unpickles it once, on its first job of the sweep."""
        if self._pickled is None:
            try:
                self._pickled = pickle.dumps(self.loader)
            except (pickle.PicklingError, AttributeError, TypeError):
                self._pickled = b""  # pickled with the job as before (by the launcher's pickler)
        return _restored, (self.token, self._pickled or None, None if self._pickled else self.loader)

    def __getattr__(self, name: str) -> Any:
        if name == "loader":  # not set yet (while unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.loader, name)

    def prepare(self, master_config: DictConfig, jobs: list[list[str]]) -> None:
        """Compose one job of each shape among ``jobs`` not composed yet (workers forked after this
        inherit the compositions instead of each composing its own)."""
        templates = _TEMPLATES.setdefault(self.token, {})
        for overrides in jobs:
            if self._parse(master_config, overrides)[2] not in templates:
                self.load_sweep_config(master_config, overrides)

    def _parse(self, master_config: DictConfig, sweep_overrides: list[str]
               ) -> tuple[list[Override], list[Override], tuple[str, ...]]:
        """A job's overrides (Hydra's, then its own), those that set plain values, and its shape."""
        hydra_overrides = OmegaConf.to_container(master_config.hydra.overrides.hydra)
        assert isinstance(hydra_overrides, list)
        parsed = OverridesParser.create().parse_overrides([*hydra_overrides, *sweep_overrides])
        values = [o for o in parsed if self._is_value(o)]
        return parsed, values, tuple(o.key_or_group if o in values else str(o.input_line) for o in parsed)

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: list[str]) -> DictConfig:
        """The job's config, as ``ConfigLoaderImpl.load_sweep_config`` composes it."""
        parsed, values, shape = self._parse(master_config, sweep_overrides)
        templates = _TEMPLATES.setdefault(self.token, {})
        if shape not in templates:
            config = self.loader.load_sweep_config(master_config, sweep_overrides)
            templates[shape] = _frozen(config) if all(_is_leaf(config, o.key_or_group) for o in values) else None
            return config
        template = templates[shape]
        if template is None:
            return self.loader.load_sweep_config(master_config, sweep_overrides)
        config = pickle.loads(template) if isinstance(template, bytes) else copy.deepcopy(template)
        # What _load_configuration_impl does after composing: the overrides that set values, in
        # order; the job's own overrides recorded in the Hydra node.
        ConfigLoaderImpl._apply_overrides_to_config(values, config)
        task = [o for o in parsed if not o.is_hydra_override()]
        config.hydra.overrides.task = [o.input_line for o in task]
        dirname = config.hydra.job.config.override_dirname
        config.hydra.job.override_dirname = get_overrides_dirname(
            overrides=task, kv_sep=dirname.kv_sep, item_sep=dirname.item_sep, exclude_keys=dirname.exclude_keys)
        OmegaConf.copy_cache(from_config=master_config, to_config=config)
        return config

    def _is_value(self, override: Override) -> bool:
        """An override that sets one plain value (``key=3``), not a config group choice."""
        return (override.type == OverrideType.CHANGE and override.package is None
                and override.value_type == ValueType.ELEMENT
                and isinstance(override.value(), bool | int | float | str)
                and not self.loader.repository.group_exists(override.key_or_group))


#: Loaders by token, in a worker: the one its first job of a sweep brought, for the sweep's later jobs.
_LOADERS: dict[str, ReusingConfigLoader] = {}


def _restored(token: str, pickled: bytes | None, loader: Any) -> ReusingConfigLoader:
    """The sweep's loader in this process (unpickled once per process and sweep)."""
    if token not in _LOADERS:
        restored = ReusingConfigLoader(pickle.loads(pickled) if pickled is not None else loader)
        restored.token = token
        _LOADERS[token] = restored
    return _LOADERS[token]


def _frozen(config: DictConfig) -> bytes | DictConfig:
    """A copy of ``config`` to build jobs from: pickled if pickle takes it, else a deep copy."""
    try:
        return pickle.dumps(config)
    except (pickle.PicklingError, AttributeError, TypeError):
        return copy.deepcopy(config)


def _is_leaf(config: DictConfig, key: str) -> bool:
    """Whether ``key`` (dotted) names a plain value node of ``config``."""
    node: Any = config
    for part in key.split("."):
        if not isinstance(node, DictConfig):
            return False
        node = node._get_node(part)
    return isinstance(node, ValueNode)
