"""Customers: adoption, health, renewal outcomes, expansion and advocacy.

Pure functions over per-account arrays. Health (adoption, the committee's opinion and trust)
drives churn risk at renewal and expansion readiness; healthy customers advocate and refer
peers in their industry.
"""

from __future__ import annotations

import numpy as np

from sim.core.config import CustomerConfig
from sim.core.mechanisms.deals import logistic, logit

#: Health of an average customer: the pivot of the renewal logits.
NEUTRAL_HEALTH = 0.6


def adoption_step(adoption: np.ndarray, cs_coverage: np.ndarray, c: CustomerConfig) -> np.ndarray:
    """Adoption grows with customer-success attention and erodes without it, 0-1."""
    grow = c.adoption_rate_week * cs_coverage * (1.0 - adoption)
    erode = c.adoption_drift_week * (1.0 - cs_coverage) * adoption
    return np.clip(adoption + grow - erode, 0.0, 1.0).astype(np.float32)


def health(adoption: np.ndarray, opinion: np.ndarray, trust: np.ndarray) -> np.ndarray:
    """Customer health, 0-1: half adoption, 30 % the committee's opinion (mapped to 0-1), 20 % trust."""
    return (0.5 * adoption + 0.3 * (1.0 + opinion) / 2.0 + 0.2 * trust).astype(np.float32)


def renewal_probabilities(hlth: np.ndarray, in_market: np.ndarray, churn_base: np.ndarray | float,
                          c: CustomerConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chances at renewal of (churn, expand, contract) given health (CAL-3.2, CAL-3.3).

    Each is a logistic around its base rate at neutral health ``h0 = NEUTRAL_HEALTH``; a customer
    evaluating competitors (in market) is likelier to churn. Expansion and contraction apply to
    renewing customers. With ``g = h0 - health`` and ``k = churn_health_logit``:
    ``churn = logistic(logit(churn_base) + k * g + churn_in_market_logit * in_market)``,
    ``expand = logistic(logit(p_expand_base) - k * g)``,
    ``contract = logistic(logit(p_contract_base) + k * g)``.
    """
    gap = NEUTRAL_HEALTH - hlth
    churn = logistic(np.log(churn_base / (1 - churn_base)) + c.churn_health_logit * gap
                     + c.churn_in_market_logit * in_market)
    expand = logistic(logit(c.p_expand_base) - c.churn_health_logit * gap)
    contract = logistic(logit(c.p_contract_base) + c.churn_health_logit * gap)
    return churn, expand, contract


def p_expansion_win(hlth: np.ndarray, c: CustomerConfig) -> np.ndarray:
    """Chance an expansion opportunity closes: even at neutral health, likelier when healthier."""
    return logistic(c.churn_health_logit * (hlth - NEUTRAL_HEALTH))


def expansion_ready(adoption: np.ndarray, hlth: np.ndarray, arr: np.ndarray, acv_potential: np.ndarray,
                    weeks_since_expansion: np.ndarray) -> np.ndarray:
    """A customer ready to expand: well adopted, healthy, with room to grow (ARR below its
    potential), and no expansion in the last 26 weeks."""
    return (adoption > 0.75) & (hlth > 0.7) & (arr < acv_potential) & (weeks_since_expansion >= 26)


def referral_weights(advocate: np.ndarray, industry: np.ndarray, prospect: np.ndarray, n_industries: int) -> np.ndarray:
    """Chance weights that a referral lands on each prospect: the number of advocates in its industry."""
    per_industry = np.bincount(industry[advocate], minlength=n_industries)
    return np.where(prospect, per_industry[industry], 0).astype(np.float64)
