"""The vendor's records (sim.core.crm) agree with the run's own counts: they are what a fit compares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.api import run


@pytest.fixture(scope="module")
def results():
    return run(["market.n_accounts=1500", "horizon_weeks=130", "output.story_accounts=0"])


def arr_at(revenue: pd.DataFrame, week: int) -> pd.Series:
    """Each account's ARR at the start of ``week``: after its last change before it, or before its first."""
    arr = revenue.groupby("account").arr_before_usd.first()
    last = revenue[revenue.week < week].groupby("account").arr_after_usd.last()
    arr.loc[last.index] = last
    return arr


def test_opportunities_reproduce_the_deal_metrics(results):
    o, s = results.opportunities, results.summary
    decided = o[o.outcome != "open"]
    won = o[o.outcome == "won"]
    assert len(won) == s["new_logos"] > 20
    assert (decided.outcome == "won").mean() == pytest.approx(s["win_rate"], rel=1e-12)
    assert (decided.outcome == "no_decision").mean() == pytest.approx(s["no_decision_rate"], rel=1e-12)
    assert (won.closed_week - won.created_week).mean() == pytest.approx(s["sales_cycle_weeks"], rel=1e-12)
    assert won.amount_usd.mean() == pytest.approx(s["avg_deal_usd"], rel=1e-12)
    assert o.amount_usd.sum() <= s["pipeline_created_usd"]  # pipeline also counts expansion opportunities
    still_open = o[o.outcome == "open"]
    assert (still_open.closed_week == -1).all() and (decided.closed_week >= decided.created_week).all()
    assert len(still_open) == (results.accounts.stage == "opportunity").sum()


def test_revenue_changes_rebuild_the_arr_and_its_retention(results):
    rv, s = results.revenue, results.summary
    weeks = len(results.timeseries)
    start, cohort_start, end = arr_at(rv, 0), arr_at(rv, weeks - 52), arr_at(rv, weeks)
    assert start.sum() == pytest.approx(s["arr_start_usd"], rel=1e-12)
    assert end.sum() == pytest.approx(s["arr_end_usd"], rel=1e-12)
    cohort = cohort_start > 0
    assert end[cohort].sum() / cohort_start[cohort].sum() == pytest.approx(s["nrr"], rel=1e-12)
    assert np.minimum(end, cohort_start)[cohort].sum() / cohort_start[cohort].sum() == pytest.approx(s["grr"],
                                                                                                    rel=1e-12)
    assert (end[cohort] <= 0).mean() == pytest.approx(s["logo_churn_rate"], rel=1e-12)
    new = rv[rv.event == "new"]
    assert (new.arr_before_usd == 0).all() and len(new) == s["new_logos"]
    assert ((rv.arr_after_usd > rv.arr_before_usd) | (rv.event == "renewal")).all()
