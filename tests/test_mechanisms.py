"""Unit tests of the mechanisms' pure functions: analytic cases, limits and statistical effects.

Statistical tests draw enough samples that the stated tolerance is at least 5 standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.config import BuyerConfig, CustomerConfig, DealConfig, VendorConfig
from sim.core.mechanisms import customers as cust
from sim.core.mechanisms import deals, market
from sim.core.mechanisms import members as mem
from sim.core.mechanisms.delivery import allocate, budget_share, collisions, deliver_marketing, research_cost_week
from sim.core.policies.tiering import rank_accounts

B = BuyerConfig()
D = DealConfig()
C = CustomerConfig()
f32 = np.float32


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# ------------------------------------------------------------------------------------- market
def test_weekly_probability_compounds_to_the_annual_probability():
    for p in (0.0, 0.13, 0.2, 0.9):
        assert (1 - market.weekly_probability(p)) ** 52 == pytest.approx(1 - p)


def test_committee_sizes_are_bounded_and_match_the_segment_mean():
    segment = np.repeat(np.arange(3), 20_000)
    size = market.committee_sizes(segment, np.array([4.0, 7.0, 11.0]), rng())
    assert size.min() >= 2 and size.max() <= 16
    means = [size[segment == s].mean() for s in range(3)]
    # Poisson sd <= 3.2 over 20,000 draws: standard error < 0.03; tolerance 0.15 (capping at 16 trims ENT).
    assert means == pytest.approx([4.0, 7.0, 11.0], abs=0.15)


def test_buying_windows_have_geometric_length_with_the_configured_mean():
    n, mean_len = 200_000, 16.0
    in_market = np.zeros(n, bool)
    end = np.full(n, -1, np.int32)
    in_market, end, opened = market.update_buying_windows(in_market, end, np.full(n, mean_len), 0, 1.0,
                                                          np.zeros(n), rng().random(n))
    assert opened.all()
    lengths = end.astype(float)
    # Geometric(1/16): sd ~15.5, standard error over 200k ~0.035; tolerance 0.2.
    assert lengths.mean() == pytest.approx(mean_len, abs=0.2)
    assert lengths.min() >= 1


def test_buying_windows_close_on_their_end_week():
    in_market = np.array([True, True, False])
    end = np.array([5, 9, -1], np.int32)
    in_market, end, opened = market.update_buying_windows(in_market, end, np.full(3, 10.0), 5, 0.0,
                                                          np.ones(3), np.ones(3) * 0.5)
    assert in_market.tolist() == [False, True, False] and not opened.any()


def test_steady_state_share_in_market_is_start_rate_times_length():
    """Simulate windows for 8 years: the in-market share converges to p_start * mean length."""
    n, mean_len, p = 50_000, 12.0, market.weekly_probability(0.2)
    r = rng(3)
    in_market, end = np.zeros(n, bool), np.full(n, -1, np.int32)
    shares = []
    for week in range(416):
        in_market, end, _ = market.update_buying_windows(in_market, end, np.full(n, mean_len), week, p,
                                                         r.random(n), r.random(n))
        if week >= 208:
            shares.append(in_market.mean())
    expected = p * mean_len / (1 + p * mean_len)  # renewal process: open share = pL / (1 + pL)
    assert np.mean(shares) == pytest.approx(expected, rel=0.03)


def test_observed_intent_sees_nothing_without_coverage_and_everything_with_full_coverage():
    researched = np.array([True, True, False])
    u = np.array([0.1, 0.9, 0.0])
    assert market.observe_intent(np.zeros(3, f32), researched, u, 0.0).tolist() == [0, 0, 0]
    seen = market.observe_intent(np.zeros(3, f32), researched, u, 1.0)
    assert seen.tolist() == pytest.approx([0.3, 0.3, 0.0])


def test_generate_market_is_consistent():
    from sim.core.config import MarketConfig

    m = MarketConfig(n_accounts=3000)
    a, mb = market.generate_market(m, VendorConfig(), rng(5))
    assert len(a) == 3000 and len(mb) == a.m_count.sum()
    assert np.array_equal(np.bincount(mb.acct, minlength=3000), a.m_count)
    assert np.allclose(np.bincount(mb.acct, mb.influence, 3000), 1.0, atol=1e-5)
    assert (a.acv_potential > 0).all() and ((a.fit_obs >= 0) & (a.fit_obs <= 1)).all()
    reach = market.unpack_channels(mb.reach)
    assert reach.shape == (5, len(mb)) and np.array_equal(market.pack_channels(reach), mb.reach)
    assert np.array_equal(a.reach_count, np.stack([np.bincount(mb.acct, row, 3000) for row in reach]))
    customers = a.arr > 0
    # Installed base about 6% (binomial sd ~0.0043 at n=3000; tolerance 0.025), biased to fit.
    assert customers.mean() == pytest.approx(0.06, abs=0.025)
    assert a.fit_true[customers].mean() > a.fit_true[~customers].mean()


# ------------------------------------------------------------------------------------ members
def test_theater_is_zero_when_the_claim_is_backed_by_research():
    claim = np.array([0.0, 0.4, 1.0])
    assert mem.p_superficial(claim, claim, np.full(3, 0.9), 4.0).tolist() == [0, 0, 0]
    assert mem.p_superficial(np.array([0.3]), np.array([0.8]), np.array([0.9]), 4.0)[0] == 0


def test_theater_grows_with_the_claim_gap_and_with_skepticism():
    gap = np.linspace(0, 1, 11)
    p = mem.p_superficial(gap, np.zeros(11), np.full(11, 0.4), 4.0)
    assert (np.diff(p) > 0).all() and p.min() >= 0 and p.max() <= 1
    calm, skeptic = mem.p_superficial(np.array([0.5, 0.5]), np.zeros(2), np.array([0.1, 0.9]), 4.0)
    assert skeptic > calm


def test_relevance_rewards_delivered_personalization_only():
    matched, individual = np.array([True]), np.array([False])
    researched = mem.relevance(np.array([0.8]), np.array([0.8]), matched, individual, B)
    claimed_only = mem.relevance(np.array([0.8]), np.array([0.0]), matched, individual, B)
    researched_silent = mem.relevance(np.array([0.0]), np.array([0.8]), matched, individual, B)
    assert researched[0] > claimed_only[0] == researched_silent[0]
    assert 0 <= claimed_only[0] <= researched[0] <= 1


def test_receptivity_is_one_at_baseline_and_falls_with_low_trust_and_fatigue():
    r = mem.receptivity(np.array([0.5, 0.25, 0.5], f32), np.array([0, 0, 0.5], f32), 1.5, 0.5)
    assert r[0] == pytest.approx(1.0) and r[1] < 1 and r[2] == pytest.approx(0.5)


def test_saturation_has_diminishing_returns():
    first = mem.saturate(np.zeros(1, f32), 0.5, np.ones(1, f32))
    second = mem.saturate(first, 0.5, np.ones(1, f32))
    assert 0 < first[0] < 1 and second[0] - first[0] < first[0]
    assert mem.saturate(np.zeros(1, f32), 0.5, np.full(1, 1e6, f32))[0] == pytest.approx(1.0)


def _respond(touches, theater=0.0, collisions=0.0, rel=0.6, trust=0.5, fatigue=0.0):
    """One member's new (awareness, engagement, opinion, trust, fatigue), each as a one-element array."""
    new = mem.respond_member(*map(f32, (0.2, 0.1, 0.0, trust, fatigue, 0.7, touches, theater, 1.0, rel, collisions)),
                             mem.response_params(B))
    return [np.array([x], f32) for x in new[:5]]


def test_one_member_responds_as_the_equations_say():
    aw, eng, op, tr, fat, fit, touches, theater, effect, rel, coll = 0.2, 0.1, 0.05, 0.45, 0.1, 0.7, 3, 1, 0.8, 0.6, 2
    got = mem.respond_member(*map(f32, (aw, eng, op, tr, fat, fit, touches, theater, effect, rel, coll)),
                             mem.response_params(B))
    # The docstring's equations in float64, with the config's parameters by name.
    recept = min((tr / B.trust_baseline) ** B.trust_power * (1 - fat), mem.MAX_RECEPTIVITY)
    dose = (touches - theater) * effect * rel * recept
    aw2 = aw + (1 - aw) * (1 - np.exp(-B.awareness_rate * dose))
    eng2 = eng + (1 - eng) * (1 - np.exp(-B.engagement_rate * dose * aw2))
    target = min(fit * (mem.REL_OPINION_TARGET_NO_RELEVANCE + rel), 1)
    op2 = op + (1 - np.exp(-B.opinion_rate * dose)) * (target - op) - B.trust_loss_theater * theater
    tr2 = (tr * (1 - B.trust_loss_theater) ** theater * (1 - B.trust_loss_incoherent) ** coll
           + B.trust_gain * (1 - tr) * (1 - np.exp(-dose)) * rel)
    fat2 = fat + B.fatigue_per_touch * touches * (1 + coll)
    assert 0 < fat2 < 1 and 0 < tr2 < 1 and -1 < op2 < 1  # inside the clips: the equations apply as written
    assert got == pytest.approx((aw2, eng2, op2, tr2, fat2, recept), rel=1e-5)


def test_genuine_touches_raise_awareness_engagement_opinion_and_trust():
    aw, eng, op, tr, fat = _respond(3)
    assert aw[0] > 0.2 and eng[0] > 0.1 and op[0] > 0 and tr[0] > 0.5 and fat[0] > 0


def test_no_touch_changes_nothing():
    aw, eng, op, tr, fat = _respond(0)
    assert (aw[0], eng[0], op[0], tr[0], fat[0]) == pytest.approx((0.2, 0.1, 0.0, 0.5, 0.0))


def test_theater_touches_cost_trust_and_opinion_beyond_the_touch():
    _, eng_ok, op_ok, tr_ok, _ = _respond(3)
    _, eng_th, op_th, tr_th, _ = _respond(3, theater=3)
    assert tr_th[0] < 0.5 < tr_ok[0] and op_th[0] < 0 < op_ok[0] and eng_th[0] < eng_ok[0]


def test_collisions_cost_trust_and_add_fatigue():
    *_, tr_ok, fat_ok = _respond(2)
    *_, tr_coll, fat_coll = _respond(2, collisions=2)
    assert tr_coll[0] < tr_ok[0] and fat_coll[0] > fat_ok[0]


def test_low_trust_discounts_later_touches():
    _, eng_high, *_ = _respond(2, trust=0.5)
    _, eng_low, *_ = _respond(2, trust=0.2)
    assert eng_low[0] < eng_high[0]


def test_opinion_spreading_keeps_the_weighted_mean_and_narrows_the_spread():
    r = rng(2)
    acct = np.repeat(np.arange(50), 8).astype(np.int32)
    opinion = r.uniform(-1, 1, 400).astype(f32)
    engagement = r.uniform(0, 1, 400).astype(f32)
    influence = r.uniform(0.5, 2, 400).astype(f32)
    new = mem.spread_opinion(opinion, engagement, influence, acct, 50, 0.3)
    w = influence * (0.2 + engagement)
    before, after = mem.committee_means(np.arange(50), np.arange(50) * 8, np.full(50, 8), w, (opinion, new))
    assert np.allclose(before, after, atol=1e-5)
    spread = lambda x: np.bincount(acct, (x - before[acct]) ** 2, 50)  # noqa: E731
    assert (spread(new) <= spread(opinion) + 1e-6).all()


def test_committee_view_coverage_and_support():
    acct = np.array([0, 0, 0, 1, 1], np.int32)
    influence = np.array([0.5, 0.3, 0.2, 0.5, 0.5], f32)
    engagement = np.array([0.9, 0.1, 0.9, 0.0, 0.0], f32)
    opinion = np.array([0.6, -1.0, 0.1, 0.5, 0.5], f32)
    coverage, support = mem.committee_view(engagement, opinion, influence, acct, 2, 0.3)
    assert coverage.tolist() == pytest.approx([0.7, 0.0])
    assert support[0] == pytest.approx((0.5 * 0.6 + 0.2 * 0.1) / 0.7) and support[1] == 0


# -------------------------------------------------------------------------------------- deals
def test_prospect_stage_ladder():
    stage = deals.prospect_stage(np.array([False, True, True, True]), np.array([False, False, True, True]),
                                 np.array([0, 0, 0.2, 0.5], f32), 0.35)
    assert stage.tolist() == [0, 1, 2, 3]


def test_qualification_needs_a_buying_window():
    p = deals.p_qualify(np.array([False, True, True]), np.array([0.9, 0.0, 0.9]), 0.6)
    assert p[0] == 0 and 0 < p[1] < p[2] <= 0.6


def test_multithreaded_deals_are_larger():
    amounts = deals.deal_amount(np.full(3, 100.0), np.array([0.0, 0.5, 1.0]), D)
    assert (np.diff(amounts) > 0).all() and amounts[-1] == pytest.approx(100.0)


def test_progress_rate_analytic_values():
    rate = deals.progress_rate(np.full(3, 10.0), np.array([0.0, 0.5, 1.0], f32), np.ones(3, f32))
    assert rate.tolist() == pytest.approx([0.06, 0.1, 0.14])


def test_no_decision_probability_limits():
    agree = np.array([1.0, 0.0, 0.7])
    done = deals.p_no_decision(agree, np.ones(3))
    assert done.tolist() == pytest.approx([0.0, 1.0, 0.3])
    unfinished = deals.p_no_decision(agree, np.zeros(3))
    assert unfinished.tolist() == pytest.approx([0.5, 1.0, 0.65])


def test_every_member_is_one_more_chance_to_hold_out():
    """Committees of 1..8 unengaged members of standing 1: nobody holds out with (1 - h) ** size;
    an engaged member who fully agrees never holds out, one who fully disagrees does with h."""
    h = 0.1
    sizes = np.arange(1, 9)
    acct = np.repeat(np.arange(len(sizes)), sizes)
    agree = deals.p_nobody_holds_out(np.zeros(len(acct)), np.zeros(len(acct), bool), np.ones(len(acct)),
                                     acct, len(sizes), h)
    assert agree.tolist() == pytest.approx((1 - h) ** sizes)
    engaged = deals.p_nobody_holds_out(np.array([1.0, -1.0]), np.ones(2, bool), np.ones(2), np.arange(2), 2, h)
    assert engaged.tolist() == pytest.approx([1.0, 1 - h])
    # standing weighs: one member of standing 2 counts as two
    assert deals.p_nobody_holds_out(np.zeros(1), np.zeros(1, bool), np.array([2.0]), np.zeros(1, int), 1, h)[0] \
        == pytest.approx((1 - h) ** 2)
    # a certain holdout (h = 1) gives exactly 0, not a NaN
    assert deals.p_nobody_holds_out(np.zeros(1), np.zeros(1, bool), np.ones(1), np.zeros(1, int), 1, 1.0)[0] \
        == pytest.approx(0.0, abs=1e-9)


def test_win_probability_rises_with_support_coverage_and_fit():
    base = deals.p_win(np.array([0.0]), np.array([0.0]), np.array([0.0]), D)[0]
    for s, c, f in ((1, 0, 0), (0, 1, 0), (0, 0, 1)):
        assert deals.p_win(np.array([s]), np.array([c]), np.array([f]), D)[0] > base
    assert 0 < base < 1


def test_veto_holders_stall_deals():
    acct = np.array([0, 0, 1, 1], np.int32)
    veto = np.array([True, False, True, False])
    opinion = np.array([-0.5, 0.5, 0.3, -0.9], f32)
    engaged = np.array([True, True, False, True])
    stall_early = deals.stalled(veto, opinion, engaged, np.zeros(4, bool), acct, 2, -0.2)
    stall_late = deals.stalled(veto, opinion, engaged, np.ones(4, bool), acct, 2, -0.2)
    assert stall_early.tolist() == [True, False] and stall_late.tolist() == [True, True]


def test_allocate_takes_the_highest_priorities_within_capacity():
    priority = np.array([0.0, 3.0, 1.0, 2.0, 2.0, -1.0])
    assert np.flatnonzero(allocate(priority, 3)).tolist() == [1, 3, 4]
    assert np.flatnonzero(allocate(priority, 10)).tolist() == [1, 2, 3, 4]
    assert not allocate(priority, 0).any()


# ---------------------------------------------------------------------------------- customers
def test_adoption_grows_with_cs_coverage_and_stays_bounded():
    a = np.array([0.2, 0.2, 0.99], f32)
    new = cust.adoption_step(a, np.array([1.0, 0.0, 1.0]), C)
    assert new[0] > 0.2 > new[1] and new.max() <= 1 and new.min() >= 0


def test_renewal_probabilities_follow_health_and_market():
    health = np.array([0.2, 0.6, 0.95])
    churn, expand, contract = cust.renewal_probabilities(health, np.zeros(3, bool), 0.12, C)
    assert (np.diff(churn) < 0).all() and (np.diff(expand) > 0).all() and (np.diff(contract) < 0).all()
    assert churn[1] == pytest.approx(0.12) and expand[1] == pytest.approx(C.p_expand_base)
    churn_in_market, *_ = cust.renewal_probabilities(health, np.ones(3, bool), 0.12, C)
    assert (churn_in_market > churn).all()
    for p in (churn, expand, contract):
        assert ((p >= 0) & (p <= 1)).all()


def test_health_is_a_weighted_average_in_unit_range():
    h = cust.health(np.array([0.0, 1.0], f32), np.array([-1.0, 1.0], f32), np.array([0.0, 1.0], f32))
    assert h.tolist() == pytest.approx([0.0, 1.0])


def test_referrals_go_to_prospects_in_industries_with_advocates():
    advocate = np.array([True, True, False, False, False])
    industry = np.array([0, 0, 1, 0, 1])
    prospect = np.array([False, False, True, True, True])
    assert cust.referral_weights(advocate, industry, prospect, 2).tolist() == [0, 0, 0, 2, 0]


# ------------------------------------------------------------------------------------- vendor
def test_budget_share_and_research_cost():
    assert budget_share(50.0, 100.0) == 1.0 and budget_share(200.0, 100.0) == 0.5
    assert research_cost_week(np.array([1.0, 0.5]), 52_000.0).tolist() == pytest.approx([1000.0, 250.0])


def test_marketing_delivery_never_overspends_and_thins_research_when_short():
    r = rng(4)
    n, m_per = 200, 6
    acct = np.repeat(np.arange(n), m_per).astype(np.int32)
    reach = r.random((5, n * m_per)) < 0.6
    rate = np.tile(np.array([1.0, 1.0, 0.1, 0.05, 0.0], f32), (n, 1))
    depth = np.full(n, 0.8, f32)
    v = VendorConfig()
    reach_count = np.stack([np.bincount(acct, row, n) for row in reach]).astype(np.int32)
    ledger = np.ones((5, n))
    rich = deliver_marketing(rate.copy(), reach_count, depth, v, 1e9, ledger=ledger)
    assert rich.budget_share == 1.0 and np.allclose(rich.depth, depth)
    # Each account gets its rate on every reachable member: the touches and their cost add up.
    expected = rate.T * reach_count
    assert np.allclose(ledger, 1 + expected) and np.allclose(rich.marketing_touches, expected.sum(axis=0))
    assert np.allclose(rich.channel_spend, expected.sum(axis=1) * v.channel_cost_usd)
    planned = rich.program_cost.sum()
    assert planned == pytest.approx(rich.channel_spend.sum() + rich.research_spend)
    poor = deliver_marketing(rate.copy(), reach_count, depth, v, planned / 4)
    assert poor.budget_share == pytest.approx(0.25)
    assert poor.program_cost.sum() == pytest.approx(planned / 4, rel=1e-5)
    assert np.allclose(poor.depth, depth * 0.5) and np.allclose(poor.rate, rate * 0.25)


def test_collisions_need_two_teams_and_match_the_binomial_mean():
    assert not collisions(np.array([0, 1, 1]), 1.0, rng()).any()
    hits = collisions(np.full(100_000, 3), 0.5, rng())  # 3 pairs, p 0.5: mean 1.5, se ~0.003
    assert hits.mean() == pytest.approx(1.5, abs=0.02)


def test_rank_accounts_fills_tiers_from_the_top():
    score = np.array([0.1, 0.9, 0.5, 0.7, 0.3, 0.8])
    tier = rank_accounts(score, np.ones(6, bool), (1, 2, 2))
    assert tier.tolist() == [0, 3, 1, 2, 1, 2]
    tier = rank_accounts(score, np.array([1, 0, 1, 1, 1, 1], bool), (1, 1, 1))
    assert tier[1] == 0 and tier[5] == 3
