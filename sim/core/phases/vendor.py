"""The vendor's week: orchestration plans, personalization treats, delivery turns both into touches.

Who gets touched when (orchestration, budgets, capacities) is kept apart from what a touch does
to a member (:mod:`sim.core.phases.buyers`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core import constants as k
from sim.core import per_account
from sim.core.config import CHANNELS, TIERS
from sim.core.mechanisms import delivery
from sim.core.state import Play, Stage
from sim.core.week import Touches, Week

if TYPE_CHECKING:
    from sim.core.model import ABXModel


def orchestrate(model: ABXModel, week: Week) -> None:
    """The strategy's orchestration policy plans the week: who is touched, which plays fire."""
    week.plan = model.orchestration.plan(model, model.cadence)


def personalize(model: ABXModel, week: Week) -> None:
    """The personalization policy sets each account's claimed personalization and research depth
    (research builds up over ``vendor.research_ramp_weeks`` after an account is listed)."""
    level = model.tiering.investment().take(model.accounts.tier)
    week.treatment = model.personalization.treat(level, model.context(week.w))


def deliver(model: ABXModel, week: Week) -> None:
    """Budgets and capacities turn the plan into touches; spend is booked; touches, theater and
    collisions are drawn."""
    a, m, v, w = model.accounts, model.members, model.cfg.vendor, week.w
    plan, treat = week.plan, week.treatment
    n = model.n_accounts
    prospect = a.stage < Stage.OPPORTUNITY
    week.sdr_work = delivery.allocate(np.where(prospect, plan.sales_priority, 0), v.n_sdr * v.sdr_accounts_week)
    week.cs_work = delivery.allocate(plan.cs_priority,
                                     model.csm_headcount() * v.csm_book_accounts * k.CS_PROACTIVE_BOOK_SHARE)
    open_opp = a.stage == Stage.OPPORTUNITY
    ae_load = v.n_ae * v.ae_open_opps / max(int(open_opp.sum()), 1)
    week.ae_effort = np.where(open_opp, min(1.0, ae_load) * plan.ae_context, 0.0).astype(np.float32)

    d = delivery.deliver_marketing(plan.mkt_rate, a.reach_count, treat.depth, v, v.marketing_budget_usd_year / 52.0,
                                   treat.research_cost_share, None if model.ledger is None else model.ledger.touches)
    sales = delivery.SalesReach(m.seat, week.sdr_work, week.cs_work, week.ae_effort, v.sales_touch_effect)
    seen = delivery.Perception(treat.claim, d.depth, m.skepticism, model.cfg.market.buyers.theater_sensitivity)
    idx, count, effect, ads_share, theater = delivery.draw_touches(
        d.rate, m.reach, m.acct, sales, week.self_serve, seen, np.asarray(v.channel_effect),
        model.stream("touch_delivery"), model.stream("theater"))
    mkt_acct = d.marketing_touches
    marketing_team = (mkt_acct >= k.MARKETING_TEAM_TOUCHES).astype(np.int64)
    n_teams = marketing_team + week.sdr_work + (week.ae_effort > 0) + week.cs_work
    t = Touches(idx=idx, count=count, effect=effect, ads_share=ads_share, theater=theater,
                collisions=delivery.collisions(np.where(plan.coordinated, 0, n_teams), plan.p_inconsistent,
                                               model.stream("collisions")))
    week.touches, week.depth_paid = t, d.depth
    touched_acct = per_account.marked(m.acct[idx], n)
    a.touched |= touched_acct
    a.ti_marketing[mkt_acct > k.MARKETING_TOUCHED] = w
    _record_delivery(model, week, d)
    model.story.log(w, touched_acct, "touches", lambda i: _touch_detail(model, i, t))


def _record_delivery(model: ABXModel, week: Week, d: delivery.Delivery) -> None:
    """Book the week's touches, plays and spend (by channel, tier, team, research and intent data)."""
    a, v, rec, t, plan = model.accounts, model.cfg.vendor, model.recorder, week.touches, week.plan
    rec.add("touches", float(t.count.sum()))
    rec.add("theater_touches", float(t.theater.sum()))
    rec.add("collisions", int(t.collisions.sum()))
    rec.add("collisions_listed", int(t.collisions.sum(where=a.tier > 0)))
    rec.add("coordinated_accounts", int(plan.coordinated.sum()))
    rec.set("coordination_load", model.orchestration.load)
    rec.add("sdr_worked", int(week.sdr_work.sum()))
    customer = a.stage >= Stage.ONBOARDING
    rec.set("budget_delivered_share", d.budget_share)
    rec.add("spend_research_usd", d.research_spend)
    rec.add("spend_customers_usd", float(d.program_cost[customer].sum()))
    for c, name in enumerate(CHANNELS):
        rec.add(f"spend_channel_{name}_usd", float(d.channel_spend[c]))
    spend_tier = np.bincount(a.tier, d.program_cost, len(TIERS))
    for tier, spend in zip(TIERS, spend_tier, strict=True):
        rec.add(f"spend_tier_{tier}_usd", float(spend))
    salary = np.asarray(v.salary_usd_year) / 52.0
    heads = (v.n_marketers, v.n_sdr, v.n_ae, model.csm_headcount())
    for team, head, cost in zip(("marketers", "sdr", "ae", "csm"), heads, salary, strict=True):
        rec.add(f"spend_{team}_usd", head * cost)
    rec.add("spend_intent_usd", v.intent_data_usd_year / 52.0 * model.orchestration.intent_coverage())
    if model.ledger is not None:
        led = model.ledger
        led.spend_tier += spend_tier
        led.spend_channel += d.channel_spend
    plays = np.bincount(plan.play, minlength=len(Play))
    for p in Play:
        if p != Play.NONE:
            rec.add(f"play_{p.name.lower()}", int(plays[p]))
    started = (plan.play != Play.NONE) & (plan.play != a.play)
    model.story.log(week.w, started, "play", lambda i: f"{Play(plan.play[i]).name.lower()} play starts")
    a.play = plan.play


def _touch_detail(model: ABXModel, i: int, t: Touches) -> str:
    """One account's touches this week, in words (for its story)."""
    a = model.accounts
    # The touched members are in member order and a committee is contiguous: a slice, not a scan.
    mine = slice(*np.searchsorted(t.idx, [a.m_start[i], a.m_start[i] + a.m_count[i]]))
    text = f"{int(t.count[mine].sum())} touches to {len(t.idx[mine])} of {a.m_count[i]} members"
    if t.theater[mine].sum():
        text += f", {int(t.theater[mine].sum())} seen as superficial"
    if t.collisions[i]:
        text += f", {int(t.collisions[i])} collisions"
    return text
