"""Orchestration policies: who acts on which account this week, and which plays fire."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, override

import numpy as np

from sim.core.config import MAX_ACCOUNTS, Channel
from sim.core.mechanisms.delivery import allocate
from sim.core.params import param
from sim.core.policies.base import OrchestrationPolicy, Plan, PolicyParams, register
from sim.core.state import Play, Signal, Stage

if TYPE_CHECKING:
    from sim.core.model import ABXModel



@dataclass
class RoutingParams(PolicyParams):
    """Settings every orchestration has: intent data, and how sales treats leads."""

    intent_coverage: float = param(0.3, lo=0, hi=1, unit="share",
                                   doc="share of an account's research the vendor's intent data sees")
    intent_threshold: float = param(0.35, lo=0, hi=1, unit="0-1",
                                    doc="observed intent above which an intent-surge signal fires")
    follow_up_rate: float = param(0.7, lo=0, hi=1, unit="share",
                                  doc="share of leads (MQAs, hand-raisers) sales commits to follow up",
                                  source="CAL-2.1 (MQL->SAL 40-60%), CAL-4.8")
    list_overlap: float = param(0.07, lo=0, hi=1, unit="share",
                                doc="share of marketing's target list (best tiers first) that is also on sales' "
                                    "named list", source="CAL-4.8")
    sales_own_accounts: int = param(150, lo=0, hi=MAX_ACCOUNTS, unit="accounts",
                                    doc="accounts sales names on its own, off marketing's list (by value)")
    p_inconsistent: float = param(0.5, lo=0, hi=1, unit="probability",
                                  doc="chance two uncoordinated teams touching one account in a week send "
                                      "contradictory messages")


def sales_list(tier: np.ndarray, value: np.ndarray, overlap: float, own: int) -> np.ndarray:
    """Sales' named accounts: ``overlap`` of marketing's list, best tiers (then value) first, plus
    ``own`` accounts sales picks by value from outside marketing's list."""
    order = np.lexsort((-value, -tier))  # tier descending, then value descending
    listed = order[tier[order] > 0]
    unlisted = order[tier[order] == 0]
    named = np.zeros(len(tier), dtype=bool)
    named[listed[: round(overlap * len(listed))]] = True
    named[unlisted[:own]] = True
    return named


class Routing(OrchestrationPolicy):
    """Shared bookkeeping: sales' named list, and sales deciding once per lead to follow it up."""

    @override
    def setup(self, model: ABXModel) -> None:
        n = model.n_accounts
        self._decided = np.zeros(n, dtype=bool)
        self._follow = np.zeros(n, dtype=bool)
        self._tier_seen: np.ndarray | None = None

    def named(self, model: ABXModel) -> np.ndarray:
        """Sales' named list, re-drawn whenever marketing's list changes."""
        tier = model.accounts.tier
        if tier is not self._tier_seen:
            self._named = sales_list(tier, model.accounts.acv_potential, self.p.list_overlap,
                                     self.p.sales_own_accounts)
            self._tier_seen = tier
        return self._named

    def followed_leads(self, model: ABXModel) -> np.ndarray:
        """Leads sales has committed to work (decided once per lead with ``follow_up_rate``)."""
        lead = model.accounts.lead
        new = lead & ~self._decided
        self._follow[new] = model.stream("lead_follow_up").random(len(new))[new] < self.p.follow_up_rate
        self._decided = lead.copy()
        return lead & self._follow

    def renewal_outreach(self, model: ABXModel) -> np.ndarray:
        """CS priority for the renewal call every orchestration makes before a contract ends."""
        due = (model.accounts.signals & Signal.RENEWAL_DUE) != 0
        return due.astype(np.float32)


@dataclass
class SiloedParams(RoutingParams):
    """Siloed orchestration has only the settings every routing has."""


@register("siloed")
class Siloed(Routing):
    """Each team works its own list on its own schedule; nobody sequences touches.

    Marketing touches its tiers; sales prospects its named list (only partly marketing's) on
    intent it sees, and follows up a share of marketing's leads; CS makes renewal calls. When
    two teams touch one account in a week their messages may contradict (collisions).
    """

    Params = SiloedParams

    @override
    def plan(self, model: ABXModel, cadence: np.ndarray) -> Plan:
        a = model.accounts
        n = len(a)
        prospect = a.stage < Stage.OPPORTUNITY
        own_intent = self.named(model) & prospect & (a.intent_obs >= self.p.intent_threshold)
        priority = np.where(self.followed_leads(model), 1.0 + a.wait_weeks, 0.0)
        priority = np.maximum(priority, np.where(own_intent, 0.5 + a.intent_obs, 0.0))
        return Plan(
            mkt_rate=cadence.take(a.tier, axis=0),  # take: ~7x faster than indexing rows
            sales_priority=priority.astype(np.float32),
            cs_priority=self.renewal_outreach(model),
            expansion=np.zeros(n, dtype=bool),
            play=np.zeros(n, dtype=np.int8),
            ae_context=np.ones(n, dtype=np.float32),
            coordinated=np.zeros(n, dtype=bool),
            p_inconsistent=self.p.p_inconsistent,
        )


@dataclass
class SignalParams(RoutingParams):
    """Parameters of signal-driven orchestration."""

    intent_coverage: float = param(0.8, lo=0, hi=1, unit="share",
                                   doc="share of an account's research the vendor's intent data sees")
    follow_up_rate: float = param(0.95, lo=0, hi=1, unit="share",
                                  doc="share of leads sales commits to follow up (a shared SLA)")
    list_overlap: float = param(1.0, lo=0, hi=1, unit="share",
                                doc="share of marketing's target list (best tiers first) that is also on sales' "
                                    "named list: sales is paged and AEs briefed only there", source="CAL-4.8")
    sales_own_accounts: int = param(0, lo=0, hi=MAX_ACCOUNTS, unit="accounts",
                                    doc="accounts sales names on its own, off marketing's list (by value)")
    shared_view: bool = param(True, unit="flag",
                              doc="sales and CS work from marketing's account view, so touches are sequenced "
                                  "(false: only marketing uses the platform; teams' touches can collide)")
    cs_in_motion: bool = param(True, unit="flag", doc="CS is part of the motion (ABX scope): customer plays fire")
    acquisition_play: bool = param(True, unit="flag", doc="fire the acquisition sequence on intent and leads")
    expansion_play: bool = param(True, unit="flag", doc="fire the expansion play on expansion readiness")
    retention_play: bool = param(True, unit="flag", doc="fire retention recovery on usage drops, executive "
                                 "changes and unhealthy renewals")
    competitive_play: bool = param(True, unit="flag", doc="fire competitive defense when a customer shows intent")
    flex_ads: float = param(1.0, lo=0, hi=50, unit="touches/member/week",
                            doc="extra ad touches to the whole committee while an acquisition play runs")
    flex_email: float = param(0.5, lo=0, hi=50, unit="touches/member/week",
                              doc="extra content touches to known contacts during a play")
    retention_exec_rate: float = param(0.25, lo=0, hi=50, unit="touches/member/week",
                                       doc="executive-sponsor touches per member during a retention play "
                                           "(1:few and 1:1 customers)")
    ae_brief_min_tier: int = param(2, lo=0, hi=4, unit="tier",
                                   doc="lowest tier whose AE is briefed with the shared account view")
    ae_brief_effort: float = param(1.25, lo=1, hi=5, unit="x",
                                   doc="AE effort multiplier on briefed accounts")
    retention_health: float = param(0.6, lo=0, hi=1, unit="health",
                                    doc="health below which an upcoming renewal triggers retention recovery")


@register("signal")
class SignalDriven(Routing):
    """One shared account view; signals fire plays that sequence marketing, sales and CS.

    Acquisition sequence: an intent surge or lead on a listed account flexes ads and content to
    the whole committee and pages an SDR with context; AEs on higher tiers are briefed.
    Expansion play: an expansion-ready customer gets an expansion opportunity (CS + AE).
    Retention recovery: a usage drop, executive change or unhealthy renewal brings CS and the
    executive sponsor in before the renewal date. Competitive defense: a customer researching the
    market gets CS outreach and content. Touches are sequenced, so teams never collide.
    """

    Params = SignalParams

    @override
    def plan(self, model: ABXModel, cadence: np.ndarray) -> Plan:
        p, a, sig = self.p, model.accounts, model.accounts.signals
        n = len(a)
        rate = cadence.take(a.tier, axis=0)  # take: ~7x faster than indexing rows
        # Flexes are added to whole columns, zero where they do not apply, in the rate's own precision:
        # the numbers adding them to the masked rows gives, without the masked writes.
        flex = rate.dtype.type
        play = np.zeros(n, dtype=np.int8)
        prospect = a.stage < Stage.OPPORTUNITY
        customer = a.stage >= Stage.ONBOARDING
        listed = a.tier > 0
        surge = (sig & Signal.INTENT_SURGE) != 0

        followed = self.followed_leads(model)
        named = self.named(model)
        paged = named & prospect & surge
        sales = np.where(followed | paged, 1.0 + a.tier + a.intent_obs + 0.1 * a.wait_weeks, 0.0)
        if p.acquisition_play:
            acq = listed & prospect & (surge | a.lead)
            rate[:, Channel.ADS] += flex(p.flex_ads) * acq
            rate[:, Channel.EMAIL] += flex(p.flex_email) * acq
            play[acq] = Play.ACQUISITION

        cs = self.renewal_outreach(model)
        expansion = np.zeros(n, dtype=bool)
        if p.cs_in_motion:
            if p.expansion_play:
                expansion = customer & ((sig & Signal.EXPANSION_READY) != 0) & (a.exp_usd == 0)
                play[expansion] = Play.EXPANSION
                cs[expansion] = np.maximum(cs[expansion], 1.0)
            if p.competitive_play:
                comp = customer & ((sig & Signal.COMPETITOR_INTENT) != 0)
                rate[:, Channel.EMAIL] += flex(p.flex_email) * comp
                play[comp] = Play.COMPETITIVE
                cs[comp] = np.maximum(cs[comp], 2.0)
            if p.retention_play:
                risk = (sig & (Signal.USAGE_DROP | Signal.EXEC_CHANGE)) != 0
                due = ((sig & Signal.RENEWAL_DUE) != 0) & (a.health < p.retention_health)
                ret = customer & (risk | due)
                rate[:, Channel.EXECUTIVE] += flex(p.retention_exec_rate) * (ret & (a.tier >= 2))
                play[ret] = Play.RETENTION
                cs[ret] = 3.0
        return Plan(
            mkt_rate=rate,
            sales_priority=sales.astype(np.float32),
            cs_priority=cs,
            expansion=expansion,
            play=play,
            ae_context=np.where(named & (a.tier >= p.ae_brief_min_tier), p.ae_brief_effort, 1.0).astype(np.float32),
            coordinated=np.full(n, p.shared_view),
            p_inconsistent=p.p_inconsistent,
        )


@dataclass
class ManualParams(SignalParams):
    """Parameters of manual coordination."""

    intent_coverage: float = param(0.3, lo=0, hi=1, unit="share",
                                   doc="share of an account's research the vendor's intent data sees (no platform)")
    n_coordinators: int = param(1, lo=0, hi=10_000, unit="people", doc="people who route the account team's work")
    coordinator_hours_week: float = param(30.0, lo=0, hi=168, unit="hours/week",
                                          doc="hours per week each coordinator spends routing")
    hours_per_account_week: float = param(0.6, lo=0.01, hi=168, unit="hours",
                                          doc="hours a week of routing one account in the motion takes (reading "
                                              "its signals, briefing the teams, sequencing touches); 30 h / 0.6 h "
                                              "is the practitioners' ~50 accounts per coordinator")


@register("manual")
class Manual(SignalDriven):
    """Signal-driven plays, routed by hand: coordinators review the accounts in the motion (the
    target list and customers with a play this week), those with signals first, as far as their
    hours go. A reviewed account gets its plays and sequenced touches; the rest run as if siloed
    (no plays, no paging, touches may collide).
    Coordination quality is the reviewed share, so it degrades as accounts per coordinator grow.
    """

    Params = ManualParams

    def capacity(self) -> float:
        """Accounts the coordinators can route in a week."""
        p = self.p
        return p.n_coordinators * p.coordinator_hours_week / p.hours_per_account_week

    @override
    def plan(self, model: ABXModel, cadence: np.ndarray) -> Plan:
        a = model.accounts
        plan = super().plan(model, cadence)
        # The motion: the target list, plus customers with a play to route this week (CS in the motion).
        in_motion = (a.tier > 0) | ((a.stage >= Stage.ONBOARDING) & (plan.play != Play.NONE))
        priority = np.where(in_motion, 1.0 + (plan.play != Play.NONE) + (a.signals != 0) + a.tier / 10, 0.0)
        reviewed = allocate(priority, self.capacity())
        self.load = float(in_motion.sum()) / max(self.p.n_coordinators, 1)
        missed = ~reviewed
        plan.mkt_rate[missed] = cadence.take(a.tier[missed], axis=0)
        plan.play[missed] = Play.NONE
        plan.expansion &= reviewed
        plan.sales_priority = np.where(reviewed | self._follow & a.lead, plan.sales_priority, 0.0).astype(np.float32)
        plan.cs_priority = np.where(reviewed, plan.cs_priority, self.renewal_outreach(model))
        plan.ae_context = np.where(reviewed, plan.ae_context, 1.0).astype(np.float32)
        plan.coordinated = reviewed
        return plan
