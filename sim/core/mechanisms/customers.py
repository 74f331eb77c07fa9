"""Customers: adoption, health, renewal outcomes, expansion and advocacy.

Pure functions over per-account arrays. Health (adoption, the committee's opinion and trust)
drives churn risk at renewal and expansion readiness; healthy customers advocate and refer
peers in their industry.
"""

from __future__ import annotations

import numpy as np

from sim.core.config import CustomerConfig
from sim.core.mechanisms.deals import logistic, logit

HEALTH_WEIGHT_ADOPTION = 0.5
"""Weight of product adoption in customer health (0-1; the three health weights add up to 1). Fixed,
not a parameter: a modelling choice of the health index; only its effect, through
``churn_health_logit``, is calibrated (CAL-3.2, CAL-3.3)."""
HEALTH_WEIGHT_OPINION = 0.3
"""Weight of the committee's opinion (mapped from -1..1 to 0-1) in customer health (0-1). Fixed, not a
parameter: a modelling choice of the health index; only its effect, through ``churn_health_logit``, is
calibrated (CAL-3.2, CAL-3.3)."""
HEALTH_WEIGHT_TRUST = 0.2
"""Weight of the committee's trust in customer health (0-1). Fixed, not a parameter: a modelling choice
of the health index; only its effect, through ``churn_health_logit``, is calibrated (CAL-3.2, CAL-3.3)."""
NEUTRAL_HEALTH = 0.6
"""Health of an average customer (0-1): the pivot at which churn, expansion and contraction take their
base rates. Fixed, not a parameter: it centres the health index; the base rates and
``churn_health_logit`` are the calibrated parameters (CAL-3.2, CAL-3.3)."""
EXPANSION_MIN_ADOPTION = 0.75
"""Adoption above which a customer is ready for an expansion play (0-1). Fixed, not a parameter: a
readiness rule of thumb without a published source; expansion volume is set by the whitespace
(``expansion_headroom``, ``expansion_whitespace_share``; CAL-3.3, CAL-3.7)."""
EXPANSION_MIN_HEALTH = 0.7
"""Health above which a customer is ready for an expansion play (0-1, above ``NEUTRAL_HEALTH``). Fixed,
not a parameter: a readiness rule of thumb without a published source; expansion volume is set by the
whitespace (``expansion_headroom``, ``expansion_whitespace_share``; CAL-3.3, CAL-3.7)."""
EXPANSION_COOLDOWN_WEEKS = 26
"""Weeks after an expansion before the customer can be ready for another (half a year). Fixed, not a
parameter: a pacing convention (one expansion per half-year at most), not a behaviour with a source."""


def adoption_step(adoption: np.ndarray, cs_coverage: np.ndarray, c: CustomerConfig) -> np.ndarray:
    """Adoption grows with customer-success attention and erodes without it, 0-1."""
    grow = c.adoption_rate_week * cs_coverage * (1.0 - adoption)
    erode = c.adoption_drift_week * (1.0 - cs_coverage) * adoption
    return np.clip(adoption + grow - erode, 0.0, 1.0).astype(np.float32)


def health(adoption: np.ndarray, opinion: np.ndarray, trust: np.ndarray) -> np.ndarray:
    """Customer health, 0-1: a weighted mean of adoption, the committee's opinion (mapped to 0-1) and trust.

    ``HEALTH_WEIGHT_ADOPTION * adoption + HEALTH_WEIGHT_OPINION * (1 + opinion) / 2
    + HEALTH_WEIGHT_TRUST * trust`` (weights 0.5, 0.3, 0.2).
    """
    return (HEALTH_WEIGHT_ADOPTION * adoption + HEALTH_WEIGHT_OPINION * (1.0 + opinion) / 2.0
            + HEALTH_WEIGHT_TRUST * trust).astype(np.float32)


def renewal_probabilities(hlth: np.ndarray, in_market: np.ndarray, propensity: np.ndarray | float,
                          c: CustomerConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chances at renewal of (churn, expand, contract) given the account's churn propensity and its
    health (CAL-3.2, CAL-3.3, CAL-3.6).

    Each is a logistic around its base rate at neutral health ``h0 = NEUTRAL_HEALTH``; the churn
    base rate is the account's own propensity (a trait, :func:`~sim.core.mechanisms.market.draw_churn_propensity`),
    and a customer evaluating competitors (in market) is likelier to churn. Expansion and
    contraction apply to renewing customers. With ``g = h0 - health`` and ``k = churn_health_logit``:
    ``churn = logistic(logit(propensity) + k * g + churn_in_market_logit * in_market)``,
    ``expand = logistic(logit(p_expand_base) - k * g)``,
    ``contract = logistic(logit(p_contract_base) + k * g)``.
    """
    gap = NEUTRAL_HEALTH - hlth
    churn = logistic(np.log(propensity / (1 - propensity)) + c.churn_health_logit * gap
                     + c.churn_in_market_logit * in_market)
    expand = logistic(logit(c.p_expand_base) - c.churn_health_logit * gap)
    contract = logistic(logit(c.p_contract_base) + c.churn_health_logit * gap)
    return churn, expand, contract


def p_expansion_win(hlth: np.ndarray, nobody_holds_out: np.ndarray, c: CustomerConfig) -> np.ndarray:
    """Chance an expansion opportunity closes: a committee-light decision. Only the key contacts
    (economic buyer and champion) decide, so ``nobody_holds_out`` is
    :func:`~sim.core.mechanisms.deals.p_nobody_holds_out` over those two; the customer's health
    makes it likelier: ``nobody_holds_out * logistic(churn_health_logit * (health - NEUTRAL_HEALTH))``.
    """
    return nobody_holds_out * logistic(c.churn_health_logit * (hlth - NEUTRAL_HEALTH))


def expansion_amount(arr: np.ndarray, wallet: np.ndarray, share: np.ndarray | float) -> np.ndarray:
    """Size of an expansion, USD/year: ``share`` of the remaining whitespace ``max(wallet - arr, 0)``.

    Expansion draws on the room the account has left, so it shrinks as the account grows into its
    wallet and is larger in bigger organisations (CAL-3.7). ``share`` is at most 1.
    """
    return np.maximum(wallet - arr, 0.0) * np.minimum(share, 1.0)


def expansion_ready(adoption: np.ndarray, hlth: np.ndarray, arr: np.ndarray, wallet: np.ndarray,
                    weeks_since_expansion: np.ndarray) -> np.ndarray:
    """A customer ready to expand: well adopted, healthy, with whitespace left (ARR below its
    wallet), and no recent expansion.

    ``adoption > EXPANSION_MIN_ADOPTION and health > EXPANSION_MIN_HEALTH and arr < wallet
    and weeks_since_expansion >= EXPANSION_COOLDOWN_WEEKS`` (0.75, 0.7, 26 weeks).
    """
    return ((adoption > EXPANSION_MIN_ADOPTION) & (hlth > EXPANSION_MIN_HEALTH) & (arr < wallet)
            & (weeks_since_expansion >= EXPANSION_COOLDOWN_WEEKS))


def referral_weights(advocate: np.ndarray, industry: np.ndarray, prospect: np.ndarray, n_industries: int) -> np.ndarray:
    """Chance weights that a referral lands on each prospect: the number of advocates in its industry."""
    per_industry = np.bincount(industry[advocate], minlength=n_industries)
    return np.where(prospect, per_industry[industry], 0).astype(np.float64)
