"""The end of the week: stock metrics (counts by stage, ARR, trust and fatigue) are recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.state import Stage
from sim.core.week import Week

if TYPE_CHECKING:
    from sim.core.model import ABXModel


def record_stocks(model: ABXModel, week: Week) -> None:
    """Record the week's stocks: accounts by stage, open opportunities, in-market share, ARR, and the
    mean trust and fatigue of listed accounts' members (all accounts' when nothing is listed)."""
    a, m, rec = model.accounts, model.members, model.recorder
    counts = np.bincount(a.stage, minlength=len(Stage))
    for s in Stage:
        rec.set(f"n_{s.name.lower()}", int(counts[s]))
    rec.set("open_opps", int(counts[Stage.OPPORTUNITY]))
    rec.set("in_market_share", float(a.in_market.mean()))
    rec.set("arr_usd", float(a.arr.sum()))
    listed = (a.tier > 0) if (a.tier > 0).any() else np.ones(model.n_accounts, bool)
    sel = model.members_of(listed)  # the same members, in the same order, as the mask listed[m.acct]
    rec.set("trust_mean", float(m.trust[sel].mean()) if len(sel) else 0.0)
    rec.set("fatigue_mean", float(m.fatigue[sel].mean()) if len(sel) else 0.0)
