"""Pluggable vendor policies, one registry per family.

A policy is a class with a nested ``Params`` dataclass, registered under a name with
:func:`register`. A config selects it as ``strategy.<family>.policy: <name>``; the remaining keys
of that node are validated against ``Params``. Only registered names can be chosen, so a config
file can never import arbitrary code. Adding a policy is one class here plus one YAML file under
``configs/strategy/<family>/``; the model's step does not change.
"""

from __future__ import annotations

from typing import Any

from sim.core.config import StrategyConfig
from sim.core.params import ConfigError, build_params
from sim.core.policies import measurement, orchestration, personalization, tiering  # noqa: F401  (registers classes)
from sim.core.policies.base import (
    REGISTRY,
    MeasurementPolicy,
    OrchestrationPolicy,
    PersonalizationPolicy,
    Plan,
    Policy,
    TieringPolicy,
    Treatment,
    register,
)

#: The policy families, in the order a strategy lists them: the registry's keys, never written out elsewhere.
FAMILIES = tuple(REGISTRY)


def resolve_strategy(strategy: StrategyConfig, n_accounts: int) -> StrategyConfig:
    """Replace each policy node of ``strategy`` by its validated ``Params`` (policy name kept).

    Raises :class:`ConfigError` naming the key for an unknown policy or a bad parameter.
    """
    for family in FAMILIES:
        node: Any = getattr(strategy, family)
        name = node.get("policy") if isinstance(node, dict) else getattr(node, "policy", None)
        registry = REGISTRY[family]
        if name not in registry:
            raise ConfigError(f"strategy.{family}.policy = {name!r}: unknown {family} policy; "
                              f"registered: {', '.join(sorted(registry))}")
        params = build_params(registry[name].Params, node, f"strategy.{family}")
        params.policy = name
        params.check(n_accounts, f"strategy.{family}")
        setattr(strategy, family, params)
    return strategy


def make_policy(family: str, params: Any) -> Policy:
    """Instantiate the registered policy class for validated ``params``."""
    return REGISTRY[family][params.policy](params)


__all__ = ["FAMILIES", "REGISTRY", "MeasurementPolicy", "OrchestrationPolicy", "PersonalizationPolicy", "Plan",
           "Policy", "TieringPolicy", "Treatment", "make_policy", "register", "resolve_strategy"]
