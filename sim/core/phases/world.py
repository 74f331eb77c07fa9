"""The world's week and the signals the vendor can see of it.

The world phase reads no vendor state and draws only from world processes, so every strategy run
with one seed faces the same buying windows, research and turnover (common random numbers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core import constants as k
from sim.core import per_account
from sim.core.mechanisms import customers as cust
from sim.core.mechanisms import market
from sim.core.state import NEVER, Signal, Stage
from sim.core.week import Week

if TYPE_CHECKING:
    from sim.core.model import ABXModel


def world_turns(model: ABXModel, week: Week) -> None:
    """Buying windows open and close, in-market accounts research (intent), usage shocks strike,
    buyers find content on their own, and members leave and are replaced."""
    a, m, mc, w, draw = model.accounts, model.members, model.cfg.market, week.w, model.stream
    n = model.n_accounts
    mean_len = np.asarray(mc.window_weeks_mean).take(a.segment)
    a.in_market, a.ti_window_end, opened = market.update_buying_windows(
        a.in_market, a.ti_window_end, mean_len, w, market.weekly_probability(mc.p_window_start_year),
        draw("buying_windows").random(n), draw("buying_windows").random(n))
    model.recorder.add("window_starts", int(opened.sum()))
    researched = market.research_intent(a.in_market, draw("research").random(n), mc.p_research_week,
                                        mc.p_false_intent_week)
    a.intent_obs = market.observe_intent(a.intent_obs, researched, draw("intent_observation").random(n),
                                         model.orchestration.intent_coverage())
    week.usage_shock = draw("usage_shocks").random(n) < k.USAGE_SHOCK_WEEK
    week.self_serve = market.self_serve(a.in_market & researched, m.acct, draw("self_serve"),
                                        mc.buyers.p_self_serve_week)
    rng = draw("turnover")  # who leaves, and their replacements' traits
    idx = market.member_turnover(model.n_members, rng, market.weekly_probability(mc.buyers.p_turnover_year))
    if len(idx):
        new_reach = market.draw_reach(m.role[idx], np.asarray(model.cfg.vendor.channel_reach, np.float32), rng)
        for count, old, new in zip(a.reach_count, market.unpack_channels(m.reach[idx]), new_reach, strict=True):
            np.add.at(count, m.acct[idx], new.astype(np.int8) - old)  # several may leave one account
        m.reach[idx] = market.pack_channels(new_reach)
        m.skepticism[idx] = market.draw_skepticism(m.role[idx], mc.buyers.skepticism_mean, rng)
        for arr in (m.awareness, m.engagement, m.opinion, m.fatigue):
            arr[idx] = 0.0
        m.trust[idx] = mc.buyers.trust_baseline
        m.ti_joined[idx] = w
    # From the few who left (about 0.2% of members a week), not from masks over everyone.
    week.exec_change = per_account.marked(m.acct[idx[m.role[idx] <= market.CHAMPION]], n)
    model.story.log(w, per_account.marked(m.acct[idx], n), "member left",
                    lambda i: "a committee member left and was replaced")


def see_signals(model: ABXModel, week: Week) -> None:
    """The signals the vendor can see: intent surge, executive change, usage drop, expansion
    readiness, renewal due, competitor intent, deal stall."""
    a, w = model.accounts, week.w
    customer = a.stage >= Stage.ONBOARDING
    surge = a.intent_obs >= model.orchestration.p.intent_threshold
    to_renewal = a.ti_contract_end - w
    ready = customer & cust.expansion_ready(a.adoption, a.health, a.arr, a.wallet_usd, w - a.ti_expansion)
    flags = [
        (surge & ~customer, Signal.INTENT_SURGE), (week.exec_change, Signal.EXEC_CHANGE),
        (a.usage_drop & customer, Signal.USAGE_DROP), (ready, Signal.EXPANSION_READY),
        (customer & (to_renewal > 0) & (to_renewal <= k.RENEWAL_NOTICE_WEEKS), Signal.RENEWAL_DUE),
        (customer & surge, Signal.COMPETITOR_INTENT), (a.stalled, Signal.DEAL_STALL),
    ]
    sig = np.zeros(model.n_accounts, dtype=np.int32)
    for mask, bit in flags:
        np.bitwise_or(sig, int(bit), out=sig, where=mask)
    new = sig & ~a.signals
    model.story.log(w, new != 0, "signal",
                    lambda i: ", ".join(str(s.name).lower() for s in Signal if new[i] & s))
    a.signals = sig
    prospect = a.stage < Stage.OPPORTUNITY
    surging = (sig & Signal.INTENT_SURGE) != 0
    a.ti_first_signal[prospect & (a.ti_first_signal == NEVER) & surging] = w
    # A signal streak that dies out without a lead or MQA starts the clock again next time.
    a.ti_first_signal[prospect & ~surging & ~a.lead & (a.stage < Stage.MQA)] = NEVER
