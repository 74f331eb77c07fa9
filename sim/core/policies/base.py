"""Base classes of the policy families (tiering, orchestration, personalization, measurement) and their registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from sim.core.model import ABXModel

#: Family -> {registered name: policy class}. The one place the families are listed: ``FAMILIES``, the
#: help text, the dashboard, the catalog and the report all derive from it (``StrategyConfig`` has one
#: field per family).
REGISTRY: dict[str, dict[str, type[Policy]]] = {
    "tiering": {},
    "orchestration": {},
    "personalization": {},
    "measurement": {},
}

#: Investment level of each tier's own program: 0 untargeted, 1 1:many, 2 1:few, 3 1:1.
TIER_LEVELS = np.arange(4, dtype=np.float32)


def at_level(table: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Rows of a per-tier table ``[4, ...]`` at (possibly fractional) investment levels 0-3.

    A fractional level interpolates linearly between the two tiers' programs, so an investment
    of 2.5 gets half-way between the 1:few and the 1:1 program.

    >>> at_level(np.array([0.0, 1.0, 2.0, 10.0]), np.array([2.5])).tolist()
    [6.0]
    """
    level = np.clip(np.asarray(level, dtype=np.float32), 0, 3)
    low = np.minimum(level.astype(np.int64), 2)
    frac = (level - low).reshape(level.shape + (1,) * (table.ndim - 1))
    return (table[low] * (1 - frac) + table[low + 1] * frac).astype(np.float32)


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


def register(name: str, replace: bool = False):
    """Class decorator: make a policy selectable from configs as ``policy: <name>``.

    A name is registered once; ``replace=True`` lets a notebook cell that defines a policy be run
    again (the new class replaces the old one under the same name).
    """

    def wrap(cls: type[Policy]) -> type[Policy]:
        family = REGISTRY[cls.family]
        if name in family and not replace:
            raise ValueError(f"{cls.family} policy {name!r} is registered twice")
        family[name] = cls
        return cls

    return wrap


class TieringPolicy(Policy):
    """Chooses the target list and its tiers, and the marketing cadence each tier receives."""

    family = "tiering"

    #: Weeks between list reviews; ``None`` means the list is never re-cut after week 0.
    review_weeks: int | None = None
    #: Weeks the team deliberates before the list is first executed (no list until then).
    deliberation_weeks: int = 0

    def assign(self, model: ABXModel) -> np.ndarray:
        """Tier of every account (int8 index into ``config.TIERS``)."""
        raise NotImplementedError

    def program(self) -> np.ndarray:
        """Each tier's own program: planned touches per member per week, shape [n_tiers, n_channels]."""
        raise NotImplementedError

    def investment(self) -> np.ndarray:
        """Investment level each tier receives (``TIER_LEVELS`` when investment matches the tier)."""
        return TIER_LEVELS

    def cadence(self) -> np.ndarray:
        """Touches per member per week each tier receives: its program at its investment level."""
        return at_level(self.program(), self.investment())


@dataclass
class Treatment:
    """How this week's touches are personalized, per account [N]."""

    claim: np.ndarray  # float32 personalization the touches claim, 0-1
    depth: np.ndarray  # float32 research depth behind them, 0-1 (before budget cuts)
    role_matched: np.ndarray  # bool, messages matched to each member's role
    tailoring: str = "none"  # "group" (one narrative for the committee), "individual" or "none"
    research_cost_share: float = 1.0  # share of the per-account research cost paid (templates share it)


class PersonalizationPolicy(Policy):
    """Decides the research depth invested and the personalization each touch claims."""

    family = "personalization"

    def treat(self, level: np.ndarray, context: np.ndarray) -> Treatment:
        """Treatment of every account given its investment level (0-3, ``TIER_LEVELS``) and the
        vendor's context on it (0-1: share of the research ramp done since it was listed)."""
        raise NotImplementedError


@dataclass
class Plan:
    """What the vendor's teams intend to do this week, before budgets and capacities bite.

    Orchestration decides *who is touched when*; what a touch does to a member lives in
    :mod:`sim.core.mechanisms.members`.
    """

    mkt_rate: np.ndarray  # float32 [N, C] marketing touches per member per week per channel
    sales_priority: np.ndarray  # float32 [N]; > 0 means SDRs should work the account (highest first)
    cs_priority: np.ndarray  # float32 [N]; > 0 means CS should reach out (highest first)
    expansion: np.ndarray  # bool [N]; open an expansion opportunity on this customer
    play: np.ndarray  # int8 [N] Play fired this week
    ae_context: np.ndarray  # float32 [N] multiplier on AE effort for open deals (briefing)
    coordinated: np.ndarray  # bool [N]; touches routed through one account view: no collisions
    p_inconsistent: float = 0.5  # chance two uncoordinated teams' touches contradict each other


class OrchestrationPolicy(Policy):
    """Routes the week's work: which accounts each team touches, and which plays fire."""

    family = "orchestration"

    #: Accounts in the motion per coordinator this week (0 when nobody routes by hand).
    load: float = 0.0

    def intent_coverage(self) -> float:
        """Share of an account's research activity the vendor's intent data sees, 0-1."""
        return float(self.p.intent_coverage)

    def plan(self, model: ABXModel, cadence: np.ndarray) -> Plan:
        """This week's plan given the tier cadence table [n_tiers, n_channels]."""
        raise NotImplementedError


class MeasurementPolicy(Policy):
    """Measures what the program returns and, on a schedule, reallocates budget across tiers and
    channels by its steering metric."""

    family = "measurement"

    #: Weeks between budget reallocations; ``None``: the budget split is never changed.
    review_weeks: int | None = None
    #: What the model books for the steering metric (``sim.core.policies.measurement.Ledger``); only
    #: an adaptive policy keeps one, so a fixed split costs nothing in the weekly step.
    ledger: Any = None

    def weights(self) -> np.ndarray:
        """Multiplier on every tier's cadence per channel, shape [n_tiers, n_channels]."""
        return np.ones((4, 5), dtype=np.float32)

    def reallocate(self, model: ABXModel) -> None:
        """Review the quarter's figures (``model.ledger``) and change :meth:`weights`."""
