"""Delivery: turning the week's plan into touches within budgets and team capacities.

Orchestration (:mod:`sim.core.policies`) decides who should be touched; this module decides what the
vendor can actually afford and staff this week, and what it costs. Work that does not fit waits
(leads queue for SDRs) or is scaled down (the marketing program to its budget, executive touches
to the sponsor's hours).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core import compiled, per_account
from sim.core import constants as k
from sim.core.compiled import jit
from sim.core.config import Channel, VendorConfig
from sim.core.mechanisms import members as mem

RESEARCH_COST_EXPONENT = 2
"""Exponent of research depth in its cost (cost grows as ``depth ** RESEARCH_COST_EXPONENT``): deep
research costs disproportionately more. Fixed, not a parameter: the shape of the cost curve, whose
level the calibrated ``research_usd_year`` sets (the cost at depth 1, CAL-4.1)."""


@dataclass
class Delivery:
    """What the marketing program delivers this week (account arrays [N], channel arrays [C])."""

    rate: np.ndarray  # float32 [N, C] expected touches per reachable member, per account and channel
    marketing_touches: np.ndarray  # float64 [N] expected marketing touches per account, all channels
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


def deliver_marketing(mkt_rate: np.ndarray, reach_count: np.ndarray, depth: np.ndarray, v: VendorConfig,
                      budget_week: float, research_cost_share: float = 1.0,
                      ledger: np.ndarray | None = None) -> Delivery:
    """Scale the planned marketing program to the executive's hours and the weekly budget.

    ``mkt_rate`` [N, C] is the planned touches per reachable member (scaled in place to the
    delivered rate, :attr:`Delivery.rate`), ``reach_count`` [C, N] how many
    members of each account each channel reaches; ``research_cost_share`` is
    the share of the per-account research cost paid (shared research). Everything is per account:
    a member's touches are its account's rate on the channels that reach it. The touches per channel
    and account are added to ``ledger`` [C, N] if one is given (the measurement policy's).

    When the budget falls short every channel is scaled by the same share, and research depth by
    :func:`depth_scale` of it, its square root (cost grows as ``depth ** RESEARCH_COST_EXPONENT``):
    personalization gets shallower while its claim stays, which is how an over-stretched program
    slides into theater.
    """
    cost = np.asarray(v.channel_cost_usd, dtype=np.float64)
    planned = _planned_touches(mkt_rate, reach_count)  # [C]
    scale = np.ones(len(cost))
    exec_cap = v.exec_hours_week / v.exec_hours_per_play
    if planned[Channel.EXECUTIVE] > exec_cap:
        scale[Channel.EXECUTIVE] = exec_cap / planned[Channel.EXECUTIVE]
    research = research_cost_week(depth, v.research_usd_year * research_cost_share)
    share = budget_share(float(cost @ (planned * scale)) + float(research.sum()), budget_week)
    scale *= share
    channel, marketing, program = _delivered_program(
        mkt_rate, reach_count, scale, cost, np.zeros((0, 0)) if ledger is None else ledger)
    return Delivery(
        rate=mkt_rate, marketing_touches=marketing, depth=(depth * depth_scale(share)).astype(np.float32),
        budget_share=share, program_cost=program + research * share, channel_spend=channel * cost,
        research_spend=float(research.sum()) * share,
    )


@jit
def _planned_touches(mkt_rate, reach_count):  # type: ignore[no-untyped-def]
    """Touches the plan asks for per channel, float64 [C]: rate per reachable member times members reached."""
    planned = np.zeros(mkt_rate.shape[1])
    for a in range(mkt_rate.shape[0]):
        for c in range(mkt_rate.shape[1]):
            planned[c] += mkt_rate[a, c] * reach_count[c, a]
    return planned


@jit
def _delivered_program(mkt_rate, reach_count, scale, cost, ledger):  # type: ignore[no-untyped-def]
    """The program scaled to what is delivered: ``mkt_rate`` (float32 [N, C]) becomes, in place, the
    delivered rate per reachable member (the plan's rate is read by nothing else: 20 MB less at a
    million accounts); returned are the touches per channel [C] and per account all touches and
    their cost [N]; each account's touches per channel are added to ``ledger`` [C, N] unless it is
    empty."""
    n, n_channels = mkt_rate.shape
    channel = np.zeros(n_channels)
    marketing, program = np.zeros(n), np.zeros(n)
    for a in range(n):
        for c in range(n_channels):
            touches = mkt_rate[a, c] * scale[c] * reach_count[c, a]
            mkt_rate[a, c] = mkt_rate[a, c] * scale[c]
            channel[c] += touches
            marketing[a] += touches
            program[a] += cost[c] * touches
            if ledger.shape[1]:
                ledger[c, a] += touches
    return channel, marketing, program


def draw_touches(rate: np.ndarray, reach: np.ndarray, acct: np.ndarray, sales: SalesReach, self_serve: np.ndarray,
                 perception: Perception, effect: np.ndarray, touch_rng: np.random.Generator,
                 theater_rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """This week's touches of every member, and which of them are seen as superficial.

    A member's expected touches are marketing's (``rate`` [N, C] of its account on the channels
    that reach it: ``reach`` [M], bit ``c`` for channel ``c``) plus sales' (:class:`SalesReach`);
    the count is Poisson with that mean (drawn only where it is positive, in member order, from
    ``touch_rng``), plus the one touch a member who found content on their own (``self_serve``)
    served themselves. A touched member sees each marketing touch as superficial with
    ``p_superficial`` of the account's claim and paid depth and the member's skepticism
    (:func:`sim.core.mechanisms.members.p_superficial`), drawn binomially from ``theater_rng``;
    sales and self-served touches are never theater.

    Returns, for the touched members only: their indices, touch counts, mean effect per touch (the
    channel effects ``effect`` [C], ``sales_touch_effect`` and ``SELF_SERVE_EFFECT`` weighted by the
    expected touches), the share of touches that were ads, and the theater counts.
    """
    parts = []
    chunk = compiled.MEMBER_CHUNK  # buffers for a million members, not seven
    for start in range(0, len(acct), chunk):
        sl = slice(start, start + chunk)
        idx, count, dose, ads, marketing_share = _touch_counts(
            rate, reach[sl], acct[sl], sales.seat[sl], k.KEY_CONTACT_SEATS, sales.sdr_work, sales.cs_work,
            sales.ae_effort, np.float32(k.AE_REACH_PER_WEEK), self_serve[sl], effect.astype(np.float32),
            np.float32(sales.touch_effect), np.float32(k.SELF_SERVE_EFFECT), int(Channel.ADS), touch_rng)
        idx += start
        # Theater chunk by chunk too (each stream is still drawn in member order).
        theater = mem.theater_draws(idx, count, marketing_share, acct, perception.claim, perception.depth,
                                    perception.skepticism, np.float32(perception.sensitivity), theater_rng)
        parts.append([idx, count, dose, ads, theater])
    if len(parts) == 1:
        return tuple(parts[0])
    joined = []
    for column in range(len(parts[0])):  # joined a column at a time, each chunk's copy freed as it goes
        joined.append(np.concatenate([part[column] for part in parts]))
        for part in parts:
            part[column] = None
    return tuple(joined)


@dataclass
class SalesReach:
    """Who sales talks to this week: a key contact (a member whose ``seat`` [M] is below
    ``KEY_CONTACT_SEATS``) hears from the SDR and from CS when either works the account (their
    conversations add up), every member from the AE at ``AE_REACH_PER_WEEK * ae_effort``
    (:mod:`sim.core.constants`)."""

    seat: np.ndarray  # int8 [M] (compared in the loop: no [M] mask of key contacts every week)
    sdr_work: np.ndarray  # bool [N]
    cs_work: np.ndarray  # bool [N]
    ae_effort: np.ndarray  # float32 [N]
    touch_effect: float  # dose of a sales touch


@dataclass
class Perception:
    """What decides whether a touch is seen as theater: per account the personalization claimed and
    the research depth paid (float32 [N]), per member skepticism (float32 [M])."""

    claim: np.ndarray
    depth: np.ndarray
    skepticism: np.ndarray
    sensitivity: float  # theater_sensitivity


@jit
def _touch_counts(rate, reach, acct, seat, key_seats, sdr_work, cs_work, ae_effort, ae_reach, self_serve, effect,
                  sales_effect, self_effect, ads_channel, touch_rng):  # type: ignore[no-untyped-def]
    """The touch counts of :func:`draw_touches` in one pass over members, in float32 as the arrays
    are; for the touched: index, count, mean effect per touch, ads' and marketing's share."""
    n_channels, m = rate.shape[1], acct.shape[0]
    idx = np.empty(m, np.int64)
    count, dose = np.empty(m, np.float32), np.empty(m, np.float32)
    ads, marketing_share = np.empty(m, np.float32), np.empty(m, np.float32)
    k, last_lam, exp_minus_lam = 0, -1.0, 1.0
    for i in range(m):
        a = acct[i]
        marketing, weighted = np.float32(0), np.float32(0)
        for c in range(n_channels):
            expected = rate[a, c] * np.float32((reach[i] >> c) & 1)
            marketing += expected
            weighted += effect[c] * expected
        key = np.float32(seat[i] < key_seats)
        sales = (np.float32(sdr_work[a]) + np.float32(cs_work[a])) * key + ae_reach * ae_effort[a]
        lam = np.float64(marketing + sales)
        if lam >= POISSON_BY_PRODUCT_BELOW:
            n = touch_rng.poisson(lam)
        elif lam > 0:
            if lam != last_lam:  # committee members often share a mean: exp once
                last_lam, exp_minus_lam = lam, np.exp(-lam)
            n = _poisson_by_product(exp_minus_lam, touch_rng)
        else:
            n = 0
        organic = np.float32(self_serve[i])
        n += self_serve[i]
        if n == 0:
            continue
        total = marketing + sales + organic
        idx[k], count[k] = i, n
        dose[k] = (weighted + sales * sales_effect + organic * self_effect) / total
        ads[k] = rate[a, ads_channel] * np.float32((reach[i] >> ads_channel) & 1) / total
        marketing_share[k] = marketing / total
        k += 1
    return idx[:k].copy(), count[:k].copy(), dose[:k].copy(), ads[:k].copy(), marketing_share[:k].copy()


#: Mean below which numpy draws a Poisson count by multiplying uniforms (and above which it uses
#: the PTRS rejection method): numpy's own switch, kept so the touch loop draws what numpy draws.
POISSON_BY_PRODUCT_BELOW = 10.0


@jit
def _poisson_by_product(exp_minus_lam, rng):  # type: ignore[no-untyped-def]
    """A Poisson count of mean ``lam`` < ``POISSON_BY_PRODUCT_BELOW``, given ``exp(-lam)``: numpy's
    method (multiply uniforms from ``rng`` until the product is at most ``exp(-lam)``; Knuth), so the
    same uniforms give the same count as ``rng.poisson(lam)``. Written out so the loop skips numba's
    checks of every call and reuses ``exp(-lam)`` (9% of the loop, measured)."""
    n = 0
    product = rng.random()
    while product > exp_minus_lam:
        n += 1
        product *= rng.random()
    return n


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
    return per_account.marked(idx, len(priority))
