"""The ABX model: a ``mesa.Model`` whose weekly step runs vectorised mechanisms over arrays.

One week, in order (each phase is a method below, each calls pure functions in
:mod:`sim.core.mechanisms`):

1. ``_world``      buying windows open and close, in-market accounts research (intent), members
                   leave and are replaced. World random stream only.
2. ``_signals``    what the vendor can see: intent surge, executive change, usage drop, expansion
                   readiness, renewal due, competitor intent, deal stall.
3. orchestration   the strategy's orchestration policy plans the week (who is touched, plays).
4. personalization the personalization policy sets claimed personalization and research depth
                   (research builds up over ``vendor.research_ramp_weeks`` after an account is listed).
5. ``_deliver``    budgets and capacities turn the plan into touches; spend is booked.
6. ``_respond``    members receive touches and respond (awareness, engagement, opinion, trust,
                   fatigue; theater; collisions).
7. ``_committees`` opinions spread inside committees; interest decays; coverage and support.
8. ``_funnel``     prospect stages, MQAs and leads; SDRs work leads; opportunities open.
9. ``_deals``      deals progress by consensus and effort, stall on vetoes, and close.
10. ``_customers`` onboarding, adoption, health, renewals, expansion plays, advocacy.

List reviews (and the first list, after any deliberation) and budget reallocations by the
measurement policy happen between weeks, on Mesa's event calendar.
Two random streams derive from the seed through ``SeedSequence``: the *world* stream (market,
windows, research, turnover, usage shocks) never depends on vendor actions, so every strategy
run with one seed faces the same world (common random numbers); the *vendor* stream is Mesa's
``model.rng``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import mesa
import numpy as np
from mesa.time import Schedule
from omegaconf import DictConfig

from sim.core.agents import create_agents
from sim.core.config import CHANNELS, SEGMENTS, TIERS, Channel, Config, run_seed_sequence
from sim.core.diagnostics import diagnose
from sim.core.mechanisms import customers as cust
from sim.core.mechanisms import deals, market
from sim.core.mechanisms import members as mem
from sim.core.mechanisms.delivery import Delivery, allocate, collisions, deliver_marketing
from sim.core.metrics import Recorder, summarize
from sim.core.policies import (
    MeasurementPolicy,
    OrchestrationPolicy,
    PersonalizationPolicy,
    Plan,
    TieringPolicy,
    Treatment,
    make_policy,
)
from sim.core.state import NEVER, Outcome, Play, Signal, Stage
from sim.core.story import StoryLog
from sim.core.validate import validate

KEY_CONTACT_SEATS = 2  # SDR and CS conversations reach the first seats: economic buyer and champion
AE_REACH_PER_WEEK = 0.25  # chance per week a full-effort AE talks to each committee member
SELF_SERVE_EFFECT = 1.0  # effect of content a researching buyer finds and reads on their own
USAGE_SHOCK_WEEK = 0.01  # world: chance per week a customer's usage drops (reorg, project ends)
USAGE_SHOCK_SIZE = 0.15  # adoption lost in a usage shock
LEAD_EXPIRY_WEEKS = 8  # a lead nobody works for this long goes back to nurture
REQUALIFY_WEEKS = 26  # after a decided deal, sales does not requalify the account for this long
EXPANSION_CYCLE_WEEKS = 6  # expansion deals close faster than new logos
RENEWAL_NOTICE_WEEKS = 13  # the 'renewal due' signal fires this many weeks before a contract ends
TRACKED_MARKETING_WEEKS = 13  # window for "pipeline influenced"


@dataclass
class Touches:
    """This week's touches, for the members who received any (``idx``); per-account collisions."""

    idx: np.ndarray  # member indices touched
    count: np.ndarray  # float32 touches received
    effect: np.ndarray  # float32 mean effect per touch
    ads_share: np.ndarray  # float32 share of the touches that were ads
    theater: np.ndarray  # float32 touches perceived as superficial
    collisions: np.ndarray  # int64 [N] contradictory team touches per account


class ABXModel(mesa.Model):
    """An ABX go-to-market strategy in a B2B market, simulated week by week.

    Args:
        cfg: a composed Hydra config, or a validated :class:`~sim.core.config.Config`.

    Attributes:
        accounts, members: struct-of-arrays state (:mod:`sim.core.state`).
        tiering, orchestration, personalization: the strategy's policies.
        recorder: weekly metrics; ``story``: tracked accounts' events.
    """

    def __init__(self, cfg: Config | DictConfig) -> None:
        self.cfg = cfg if isinstance(cfg, Config) else validate(cfg)
        c = self.cfg
        world_seq, vendor_seq = run_seed_sequence(c.seed, c.replication).spawn(2)
        super().__init__(rng=np.random.default_rng(vendor_seq))
        self.world_rng = np.random.default_rng(world_seq)
        self.accounts, self.members = market.generate_market(c.market, c.vendor, self.world_rng)
        self.n_accounts, self.n_members = len(self.accounts), len(self.members)
        self.week = -1  # index of the week being simulated (0-based); -1 before the first
        self.signals = np.zeros(self.n_accounts, dtype=np.int32)
        self._seat = np.arange(self.n_members) - self.accounts.m_start[self.members.acct]

        s = c.strategy
        self.tiering = cast(TieringPolicy, make_policy("tiering", s.tiering))
        self.orchestration = cast(OrchestrationPolicy, make_policy("orchestration", s.orchestration))
        self.personalization = cast(PersonalizationPolicy, make_policy("personalization", s.personalization))
        self.measurement = cast(MeasurementPolicy, make_policy("measurement", s.measurement))
        start = self.tiering.deliberation_weeks
        if start:  # the team debates the list first; it is executed (and researched) from then on
            self.schedule_event(self.review_list, at=start + 0.5)
        else:  # the opening list was researched before the run starts
            self.accounts.tier = self.tiering.assign(self)
            self.accounts.ti_listed[self.accounts.tier > 0] = -int(np.ceil(c.vendor.research_ramp_weeks))
        for policy in (self.tiering, self.orchestration, self.personalization, self.measurement):
            policy.setup(self)
        self.cadence = self.tiering.cadence() * self.measurement.weights()
        if self.tiering.review_weeks:
            every = self.tiering.review_weeks
            self.schedule_recurring(self.review_list, Schedule(interval=every, start=start + every + 0.5))
        self.ledger = self.measurement.ledger
        if self.measurement.review_weeks:
            every = self.measurement.review_weeks
            self.schedule_recurring(self.reallocate, Schedule(interval=every, start=every + 0.5))

        self.recorder = Recorder(c.horizon_weeks)
        self.arr_start = float(self.accounts.arr.sum())
        self._cohort_week = max(0, c.horizon_weeks - 52)
        self._cohort_arr = self.accounts.arr.copy()
        self._touched = np.zeros(self.n_accounts, dtype=bool)
        self._last_marketing = np.full(self.n_accounts, NEVER, dtype=np.int32)
        self._usage_drop = np.zeros(self.n_accounts, dtype=bool)
        self._stalled = np.zeros(self.n_accounts, dtype=bool)
        self._exec_change = np.zeros(self.n_accounts, dtype=bool)
        self._ae_effort = np.zeros(self.n_accounts, dtype=np.float32)
        self._sdr_work = np.zeros(self.n_accounts, dtype=bool)
        self._cs_work = np.zeros(self.n_accounts, dtype=bool)
        self._last_play = np.zeros(self.n_accounts, dtype=np.int8)
        self.story = StoryLog(self.n_accounts, self._story_accounts())
        create_agents(self)

    # ------------------------------------------------------------------------------ public API
    def review_list(self) -> None:
        """Re-tier the accounts (a scheduled list review); the story notes tier changes.

        Accounts joining the list start the research ramp; accounts leaving it lose the
        vendor's context on them.
        """
        a, week = self.accounts, self.week + 1
        old = a.tier
        new = self.tiering.assign(self)
        changed = new != old
        self.story.log(week, changed, "tier", lambda i: f"re-tiered {TIERS[old[i]]} -> {TIERS[new[i]]}")
        self.recorder.add("list_changes", int(((new > 0) != (old > 0)).sum()))
        a.ti_listed[(new > 0) & (old == 0)] = week
        a.ti_listed[new == 0] = NEVER
        a.tier = new

    def reallocate(self) -> None:
        """A budget review by the measurement policy: new cadence multipliers per tier and channel."""
        self.measurement.reallocate(self)
        self.cadence = self.tiering.cadence() * self.measurement.weights()

    def context(self, w: int) -> np.ndarray:
        """The vendor's context on each listed account, 0-1: the share of the research ramp done
        since it was listed (1 for unlisted accounts, which get no account research)."""
        a, ramp = self.accounts, self.cfg.vendor.research_ramp_weeks
        if ramp <= 0:
            return np.ones(self.n_accounts, dtype=np.float32)
        done = np.clip((w - a.ti_listed) / ramp, 0.0, 1.0)
        return np.where(a.ti_listed == NEVER, 1.0, done).astype(np.float32)

    def members_of(self, accounts: np.ndarray) -> np.ndarray:
        """Member indices of the accounts in a boolean mask (committees are stored contiguously)."""
        a = self.accounts
        starts, counts = a.m_start[accounts], a.m_count[accounts]
        offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        return np.repeat(starts, counts) + offsets

    def csm_headcount(self) -> int:
        """Customer-success heads this week: ``n_csm``, or enough for the book if CS hires to it."""
        v = self.cfg.vendor
        if not v.csm_hire_to_book:
            return v.n_csm
        customers = int((self.accounts.stage >= Stage.ONBOARDING).sum())
        return max(v.n_csm, -(-customers // max(int(v.csm_book_accounts), 1)))

    def run(self, progress: bool = False) -> None:
        """Run every remaining week of the horizon (with a progress bar if asked)."""
        from tqdm import tqdm

        remaining = self.cfg.horizon_weeks - self.steps
        for _ in tqdm(range(remaining), desc="weeks", unit="wk", disable=not progress, leave=False):
            self.step()

    def summary(self) -> dict[str, float]:
        """Summary metrics of the weeks run so far (see :data:`sim.core.metrics.SUMMARY`)."""
        a, m = self.accounts, self.members
        touched_m = self._touched[m.acct]
        w = m.influence[touched_m]
        trust = float(np.average(m.trust[touched_m], weights=w)) if w.sum() > 0 else 0.0
        summary = summarize(
            self.recorder.frame(self.steps), arr_start=self.arr_start, cohort_start=self._cohort_arr,
            arr_end=a.arr, touched_trust=trust, touched_members=int(touched_m.sum()),
            touched_accounts=int(self._touched.sum()), n_accounts=self.n_accounts,
            gross_margin=self.cfg.vendor.gross_margin, tier_sizes=np.bincount(a.tier, minlength=len(TIERS)),
        )
        return summary | diagnose(summary)

    # ----------------------------------------------------------------------------- the week
    def step(self) -> None:
        """Simulate one week (the phases listed in the module docstring)."""
        self.week = w = self.steps - 1
        self.recorder.week = w
        if w == self._cohort_week:
            self._cohort_arr = self.accounts.arr.copy()
        self._world(w)
        self._signals(w)
        plan = self.orchestration.plan(self, self.cadence)
        treat = self.personalization.treat(self.tiering.investment()[self.accounts.tier], self.context(w))
        touches, depth_paid = self._deliver(w, plan, treat)
        self._respond(touches, treat, depth_paid)
        self._committees(w, treat)
        self._funnel(w)
        self._deals(w)
        self._customers(w, plan)
        self._record_state()

    def _world(self, w: int) -> None:
        a, m, mc, rng = self.accounts, self.members, self.cfg.market, self.world_rng
        n = self.n_accounts
        mean_len = np.asarray(mc.window_weeks_mean)[a.segment]
        a.in_market, a.ti_window_end, opened = market.update_buying_windows(
            a.in_market, a.ti_window_end, mean_len, w, market.weekly_probability(mc.p_window_start_year),
            rng.random(n), rng.random(n))
        self.recorder.add("window_starts", int(opened.sum()))
        researched = market.research_intent(a.in_market, rng.random(n), mc.p_research_week, mc.p_false_intent_week)
        a.intent_obs = market.observe_intent(a.intent_obs, researched, rng.random(n),
                                             self.orchestration.intent_coverage())
        self._usage_shock = rng.random(n) < USAGE_SHOCK_WEEK
        self._self_serve = market.self_serve(a.in_market & researched, m.acct, rng.random(self.n_members),
                                             mc.buyers.p_self_serve_week)
        leave = market.member_turnover(rng.random(self.n_members), market.weekly_probability(mc.buyers.p_turnover_year))
        idx = np.flatnonzero(leave)
        if len(idx):
            m.reach[:, idx] = market.draw_reach(m.role[idx], np.asarray(self.cfg.vendor.channel_reach, np.float32), rng)
            m.skepticism[idx] = market.draw_skepticism(m.role[idx], mc.buyers.skepticism_mean, rng)
            for arr in (m.awareness, m.engagement, m.opinion, m.fatigue):
                arr[idx] = 0.0
            m.trust[idx] = mc.buyers.trust_baseline
            m.ti_joined[idx] = w
        key = leave & (m.role <= market.CHAMPION)
        self._exec_change = np.bincount(m.acct, key, n) > 0
        self.story.log(w, np.bincount(m.acct, leave, n) > 0, "member left",
                       lambda i: "a committee member left and was replaced")

    def _signals(self, w: int) -> None:
        a = self.accounts
        customer = a.stage >= Stage.ONBOARDING
        surge = a.intent_obs >= self.orchestration.p.intent_threshold
        to_renewal = a.ti_contract_end - w
        ready = customer & cust.expansion_ready(a.adoption, a.health, a.arr, a.acv_potential,
                                                 w - a.ti_expansion)
        flags = [
            (surge & ~customer, Signal.INTENT_SURGE), (self._exec_change, Signal.EXEC_CHANGE),
            (self._usage_drop & customer, Signal.USAGE_DROP), (ready, Signal.EXPANSION_READY),
            (customer & (to_renewal > 0) & (to_renewal <= RENEWAL_NOTICE_WEEKS), Signal.RENEWAL_DUE),
            (customer & surge, Signal.COMPETITOR_INTENT), (self._stalled, Signal.DEAL_STALL),
        ]
        sig = np.zeros(self.n_accounts, dtype=np.int32)
        for mask, bit in flags:
            sig[mask] |= int(bit)
        new = sig & ~self.signals
        self.story.log(w, new != 0, "signal",
                       lambda i: ", ".join(str(s.name).lower() for s in Signal if new[i] & s))
        self.signals = sig
        prospect = a.stage < Stage.OPPORTUNITY
        surging = (sig & Signal.INTENT_SURGE) != 0
        a.ti_first_signal[prospect & (a.ti_first_signal == NEVER) & surging] = w
        # A signal streak that dies out without a lead or MQA starts the clock again next time.
        a.ti_first_signal[prospect & ~surging & ~a.lead & (a.stage < Stage.MQA)] = NEVER

    def _deliver(self, w: int, plan: Plan, treat: Treatment):
        """Capacities, budget and spend; draw touches, theater and collisions (vendor stream)."""
        a, m, v, rec, rng = self.accounts, self.members, self.cfg.vendor, self.recorder, self.rng
        n = self.n_accounts
        prospect = a.stage < Stage.OPPORTUNITY
        self._sdr_work = allocate(np.where(prospect, plan.sales_priority, 0), v.n_sdr * v.sdr_accounts_week)
        # A CSM proactively reaches about a quarter of a full book in a week.
        self._cs_work = allocate(plan.cs_priority, self.csm_headcount() * v.csm_book_accounts / 4.0)
        open_opp = a.stage == Stage.OPPORTUNITY
        ae_load = v.n_ae * v.ae_open_opps / max(int(open_opp.sum()), 1)
        self._ae_effort = np.where(open_opp, min(1.0, ae_load) * plan.ae_context, 0.0).astype(np.float32)

        d = deliver_marketing(plan.mkt_rate, m.reach, m.acct, treat.depth, v, v.marketing_budget_usd_year / 52.0,
                              treat.research_cost_share)
        key = self._seat < KEY_CONTACT_SEATS
        sales_rate = (key * (self._sdr_work[m.acct] + self._cs_work[m.acct])
                      + AE_REACH_PER_WEEK * self._ae_effort[m.acct]).astype(np.float32)
        mkt_rate = d.expected.sum(axis=0)
        touches = rng.poisson(mkt_rate + sales_rate) + self._self_serve  # plus one self-served touch
        # Everything below concerns only the members touched this week (most are not).
        idx = np.flatnonzero(touches)
        count = touches[idx].astype(np.float32)
        organic = self._self_serve[idx].astype(np.float32)
        total = mkt_rate[idx] + sales_rate[idx] + organic
        effect = np.asarray(v.channel_effect, dtype=np.float32)
        acct = m.acct[idx]
        p_sup = mem.p_superficial(treat.claim[acct], d.depth[acct], m.skepticism[idx],
                                  self.cfg.market.buyers.theater_sensitivity) * (mkt_rate[idx] / total)
        theater = np.zeros(len(idx), np.float32)
        hit = p_sup > 0
        theater[hit] = rng.binomial(count[hit].astype(np.int64), p_sup[hit])

        mkt_acct = np.bincount(m.acct, mkt_rate, n)
        n_teams = ((mkt_acct >= 1.0).astype(np.int64) + self._sdr_work + (self._ae_effort > 0) + self._cs_work)
        t = Touches(
            idx=idx, count=count,
            effect=(effect @ d.expected[:, idx] + sales_rate[idx] * np.float32(v.sales_touch_effect)
                    + organic * np.float32(SELF_SERVE_EFFECT)) / total,
            ads_share=d.expected[Channel.ADS, idx] / total, theater=theater,
            collisions=collisions(np.where(plan.coordinated, 0, n_teams), plan.p_inconsistent, rng),
        )
        touched_acct = np.bincount(acct, minlength=n) > 0
        self._touched |= touched_acct
        self._last_marketing[mkt_acct > 0.5] = w

        rec.add("touches", float(t.count.sum()))
        rec.add("theater_touches", float(t.theater.sum()))
        rec.add("collisions", int(t.collisions.sum()))
        rec.add("collisions_listed", int(t.collisions[a.tier > 0].sum()))
        rec.add("coordinated_accounts", int(plan.coordinated.sum()))
        rec.set("coordination_load", self.orchestration.load)
        rec.add("sdr_worked", int(self._sdr_work.sum()))
        self._record_spend(d)
        if self.ledger is not None:
            led = self.ledger
            led.spend_tier += np.bincount(a.tier, d.program_cost, len(TIERS))
            led.spend_channel += d.channel_spend
            for c in range(len(CHANNELS)):
                led.touches[c] += np.bincount(m.acct, d.expected[c], n)
        for p in Play:
            if p != Play.NONE:
                rec.add(f"play_{p.name.lower()}", int((plan.play == p).sum()))
        started = (plan.play != Play.NONE) & (plan.play != self._last_play)
        self.story.log(w, started, "play", lambda i: f"{Play(plan.play[i]).name.lower()} play starts")
        self._last_play = plan.play
        self.story.log(w, touched_acct, "touches", lambda i: self._touch_detail(i, t))
        return t, d.depth

    def _record_spend(self, d: Delivery) -> None:
        """Book this week's spend by channel, tier, team, research and intent data."""
        a, v, rec = self.accounts, self.cfg.vendor, self.recorder
        customer = a.stage >= Stage.ONBOARDING
        rec.set("budget_delivered_share", d.budget_share)
        rec.add("spend_research_usd", d.research_spend)
        rec.add("spend_customers_usd", float(d.program_cost[customer].sum()))
        for c, name in enumerate(CHANNELS):
            rec.add(f"spend_channel_{name}_usd", float(d.channel_spend[c]))
        for tier, spend in zip(TIERS, np.bincount(a.tier, d.program_cost, len(TIERS)), strict=True):
            rec.add(f"spend_tier_{tier}_usd", float(spend))
        salary = np.asarray(v.salary_usd_year) / 52.0
        heads = (v.n_marketers, v.n_sdr, v.n_ae, self.csm_headcount())
        for team, head, cost in zip(("marketers", "sdr", "ae", "csm"), heads, salary, strict=True):
            rec.add(f"spend_{team}_usd", head * cost)
        rec.add("spend_intent_usd", v.intent_data_usd_year / 52.0 * self.orchestration.intent_coverage())

    def _touch_detail(self, i: int, t: Touches) -> str:
        mine = self.members.acct[t.idx] == i
        text = f"{int(t.count[mine].sum())} touches to {int(mine.sum())} of {self.accounts.m_count[i]} members"
        if t.theater[mine].sum():
            text += f", {int(t.theater[mine].sum())} seen as superficial"
        if t.collisions[i]:
            text += f", {int(t.collisions[i])} collisions"
        return text

    def _respond(self, t: Touches, treat: Treatment, depth: np.ndarray) -> None:
        a, m, b = self.accounts, self.members, self.cfg.market.buyers
        i, acct = t.idx, self.members.acct[t.idx]
        matched = treat.role_matched[acct]
        rel = mem.relevance(treat.claim[acct], depth[acct], matched, matched & (treat.tailoring == "individual"), b)
        engaged_before = m.engagement[i] >= b.engaged_threshold
        recept = mem.receptivity(m.trust[i], m.fatigue[i], b.trust_power, b.trust_baseline)
        attention = np.where(a.in_market[acct], np.float32(b.in_market_receptivity), np.float32(1.0))
        m.awareness[i], m.engagement[i], m.opinion[i], m.trust[i], m.fatigue[i] = mem.respond(
            m.awareness[i], m.engagement[i], m.opinion[i], m.trust[i], m.fatigue[i], a.fit_true[acct], t.count,
            t.theater, t.effect * attention, rel, t.collisions[acct].astype(np.float32), b)
        # Channel metrics: expected clicks on the ad touches delivered.
        clicks = t.count * t.ads_share * np.float32(self.cfg.vendor.ad_ctr) * rel * recept
        self.recorder.add("clicks", float(clicks.sum()))
        self.recorder.add("impressions", float((t.count * t.ads_share).sum()))
        self._new_mql = np.zeros(self.n_members, dtype=bool)
        self._new_mql[i] = (m.engagement[i] >= b.engaged_threshold) & ~engaged_before
        self.recorder.add("mqls", int(self._new_mql.sum()))
        if self.ledger is not None:
            self.ledger.clicks += np.bincount(acct, clicks, self.n_accounts)
            self.ledger.mqls += np.bincount(m.acct, self._new_mql, self.n_accounts)

    def _committees(self, w: int, treat: Treatment) -> None:
        a, m, b = self.accounts, self.members, self.cfg.market.buyers
        n = self.n_accounts
        spread: float | np.ndarray = b.influence_spread_week
        if treat.tailoring != "none":  # one shared narrative helps a committee agree; one story each does not
            mult = b.spread_group_tailoring if treat.tailoring == "group" else b.spread_individual_tailoring
            spread = np.where(treat.role_matched, b.influence_spread_week * mult, b.influence_spread_week)[m.acct]
        m.opinion = mem.spread_opinion(m.opinion, m.engagement, m.influence, m.acct, n, spread)
        waiting = (a.lead & ~self._sdr_work)[m.acct]
        extra = np.where(waiting, self.cfg.vendor.follow_up_latency_cost, 0.0).astype(np.float32)
        m.awareness, m.engagement, m.trust, m.fatigue = mem.decay(m.awareness, m.engagement, m.trust, m.fatigue,
                                                                  extra, b)
        a.coverage, a.support = mem.committee_view(m.engagement, m.opinion, m.influence, m.acct, n,
                                                   b.engaged_threshold)

    def _funnel(self, w: int) -> None:
        a, m, v, rec = self.accounts, self.members, self.cfg.vendor, self.recorder
        b, d = self.cfg.market.buyers, self.cfg.market.deals
        n = self.n_accounts
        prospect = a.stage < Stage.OPPORTUNITY
        any_aware = np.bincount(m.acct, m.awareness >= 0.3, n) > 0
        any_engaged = np.bincount(m.acct, m.engagement >= b.engaged_threshold, n) > 0
        derived = deals.prospect_stage(any_aware, any_engaged, a.coverage, v.mqa_coverage)
        became_mqa = prospect & (derived == Stage.MQA) & (a.stage < Stage.MQA)
        self._log_stage_changes(w, prospect, derived)
        a.stage = np.where(prospect, derived, a.stage).astype(np.int8)
        a.ti_mqa[became_mqa] = w
        new_mql = np.bincount(m.acct, self._new_mql, n) > 0
        recent = (a.ti_close != NEVER) & (w - a.ti_close < REQUALIFY_WEEKS)
        new_lead = prospect & ~a.lead & ~recent & (became_mqa | new_mql)
        a.lead |= new_lead
        a.ti_first_signal[new_lead & (a.ti_first_signal == NEVER)] = w
        rec.add("mqas", int(became_mqa.sum()))
        rec.add("leads", int(new_lead.sum()))
        self.story.log(w, became_mqa, "mqa", "became a marketing-qualified account")

        # SDRs work their allocation: qualify in-market accounts into opportunities, within AE capacity.
        worked = self._sdr_work & prospect & ~recent
        p = deals.p_qualify(a.in_market, a.coverage, d.p_qualify)
        qualified = worked & (self.rng.random(n) < p)
        free = int(v.n_ae * v.ae_open_opps) - int((a.stage == Stage.OPPORTUNITY).sum())
        q_idx = np.flatnonzero(qualified)
        accepted = q_idx[: max(free, 0)]
        opp = np.zeros(n, dtype=bool)
        opp[accepted] = True
        amount = deals.deal_amount(a.acv_potential, a.coverage, d)
        a.stage[opp] = Stage.OPPORTUNITY
        a.ti_opp[opp] = w
        a.progress[opp] = 0.0
        a.stall_weeks[opp] = 0
        a.opp_usd[opp] = amount[opp]
        a.ti_first_signal[opp & (a.ti_first_signal == NEVER)] = w
        rec.add("opps_created", int(opp.sum()))
        rec.add("pipeline_created_usd", float(amount[opp].sum()))
        if self.ledger is not None:
            self.ledger.pipeline[opp] += amount[opp]
        touched_recently = (self._last_marketing != NEVER) & (w - self._last_marketing <= TRACKED_MARKETING_WEEKS)
        influenced = opp & touched_recently
        rec.add("pipeline_influenced_usd", float(amount[influenced].sum()))
        rec.add("signal_to_pipeline_weeks", float((w - a.ti_first_signal[opp]).sum()))
        self.story.log(w, opp, "opportunity", lambda i: f"opportunity opened, ${amount[i]:,.0f}/yr")
        # Worked but not qualified leads go back to nurture; unworked leads wait, then expire.
        a.lead &= ~worked
        waiting = a.lead & ~opp
        a.wait_weeks = np.where(waiting, a.wait_weeks + 1, 0).astype(np.int16)
        expired = waiting & (a.wait_weeks >= LEAD_EXPIRY_WEEKS)
        rec.add("leads_expired", int(expired.sum()))
        a.lead &= ~expired & ~opp

    def _log_stage_changes(self, w: int, prospect: np.ndarray, derived: np.ndarray) -> None:
        old = self.accounts.stage
        self.story.log(w, prospect & (derived != old), "stage",
                       lambda i: f"{Stage(old[i]).name.lower()} -> {Stage(derived[i]).name.lower()}")

    def _deals(self, w: int) -> None:
        a, m, rec, rng = self.accounts, self.members, self.recorder, self.rng
        d, b, cc = self.cfg.market.deals, self.cfg.market.buyers, self.cfg.market.customers
        n = self.n_accounts
        open_ = a.stage == Stage.OPPORTUNITY
        cons = mem.consensus(a.coverage, a.support)
        late = (a.progress > 0.6)[m.acct]
        stall = open_ & deals.stalled(m.veto, m.opinion, m.engagement >= b.engaged_threshold, late, m.acct, n,
                                      d.veto_opinion)
        self._stalled = stall
        cycle = np.asarray(d.cycle_weeks, dtype=np.float32)[a.segment]
        a.progress = np.where(open_ & ~stall, a.progress + deals.progress_rate(cycle, cons, self._ae_effort),
                              a.progress).astype(np.float32)
        a.stall_weeks = np.where(stall, a.stall_weeks + 1, 0).astype(np.int16)
        # The buyer decides when the evaluation is done or the buying window closes; a deal
        # stalled for too long dies.
        dead = open_ & (a.stall_weeks >= d.stall_weeks_to_no_decision)
        decide = open_ & ~dead & ((a.progress >= 1.0) | ~a.in_market)
        u_nd, u_win = rng.random(n), rng.random(n)
        no_dec = dead | (decide & (u_nd < deals.p_no_decision(cons, a.progress, d)))
        won = decide & ~no_dec & (u_win < deals.p_win(a.support, a.coverage, a.fit_true, d))
        lost = decide & ~no_dec & ~won
        closed = won | lost | no_dec
        amount = deals.deal_amount(a.acv_potential, a.coverage, d)
        a.outcome[won], a.outcome[lost], a.outcome[no_dec] = Outcome.WON, Outcome.LOST, Outcome.NO_DECISION
        a.ti_close[closed] = w
        a.won_usd[won] = amount[won]
        a.arr[won] = amount[won]
        a.stage[won] = Stage.ONBOARDING
        a.ti_customer[won] = w
        a.ti_contract_end[won] = w + cc.contract_weeks
        a.adoption[won] = 0.1
        a.stage[lost | no_dec] = Stage.ENGAGED  # back to the prospect funnel; re-derived next week
        rec.add("wins", int(won.sum()))
        rec.add("losses", int(lost.sum()))
        rec.add("no_decisions", int(no_dec.sum()))
        rec.add("won_cycle_weeks", float((w - a.ti_opp[won]).sum()))
        rec.add("closed_coverage", float(a.coverage[closed].sum()))
        rec.add("new_arr_usd", float(amount[won].sum()))
        rec.add("bookings_usd", float(amount[won].sum()))
        self.story.log(w, won, "won", lambda i: f"deal won, ${amount[i]:,.0f}/yr")
        self.story.log(w, lost, "lost", "deal lost to a competitor")
        a.ti_first_signal[closed] = NEVER  # the next buying cycle starts afresh
        self.story.log(w, no_dec, "no decision",
                       lambda i: "stalled too long" if dead[i] else "the buyer kept the status quo")

    def _customers(self, w: int, plan: Plan) -> None:
        a, m, rec, rng = self.accounts, self.members, self.recorder, self.rng
        cc, v = self.cfg.market.customers, self.cfg.vendor
        n = self.n_accounts
        onboarded = (a.stage == Stage.ONBOARDING) & (w - a.ti_customer >= cc.onboarding_weeks)
        a.stage[onboarded] = Stage.CUSTOMER
        self.story.log(w, onboarded, "stage", "onboarding -> customer")
        customer = a.stage >= Stage.ONBOARDING
        n_cust = int(customer.sum())
        book = min(1.0, self.csm_headcount() * v.csm_book_accounts / max(n_cust, 1))
        cover = np.where(customer, np.minimum(1.0, book + 0.5 * self._cs_work), 0.0)
        before = a.adoption
        adoption = cust.adoption_step(a.adoption, cover, cc)
        adoption = np.where(customer & self._usage_shock, np.maximum(adoption - USAGE_SHOCK_SIZE, 0), adoption)
        a.adoption = np.where(customer, adoption, a.adoption).astype(np.float32)
        self._usage_drop = customer & (a.adoption < before - 0.05)
        mine = self.members_of(customer)  # health needs only the customers' committees
        opinion = mem.account_mean(m.opinion[mine], m.influence[mine], m.acct[mine], n)
        trust = mem.account_mean(m.trust[mine], m.influence[mine], m.acct[mine], n)
        a.health = np.where(customer, cust.health(a.adoption, opinion, trust), 0.0).astype(np.float32)

        # Renewals at contract end.
        due = customer & (a.ti_contract_end == w)
        churn_base = np.asarray(cc.churn_base_year)[a.segment]
        p_churn, p_expand, p_contract = cust.renewal_probabilities(a.health, a.in_market, churn_base, cc)
        u = rng.random((3, n))
        churn = due & (u[0] < p_churn)
        expand = due & ~churn & (u[1] < p_expand)
        contract = due & ~churn & ~expand & (u[2] < p_contract)
        size = rng.uniform(0.5, 1.5, n)
        up = np.where(expand, a.arr * cc.expansion_share_mean * size, 0.0)
        down = np.where(contract, a.arr * np.minimum(cc.contraction_share_mean * size, 0.9), 0.0)
        lost_arr = np.where(churn, a.arr, 0.0)
        a.arr = a.arr + up - down - lost_arr
        a.ti_contract_end[due & ~churn] += cc.contract_weeks
        if self.ledger is not None:
            self.ledger.renewed += np.where(due & ~churn, a.arr, 0.0)
        rec.add("renewals", int(due.sum()))
        rec.add("churned_logos", int(churn.sum()))
        rec.add("contraction_arr_usd", float(down.sum()))
        rec.add("churn_arr_usd", float(lost_arr.sum()))
        self.story.log(w, churn, "renewal", "churned at renewal")
        self.story.log(w, expand, "renewal", lambda i: f"renewed and expanded by ${up[i]:,.0f}/yr")
        self.story.log(w, contract, "renewal", lambda i: f"renewed and contracted by ${down[i]:,.0f}/yr")
        self.story.log(w, due & ~churn & ~expand & ~contract, "renewal", "renewed flat")

        # Expansion plays: open, progress, close.
        opened = plan.expansion & customer & ~churn & (a.exp_usd == 0)
        exp_amount = a.arr * cc.expansion_share_mean * (0.5 + a.adoption)
        a.exp_usd[opened] = exp_amount[opened]
        a.exp_progress[opened] = 0.0
        rec.add("expansion_opps", int(opened.sum()))
        rec.add("pipeline_created_usd", float(exp_amount[opened].sum()))
        if self.ledger is not None:
            self.ledger.pipeline[opened] += exp_amount[opened]
        open_exp = (a.exp_usd > 0) & customer & ~churn
        a.exp_progress[open_exp] += 1.0 / EXPANSION_CYCLE_WEEKS
        closing = open_exp & (a.exp_progress >= 1.0)
        exp_won = closing & (rng.random(n) < cust.p_expansion_win(a.health, cc))
        gained = np.where(exp_won, a.exp_usd, 0.0)
        a.arr = a.arr + gained
        self.story.log(w, exp_won, "expansion", lambda i: f"expansion won, ${gained[i]:,.0f}/yr")
        self.story.log(w, closing & ~exp_won, "expansion", "expansion opportunity lost")
        a.exp_usd[closing | churn] = 0.0
        a.ti_expansion[closing | expand] = w
        rec.add("expansion_arr_usd", float(up.sum() + gained.sum()))
        rec.add("bookings_usd", float(up.sum() + gained.sum()))

        # Churned customers return to the prospect pool; their committee remembers.
        a.stage[churn] = Stage.ENGAGED
        a.ti_churn[churn] = w
        a.exp_usd[churn] = 0.0
        left = self.members_of(churn)
        m.opinion[left] = np.maximum(m.opinion[left] - 0.3, -1.0)

        # Advocacy: healthy customers refer peers in their industry.
        advocate = (a.stage == Stage.CUSTOMER) & (a.health >= cc.advocate_health)
        prospect = a.stage < Stage.OPPORTUNITY
        weights = cust.referral_weights(advocate, a.industry, prospect, self.cfg.market.n_industries)
        n_ref = int(rng.poisson(cc.p_referral_week * advocate.sum())) if weights.sum() > 0 else 0
        if n_ref:
            targets = rng.choice(n, size=n_ref, p=weights / weights.sum())
            hit = np.bincount(targets, minlength=n) > 0
            peer = self.members_of(hit)
            m.awareness[peer] = mem.saturate(m.awareness[peer], 1.0, 1.0)
            m.opinion[peer] += 0.3 * (1.0 - m.opinion[peer])
            m.trust[peer] += 0.1 * (1.0 - m.trust[peer])
            rec.add("referrals", n_ref)
            self.story.log(w, hit, "referral", "a peer customer recommended the vendor")

    def _record_state(self) -> None:
        a, m, rec = self.accounts, self.members, self.recorder
        counts = np.bincount(a.stage, minlength=len(Stage))
        for s in Stage:
            rec.set(f"n_{s.name.lower()}", int(counts[s]))
        rec.set("open_opps", int(counts[Stage.OPPORTUNITY]))
        rec.set("in_market_share", float(a.in_market.mean()))
        rec.set("arr_usd", float(a.arr.sum()))
        listed = (a.tier > 0) if (a.tier > 0).any() else np.ones(self.n_accounts, bool)
        sel = listed[m.acct]
        rec.set("trust_mean", float(m.trust[sel].mean()) if sel.any() else 0.0)
        rec.set("fatigue_mean", float(m.fatigue[sel].mean()) if sel.any() else 0.0)

    # ------------------------------------------------------------------------------- helpers
    def _story_accounts(self) -> np.ndarray:
        """Accounts whose story is recorded: ``output.story_ids`` plus the first account of each
        tier (1:1 first) and the first installed customer, up to ``output.story_accounts``."""
        o, a = self.cfg.output, self.accounts
        chosen = [i for i in o.story_ids if 0 <= i < self.n_accounts]
        for t in (3, 2, 1, 0):
            hits = np.flatnonzero(a.tier == t)
            if len(hits):
                chosen.append(int(hits[0]))
        customers = np.flatnonzero(a.stage == Stage.CUSTOMER)
        if len(customers):
            chosen.append(int(customers[0]))
        unique = list(dict.fromkeys(chosen))
        limit = max(o.story_accounts, len([i for i in o.story_ids if 0 <= i < self.n_accounts]))
        return np.asarray(unique[:limit], dtype=np.int64)

    def account_table(self) -> Any:
        """One row per account: segment, tier, stage, value, outcome dates, ARR (a DataFrame)."""
        import pandas as pd

        a = self.accounts
        return pd.DataFrame({
            "account": np.arange(self.n_accounts),
            "segment": pd.Categorical.from_codes(a.segment, SEGMENTS),
            "industry": a.industry.astype(np.int64),
            "tier": pd.Categorical.from_codes(a.tier, TIERS),
            "stage": pd.Categorical.from_codes(a.stage, [s.name.lower() for s in Stage]),
            "acv_potential_usd": a.acv_potential,
            "fit_true": a.fit_true, "fit_observed": a.fit_obs,
            "committee_size": a.m_count,
            "coverage": a.coverage, "support": a.support,
            "in_market": a.in_market,
            "arr_usd": a.arr, "adoption": a.adoption, "health": a.health,
            "outcome": pd.Categorical.from_codes(a.outcome, [o.name.lower() for o in Outcome]),
            "won_usd": a.won_usd, "opp_usd": a.opp_usd,
            "week_first_signal": a.ti_first_signal, "week_mqa": a.ti_mqa, "week_opportunity": a.ti_opp,
            "week_decision": a.ti_close, "week_customer": a.ti_customer, "week_churn": a.ti_churn,
            "week_contract_end": np.where(a.stage >= Stage.ONBOARDING, a.ti_contract_end, NEVER),
        })

