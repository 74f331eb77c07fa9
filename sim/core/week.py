"""One week's record: the values the week's phases hand each other, and the declaration of a phase.

A :class:`Week` is made fresh at the start of every week and dropped at its end, so nothing passes
between phases in hidden attributes; what must outlive the week is account state
(:mod:`sim.core.state`). Each field says which phase sets it and which read it. The phases
themselves, in order, are :data:`sim.core.phases.PHASES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.core.policies import Plan, Treatment

if TYPE_CHECKING:
    from sim.core.model import ABXModel


@dataclass
class Touches:
    """This week's touches, for the members who received any (``idx``); per-account collisions."""

    idx: np.ndarray  # member indices touched
    count: np.ndarray  # float32 touches received
    effect: np.ndarray  # float32 mean effect per touch
    ads_share: np.ndarray  # float32 share of the touches that were ads
    theater: np.ndarray  # float32 touches perceived as superficial
    collisions: np.ndarray  # int64 [N] contradictory team touches per account


@dataclass
class Week:
    """What the phases of week ``w`` hand each other (set by one phase, read by later ones)."""

    w: int
    exec_change: np.ndarray = field(init=False)  # world -> signals: an economic buyer or champion left [N]
    usage_shock: np.ndarray = field(init=False)  # world -> customers: the customer's usage drops [N]
    self_serve: np.ndarray = field(init=False)  # world -> delivery: member found content on their own [M]
    plan: Plan = field(init=False)  # orchestration -> delivery, customers
    treatment: Treatment = field(init=False)  # personalization -> delivery, response, committees
    touches: Touches = field(init=False)  # delivery -> response (which consumes it)
    depth_paid: np.ndarray = field(init=False)  # delivery -> response: research depth paid for [N]
    sdr_work: np.ndarray = field(init=False)  # delivery -> committees, funnel: SDRs work the account [N]
    cs_work: np.ndarray = field(init=False)  # delivery -> customers: CS reaches out [N]
    ae_effort: np.ndarray = field(init=False)  # delivery -> deals: AE effort on the open deal, 0-1 [N]
    new_mql: np.ndarray = field(init=False)  # response -> funnel: a member became engaged this week [N]


@dataclass(frozen=True)
class Phase:
    """One step of the week: its name, what it does, and the function that does it."""

    name: str
    does: str
    run: Callable[[ABXModel, Week], None]
