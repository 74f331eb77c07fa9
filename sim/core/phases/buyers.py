"""The buyers' week: members respond to this week's touches, then committees talk among themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core import per_account
from sim.core.mechanisms import members as mem
from sim.core.week import Week

if TYPE_CHECKING:
    from sim.core.model import ABXModel


def respond(model: ABXModel, week: Week) -> None:
    """Members receive touches and respond: awareness, engagement, opinion, trust and fatigue move;
    theater and collisions cost trust; newly engaged members become MQLs."""
    a, m, b, t, treat = model.accounts, model.members, model.cfg.market.buyers, week.touches, week.treatment
    # Relevance and attention are the account's: computed per account, read per touched member.
    rel = mem.relevance(treat.claim, week.depth_paid, treat.role_matched,
                        treat.role_matched & (treat.tailoring == "individual"), b)
    attention = np.where(a.in_market, np.float32(b.in_market_receptivity), np.float32(1.0))
    clicks, new_mql = mem.respond_touched(
        t.idx, t.count, t.theater, t.effect, t.ads_share, m.acct, m.awareness, m.engagement, m.opinion, m.trust,
        m.fatigue, a.fit_true, rel, attention, t.collisions, np.float32(model.cfg.vendor.ad_ctr),
        mem.response_params(b))
    # Channel metrics: expected clicks on the ad touches delivered.
    model.recorder.add("clicks", float(clicks.sum()))
    model.recorder.add("impressions", float((t.count * t.ads_share).sum()))
    acct = m.acct[t.idx]
    model.recorder.add("mqls", int(new_mql.sum()))
    week.new_mql = per_account.any_of(acct, new_mql, model.n_accounts)  # a flag: no [N] float64 of counts
    if model.ledger is not None:
        model.ledger.clicks += np.bincount(acct, clicks, model.n_accounts)
        model.ledger.mqls += np.bincount(acct, new_mql, model.n_accounts)
    del week.touches  # consumed: no later phase reads them (36 MB at a million accounts)


def deliberate(model: ABXModel, week: Week) -> None:
    """Opinions spread inside committees (faster with one shared narrative); interest decays, faster
    while a lead waits for follow-up; each account's coverage and support are updated."""
    a, m, b, treat = model.accounts, model.members, model.cfg.market.buyers, week.treatment
    n = model.n_accounts
    spread: float | np.ndarray = b.influence_spread_week
    if treat.tailoring != "none":  # one shared narrative helps a committee agree; one story each does not
        mult = b.spread_group_tailoring if treat.tailoring == "group" else b.spread_individual_tailoring
        spread = np.where(treat.role_matched, b.influence_spread_week * mult, b.influence_spread_week)
    m.opinion = mem.spread_opinion(m.opinion, m.engagement, m.influence, m.acct, n, spread)
    waiting = a.lead & ~week.sdr_work
    extra = np.where(waiting, model.cfg.vendor.follow_up_latency_cost, 0.0).astype(np.float32)
    mem.decay(m.awareness, m.engagement, m.trust, m.fatigue, extra, m.acct, b)
    a.coverage, a.support = mem.committee_view(m.engagement, m.opinion, m.influence, m.acct, n,
                                               b.engaged_threshold)
