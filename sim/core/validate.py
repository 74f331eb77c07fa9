"""Validating a composed config: ranges, cross-field rules and the strategy's registered policies."""

from __future__ import annotations

import copy
import dataclasses
import math

from omegaconf import DictConfig, OmegaConf

from sim.core.config import DESIGNS, EXPORTS, Config
from sim.core.params import ConfigError, check_fields, declared_fields, field_default
from sim.core.policies import FAMILIES, resolve_strategy

#: The config sections a sampling design may vary (plus ``horizon_weeks``): the world, the
#: vendor and the strategy's policy parameters, never seeds, outputs or the sweep itself.
DESIGNABLE = ("market.", "vendor.", "strategy.", "horizon_weeks")


def validate(cfg: DictConfig | Config) -> Config:
    """Check a composed config (or a :class:`Config`, which is left untouched) and return it as typed
    objects, or raise :class:`ConfigError`.

    The strategy's policy nodes are replaced by the chosen policies' validated ``Params``.
    """
    if isinstance(cfg, DictConfig):
        unknown = unknown_key(cfg)
        if unknown:
            raise ConfigError(f"{unknown}: unknown key (check the spelling; `abx-sim --cfg job` lists every key)")
        try:
            # A config composed with the schema is typed already; merging into a fresh schema
            # (slow: ~0.2 s) is needed only for untyped input.
            typed = cfg if OmegaConf.get_type(cfg) is Config else OmegaConf.merge(OmegaConf.structured(Config), cfg)
            obj = OmegaConf.to_object(typed)
        except Exception as exc:  # omegaconf's errors carry the key they are about
            first = str(exc).splitlines()[0]
            key = getattr(exc, "full_key", None)
            raise ConfigError(f"{key}: {first}" if key and str(key) not in first else first) from None
    elif isinstance(cfg, Config):
        obj = copy.deepcopy(cfg)  # the caller's object stays as given
    else:
        raise ConfigError(f"config = {type(cfg).__name__}: must be a Config or a composed DictConfig")
    assert isinstance(obj, Config)
    check_fields(obj, "")
    obj.strategy = resolve_strategy(obj.strategy, obj.market.n_accounts)
    missing = [i for i in obj.output.story_ids if i >= obj.market.n_accounts]
    if missing:
        raise ConfigError(f"output.story_ids = {obj.output.story_ids}: account {missing[0]} does not exist "
                          f"(ids run from 0 to market.n_accounts - 1 = {obj.market.n_accounts - 1})")
    formats = [f for f in obj.output.export if f not in EXPORTS]
    if formats:
        raise ConfigError(f"output.export = {obj.output.export}: {formats[0]!r} is not a format; "
                          f"choose from {', '.join(EXPORTS)}")
    check_design(obj)
    return obj


def unknown_key(node: DictConfig, kind: type = Config, path: str = "") -> str | None:
    """The first key of a composed config that its schema does not declare (Hydra's ``+key=value``
    adds one silently), as a dotted path; ``None`` if there is none. The schema is the dataclass
    ``kind``; a policy node is checked against the policy's own ``Params`` (its type after
    composition); free-form mappings (``sweep.params``) and Hydra's own node are not walked."""
    fields = {f.name: f for f in dataclasses.fields(kind)}
    for key, value in node.items_ex(resolve=False):
        here = f"{path}{key!s}"
        if here == "hydra":
            continue
        if key not in fields:
            return here
        if not isinstance(value, DictConfig):
            continue
        f = fields[str(key)]
        default = field_default(f)
        child = type(default) if dataclasses.is_dataclass(default) else OmegaConf.get_type(value)
        if isinstance(child, type) and dataclasses.is_dataclass(child):
            found = unknown_key(value, child, here + ".")
            if found:
                return found
    return None


def design_ranges(obj: Config) -> dict[str, tuple[float, float]]:
    """The parameters a design may sample in this config: dotted key -> declared (lo, hi)."""
    fields = [(key, f, default) for key, f, default in declared_fields(Config) if key.startswith(DESIGNABLE)]
    for family in FAMILIES:
        params = getattr(obj.strategy, family)
        fields += [(f"strategy.{family}.{f.name}", f, getattr(params, f.name)) for f in dataclasses.fields(params)]
    return {key: (f.metadata["lo"], f.metadata["hi"]) for key, f, value in fields
            if f.metadata and isinstance(value, int | float) and not isinstance(value, bool)}


def check_design(obj: Config) -> None:
    """A sampling design must sample declared numeric parameters within their declared ranges."""
    s = obj.sweep
    if s.design not in DESIGNS:
        raise ConfigError(f"sweep.design = {s.design!r}: must be one of {', '.join(DESIGNS)}")
    if s.design == "posterior":
        if not s.posterior or s.params:
            raise ConfigError(f"sweep.posterior = {s.posterior!r}: the posterior design needs a fit's folder "
                              "(sweep.posterior=DIR) and draws every parameter from it (no sweep.params)")
        return
    if s.design != "grid" and not s.params:
        raise ConfigError(f"sweep.params: a {s.design} design needs at least one range to sample, "
                          "e.g. a configs/sweep/ file with `params: {market.data_quality: [0.4, 0.9]}`")
    ranges = design_ranges(obj) if s.params else {}
    for key, bounds in s.params.items():
        if isinstance(bounds, dict):  # `+sweep.params.market.x=[..]` nests: Hydra splits keys at dots
            while isinstance(bounds, dict) and bounds:
                inner, bounds = next(iter(bounds.items()))
                key = f"{key}.{inner}"
            raise ConfigError(f"sweep.params.{key}: a range is set in a configs/sweep/ file, its key written "
                              "whole (`market.data_quality: [0.4, 0.9]`); the command line cannot add one")
        if key not in ranges:
            raise ConfigError(f"sweep.params.{key}: no such parameter; a design samples a number of the "
                              "market, the vendor or the strategy's policies (docs/parameters.md lists them)")
        numbers = isinstance(bounds, list) and all(isinstance(b, int | float) and not isinstance(b, bool)
                                                  and math.isfinite(b) for b in bounds)
        if not numbers or len(bounds) != 2 or not bounds[0] < bounds[1]:
            raise ConfigError(f"sweep.params.{key} = {bounds}: must be [low, high], two numbers with low < high")
        lo, hi = ranges[key]
        if bounds[0] < lo or bounds[1] > hi:
            raise ConfigError(f"sweep.params.{key} = {list(bounds)}: must lie in [{lo:g}, {hi:g}]")
