"""Whole-model tests: bounds and conservation laws checked week by week, determinism, common random
numbers, and the direction of the main strategy effects with replications (marked slow)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from books import run_checked
from helpers import cached_run
from scipy import stats

from sim.core import model as model_module
from sim.core.metrics import undefined_reasons
from sim.core.model import ABXModel
from sim.core.phases import PHASES
from sim.core.state import Accounts, Members, Stage
from sim.core.week import Phase, Week

SEEDS = range(3)
STRATEGIES = ("channel", "abm", "abx")


#: A market in which every flow happens many times within 70 weeks: quarterly contracts on a larger
#: installed base (so customers churn, and churned accounts come back as prospects) next to the
#: new-logo funnel (opportunities won, lost and ending in no decision; a weaker competitor, so that
#: even ABM's few deals in this small market include wins).
BUSY = ("market.installed_base_share=0.15", "market.customers.contract_weeks=13",
        "market.deals.competitor_strength=-1.0")


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("seed", SEEDS)
def test_state_stays_bounded_and_accounts_deals_customers_arr_and_committees_are_conserved(strategy, seed,
                                                                                            small_config):
    model = run_checked(ABXModel(small_config(strategy, 600, 70, f"seed={seed}", *BUSY)))
    t = model.recorder.frame(model.steps).sum()
    # ... and every flow the laws count happened, so none of them held vacuously.
    assert min(t.opps_created, t.wins, t.losses, t.no_decisions, t.churned_logos) > 0, t


def lose_an_account(a: Accounts, m: Members) -> None:
    a.stage[0] = len(Stage)  # in no stage at all


def drop_a_deal(a: Accounts, m: Members) -> None:
    a.stage[np.flatnonzero(a.stage == Stage.OPPORTUNITY)[:1]] = Stage.ENGAGED  # neither won, lost nor undecided


def drop_a_customer(a: Accounts, m: Members) -> None:
    first = np.flatnonzero(a.stage >= Stage.ONBOARDING)[:1]  # gone without a churn being recorded
    a.arr[first], a.stage[first] = 0.0, Stage.ENGAGED


def move_a_member(a: Accounts, m: Members) -> None:
    m.acct[a.m_start[1]] = 0  # account 1's first member joins account 0's committee


def leak_influence(a: Accounts, m: Members) -> None:
    m.influence[0] *= 0.5


def grow_arr_unbooked(a: Accounts, m: Members) -> None:
    a.arr[np.flatnonzero(a.stage >= Stage.ONBOARDING)[:1]] *= 1.1  # an expansion nobody booked


#: Leaks the checks must catch, planted every week from week 20 just before the week's record, and
#: the words their failure message must contain.
LEAKS = {lose_an_account: "do not add up to the market", drop_a_deal: "deals opened", drop_a_customer: "customers",
         move_a_member: "member acct changed", leak_influence: "influence", grow_arr_unbooked: "roll forward"}


@pytest.mark.parametrize("leak", LEAKS, ids=lambda f: f.__name__)
def test_the_conservation_checks_catch_a_planted_leak(leak, small_config, monkeypatch):
    """Each check can fail: a model that leaks accounts, deals, customers, ARR or members is caught."""
    assert PHASES[-1].name == "record"

    def plant(model: ABXModel, week: Week) -> None:
        if week.w >= 20:
            leak(model.accounts, model.members)

    monkeypatch.setattr(model_module, "PHASES", (*PHASES[:-1], Phase("leak", leak.__name__, plant), PHASES[-1]))
    with pytest.raises(AssertionError, match=LEAKS[leak]):
        run_checked(ABXModel(small_config("abx", 600, 30, *BUSY)))


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_spend_stays_within_budget_and_is_never_negative(strategy, small_run):
    res = small_run(strategy, 0, 60, 800)
    ts = res.timeseries
    spend_cols = [c for c in ts.columns if c.startswith("spend_")]
    assert (ts[spend_cols] >= 0).all().all()
    program = ts[[c for c in spend_cols if c.startswith("spend_channel_")]].sum(axis=1) + ts.spend_research_usd
    weekly_budget = res.config.vendor.marketing_budget_usd_year / 52
    assert (program <= weekly_budget * (1 + 1e-6)).all()
    assert ((ts.budget_delivered_share > 0) & (ts.budget_delivered_share <= 1)).all()
    tiers = ts[[c for c in spend_cols if c.startswith("spend_tier_")]].sum(axis=1)
    assert np.allclose(tiers, program)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_summary_values_are_finite_and_rates_are_probabilities(strategy, small_run):
    s = small_run(strategy, 0, 60, 800).summary
    undefined = undefined_reasons(s)  # a ratio with nothing to divide by (channel: no target list) has a reason
    assert all(np.isfinite(v) for k, v in s.items() if k not in undefined)
    for key in ("win_rate", "no_decision_rate", "committee_coverage", "logo_churn_rate", "theater_share",
                "ctr", "trust_index", "in_market_share"):
        assert 0 <= s[key] <= 1, key
    assert s["win_rate"] + s["no_decision_rate"] <= 1 + 1e-12
    assert 0 <= s["grr"] <= 1 and s["nrr"] >= s["grr"]


def test_same_seed_gives_identical_results_and_another_seed_does_not(small_config):
    a = ABXModel(small_config("abx", 800, 30, "seed=11"))
    b = ABXModel(small_config("abx", 800, 30, "seed=11"))
    c = ABXModel(small_config("abx", 800, 30, "seed=12"))
    for model in (a, b, c):
        model.run()
    assert a.summary() == b.summary()
    pd.testing.assert_frame_equal(a.recorder.frame(30), b.recorder.frame(30))
    pd.testing.assert_frame_equal(a.account_table(), b.account_table())
    assert a.summary() != c.summary()


def test_strategies_with_one_seed_face_the_same_world(small_run):
    """Common random numbers: market, buying windows and turnover do not depend on the strategy."""
    runs = {s: small_run(s, 0, 60, 800) for s in STRATEGIES}
    ref = runs["abx"]
    for res in runs.values():
        for col in ("in_market_share", "window_starts"):
            assert np.array_equal(res.timeseries[col], ref.timeseries[col])
        for col in ("segment", "industry", "acv_potential_usd", "fit_true", "committee_size", "in_market"):
            assert np.array_equal(res.accounts[col], ref.accounts[col])
        assert res.summary["arr_start_usd"] == ref.summary["arr_start_usd"]


#: The one module that touches global generators: pyabc draws from numpy's and Python's global
#: generators inside each task of a fit, so sim.fit.abc seeds both there, per task, from the fit's
#: SeedSequence (a task runs in a worker of its own; the model never reads them).
SEEDS_PYABC = "sim/fit/abc.py"


def test_no_stdlib_random_anywhere_in_the_package():
    import ast
    from pathlib import Path

    root = Path(__file__).parents[1]
    for path in root.joinpath("sim").rglob("*.py"):
        text = path.read_text()
        if path.relative_to(root).as_posix() == SEEDS_PYABC:
            task = next(f for f in ast.walk(ast.parse(text)) if isinstance(f, ast.FunctionDef)
                        and f.name == "_seeded_task")
            body = ast.get_source_segment(text, task)
            assert text.count("np.random.seed(") == body.count("np.random.seed(") == 1
            assert text.count("random.seed(") == body.count("random.seed(") == 2  # numpy's and Python's
            continue
        assert "import random" not in text and "np.random.seed" not in text and "shuffle_do" not in text, path


def _paired(metric: str, better: str, worse: str, seeds=range(5)) -> tuple[np.ndarray, float]:
    diffs = np.array([cached_run(better, s, 78, 1500).summary[metric] - cached_run(worse, s, 78, 1500).summary[metric]
                      for s in seeds])
    return diffs, stats.ttest_1samp(diffs, 0.0, alternative="greater").pvalue


@pytest.mark.slow
def test_abx_creates_more_pipeline_than_channel_only():
    """Paired over 5 common-random-number replications; one-sided t-test at the 1% level."""
    diffs, p = _paired("pipeline_created_usd", "abx", "channel")
    assert (diffs > 0).all() and p < 0.01


@pytest.mark.slow
def test_abx_retains_revenue_better_than_abm():
    """ABX puts customers on the list and fires retention and expansion plays: NRR is higher."""
    diffs, p = _paired("nrr", "abx", "abm")
    assert diffs.mean() > 0 and p < 0.05


def test_siloed_teams_collide_and_signal_routing_does_not(abm_run, abx_run):
    assert abm_run.summary["collisions_per_account"] > 0
    assert abx_run.summary["collisions_per_account"] == 0


def test_theater_emerges_when_the_budget_cannot_pay_for_the_research_a_claim_promises(small_run):
    """Researched personalization claims only what it researches; starve the budget and research
    thins while the claim stays: theater appears and trust falls, with no theater knob."""
    full = small_run("abx", 0, 52, 1500, ("vendor.marketing_budget_usd_year=2000000",))
    starved = small_run("abx", 0, 52, 1500, ("vendor.marketing_budget_usd_year=200000",))
    generic = small_run("channel", 0, 52, 1500)
    assert full.summary["theater_share"] < 0.02
    assert starved.summary["theater_share"] > 5 * max(full.summary["theater_share"], 1e-3)
    assert generic.summary["theater_share"] == 0
    assert starved.timeseries.trust_mean.iloc[-1] < full.timeseries.trust_mean.iloc[-1]


def test_list_reviews_run_on_mesa_calendar(small_config):
    model = ABXModel(small_config("abx", 800, 30, "strategy.tiering.review_weeks=5"))
    reviews = []
    original = model.tiering.assign
    model.tiering.assign = lambda m: (reviews.append(m.week), original(m))[1]  # count calls
    model.run()
    assert reviews == [4, 9, 14, 19, 24]  # between weeks 5k-1 and 5k (at time 5k + 0.5)


def test_pipeline_influenced_needs_a_marketing_touch(small_run):
    """With no marketing budget nothing is marketing-influenced, even in the first 13 weeks."""
    unfunded = small_run("abx", 0, 26, 800, ("vendor.marketing_budget_usd_year=0",))
    assert unfunded.summary["opportunities"] > 0 and unfunded.summary["pipeline_influenced_usd"] == 0
    funded = small_run("abx", 0, 26, 800)
    assert 0 < funded.summary["pipeline_influenced_usd"] <= funded.summary["pipeline_created_usd"]
