"""The customers' week: onboarding, adoption and health; renewals; expansion plays; referrals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core import constants as k
from sim.core import per_account
from sim.core.mechanisms import customers as cust
from sim.core.mechanisms import deals
from sim.core.mechanisms import members as mem
from sim.core.state import NEVER, Stage
from sim.core.week import Week

if TYPE_CHECKING:
    from sim.core.model import ABXModel


def adopt(model: ABXModel, week: Week) -> None:
    """Onboarded customers go live; adoption grows with CS coverage and falls in usage shocks;
    health follows adoption and the committee's opinion and trust."""
    a, m, cc, v, w = model.accounts, model.members, model.cfg.market.customers, model.cfg.vendor, week.w
    n = model.n_accounts
    onboarded = (a.stage == Stage.ONBOARDING) & (w - a.ti_customer >= cc.onboarding_weeks)
    a.stage[onboarded] = Stage.CUSTOMER
    model.story.log(w, onboarded, "stage", "onboarding -> customer")
    customer = np.flatnonzero(a.stage >= Stage.ONBOARDING)
    book = min(1.0, model.csm_headcount() * v.csm_book_accounts / max(len(customer), 1))
    cover = np.minimum(1.0, book + k.CS_PLAY_COVERAGE * week.cs_work[customer])
    before = a.adoption[customer]
    adoption = cust.adoption_step(before, cover, cc)
    adoption = np.where(week.usage_shock[customer], np.maximum(adoption - k.USAGE_SHOCK_SIZE, 0), adoption)
    a.adoption[customer] = adoption
    a.usage_drop = per_account.marked(customer[adoption < before - k.USAGE_DROP_SIGNAL], n)
    # Health needs the customers' committees only, read in place.
    opinion, trust = mem.committee_means(customer, a.m_start, a.m_count, m.influence, (m.opinion, m.trust))
    a.health = np.zeros(n, np.float32)
    a.health[customer] = cust.health(adoption, opinion, trust)


def renew(model: ABXModel, week: Week) -> None:
    """Contracts ending this week churn, expand, contract or renew flat, by health; churned
    customers return to the prospect pool, and their committee remembers leaving."""
    a, m, rec, rng, w = model.accounts, model.members, model.recorder, model.stream("renewals"), week.w
    cc, n = model.cfg.market.customers, model.n_accounts
    # One uniform per account and outcome, and one size, drawn whether the contract ends or not
    # (common random numbers); only the few accounts whose contract ends this week are computed.
    u = rng.random((3, n))
    size = rng.uniform(1.0 - k.EXPANSION_SIZE_SPREAD, 1.0 + k.EXPANSION_SIZE_SPREAD, n)
    due = np.flatnonzero((a.stage >= Stage.ONBOARDING) & (a.ti_contract_end == w))
    u, size = u[:, due], size[due]
    p_churn, p_expand, p_contract = cust.renewal_probabilities(a.health[due], a.in_market[due],
                                                               a.churn_propensity[due], cc)
    churn = u[0] < p_churn
    expand = ~churn & (u[1] < p_expand)
    contract = ~churn & ~expand & (u[2] < p_contract)
    arr = a.arr[due]
    up = np.where(expand, cust.expansion_amount(arr, a.wallet_usd[due], cc.expansion_whitespace_share * size), 0.0)
    down = np.where(contract, arr * np.minimum(cc.contraction_share_mean * size, k.MAX_CONTRACTION_SHARE), 0.0)
    lost_arr = np.where(churn, arr, 0.0)
    a.arr[due] = arr + up - down - lost_arr
    model.crm.arr_change(w, due, arr, a.arr[due], "renewal")
    first = a.renewals[due] == 0
    rec.add("renewals_first", int(first.sum()))
    rec.add("churned_first", int((churn & first).sum()))
    kept = due[~churn]
    a.renewals[kept] += 1
    a.ti_contract_end[kept] += cc.contract_weeks
    a.ti_expansion[due[expand]] = w
    if model.ledger is not None:
        model.ledger.renewed[kept] += a.arr[kept]
    rec.add("renewals", len(due))
    rec.add("churned_logos", int(churn.sum()))
    rec.add("contraction_arr_usd", per_account.total(down, due, n))
    rec.add("churn_arr_usd", per_account.total(lost_arr, due, n))
    rec.add("expansion_arr_usd", per_account.total(up, due, n))
    rec.add("bookings_usd", per_account.total(up, due, n))
    model.story.log(w, due[churn], "renewal", "churned at renewal")
    model.story.log(w, due[expand], "renewal", lambda i: f"renewed and expanded by ${up[due == i][0]:,.0f}/yr")
    model.story.log(w, due[contract], "renewal",
                    lambda i: f"renewed and contracted by ${down[due == i][0]:,.0f}/yr")
    model.story.log(w, due[~churn & ~expand & ~contract], "renewal", "renewed flat")
    left = due[churn]
    a.stage[left] = Stage.ENGAGED
    a.ti_churn[left] = w
    a.exp_usd[left] = 0.0
    committee = model.members_of(per_account.marked(left, n))
    m.opinion[committee] = np.maximum(m.opinion[committee] - k.CHURN_OPINION_LOSS, -1.0)


def expand(model: ABXModel, week: Week) -> None:
    """Expansion plays open on the customers the plan names, progress, and close won or lost by health."""
    a, m, rec, w, n = model.accounts, model.members, model.recorder, week.w, model.n_accounts
    cc, engaged = model.cfg.market.customers, model.cfg.market.buyers.engaged_threshold
    customer = a.stage >= Stage.ONBOARDING
    opened = np.flatnonzero(week.plan.expansion & customer & (a.exp_usd == 0))
    exp_amount = cust.expansion_amount(a.arr[opened], a.wallet_usd[opened],
                                       cc.expansion_whitespace_share * (k.EXPANSION_PLAY_BASE + a.adoption[opened]))
    a.exp_usd[opened] = exp_amount
    a.exp_progress[opened] = 0.0
    rec.add("expansion_opps", len(opened))
    rec.add("pipeline_created_usd", float(exp_amount.sum()))
    if model.ledger is not None:
        model.ledger.pipeline[opened] += exp_amount
    open_exp = (a.exp_usd > 0) & customer
    a.exp_progress[open_exp] += 1.0 / k.EXPANSION_CYCLE_WEEKS
    closing_mask = open_exp & (a.exp_progress >= 1.0)
    closing = np.flatnonzero(closing_mask)
    deciders = model.members_of(closing_mask)
    deciders = deciders[m.seat[deciders] < k.KEY_CONTACT_SEATS]
    # Committee-light: the economic buyer and the champion decide, with equal standing.
    agree = deals.p_nobody_holds_out(m.opinion[deciders], m.engagement[deciders] >= engaged,
                                     np.ones(len(deciders)), m.acct[deciders], n, model.cfg.market.deals.p_holdout)
    u = model.stream("expansion").random(n)  # one per account, closing or not (common random numbers)
    won = u[closing] < cust.p_expansion_win(a.health[closing], agree[closing], cc)
    gained = a.exp_usd[closing[won]]
    model.crm.arr_change(w, closing[won], a.arr[closing[won]], a.arr[closing[won]] + gained, "expansion")
    a.arr[closing[won]] += gained
    model.story.log(w, closing[won], "expansion", lambda i: f"expansion won, ${a.exp_usd[i]:,.0f}/yr")
    model.story.log(w, closing[~won], "expansion", "expansion opportunity lost")
    a.exp_usd[closing] = 0.0
    a.ti_expansion[closing] = w
    rec.add("expansion_arr_usd", per_account.total(gained, closing[won], n))
    rec.add("bookings_usd", per_account.total(gained, closing[won], n))


def refer(model: ABXModel, week: Week) -> None:
    """Healthy customers refer peers in their industry: the peers' committees become aware and
    warmer toward the vendor, their key contacts engage, and a peer in a buying window asks to
    talk (an inbound lead sales can work), so word of mouth creates demand without marketing."""
    a, m, rec, rng, w = model.accounts, model.members, model.recorder, model.stream("referrals"), week.w
    cc, n = model.cfg.market.customers, model.n_accounts
    advocate = (a.stage == Stage.CUSTOMER) & (a.health >= cc.advocate_health)
    prospect = a.stage < Stage.OPPORTUNITY
    weights = cust.referral_weights(advocate, a.industry, prospect, model.cfg.market.n_industries)
    n_ref = int(rng.poisson(cc.p_referral_week * advocate.sum())) if weights.sum() > 0 else 0
    if n_ref:
        # Accounts drawn in proportion to their weights, by inverse CDF (what ``rng.choice(n, n_ref,
        # p=...)`` does, without its checks of p over every account every week).
        cdf = (weights / weights.sum()).cumsum()
        cdf /= cdf[-1]
        targets = cdf.searchsorted(rng.random(n_ref), side="right")
        hit = np.bincount(targets, minlength=n) > 0
        peer = model.members_of(hit)
        m.awareness[peer] = mem.saturate(m.awareness[peer], np.float32(1.0), np.float32(1.0))
        m.opinion[peer] += k.REFERRAL_OPINION_GAIN * (1.0 - m.opinion[peer])
        m.trust[peer] += k.REFERRAL_TRUST_GAIN * (1.0 - m.trust[peer])
        key = peer[m.seat[peer] < k.KEY_CONTACT_SEATS]
        m.engagement[key] += k.REFERRAL_ENGAGEMENT_GAIN * (1.0 - m.engagement[key])
        asks = hit & a.in_market & ~a.lead & ~deals.recently_decided(a.ti_close, w)
        a.lead |= asks
        a.ti_first_signal[asks & (a.ti_first_signal == NEVER)] = w
        rec.add("referrals", n_ref)
        rec.add("referral_leads", int(asks.sum()))
        model.story.log(w, asks, "referral", "asked the vendor to talk after a peer's recommendation")
        model.story.log(w, hit, "referral", "a peer customer recommended the vendor")
