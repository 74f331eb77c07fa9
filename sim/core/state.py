"""Struct-of-arrays agent state, declared once, and the enums that label it.

Accounts and committee members each live in one dataclass of equal-length numpy arrays; a
boolean expression over them is a mask, ``np.flatnonzero(mask)`` the indices. Members of an
account are stored contiguously (``m_start[a] : m_start[a] + m_count[a]``) so per-account
aggregates are one ``np.bincount`` over ``member.acct``.

Every array is declared once with :func:`var`: its dtype, unit, initial value and meaning.
:meth:`Table.create` allocates the arrays from those declarations (market generation passes only
what it draws), and the ODD's state table is generated from them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag
from typing import Any, Self

import numpy as np

NEVER = -1
"""Sentinel for a time index (``ti_*``) that has not happened."""
LONG_AGO = -10_000
"""Time index of an event long before the run (an expansion nobody remembers)."""
DRAWN = None
"""Initial value of an array drawn when the market is generated (no default)."""


class Stage(IntEnum):
    """Lifecycle stage of an account (ordered: a higher value is further along)."""

    TARGET = 0  # not yet aware of the vendor
    AWARE = 1  # at least one member aware
    ENGAGED = 2  # at least one member engaged
    MQA = 3  # marketing-qualified: engagement across enough of the committee
    OPPORTUNITY = 4  # sales accepted and is working a deal
    ONBOARDING = 5  # won, being onboarded
    CUSTOMER = 6  # live customer, renews at contract end


class Outcome(IntEnum):
    """How an account's latest new-logo deal ended."""

    NONE = 0
    WON = 1
    LOST = 2  # a competitor won
    NO_DECISION = 3  # the status quo won


class Signal(IntFlag):
    """Account-level signals the vendor can see this week (a bit mask per account)."""

    INTENT_SURGE = 1  # observed research intent crossed the threshold
    EXEC_CHANGE = 2  # an economic buyer or champion left and was replaced
    USAGE_DROP = 4  # a customer's adoption fell this week
    EXPANSION_READY = 8  # a healthy, well-adopted customer with room to grow
    RENEWAL_DUE = 16  # contract ends within 13 weeks
    COMPETITOR_INTENT = 32  # a customer is researching the market (competitors)
    DEAL_STALL = 64  # an open deal is stalled by a veto


class Play(IntEnum):
    """Coordinated plays a signal-driven orchestration fires (DESIGN.md section 2)."""

    NONE = 0
    ACQUISITION = 1
    EXPANSION = 2
    RETENTION = 3
    COMPETITIVE = 4


class Team(IntEnum):
    """Vendor teams (Mesa agents in :mod:`sim.core.agents`)."""

    MARKETING = 0
    SDR = 1
    AE = 2
    CS = 3
    EXECUTIVE = 4


def var(dtype: str, init: Any, unit: str, doc: str, rows: str = "") -> Any:
    """Declare one state array.

    Args:
        dtype: numpy dtype name.
        init: initial value of every element, or :data:`DRAWN` when market generation draws it.
        unit: unit or value set (``"USD/year"``, ``"0-1"``, ``"week"``, an enum name).
        doc: what it means.
        rows: for a 2-D array, what its leading axis counts (``"channel"``: shape ``[C, M]``).
    """
    return field(metadata={"dtype": dtype, "init": init, "unit": unit, "doc": doc, "rows": rows})


class Table:
    """Allocation of a struct of arrays from its :func:`var` declarations."""

    @classmethod
    def create(cls, n: int, **drawn: Any) -> Self:
        """``n`` rows: the arrays in ``drawn`` (cast to their declared dtype), the rest at their initial value.

        Raises:
            TypeError: when an array declared :data:`DRAWN` is missing, or an undeclared one is given.
        """
        arrays = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            meta = f.metadata
            if f.name in drawn:
                arrays[f.name] = np.asarray(drawn.pop(f.name)).astype(meta["dtype"], copy=False)
            elif meta["init"] is DRAWN:
                raise TypeError(f"{cls.__name__}.{f.name} is drawn when the market is generated: pass it")
            else:
                arrays[f.name] = np.full(n, meta["init"], dtype=meta["dtype"])
        if drawn:
            raise TypeError(f"{cls.__name__} declares no {', '.join(drawn)}")
        return cls(**arrays)


@dataclass
class Accounts(Table):
    """State of every account: one array per attribute, indexed by account id."""

    segment: np.ndarray = var("int8", DRAWN, "SEGMENTS index", "market segment")
    industry: np.ndarray = var("int16", DRAWN, "cluster", "industry cluster (referrals travel within it)")
    acv_potential: np.ndarray = var("float64", DRAWN, "USD/year", "what the account could spend per year")
    fit_true: np.ndarray = var("float32", DRAWN, "0-1", "true ICP fit")
    fit_obs: np.ndarray = var("float32", DRAWN, "0-1", "fit as the vendor's data shows it")
    wallet_usd: np.ndarray = var("float64", DRAWN, "USD/year", "the most the account could spend per year once "
                                 "every team and unit uses the product (ACV potential plus whitespace)")
    churn_propensity: np.ndarray = var("float32", DRAWN, "probability/renewal",
                                       "trait: the account's chance of leaving at a renewal at average health")
    m_start: np.ndarray = var("int64", DRAWN, "member index", "first member of the committee")
    m_count: np.ndarray = var("int64", DRAWN, "members", "committee size")
    reach_count: np.ndarray = var("int8", DRAWN, "members", "committee members each marketing channel reaches "
                                  "(kept in step with the members' reach)", rows="channel")
    in_market: np.ndarray = var("bool", DRAWN, "flag", "inside a buying window")
    ti_window_end: np.ndarray = var("int32", DRAWN, "week", "week the current buying window closes")
    intent_obs: np.ndarray = var("float32", 0.0, "0-1", "observed intent: exponential average of seen research")
    stage: np.ndarray = var("int8", DRAWN, "Stage", "lifecycle stage")
    tier: np.ndarray = var("int8", 0, "TIERS index", "target-list tier (0: not listed)")
    ti_listed: np.ndarray = var("int32", NEVER, "week", "week the account joined the target list")
    arr: np.ndarray = var("float64", DRAWN, "USD/year", "current ARR (0 unless a customer)")
    ti_contract_end: np.ndarray = var("int32", DRAWN, "week", "renewal week of a customer's contract")
    adoption: np.ndarray = var("float32", DRAWN, "0-1", "product adoption")
    health: np.ndarray = var("float32", 0.0, "0-1", "customer health")
    coverage: np.ndarray = var("float32", 0.0, "0-1", "influence-weighted share of the committee engaged")
    support: np.ndarray = var("float32", 0.0, "-1..1", "influence-weighted opinion of the engaged members")
    progress: np.ndarray = var("float32", 0.0, "0-1", "progress of the open deal toward a decision")
    stall_weeks: np.ndarray = var("int16", 0, "weeks", "consecutive weeks the open deal has been stalled")
    stalled: np.ndarray = var("bool", False, "flag", "the open deal was stalled by a veto this week")
    wait_weeks: np.ndarray = var("int16", 0, "weeks", "weeks a sales lead has waited for follow-up")
    opp_usd: np.ndarray = var("float64", 0.0, "USD/year", "amount of the open (or last) new-logo opportunity")
    exp_usd: np.ndarray = var("float64", 0.0, "USD/year", "amount of an open expansion opportunity (0 if none)")
    exp_progress: np.ndarray = var("float32", 0.0, "0-1", "progress of the open expansion opportunity")
    usage_drop: np.ndarray = var("bool", False, "flag", "a customer's adoption fell this week")
    signals: np.ndarray = var("int32", 0, "Signal bits", "signals the vendor sees this week")
    play: np.ndarray = var("int8", Play.NONE, "Play", "the play running on the account this week")
    touched: np.ndarray = var("bool", False, "flag", "the vendor has touched the account in this run")
    ti_marketing: np.ndarray = var("int32", NEVER, "week", "latest week marketing touched the account")
    ti_first_signal: np.ndarray = var("int32", NEVER, "week", "first week of the current signal streak")
    ti_mqa: np.ndarray = var("int32", NEVER, "week", "latest MQA week")
    ti_opp: np.ndarray = var("int32", NEVER, "week", "latest opportunity-creation week")
    ti_close: np.ndarray = var("int32", NEVER, "week", "latest new-logo decision week")
    ti_customer: np.ndarray = var("int32", DRAWN, "week", "week the account became a customer")
    renewals: np.ndarray = var("int16", DRAWN, "renewals", "renewals the current customer has made (its tenure in "
                               "contract terms; 0 for a new customer)")
    ti_churn: np.ndarray = var("int32", NEVER, "week", "latest churn week")
    ti_expansion: np.ndarray = var("int32", LONG_AGO, "week",
                                   "latest expansion decision week (play closed or renewal uplift)")
    outcome: np.ndarray = var("int8", Outcome.NONE, "Outcome", "how the latest new-logo deal ended")
    won_usd: np.ndarray = var("float64", 0.0, "USD/year", "first-year ACV of the latest won new-logo deal")
    lead: np.ndarray = var("bool", False, "flag", "a sales lead is waiting (MQA, inbound or intent)")

    def __len__(self) -> int:
        return len(self.segment)


@dataclass
class Members(Table):
    """State of every buying-committee member: one array per attribute, indexed by member id."""

    acct: np.ndarray = var("int64", DRAWN, "account index", "account the member belongs to")
    seat: np.ndarray = var("int8", DRAWN, "seat", "position in the committee (0 economic buyer, 1 champion, ...)")
    role: np.ndarray = var("int8", DRAWN, "ROLES index", "buying role")
    influence: np.ndarray = var("float32", DRAWN, "share", "weight in the committee's decision (sums to 1)")
    veto: np.ndarray = var("bool", DRAWN, "flag", "can stall or block the deal")
    reach: np.ndarray = var("uint8", DRAWN, "channel bits", "reachable on each channel: bit c for channel c "
                            "(``market.pack_channels``; one byte, not five, for seven million members)")
    skepticism: np.ndarray = var("float32", DRAWN, "0-1", "trait: how hard the member is to impress")
    awareness: np.ndarray = var("float32", DRAWN, "0-1", "awareness of the vendor")
    engagement: np.ndarray = var("float32", DRAWN, "0-1", "engagement with the vendor")
    opinion: np.ndarray = var("float32", DRAWN, "-1..1", "opinion of the vendor")
    trust: np.ndarray = var("float32", DRAWN, "0-1", "trust in the vendor")
    fatigue: np.ndarray = var("float32", 0.0, "0-1", "fatigue from touches")
    ti_joined: np.ndarray = var("int16", 0, "week", "week the member joined (0 for the founding committee)")

    def __len__(self) -> int:
        return len(self.acct)
