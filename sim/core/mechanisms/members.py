"""What a touch does to a buying-committee member, and how a committee's views move together.

All functions but :func:`decay` and :func:`respond_touched` (which update the member arrays in place) are pure:
arrays or numbers in, arrays or numbers out, shapes [M] (members) unless stated. Effects have
diminishing returns (``1 - exp(-rate * dose)``), are discounted by low trust and by fatigue, and
personalization that claims more than its research delivers is perceived as superficial
(*theater*): it is rejected and costs trust and opinion (CAL-5.2, 5.3, 5.6).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.core.compiled import jit
from sim.core.config import BuyerConfig

REL_THEATER_NO_SKEPTICISM = 0.5
"""How sharply a member without skepticism spots theater, relative to ``theater_sensitivity``
(multiplier; a member of skepticism ``s`` has ``REL_THEATER_NO_SKEPTICISM + s``). Fixed, not a parameter:
the shape of a functional form whose strength the calibrated ``theater_sensitivity`` scales (CAL-5.2,
CAL-5.6)."""
MAX_RECEPTIVITY = 2.0
"""Largest receptivity of a member (multiplier on a touch's effect): earned trust at most doubles what a
touch does. Fixed, not a parameter: a cap that keeps the trust power law bounded; ``trust_power`` is the
parameter."""
REL_OPINION_TARGET_NO_RELEVANCE = 0.5
"""Opinion a perfectly irrelevant touch pulls toward, as a share of the account's fit (0-1; the target
is ``fit * (REL_OPINION_TARGET_NO_RELEVANCE + relevance)``, capped at 1). Fixed, not a parameter: the
shape of a functional form; relevance (``relevance_*``) and ``opinion_rate`` are the parameters."""
SPREAD_WEIGHT_UNENGAGED = 0.2
"""Voice of an unengaged member in the committee's opinion, in units of engagement (the weight is
``influence * (SPREAD_WEIGHT_UNENGAGED + engagement)``): disengaged members still talk a little. Fixed,
not a parameter: the shape of a functional form whose speed the parameter ``influence_spread_week``
sets."""


def relevance(claim: np.ndarray, depth: np.ndarray, role_matched: np.ndarray, individual: np.ndarray,
              b: BuyerConfig) -> np.ndarray:
    """Perceived relevance of a touch, 0-1.

    Generic relevance, plus role-matched messaging (CAL-5.4), plus tailoring to the individual,
    plus the personalization actually delivered: a touch delivers only what it both claims and
    has researched, ``min(claim, depth)`` (CAL-5.1, CAL-5.7).
    """
    delivered = np.minimum(claim, depth)
    r = (b.relevance_generic + b.relevance_role_match * role_matched + b.relevance_individual * individual
         + b.relevance_personalization * delivered)
    return np.clip(r, 0.0, 1.0).astype(np.float32)


# float32 constants: the compiled loops below compute in float32, as the member variables are stored (a
# Python float there would be float64 and widen every step).
_ZERO, _ONE = np.float32(0), np.float32(1)
_NO_SKEPTICISM = np.float32(REL_THEATER_NO_SKEPTICISM)
_MAX_RECEPTIVITY = np.float32(MAX_RECEPTIVITY)
_OPINION_NO_RELEVANCE = np.float32(REL_OPINION_TARGET_NO_RELEVANCE)
_MIN_BASELINE, _MAX_REL_TRUST = np.float32(1e-6), np.float32(1e30)  # guards: no 0/0, no inf * 0


@jit
def p_superficial(claim, depth, skepticism, sensitivity):  # type: ignore[no-untyped-def]
    """Chance a touch is perceived as superficial personalization (theater), 0-1 (numbers or arrays).

    ``1 - exp(-sensitivity * max(claim - depth, 0) * (REL_THEATER_NO_SKEPTICISM + skepticism))``
    (0.5): zero when the claim is backed by research, rising with the gap, sharper for skeptical
    members (CAL-5.2, CAL-5.6).

    >>> float(p_superficial(0.4, 0.4, 0.9, 4.0))
    0.0
    """
    gap = np.maximum(claim - depth, _ZERO)
    return _ONE - np.exp(-sensitivity * gap * (_NO_SKEPTICISM + skepticism))


@jit
def theater_draws(idx, count, marketing_share, acct, claim, depth, skepticism, sensitivity, rng):  # type: ignore[no-untyped-def]
    """Touches seen as superficial among the ``count`` touches of each touched member ``idx``:
    binomial with :func:`p_superficial` of the account's claim and paid depth (float32 [N]) and the
    member's skepticism (float32 [M]), times the marketing share of the member's touches (sales and
    self-served touches are never theater); drawn from ``rng`` in member order wherever that chance
    is positive. float32 [len(idx)]."""
    out = np.zeros(idx.shape[0], np.float32)
    for j in range(idx.shape[0]):
        i, a = idx[j], acct[idx[j]]
        p = p_superficial(claim[a], depth[a], skepticism[i], sensitivity) * marketing_share[j]
        if p > 0:
            out[j] = rng.binomial(np.int64(count[j]), np.float64(p))  # in double, as numpy draws it
    return out


@jit
def receptivity(trust, fatigue, trust_power, trust_baseline):  # type: ignore[no-untyped-def]
    """How much of a touch gets through: ``(trust / baseline)**power * (1 - fatigue)``, capped at
    ``MAX_RECEPTIVITY`` (2) (numbers or arrays).

    A member at baseline trust and without fatigue takes a touch at face value (1); lower trust
    discounts every touch, earned trust amplifies it. (A baseline near 0 makes the ratio huge: it is
    capped at 1e30 first, so a fully fatigued member gets 0, not inf * 0.)
    """
    rel_trust = np.minimum((trust / max(trust_baseline, _MIN_BASELINE)) ** trust_power, _MAX_REL_TRUST)
    return np.minimum(rel_trust * (_ONE - fatigue), _MAX_RECEPTIVITY)


@jit
def saturate(level, rate, dose):  # type: ignore[no-untyped-def]
    """Diminishing returns: move ``level`` (0-1) toward 1 by ``1 - exp(-rate * dose)`` of the gap
    (numbers or arrays)."""
    return level + (_ONE - level) * -np.expm1(-rate * dose)


class Response(NamedTuple):
    """The buyer parameters a touch's response reads (:func:`respond_member`), as float32, and the
    shares of trust a theater touch and a collision leave (``1 - trust_loss_*``, taken in double
    and rounded once, as numpy rounds ``1.0 - x`` for a float32 array)."""

    awareness_rate: np.float32
    engagement_rate: np.float32
    opinion_rate: np.float32
    trust_gain: np.float32
    trust_loss_theater: np.float32
    fatigue_per_touch: np.float32
    trust_power: np.float32
    trust_baseline: np.float32
    engaged_threshold: np.float32
    trust_kept_theater: np.float32
    trust_kept_incoherent: np.float32


def response_params(b: BuyerConfig) -> Response:
    """The parameters of :func:`respond_member` from the buyers' config, by name."""
    f32 = np.float32
    return Response(
        awareness_rate=f32(b.awareness_rate), engagement_rate=f32(b.engagement_rate),
        opinion_rate=f32(b.opinion_rate), trust_gain=f32(b.trust_gain), trust_loss_theater=f32(b.trust_loss_theater),
        fatigue_per_touch=f32(b.fatigue_per_touch), trust_power=f32(b.trust_power),
        trust_baseline=f32(b.trust_baseline), engaged_threshold=f32(b.engaged_threshold),
        trust_kept_theater=f32(1.0 - b.trust_loss_theater), trust_kept_incoherent=f32(1.0 - b.trust_loss_incoherent))


@jit
def respond_member(awareness, engagement, opinion, trust, fatigue, fit, touches, theater, effect_per_touch, rel,
                   collisions, p):  # type: ignore[no-untyped-def]
    """One week of touches landing on a member (CAL-5.2, CAL-5.3 for theater; CAL-1.6 for contact).

    With ``dose = (touches - theater) * effect_per_touch * rel * receptivity(trust, fatigue)``
    and ``s(x, k, d) = x + (1 - x) * (1 - exp(-k * d))`` (:func:`saturate`):

    - awareness' = s(awareness, awareness_rate, dose)
    - engagement' = s(engagement, engagement_rate, dose * awareness')
    - opinion' = clip(opinion + (1 - exp(-opinion_rate * dose)) * (target - opinion)
      - trust_loss_theater * theater, -1, 1), with
      target = min(fit * (REL_OPINION_TARGET_NO_RELEVANCE + rel), 1) (0.5)
    - trust' = clip(trust * (1 - trust_loss_theater)^theater * (1 - trust_loss_incoherent)^collisions
      + trust_gain * (1 - trust) * (1 - exp(-dose)) * rel, 0, 1)
    - fatigue' = clip(fatigue + fatigue_per_touch * touches * (1 + collisions), 0, 1)

    (collisions count only for members touched this week). In float32, as the member variables are
    stored; ``p`` holds the parameters (:func:`response_params`).

    Args:
        touches: touches received (count); ``theater``: how many of them were perceived as
            superficial (rejected); ``effect_per_touch``: mean channel effect of a touch;
            ``rel``: relevance 0-1; ``collisions``: contradictory team touches on the account
            this week; ``fit``: the account's true ICP fit (what the value proposition is worth).

    Returns the new (awareness, engagement, opinion, trust, fatigue), and the receptivity the
    touches met.
    """
    recept = receptivity(trust, fatigue, p.trust_power, p.trust_baseline)
    dose = max(touches - theater, _ZERO) * effect_per_touch * rel * recept
    awareness = saturate(awareness, p.awareness_rate, dose)
    engagement = saturate(engagement, p.engagement_rate, dose * awareness)
    # Genuine touches pull opinion toward what the offer is worth to this account; theater pushes it down.
    target = min(fit * (_OPINION_NO_RELEVANCE + rel), _ONE)
    pull = -np.expm1(-p.opinion_rate * dose)
    opinion = min(max(opinion + pull * (target - opinion) - p.trust_loss_theater * theater, -_ONE), _ONE)
    incoherent = collisions if touches > 0 else _ZERO
    # x ** 0 is 1 exactly: most members see neither theater nor collisions, and skip the power.
    keep = ((p.trust_kept_theater ** theater if theater > 0 else _ONE)
            * (p.trust_kept_incoherent ** incoherent if incoherent > 0 else _ONE))
    trust = min(max(trust * keep + p.trust_gain * (_ONE - trust) * -np.expm1(-dose) * rel, _ZERO), _ONE)
    fatigue = min(max(fatigue + p.fatigue_per_touch * touches * (_ONE + incoherent), _ZERO), _ONE)
    return awareness, engagement, opinion, trust, fatigue, recept


@jit
def respond_touched(idx, touches, theater, effect, ads_share, acct, awareness, engagement, opinion, trust, fatigue,
                    fit, rel, attention, collisions, ad_ctr, p):  # type: ignore[no-untyped-def]
    """The week's touches landing on the touched members ``idx`` (with their ``touches``, ``theater``,
    mean ``effect`` and ``ads_share``, float32 [len(idx)]): :func:`respond_member` for each, in place on
    the member variables [M], with the account's fit, relevance (:func:`relevance`), ``attention``
    (the multiplier on a touch's effect while in market) and ``collisions`` (int [N]).

    Returns per touched member the expected ad clicks (``touches * ads_share * ad_ctr * rel *
    receptivity``, receptivity before the touches land) and whether the member became engaged
    (``engaged_threshold``) this week: a new MQL."""
    clicks, new_mql = np.empty(idx.shape[0], np.float32), np.empty(idx.shape[0], np.bool_)
    for j in range(idx.shape[0]):
        i, a = idx[j], acct[idx[j]]
        engaged_before = engagement[i] >= p.engaged_threshold
        awareness[i], engagement[i], opinion[i], trust[i], fatigue[i], recept = respond_member(
            awareness[i], engagement[i], opinion[i], trust[i], fatigue[i], fit[a], touches[j], theater[j],
            effect[j] * attention[a], rel[a], np.float32(collisions[a]), p)
        clicks[j] = touches[j] * ads_share[j] * ad_ctr * rel[a] * recept
        new_mql[j] = engagement[i] >= p.engaged_threshold and not engaged_before
    return clicks, new_mql


def decay(awareness: np.ndarray, engagement: np.ndarray, trust: np.ndarray, fatigue: np.ndarray,
          extra_engagement_decay: np.ndarray, acct: np.ndarray, b: BuyerConfig) -> None:
    """Weekly forgetting, in place: awareness and engagement fade (engagement faster by the
    account's ``extra_engagement_decay`` [N] while a lead waits for sales), fatigue wears off,
    trust drifts back toward its baseline.

    - awareness' = awareness * (1 - awareness_decay_week)
    - engagement' = engagement * clip(1 - engagement_decay_week - extra_engagement_decay, 0, 1)
    - trust' = trust + trust_reversion_week * (trust_baseline - trust)
    - fatigue' = fatigue * (1 - fatigue_recovery_week)

    (In place, as :func:`respond_touched`: new arrays would hold a second copy of four member
    variables, 100 MB at a million accounts.)
    """
    f32 = np.float32
    _decay(awareness, engagement, trust, fatigue, extra_engagement_decay.astype(f32), acct,
           f32(1.0 - b.awareness_decay_week), f32(1.0 - b.engagement_decay_week),
           f32(b.trust_reversion_week), f32(b.trust_baseline), f32(1.0 - b.fatigue_recovery_week))


@jit
def _decay(awareness, engagement, trust, fatigue, extra, acct, keep_aware, keep_engaged, revert, baseline,
           keep_fatigue):  # type: ignore[no-untyped-def]
    """:func:`decay` in one pass over members, in float32 as numpy computes it."""
    for i in range(awareness.shape[0]):
        awareness[i] *= keep_aware
        engagement[i] *= min(max(keep_engaged - extra[acct[i]], np.float32(0)), np.float32(1))
        trust[i] += revert * (baseline - trust[i])
        fatigue[i] *= keep_fatigue


@jit
def committee_means(accounts, m_start, m_count, weights, values):  # type: ignore[no-untyped-def]
    """Weighted means of member quantities over the committees of ``accounts``: for each array in
    the tuple ``values`` (float32 [M]) and each account, ``sum(w * v) / sum(w)`` over its members
    (contiguous: ``m_start[a] : m_start[a] + m_count[a]``), float64 [len(values), len(accounts)], 0
    where the weights sum to 0. Sums in float64 in member order; each product in float32."""
    out = np.zeros((len(values), accounts.shape[0]))
    for j in range(accounts.shape[0]):
        a = accounts[j]
        total = 0.0
        sums = np.zeros(len(values))
        for i in range(m_start[a], m_start[a] + m_count[a]):
            total += weights[i]
            for v in range(len(values)):
                sums[v] += weights[i] * values[v][i]
        if total > 0:
            for v in range(len(values)):
                out[v, j] = sums[v] / total
    return out


def spread_opinion(opinion: np.ndarray, engagement: np.ndarray, influence: np.ndarray, acct: np.ndarray,
                   n_accounts: int, rate: float | np.ndarray) -> np.ndarray:
    """Opinions converge inside a committee: each member moves ``rate`` (a number, or one per
    account) of the way toward the committee's opinion weighted by influence and engagement
    (engaged members talk more): weight ``influence * (SPREAD_WEIGHT_UNENGAGED + engagement)`` (0.2).
    The rate is capped at 1: a member can move all the way to the committee's view, never past it
    (a strong spread times a tailoring multiplier would otherwise overshoot and leave -1..1)."""
    capped = np.minimum(np.broadcast_to(np.asarray(rate, np.float64), (n_accounts,)), 1.0)
    return _spread(opinion, engagement, influence, acct, np.float32(SPREAD_WEIGHT_UNENGAGED), capped)


@jit
def _spread(opinion, engagement, influence, acct, unengaged, rate):  # type: ignore[no-untyped-def]
    """:func:`spread_opinion` in two passes over members: the committee's weighted opinion (weights
    ``influence * (unengaged + engagement)`` in float32, sums in float64, 0 for a committee whose
    weights sum to 0), then each member moved ``rate`` of the way to it (float64, stored float32)."""
    n_accounts = rate.shape[0]
    w, s = np.zeros(n_accounts), np.zeros(n_accounts)
    for i in range(acct.shape[0]):
        weight = influence[i] * (unengaged + engagement[i])
        w[acct[i]] += weight
        s[acct[i]] += weight * opinion[i]
    mean = np.zeros(n_accounts)
    for a in range(n_accounts):
        if w[a] > 0:
            mean[a] = s[a] / w[a]
    out = np.empty(opinion.shape[0], np.float32)
    for i in range(out.shape[0]):
        out[i] = opinion[i] + rate[acct[i]] * (mean[acct[i]] - opinion[i])
    return out


def committee_view(engagement: np.ndarray, opinion: np.ndarray, influence: np.ndarray, acct: np.ndarray,
                   n_accounts: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Per account: coverage (influence share of the committee engaged, 0-1) and support
    (influence-weighted opinion of the engaged members, -1..1; 0 with nobody engaged)."""
    coverage, opinion_sum = _engaged_sums(engagement, opinion, influence, acct, n_accounts, np.float32(threshold))
    support = np.divide(opinion_sum, coverage, out=np.zeros(n_accounts), where=coverage > 0)
    return np.clip(coverage, 0, 1).astype(np.float32), support.astype(np.float32)


@jit
def _engaged_sums(engagement, opinion, influence, acct, n_accounts, threshold):  # type: ignore[no-untyped-def]
    """Per account, float64: the influence of the engaged members (``engagement >= threshold``,
    compared in float32) and their influence-weighted opinions."""
    w, s = np.zeros(n_accounts), np.zeros(n_accounts)
    for i in range(acct.shape[0]):
        if engagement[i] >= threshold:
            w[acct[i]] += influence[i]
            s[acct[i]] += influence[i] * opinion[i]
    return w, s


def consensus(coverage: np.ndarray, support: np.ndarray) -> np.ndarray:
    """Committee consensus for the vendor, 0-1: coverage times support mapped to 0-1."""
    return (coverage * (1.0 + support) / 2.0).astype(np.float32)
