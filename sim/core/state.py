"""Struct-of-arrays agent state, and the enums that label it.

Accounts and committee members each live in one dataclass of equal-length numpy arrays; a
boolean expression over them is a mask, ``np.flatnonzero(mask)`` the indices. Members of an
account are stored contiguously (``m_start[a] : m_start[a] + m_count[a]``) so per-account
aggregates are one ``np.bincount`` over ``member.acct``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, IntFlag

import numpy as np

NEVER = -1  # sentinel for a time index (``ti_*``) that has not happened


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


@dataclass
class Accounts:
    """State of every account: one array per attribute, indexed by account id."""

    segment: np.ndarray  # int8, index into config.SEGMENTS
    industry: np.ndarray  # int16 industry cluster
    acv_potential: np.ndarray  # float64 USD/year the account could spend
    fit_true: np.ndarray  # float32 true ICP fit, 0-1
    fit_obs: np.ndarray  # float32 fit as the vendor's data shows it, 0-1
    m_start: np.ndarray  # int64 first member index
    m_count: np.ndarray  # int64 committee size
    in_market: np.ndarray  # bool, inside a buying window
    ti_window_end: np.ndarray  # int32 week the current window closes
    intent_obs: np.ndarray  # float32 observed intent (exponential average of seen research), 0-1
    stage: np.ndarray  # int8 Stage
    tier: np.ndarray  # int8 index into config.TIERS
    ti_listed: np.ndarray  # int32 week the account joined the target list (NEVER if not listed)
    arr: np.ndarray  # float64 current ARR, USD/year (0 unless a customer)
    ti_contract_end: np.ndarray  # int32 renewal week
    adoption: np.ndarray  # float32 product adoption, 0-1
    health: np.ndarray  # float32 customer health, 0-1
    coverage: np.ndarray  # float32 influence-weighted share of the committee engaged, 0-1
    support: np.ndarray  # float32 influence-weighted opinion of engaged members, -1..1
    progress: np.ndarray  # float32 progress of the open deal toward a decision, 0-1
    stall_weeks: np.ndarray  # int16 consecutive weeks the open deal has been stalled
    wait_weeks: np.ndarray  # int16 weeks a sales lead has waited for follow-up
    opp_usd: np.ndarray  # float64 amount of the open (or last) new-logo opportunity
    exp_usd: np.ndarray  # float64 amount of an open expansion opportunity (0 if none)
    exp_progress: np.ndarray  # float32 progress of the open expansion opportunity
    ti_first_signal: np.ndarray  # int32 first week the vendor saw a signal or engagement
    ti_mqa: np.ndarray  # int32 latest MQA week
    ti_opp: np.ndarray  # int32 latest opportunity-creation week
    ti_close: np.ndarray  # int32 latest new-logo decision week
    ti_customer: np.ndarray  # int32 week the account became a customer
    ti_churn: np.ndarray  # int32 latest churn week
    ti_expansion: np.ndarray  # int32 latest expansion decision week (play closed or renewal uplift)
    outcome: np.ndarray  # int8 Outcome of the latest new-logo deal
    won_usd: np.ndarray  # float64 first-year ACV of the latest won new-logo deal
    lead: np.ndarray  # bool, a sales lead is waiting (MQA, inbound or intent)

    def __len__(self) -> int:
        return len(self.segment)


@dataclass
class Members:
    """State of every buying-committee member: one array per attribute, indexed by member id."""

    acct: np.ndarray  # int32 account the member belongs to
    role: np.ndarray  # int8 index into config.ROLES
    influence: np.ndarray  # float32 weight in the committee's decision (sums to 1 per account)
    veto: np.ndarray  # bool, can stall or block the deal
    reach: np.ndarray  # bool [n_channels, M], reachable on each channel (channel-major)
    skepticism: np.ndarray  # float32 trait, 0-1
    awareness: np.ndarray  # float32 0-1
    engagement: np.ndarray  # float32 0-1
    opinion: np.ndarray  # float32 opinion of the vendor, -1..1
    trust: np.ndarray  # float32 trust in the vendor, 0-1
    fatigue: np.ndarray  # float32 0-1
    ti_joined: np.ndarray  # int32 week the member joined (0 for the founding committee)

    def __len__(self) -> int:
        return len(self.acct)

