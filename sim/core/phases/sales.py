"""The sales week: the funnel turns engagement into leads and opportunities, and deals move to a decision."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core import constants as k
from sim.core import per_account
from sim.core.mechanisms import deals
from sim.core.mechanisms import members as mem
from sim.core.state import NEVER, Outcome, Stage
from sim.core.week import Week

if TYPE_CHECKING:
    from sim.core.model import ABXModel


def qualify(model: ABXModel, week: Week) -> None:
    """Prospect stages and MQAs from engagement; leads from MQAs and MQLs; SDRs work their leads and
    qualify in-market accounts into opportunities within AE capacity; unworked leads expire."""
    a, m, v, rec, w = model.accounts, model.members, model.cfg.vendor, model.recorder, week.w
    b, d = model.cfg.market.buyers, model.cfg.market.deals
    n = model.n_accounts
    prospect = a.stage < Stage.OPPORTUNITY
    any_aware = per_account.any_of(m.acct, m.awareness >= k.AWARE_THRESHOLD, n)
    any_engaged = per_account.any_of(m.acct, m.engagement >= b.engaged_threshold, n)
    derived = deals.prospect_stage(any_aware, any_engaged, a.coverage, v.mqa_coverage)
    became_mqa = prospect & (derived == Stage.MQA) & (a.stage < Stage.MQA)
    old = a.stage
    model.story.log(w, prospect & (derived != old), "stage",
                    lambda i: f"{Stage(old[i]).name.lower()} -> {Stage(derived[i]).name.lower()}")
    a.stage = np.where(prospect, derived, a.stage).astype(np.int8)
    a.ti_mqa[became_mqa] = w
    recent = deals.recently_decided(a.ti_close, w)
    new_lead = prospect & ~a.lead & ~recent & (became_mqa | week.new_mql)
    a.lead |= new_lead
    a.ti_first_signal[new_lead & (a.ti_first_signal == NEVER)] = w
    rec.add("mqas", int(became_mqa.sum()))
    rec.add("leads", int(new_lead.sum()))
    model.story.log(w, became_mqa, "mqa", "became a marketing-qualified account")

    # SDRs work their allocation: qualify in-market accounts into opportunities, within AE capacity.
    worked = week.sdr_work & prospect & ~recent
    u = model.stream("qualification").random(n)  # one per account, worked or not (common random numbers)
    candidates = np.flatnonzero(worked)
    qualified = candidates[u[candidates] < deals.p_qualify(a.in_market[candidates], a.coverage[candidates],
                                                           d.p_qualify)]
    free = int(v.n_ae * v.ae_open_opps) - int((a.stage == Stage.OPPORTUNITY).sum())
    opp = qualified[: max(free, 0)]
    rec.add("opps_turned_away", len(qualified) - len(opp))
    amount = deals.deal_amount(a.acv_potential[opp], a.coverage[opp], d)
    rec.add("opps_from_mqa", int((a.stage[opp] == Stage.MQA).sum()))
    a.stage[opp] = Stage.OPPORTUNITY
    a.ti_opp[opp] = w
    a.progress[opp] = 0.0
    a.stall_weeks[opp] = 0
    a.opp_usd[opp] = amount
    a.ti_first_signal[opp[a.ti_first_signal[opp] == NEVER]] = w
    rec.add("opps_created", len(opp))
    rec.add("pipeline_created_usd", float(amount.sum()))
    if model.ledger is not None:
        model.ledger.pipeline[opp] += amount
    touched_recently = (a.ti_marketing[opp] != NEVER) & (w - a.ti_marketing[opp] <= k.TRACKED_MARKETING_WEEKS)
    rec.add("pipeline_influenced_usd", float(amount[touched_recently].sum()))
    rec.add("signal_to_pipeline_weeks", float((w - a.ti_first_signal[opp]).sum()))
    model.story.log(w, opp, "opportunity", lambda i: f"opportunity opened, ${a.opp_usd[i]:,.0f}/yr")
    opp = per_account.marked(opp, n)
    # Worked but not qualified leads go back to nurture; unworked leads wait, then expire.
    a.lead &= ~worked
    waiting = a.lead & ~opp
    a.wait_weeks = np.where(waiting, a.wait_weeks + 1, 0).astype(np.int16)
    expired = waiting & (a.wait_weeks >= k.LEAD_EXPIRY_WEEKS)
    rec.add("leads_expired", int(expired.sum()))
    a.lead &= ~expired & ~opp


def decide(model: ABXModel, week: Week) -> None:
    """Deals progress by consensus and AE effort, stall on disengaged vetoes, and close: the buyer
    decides when the evaluation is done or the buying window closes; a deal stalled too long dies."""
    a, m, rec, w = model.accounts, model.members, model.recorder, week.w
    d, b, cc = model.cfg.market.deals, model.cfg.market.buyers, model.cfg.market.customers
    n = model.n_accounts
    # Two uniforms per account, drawn whether it decides or not (common random numbers); only the
    # open deals (a few hundred of the accounts) are computed.
    u_nd, u_win = model.stream("deal_decisions").random((2, n))
    open_mask = a.stage == Stage.OPPORTUNITY
    open_ = np.flatnonzero(open_mask)
    dealing = model.members_of(open_mask)
    late = (a.progress > k.LATE_STAGE_PROGRESS)[m.acct[dealing]]
    a.stalled = deals.stalled(m.veto[dealing], m.opinion[dealing], m.engagement[dealing] >= b.engaged_threshold, late,
                              m.acct[dealing], n, d.veto_opinion)
    stall = a.stalled[open_]
    moving = open_[~stall]
    cycle = np.asarray(d.cycle_weeks, dtype=np.float32).take(a.segment[moving])
    cons = mem.consensus(a.coverage[moving], a.support[moving])
    a.progress[moving] += deals.progress_rate(cycle, cons, week.ae_effort[moving])
    a.stall_weeks = np.where(a.stalled, a.stall_weeks + 1, 0).astype(np.int16)
    # Per open deal: dies (stalled too long), decides, and how the decision goes.
    dies = a.stall_weeks[open_] >= d.stall_weeks_to_no_decision
    decides = ~dies & ((a.progress[open_] >= 1.0) | ~a.in_market[open_])
    voters = model.members_of(per_account.marked(open_[decides], n))
    agree = deals.p_nobody_holds_out(m.opinion[voters], m.engagement[voters] >= b.engaged_threshold,
                                     a.m_count[m.acct[voters]] * m.influence[voters], m.acct[voters], n,
                                     d.p_holdout)[open_]
    status_quo = dies | (decides & (u_nd[open_] < deals.p_no_decision(agree, a.progress[open_])))
    wins = decides & ~status_quo & (u_win[open_] < deals.p_win(a.support[open_], a.coverage[open_],
                                                               a.fit_true[open_], d))
    loses = decides & ~status_quo & ~wins
    won, lost, no_dec, dead = open_[wins], open_[loses], open_[status_quo], open_[dies]
    closed = open_[wins | loses | status_quo]
    amount = a.opp_usd  # the amount the opportunity was opened at: pipeline and bookings count one deal once
    a.outcome[won], a.outcome[lost], a.outcome[no_dec] = Outcome.WON, Outcome.LOST, Outcome.NO_DECISION
    a.ti_close[closed] = w
    for ids, outcome in ((won, "won"), (lost, "lost"), (no_dec, "no_decision")):
        model.crm.close(w, ids, a.ti_opp[ids], amount[ids], outcome)
    model.crm.arr_change(w, won, a.arr[won], amount[won], "new")
    a.won_usd[won] = amount[won]
    a.arr[won] = amount[won]
    a.stage[won] = Stage.ONBOARDING
    a.ti_customer[won] = w
    a.renewals[won] = 0
    a.ti_contract_end[won] = w + cc.contract_weeks
    a.adoption[won] = k.ADOPTION_AT_WIN
    a.stage[lost] = Stage.ENGAGED  # back to the prospect funnel; re-derived next week
    a.stage[no_dec] = Stage.ENGAGED
    rec.add("wins", len(won))
    rec.add("losses", len(lost))
    rec.add("no_decisions", len(no_dec))
    size = a.m_count
    for name, accounts in (("small_committee", size <= k.SMALL_COMMITTEE_MAX),
                           ("large_committee", size >= k.LARGE_COMMITTEE_MIN)):
        rec.add(f"decided_{name}", int(accounts[closed].sum()))
        rec.add(f"no_decisions_{name}", int(accounts[no_dec].sum()))
    rec.add("won_cycle_weeks", float((w - a.ti_opp[won]).sum()))
    rec.add("closed_coverage", float(a.coverage[closed].sum()))
    rec.add("new_arr_usd", float(amount[won].sum()))
    rec.add("bookings_usd", float(amount[won].sum()))
    model.story.log(w, won, "won", lambda i: f"deal won, ${amount[i]:,.0f}/yr")
    model.story.log(w, lost, "lost", "deal lost to a competitor")
    a.ti_first_signal[closed] = NEVER  # the next buying cycle starts afresh
    model.story.log(w, no_dec, "no decision",
                    lambda i: "stalled too long" if i in dead else "the buyer kept the status quo")
