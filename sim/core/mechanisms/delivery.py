"""Delivery: turning the week's plan into touches within budgets and team capacities.

Orchestration (:mod:`sim.core.policies`) decides who should be touched; this module decides what the
vendor can actually afford and staff this week, and what it costs. Work that does not fit waits
(leads queue for SDRs) or is scaled down (the marketing program to its budget, executive touches
to the sponsor's hours).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core import constants as k
from sim.core import per_account
from sim.core.config import Channel, VendorConfig

RESEARCH_COST_EXPONENT = 2
"""Exponent of research depth in its cost (cost grows as ``depth ** RESEARCH_COST_EXPONENT``): deep
research costs disproportionately more. Fixed, not a parameter: the shape of the cost curve, whose
level the calibrated ``research_usd_year`` sets (the cost at depth 1, CAL-4.1)."""


@dataclass
class Delivery:
    """What the vendor delivers this week (member arrays [M], account arrays [N])."""

    expected: np.ndarray  # float32 [C, M] expected marketing touches per channel per member
    depth: np.ndarray  # float32 [N] research depth actually paid for
    budget_share: float  # share of the planned program the budget paid for
    program_cost: np.ndarray  # float64 [N] channel + research spend per account this week
    channel_spend: np.ndarray  # float64 [C] spend per channel this week
    research_spend: float


def budget_share(planned_usd: float, budget_usd: float) -> float:
    """Share of a planned program a budget pays for: ``min(1, budget / planned)``."""
    return 1.0 if planned_usd <= budget_usd else budget_usd / planned_usd


def research_cost_week(depth: np.ndarray, research_usd_year: float) -> np.ndarray:
    """Weekly research cost per account: ``research_usd_year / 52 * depth ** RESEARCH_COST_EXPONENT``
    (exponent 2: deep research costs disproportionately more; a 1:1 account at depth 1 costs
    ``research_usd_year``, CAL-4.1)."""
    return research_usd_year / 52.0 * depth.astype(np.float64) ** RESEARCH_COST_EXPONENT


def depth_scale(share: float) -> np.float64:
    """Factor on research depth that fits its cost to a budget share: ``share ** (1 / RESEARCH_COST_EXPONENT)``
    (the square root for exponent 2, taken with ``np.sqrt``, which is correctly rounded)."""
    if RESEARCH_COST_EXPONENT == 2:
        return np.sqrt(np.float64(share))
    return np.float64(share) ** (1.0 / RESEARCH_COST_EXPONENT)


def deliver_marketing(mkt_rate: np.ndarray, reach: np.ndarray, acct: np.ndarray, depth: np.ndarray,
                      v: VendorConfig, budget_week: float, research_cost_share: float = 1.0) -> Delivery:
    """Scale the planned marketing program to the executive's hours and the weekly budget.

    ``research_cost_share`` is the share of the per-account research cost paid (shared research).

    When the budget falls short every channel is scaled by the same share, and research depth by
    :func:`depth_scale` of it, its square root (cost grows as ``depth ** RESEARCH_COST_EXPONENT``):
    personalization gets shallower while its claim stays, which is how an over-stretched program
    slides into theater.
    """
    n = len(depth)
    expected = _member_program(mkt_rate, acct, reach)
    exec_cap = v.exec_hours_week / v.exec_hours_per_play
    exec_planned = float(expected[Channel.EXECUTIVE].sum())
    if exec_planned > exec_cap:
        expected[Channel.EXECUTIVE] *= exec_cap / exec_planned
    cost = np.asarray(v.channel_cost_usd, dtype=np.float32)
    member_cost = cost @ expected
    research = research_cost_week(depth, v.research_usd_year * research_cost_share)
    share = budget_share(float(member_cost.sum()) + float(research.sum()), budget_week)
    if share < 1.0:
        expected *= np.float32(share)
    program = (per_account.total(acct, member_cost, n) + research) * share
    return Delivery(
        expected=expected,
        depth=(depth * depth_scale(share)).astype(np.float32), budget_share=share, program_cost=program,
        channel_spend=expected.sum(axis=1).astype(np.float64) * cost, research_spend=float(research.sum()) * share,
    )


@per_account.jit
def _member_program(mkt_rate, acct, reach):  # type: ignore[no-untyped-def]
    """Expected marketing touches per channel and member, float32 [C, M]: the account's planned
    rate on the channel where the member is reachable on it, else 0."""
    expected = np.empty(reach.shape, np.float32)
    for c in range(reach.shape[0]):  # channel by channel: contiguous rows, no branches (fast)
        for i in range(acct.shape[0]):
            expected[c, i] = mkt_rate[acct[i], c] * np.float32(reach[c, i])
    return expected


def member_rates(expected: np.ndarray, acct: np.ndarray, key: np.ndarray, sdr_work: np.ndarray,
                 cs_work: np.ndarray, ae_effort: np.ndarray, n_accounts: int) -> MemberRates:
    """Each member's expected touches this week, from marketing and from sales, in one pass.

    Marketing: the sum over channels of ``expected`` [C, M]. Sales: a key contact (``key``) hears
    from the SDR and from CS when either team works the account (their conversations add up), and
    every member from the AE at ``AE_REACH_PER_WEEK * ae_effort`` (:mod:`sim.core.constants`).
    Also the account totals the ledger and the team count need: touches per channel and in all.
    """
    return MemberRates(*_member_rates(expected, acct, key, sdr_work, cs_work, ae_effort,
                                      np.float32(k.AE_REACH_PER_WEEK), n_accounts))


@dataclass
class MemberRates:
    """Expected touches this week: per member [M] and per account."""

    marketing: np.ndarray  # float32 [M]
    sales: np.ndarray  # float32 [M]
    account_channel: np.ndarray  # float64 [C, N] marketing touches per channel and account
    account: np.ndarray  # float64 [N] marketing touches per account


@per_account.jit
def _member_rates(expected, acct, key, sdr_work, cs_work, ae_effort, ae_reach, n_accounts):  # type: ignore[no-untyped-def]
    """:func:`member_rates`, in float32 per member and float64 per account, in numpy's order
    (channel by channel, as numpy sums over the leading axis; members in index order)."""
    n_channels, m = expected.shape
    marketing, sales = expected[0].copy(), np.empty(m, np.float32)
    per_channel = np.zeros((n_channels, n_accounts))
    for c in range(n_channels):
        for i in range(m):
            if c:
                marketing[i] += expected[c, i]
            per_channel[c, acct[i]] += expected[c, i]
    per_account_ = np.zeros(n_accounts)
    for i in range(m):
        a = acct[i]
        per_account_[a] += marketing[i]
        sales[i] = (np.float32(sdr_work[a]) + np.float32(cs_work[a])) * np.float32(key[i]) + ae_reach * ae_effort[a]
    return marketing, sales, per_channel, per_account_


def collisions(n_teams: np.ndarray, p_inconsistent: float, rng: np.random.Generator) -> np.ndarray:
    """Contradictory touches per account: each pair of uncoordinated teams touching the account in
    the same week contradicts itself with ``p_inconsistent``."""
    pairs = n_teams * (n_teams - 1) // 2
    out = np.zeros(len(n_teams), dtype=np.int64)
    hit = pairs > 0
    out[hit] = rng.binomial(pairs[hit], p_inconsistent)
    return out


def allocate(priority: np.ndarray, capacity: float) -> np.ndarray:
    """Mask of the (at most ``capacity``) accounts with the highest positive priority.

    Ties break by account id, so allocation is deterministic.
    """
    idx = np.flatnonzero(priority > 0)
    k = int(max(capacity, 0))
    if len(idx) > k:
        order = np.argsort(-priority[idx], kind="stable")
        idx = idx[order[:k]]
    mask = np.zeros(len(priority), dtype=bool)
    mask[idx] = True
    return mask
