"""The model's books, checked week by week: every state variable within its range, and the
conservation laws of accounts, deals, customers, ARR and committees. Shared by the whole-model tests
and the property test over random configs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from sim.core.mechanisms import market
from sim.core.model import ABXModel
from sim.core.state import Stage


@dataclass(frozen=True)
class Start:
    """What the conservation laws are measured from: the state before the first week."""

    open_deals: int
    customers: int
    arr: float
    m_start: np.ndarray
    m_count: np.ndarray
    acct: np.ndarray
    seat: np.ndarray
    role: np.ndarray

    @classmethod
    def of(cls, model: ABXModel) -> Start:
        a, m = model.accounts, model.members
        return cls(int((a.stage == Stage.OPPORTUNITY).sum()), int((a.stage >= Stage.ONBOARDING).sum()),
                   float(a.arr.sum()), a.m_start.copy(), a.m_count.copy(), m.acct.copy(), m.seat.copy(), m.role.copy())


def assert_bounded(model: ABXModel) -> None:
    """Every state variable stays in its declared range."""
    a, m = model.accounts, model.members
    for name in ("awareness", "engagement", "trust", "fatigue"):
        x = getattr(m, name)
        assert x.min() >= 0 and x.max() <= 1, name
    assert m.opinion.min() >= -1 and m.opinion.max() <= 1
    for x in (a.coverage, a.adoption, a.health, a.intent_obs):
        assert x.min() >= 0 and x.max() <= 1
    assert a.arr.min() >= 0
    assert (a.arr[a.stage < Stage.ONBOARDING] == 0).all()  # only customers carry ARR
    assert ((a.stage == Stage.OPPORTUNITY) <= a.in_market | (a.ti_opp == model.week)).all()


def assert_conserved(model: ABXModel, start: Start) -> None:
    """The conservation laws after the latest week, from the state and the weekly record so far."""
    a, m, n = model.accounts, model.members, model.cfg.market.n_accounts
    ts = {name: col[: model.steps] for name, col in model.recorder.cols.items()}
    week = model.week
    # Accounts: the recorded counts by stage cover the whole market, and are the state's counts.
    by_stage = np.array([ts[f"n_{s.name.lower()}"][-1] for s in Stage])
    assert by_stage.sum() == n, f"week {week}: accounts by stage {by_stage} do not add up to the market ({n})"
    assert np.array_equal(by_stage, np.bincount(a.stage, minlength=len(Stage))), f"week {week}: stage counts"
    # Deals: every new-logo opportunity ever opened is decided (won, lost, no decision) or still open.
    opened = start.open_deals + ts["opps_created"].sum()
    decided = (ts["wins"] + ts["losses"] + ts["no_decisions"]).sum()
    open_now = int((a.stage == Stage.OPPORTUNITY).sum())
    assert opened == decided + open_now, f"week {week}: deals opened {opened} != decided {decided} + open {open_now}"
    assert ts["open_opps"][-1] == open_now, f"week {week}: open deals recorded"
    # Customers: the installed base plus the logos won minus the logos churned.
    customers = int((a.stage >= Stage.ONBOARDING).sum())
    expected = start.customers + ts["wins"].sum() - ts["churned_logos"].sum()
    assert customers == expected, f"week {week}: customers {customers} != start + wins - churned = {expected}"
    # ARR rolls forward: start + new + expansion - contraction - churn = recorded ARR = the accounts' ARR.
    flows = (ts["new_arr_usd"] + ts["expansion_arr_usd"] - ts["contraction_arr_usd"] - ts["churn_arr_usd"]).sum()
    gross = start.arr + sum(ts[f].sum() for f in ("new_arr_usd", "expansion_arr_usd", "contraction_arr_usd",
                                                   "churn_arr_usd"))  # rounding scales with what moved, not the rest
    assert ts["arr_usd"][-1] == pytest.approx(start.arr + flows, rel=1e-9, abs=1e-12 * gross), (
        f"week {week}: ARR does not roll forward")
    assert ts["arr_usd"][-1] == pytest.approx(a.arr.sum(), rel=1e-12), f"week {week}: ARR recorded"
    # Members: committees stay contiguous and keep their seats (turnover replaces people, not seats),
    # and each committee's influence adds up to 1.
    for name in ("m_start", "m_count"):
        assert np.array_equal(getattr(a, name), getattr(start, name)), f"week {week}: committee {name} changed"
    for name in ("acct", "seat", "role"):
        assert np.array_equal(getattr(m, name), getattr(start, name)), f"week {week}: member {name} changed"
    assert np.array_equal(m.acct, np.repeat(np.arange(n), a.m_count)), f"week {week}: committees not contiguous"
    assert np.array_equal(a.m_start, np.cumsum(a.m_count) - a.m_count), f"week {week}: committee starts"
    influence = np.bincount(m.acct, m.influence, n)
    assert np.allclose(influence, 1.0, atol=1e-5), f"week {week}: committee influence sums {influence.min()}"
    reach = np.stack([np.bincount(m.acct, row, n) for row in market.unpack_channels(m.reach)])
    assert np.array_equal(a.reach_count, reach), f"week {week}: reach counts out of step with the members' reach"


def run_checked(model: ABXModel) -> ABXModel:
    """Step a model week by week to its horizon, checking the bounds and the conservation laws after every week."""
    start = Start.of(model)
    for _ in range(model.cfg.horizon_weeks - model.steps):
        model.step()
        assert_bounded(model)
        assert_conserved(model, start)
    return model
