"""The ABX model: a ``mesa.Model`` whose weekly step runs the declared phases over arrays.

The week's phases, in order, are declared once in :data:`sim.core.phases.PHASES`; each is a function
of its own module that calls pure mechanism functions (:mod:`sim.core.mechanisms`) and the
strategy's policies (:mod:`sim.core.policies`). Between weeks, Mesa's event calendar runs the
scheduled events in :data:`BETWEEN_WEEKS`. The model owns the state (:mod:`sim.core.state`), the
random streams (:mod:`sim.core.streams`), the recorder and the stories.
"""

from __future__ import annotations

import functools
import math
from typing import Any, cast

import numpy as np
from omegaconf import DictConfig

from sim.core import per_account
from sim.core.agents import account_agents, create_agents
from sim.core.config import SEGMENTS, TIERS, Config
from sim.core.crm import CrmLog
from sim.core.diagnostics import diagnose
from sim.core.lean_mesa import Schedule, mesa  # Mesa without scipy and networkx (see there)
from sim.core.mechanisms import market
from sim.core.metrics import RETENTION_WINDOW_WEEKS, Recorder, summarize
from sim.core.phases import PHASES
from sim.core.policies import (
    MeasurementPolicy,
    OrchestrationPolicy,
    PersonalizationPolicy,
    TieringPolicy,
    make_policy,
)
from sim.core.state import NEVER, Outcome, Stage
from sim.core.story import StoryLog
from sim.core.streams import Streams, WeekStreams
from sim.core.validate import validate
from sim.core.week import Week

#: What happens between weeks, on Mesa's event calendar: (method name, what it does).
BETWEEN_WEEKS = (
    ("review_list", "list reviews re-tier the accounts (and the first list is executed after any deliberation)"),
    ("reallocate", "the measurement policy reallocates the budget across tiers and channels"),
)


class ABXModel(mesa.Model):
    """An ABX go-to-market strategy in a B2B market, simulated week by week.

    Args:
        cfg: a composed Hydra config or a :class:`~sim.core.config.Config` (validated here; a copy is kept).

    Attributes:
        accounts, members: struct-of-arrays state (:mod:`sim.core.state`).
        tiering, orchestration, personalization: the strategy's policies.
        recorder: weekly metrics; ``story``: tracked accounts' events.
    """

    def __init__(self, cfg: Config | DictConfig) -> None:
        self.cfg = validate(cfg)  # a Config too: the model runs only what passes its checks
        c = self.cfg
        self.streams = Streams(c.seed, c.replication)
        super().__init__(rng=self.streams.generator("mesa"))
        #: This week's generator of a random process: ``model.stream("renewals").random(n)``.
        self.stream = WeekStreams(self.streams)
        self.accounts, self.members = market.generate_market(c.market, c.vendor, self.streams.generator("market"))
        self.n_accounts, self.n_members = len(self.accounts), len(self.members)
        self.week = -1  # index of the week being simulated (0-based); -1 before the first

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
        self._cohort_week = max(0, c.horizon_weeks - RETENTION_WINDOW_WEEKS)
        #: Each account's ARR at the start of the retention window (the NRR cohort's base).
        self.cohort_arr = self.accounts.arr.copy()
        self.story = StoryLog(self.n_accounts, self._story_accounts())
        #: The vendor's own records: new-logo opportunities and changes of ARR (what a fit compares).
        self.crm = CrmLog()
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
        done = np.clip(w - a.ti_listed, 0.0, ramp) / ramp  # clipped first: no overflow for a tiny ramp
        return np.where(a.ti_listed == NEVER, 1.0, done).astype(np.float32)

    def members_of(self, accounts: np.ndarray) -> np.ndarray:
        """Member indices of the accounts in a boolean mask (committees are stored contiguously)."""
        return per_account.members(accounts, self.accounts.m_start, self.accounts.m_count)

    @functools.cached_property
    def account_agents(self) -> mesa.agent.AgentSet:
        """A Mesa agent for every account (:class:`~sim.core.agents.AccountAgent`), made on first use."""
        return account_agents(self)

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
        touched_m = a.touched[m.acct]
        w = m.influence[touched_m]
        trust = float(np.average(m.trust[touched_m], weights=w)) if w.sum() > 0 else math.nan  # undefined
        summary = summarize(
            self.recorder.frame(self.steps), arr_start=self.arr_start, cohort_start=self.cohort_arr,
            arr_end=a.arr, touched_trust=trust, touched_members=int(touched_m.sum()),
            touched_accounts=int(a.touched.sum()), n_accounts=self.n_accounts,
            gross_margin=self.cfg.vendor.gross_margin, tier_sizes=np.bincount(a.tier, minlength=len(TIERS)),
        )
        return summary | diagnose(summary)

    # ----------------------------------------------------------------------------- the week
    def step(self) -> None:
        """Simulate one week: every phase of :data:`sim.core.phases.PHASES`, in order."""
        self.week = w = self.steps - 1
        self.recorder.week = w
        self.stream.start(w)
        if w == self._cohort_week:
            self.cohort_arr = self.accounts.arr.copy()
        week = Week(w)
        for phase in PHASES:
            phase.run(self, week)

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

    def opportunity_table(self) -> Any:
        """Every new-logo opportunity so far, as the vendor's CRM holds it (a DataFrame, :mod:`sim.core.crm`)."""
        a = self.accounts
        open_ = np.flatnonzero(a.stage == Stage.OPPORTUNITY)
        return self.crm.opportunities(a.segment, open_, a.ti_opp[open_], a.opp_usd[open_])

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

