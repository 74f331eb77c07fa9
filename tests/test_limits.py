"""Analytic limit cases: configurations in which the full model reduces to a process with a known
answer, checked against that answer within a stated statistical tolerance.

1. Deals with fixed conversion probabilities and no feedback are an absorbing Markov chain:
   the share of deals won, lost and ended without a decision, and the expected weeks to a
   decision, match the chain's absorption probabilities and expected time to absorption.
2. A constant churn hazard gives a geometric survival curve of the installed base, and the NRR
   (and GRR and logo churn) it implies.
3. Buying windows are a two-state Markov chain (out <-> in market): the in-market share and the
   weekly window starts match its stationary distribution.

Tolerances are four standard deviations of the estimate (a false alarm about once in 16,000 runs).
Power, checked by perturbing the expectations: the deal test catches a 0.05 shift of the
no-decision probability or a 20% change of the weekly decision rate; the churn test a hazard
off by a quarter. The deal and buying-window tests need large markets (60,000 and 20,000
accounts) for tolerances that tight and are marked slow; the churn tests run in the quick set.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.api import compose_config
from sim.core.mechanisms import deals, members
from sim.core.mechanisms.market import weekly_probability
from sim.core.model import ABXModel
from sim.core.state import Outcome, Stage
from sim.core.validate import validate

Z = 4.0  # standard deviations allowed

#: No vendor activity reaches prospects and committees do not change on their own: no budget, no
#: sales or exec capacity, no self-serve research, turnover, referrals, decay or opinion spread.
FROZEN = ["strategy=abx", "vendor.marketing_budget_usd_year=0", "vendor.n_sdr=0", "vendor.n_ae=0",
          "vendor.exec_hours_week=0", "vendor.follow_up_latency_cost=0", "market.buyers.p_self_serve_week=0",
          "market.buyers.p_turnover_year=0", "market.buyers.engagement_decay_week=0",
          "market.buyers.influence_spread_week=0", "market.customers.p_referral_week=0",
          "market.deals.veto_opinion=-1", "output.progress=false"]


#: Renewals decided by the churn propensity alone: no health or market effect, no expansion or contraction.
RENEWAL_BY_PROPENSITY_ONLY = ["market.customers.churn_health_logit=0", "market.customers.churn_in_market_logit=0",
                              "market.customers.p_expand_base=0", "market.customers.p_contract_base=0",
                              "strategy.orchestration.expansion_play=false"]


def model_of(overrides: list[str]) -> ABXModel:
    return ABXModel(validate(compose_config(overrides)))


def absorbing_chain(q: np.ndarray, p_nd: np.ndarray, p_win: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Absorption probabilities (won, lost, no decision) and expected time to absorption of the
    one-transient-state chain of an open deal, per deal: each week it stays open with ``1 - q``,
    else the buyer decides (no decision ``p_nd``, otherwise won ``p_win`` or lost).

    Fundamental matrix ``N = (I - Q)^-1`` with ``Q = 1 - q``; ``B = N R``; ``t = N 1``.
    """
    n = 1.0 / q  # (I - Q)^-1 for a 1x1 Q
    r = np.stack([q * (1 - p_nd) * p_win, q * (1 - p_nd) * (1 - p_win), q * p_nd], axis=1)
    return n[:, None] * r, n


@pytest.mark.slow
def test_deals_with_fixed_probabilities_follow_the_absorbing_markov_chain():
    model = model_of([*FROZEN, "market.n_accounts=60000", "horizon_weeks=400", "seed=11"])
    a, m = model.accounts, model.members
    was_in_market = a.in_market.copy()
    for _ in range(40):
        model.step()
    # Deals opened now, on accounts whose buying window opened during the run (geometric length,
    # so the weeks left are geometric too, with the same mean): the buyer decides when it closes.
    cohort = a.in_market & ~was_in_market & (a.stage < Stage.OPPORTUNITY)
    assert cohort.sum() > 3000
    rng = np.random.default_rng(5)
    m.engagement[:] = rng.uniform(0, 1, len(m.engagement)).astype(np.float32)  # varied, frozen committees
    m.opinion[:] = rng.uniform(-0.5, 1, len(m.opinion)).astype(np.float32)
    a.coverage, a.support = members.committee_view(m.engagement, m.opinion, m.influence, m.acct, model.n_accounts,
                                                   model.cfg.market.buyers.engaged_threshold)
    a.stage[cohort], a.progress[cohort], a.stall_weeks[cohort] = Stage.OPPORTUNITY, 0.0, 0
    start = model.steps - 1
    d = model.cfg.market.deals
    voters = model.members_of(cohort)
    engaged = m.engagement[voters] >= model.cfg.market.buyers.engaged_threshold
    agree = deals.p_nobody_holds_out(m.opinion[voters], engaged,
                                     a.m_count[m.acct[voters]] * m.influence[voters], m.acct[voters],
                                     model.n_accounts, d.p_holdout)[cohort]
    p_nd = deals.p_no_decision(agree, np.zeros_like(agree))
    p_win = deals.p_win(a.support, a.coverage, a.fit_true, d)[cohort]
    q = 1.0 / np.asarray(model.cfg.market.window_weeks_mean)[a.segment[cohort]]
    absorb, weeks = absorbing_chain(q, p_nd, p_win)

    while (a.stage[cohort] == Stage.OPPORTUNITY).any() and model.steps < model.cfg.horizon_weeks:
        model.step()
    assert not (a.stage[cohort] == Stage.OPPORTUNITY).any()  # every deal was absorbed
    outcome = a.outcome[cohort]
    for k, result in enumerate((Outcome.WON, Outcome.LOST, Outcome.NO_DECISION)):
        expected, sd = absorb[:, k].sum(), np.sqrt((absorb[:, k] * (1 - absorb[:, k])).sum())
        assert abs((outcome == result).sum() - expected) < Z * sd, (result, (outcome == result).sum(), expected)
    taken = a.ti_close[cohort] - start
    for segment in np.unique(a.segment[cohort]):  # geometric time to absorption: mean 1/q, sd sqrt(1-q)/q
        sel = a.segment[cohort] == segment
        mean, sd = weeks[sel][0], np.sqrt(1 - q[sel][0]) / q[sel][0]
        assert abs(taken[sel].mean() - mean) < Z * sd / np.sqrt(sel.sum()), (segment, taken[sel].mean(), mean)


@pytest.mark.parametrize("churn", [0.05, 0.15])
def test_a_constant_churn_hazard_gives_geometric_survival_and_the_implied_nrr(churn):
    contract = 4  # weeks: 13 renewals a year
    model = model_of([*FROZEN, "market.n_accounts=6000", "market.installed_base_share=0.5", "horizon_weeks=104",
                      "seed=3", f"market.customers.contract_weeks={contract}",
                      f"market.customers.churn_base_year=[{churn},{churn},{churn}]",
                      "market.customers.churn_polarization=0",
                      *RENEWAL_BY_PROPENSITY_ONLY])
    a = model.accounts
    customers = a.stage >= Stage.ONBOARDING
    first_end = a.ti_contract_end[customers].astype(np.int64)
    assert customers.sum() > 1500
    for week in (13, 52, 104):
        while model.steps < week:
            model.step()
        # renewals faced by the end of week index `week - 1`: contract ends at first_end + 4j
        renewals = np.maximum(0, (week - 1 - first_end) // contract + 1)
        p_alive = (1 - churn) ** renewals
        alive = (a.stage[customers] >= Stage.ONBOARDING).sum()
        sd = np.sqrt((p_alive * (1 - p_alive)).sum())
        assert abs(alive - p_alive.sum()) < Z * sd, (week, alive, p_alive.sum())
    s = model.summary()
    implied = (1 - churn) ** (52 // contract)  # every customer faces 13 renewals in the last 52 weeks
    cohort_arr = model.cohort_arr[model.cohort_arr > 0]
    n_eff = cohort_arr.sum() ** 2 / (cohort_arr**2).sum()
    tolerance = Z * np.sqrt(implied * (1 - implied) / n_eff)
    assert abs(s["nrr"] - implied) < tolerance and s["grr"] == pytest.approx(s["nrr"])
    assert abs(s["logo_churn_rate"] - (1 - implied)) < Z * np.sqrt(implied * (1 - implied) / len(cohort_arr))


def test_heterogeneous_churn_propensity_sorts_a_cohort_so_its_retention_rises_with_age():
    """Shifted-beta-geometric limit (CAL-3.6): with health and market effects off, each customer
    renews with its own 1 - propensity. Survival matches sum_i (1 - p_i) ** renewals_i, and the
    cohort's renewal rate rises from the first year to the second although no account changes."""
    contract = 4
    model = model_of([*FROZEN, "market.n_accounts=8000", "market.installed_base_share=0.5", "horizon_weeks=104",
                      "seed=5", f"market.customers.contract_weeks={contract}",
                      "market.customers.churn_base_year=[0.1,0.1,0.1]", "market.customers.churn_polarization=0.5",
                      *RENEWAL_BY_PROPENSITY_ONLY])
    a = model.accounts
    customers = a.stage >= Stage.ONBOARDING
    p_churn = a.churn_propensity[customers].astype(np.float64)
    first_end = a.ti_contract_end[customers].astype(np.int64)
    alive_at = []
    for week in (52, 104):
        while model.steps < week:
            model.step()
        renewals = np.maximum(0, (week - 1 - first_end) // contract + 1)
        p_alive = (1 - p_churn) ** renewals
        alive = (a.stage[customers] >= Stage.ONBOARDING).sum()
        assert abs(alive - p_alive.sum()) < Z * np.sqrt((p_alive * (1 - p_alive)).sum()), (week, alive)
        alive_at.append(alive)
    first_year, second_year = alive_at[0] / customers.sum(), alive_at[1] / alive_at[0]
    assert second_year > first_year + 0.03, (first_year, second_year)


@pytest.mark.slow
def test_buying_windows_follow_their_two_state_markov_chain():
    weeks, burn_in = 160, 40
    model = model_of(["strategy=abx", "market.n_accounts=20000", f"horizon_weeks={weeks}", "seed=2",
                      "output.progress=false"])
    mc = model.cfg.market
    p = weekly_probability(mc.p_window_start_year)
    length = np.asarray(mc.window_weeks_mean)[model.accounts.segment]
    # out -> in with p each week (from the week after a window closes); in for a geometric
    # number of weeks with mean L: stationary in-market share pL / (1 + pL).
    share = (p * length / (1 + p * length)).mean()
    model.run()
    ts = model.recorder.frame(model.steps).iloc[burn_in:]
    n = model.n_accounts
    # Each account's state is correlated over about L + 1/p weeks: effective samples n * T / (L + 1/p).
    n_eff = n * len(ts) / (length + 1 / p).mean()
    assert abs(ts.in_market_share.mean() - share) < Z * np.sqrt(share * (1 - share) / n_eff)
    starts = n * (1 - share) * p  # windows opened per week
    assert abs(ts.window_starts.mean() - starts) < Z * np.sqrt(starts / len(ts)) * 1.5  # Poisson, plus mixing
