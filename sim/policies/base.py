"""Base classes of the three policy families and the registry that names them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from sim.model import ABXModel

REGISTRY: dict[str, dict[str, type[Policy]]] = {
    "tiering": {},
    "orchestration": {},
    "personalization": {},
}


@dataclass
class PolicyParams:
    """Parameters every policy has; subclasses add their own (declared with ``param``)."""

    policy: str = ""

    def check(self, n_accounts: int, path: str) -> None:
        """Cross-field rules beyond per-field ranges; raise ``ConfigError`` naming the key."""


class Policy:
    """A vendor choice, built from validated ``Params`` and set up once per model."""

    family: ClassVar[str] = ""
    Params: ClassVar[type[PolicyParams]] = PolicyParams

    def __init__(self, params: Any) -> None:
        self.p = params

    def setup(self, model: ABXModel) -> None:
        """Prepare per-run state (called once the market exists)."""


def register(name: str):
    """Class decorator: make a policy selectable from configs as ``policy: <name>``."""

    def wrap(cls: type[Policy]) -> type[Policy]:
        family = REGISTRY[cls.family]
        if name in family:
            raise ValueError(f"{cls.family} policy {name!r} is registered twice")
        family[name] = cls
        return cls

    return wrap


class TieringPolicy(Policy):
    """Chooses the target list and its tiers, and the marketing cadence each tier receives."""

    family = "tiering"

    #: Weeks between list reviews; ``None`` means the list is never re-cut after week 0.
    review_weeks: int | None = None

    def assign(self, model: ABXModel) -> np.ndarray:
        """Tier of every account (int8 index into ``config.TIERS``)."""
        raise NotImplementedError

    def cadence(self) -> np.ndarray:
        """Planned touches per member per week, shape [n_tiers, n_channels]."""
        raise NotImplementedError


class PersonalizationPolicy(Policy):
    """Decides the research depth invested and the personalization each touch claims."""

    family = "personalization"

    def treat(self, tier: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per account: (claimed personalization 0-1, research depth 0-1, role-matched bool)."""
        raise NotImplementedError


@dataclass
class Plan:
    """What the vendor's teams intend to do this week, before budgets and capacities bite.

    Orchestration decides *who is touched when*; what a touch does to a member lives in
    :mod:`sim.mechanisms.members`.
    """

    mkt_rate: np.ndarray  # float32 [N, C] marketing touches per member per week per channel
    sales_priority: np.ndarray  # float32 [N]; > 0 means SDRs should work the account (highest first)
    cs_priority: np.ndarray  # float32 [N]; > 0 means CS should reach out (highest first)
    expansion: np.ndarray  # bool [N]; open an expansion opportunity on this customer
    play: np.ndarray  # int8 [N] Play fired this week
    ae_context: np.ndarray  # float32 [N] multiplier on AE effort for open deals (briefing)
    coordinated: bool  # touches routed through one account view: no collisions
    p_inconsistent: float = 0.5  # chance two uncoordinated teams' touches contradict each other


class OrchestrationPolicy(Policy):
    """Routes the week's work: which accounts each team touches, and which plays fire."""

    family = "orchestration"

    def intent_coverage(self) -> float:
        """Share of an account's research activity the vendor's intent data sees, 0-1."""
        return float(self.p.intent_coverage)

    def plan(self, model: ABXModel, cadence: np.ndarray) -> Plan:
        """This week's plan given the tier cadence table [n_tiers, n_channels]."""
        raise NotImplementedError
