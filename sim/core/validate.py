"""Validating a composed config: ranges, cross-field rules and the strategy's registered policies."""

from __future__ import annotations

from omegaconf import DictConfig, OmegaConf

from sim.core.config import DESIGNS, Config
from sim.core.params import ConfigError, check_fields
from sim.core.policies import resolve_strategy


def validate(cfg: DictConfig | Config) -> Config:
    """Check a composed config and return it as typed objects, or raise :class:`ConfigError`.

    The strategy's policy nodes are replaced by the chosen policies' validated ``Params``.
    """
    if isinstance(cfg, DictConfig):
        try:
            # A config composed with the schema is typed already; merging into a fresh schema
            # (slow: ~0.2 s) is needed only for untyped input.
            typed = cfg if OmegaConf.get_type(cfg) is Config else OmegaConf.merge(OmegaConf.structured(Config), cfg)
            obj = OmegaConf.to_object(typed)
        except Exception as exc:  # omegaconf names the key in its message
            raise ConfigError(str(exc).splitlines()[0]) from None
    else:
        obj = cfg
    assert isinstance(obj, Config)
    check_fields(obj, "")
    if obj.sweep.design not in DESIGNS:
        raise ConfigError(f"sweep.design = {obj.sweep.design!r}: must be one of {', '.join(DESIGNS)}")
    for key, bounds in obj.sweep.params.items():
        if len(bounds) != 2 or not bounds[0] < bounds[1]:
            raise ConfigError(f"sweep.params.{key} = {list(bounds)}: must be [low, high] with low < high")
    obj.strategy = resolve_strategy(obj.strategy, obj.market.n_accounts)
    return obj
