"""Mesa agents: accounts, committee members and vendor teams, as views over the model's arrays.

The model's state lives in numpy arrays (:mod:`sim.core.state`) and every mechanism updates all
agents at once; these agents read and show one row, so the model can be inspected with Mesa's
tools (``model.account_agents.select``/``agg``, then ``model.agents_by_type``, SolaraViz). Team
agents exist from the start; account agents are created the first time ``model.account_agents`` is read, and member
agents per committee the first time they are asked for (``account.committee``), because a market
can hold a million accounts and seven million members.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from sim.core.config import ROLES, SEGMENTS, TIERS
from sim.core.lean_mesa import mesa  # Mesa without scipy and networkx (see there)
from sim.core.state import Stage, Team

if TYPE_CHECKING:
    from sim.core.model import ABXModel


class AccountAgent(mesa.Agent):
    """One account: its segment, tier, stage, committee, ARR and story."""

    model: ABXModel

    def __init__(self, model: ABXModel, index: int) -> None:
        super().__init__(model)
        self.index = index
        self._committee: mesa.agent.AgentSet | None = None

    def __repr__(self) -> str:
        return f"AccountAgent({self.index}, {self.segment}, {self.tier}, {self.stage})"

    @property
    def segment(self) -> str:
        return SEGMENTS[self.model.accounts.segment[self.index]]

    @property
    def tier(self) -> str:
        return TIERS[self.model.accounts.tier[self.index]]

    @property
    def stage(self) -> str:
        return Stage(self.model.accounts.stage[self.index]).name.lower()

    @property
    def arr_usd(self) -> float:
        return float(self.model.accounts.arr[self.index])

    @property
    def in_market(self) -> bool:
        return bool(self.model.accounts.in_market[self.index])

    @property
    def coverage(self) -> float:
        """Influence-weighted share of the committee engaged with the vendor, 0-1."""
        return float(self.model.accounts.coverage[self.index])

    @property
    def health(self) -> float:
        return float(self.model.accounts.health[self.index])

    @property
    def committee(self) -> mesa.agent.AgentSet:
        """The buying committee as Mesa agents (created on first access)."""
        if self._committee is None:
            a = self.model.accounts
            start, size = int(a.m_start[self.index]), int(a.m_count[self.index])
            self._committee = mesa.agent.AgentSet(
                [MemberAgent(self.model, i) for i in range(start, start + size)], random=self.model.random)
        return self._committee

    def committee_table(self) -> pd.DataFrame:
        """The committee's state now, one row per member."""
        return pd.DataFrame([member.state() for member in self.committee])

    def story(self) -> pd.DataFrame:
        """The weekly events this account went through (if it is tracked; see ``output.story_ids``)."""
        df = self.model.story.frame()
        return df[df.account == self.index].reset_index(drop=True)


class MemberAgent(mesa.Agent):
    """One buying-committee member: role, influence and their view of the vendor."""

    model: ABXModel

    def __init__(self, model: ABXModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    def state(self) -> dict[str, float | str | int]:
        """This member's attributes now."""
        m, i = self.model.members, self.index
        return {
            "member": i, "account": int(m.acct[i]), "role": ROLES[m.role[i]],
            "influence": float(m.influence[i]), "veto": bool(m.veto[i]),
            "skepticism": float(m.skepticism[i]), "awareness": float(m.awareness[i]),
            "engagement": float(m.engagement[i]), "opinion": float(m.opinion[i]),
            "trust": float(m.trust[i]), "fatigue": float(m.fatigue[i]), "week_joined": int(m.ti_joined[i]),
        }

    @property
    def role(self) -> str:
        return ROLES[self.model.members.role[self.index]]

    @property
    def trust(self) -> float:
        return float(self.model.members.trust[self.index])

    @property
    def opinion(self) -> float:
        return float(self.model.members.opinion[self.index])

    @property
    def engagement(self) -> float:
        return float(self.model.members.engagement[self.index])


class VendorTeam(mesa.Agent):
    """A vendor team (marketing, SDR, AE, CS, executive sponsor): headcount and weekly capacity."""

    model: ABXModel

    def __init__(self, model: ABXModel, team: Team) -> None:
        super().__init__(model)
        self.team = team

    def __repr__(self) -> str:
        return f"VendorTeam({self.name})"

    @property
    def name(self) -> str:
        return self.team.name.lower()

    @property
    def headcount(self) -> float:
        v = self.model.cfg.vendor
        heads = {Team.MARKETING: v.n_marketers, Team.SDR: v.n_sdr, Team.AE: v.n_ae,
                 Team.CS: self.model.csm_headcount(), Team.EXECUTIVE: 1}
        return float(heads[self.team])

    @property
    def weekly_capacity(self) -> str:
        v = self.model.cfg.vendor
        return {
            Team.MARKETING: f"${v.marketing_budget_usd_year / 52:,.0f} program budget",
            Team.SDR: f"{v.n_sdr * v.sdr_accounts_week:g} accounts worked",
            Team.AE: f"{v.n_ae * v.ae_open_opps:g} open opportunities",
            Team.CS: f"{self.model.csm_headcount() * v.csm_book_accounts:g} customers covered",
            Team.EXECUTIVE: f"{v.exec_hours_week:g} hours",
        }[self.team]


def create_agents(model: ABXModel) -> None:
    """Create the team agents (accounts come on first use of ``model.account_agents``, members per
    committee)."""
    model.teams = mesa.agent.AgentSet([VendorTeam(model, t) for t in Team], random=model.random)


def account_agents(model: ABXModel) -> mesa.agent.AgentSet:
    """An agent for every account (a Python object each: about 340 bytes and 3 us, which a market of a
    million accounts would pay on every run, so they are made when first asked for)."""
    return mesa.agent.AgentSet([AccountAgent(model, i) for i in range(model.n_accounts)], random=model.random)

