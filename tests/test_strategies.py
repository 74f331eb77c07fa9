"""Strategy presets, the policies behind them, and the failure modes they must produce.

Effects are tested paired over common-random-number replications (the same world per seed) at a
size that runs in CI: 1,500 accounts, 78 weeks, 5 seeds, a one-sided t-test. Those tests, and the
diagnoses over two seeds, are marked slow; the quick set runs every preset once on a small market.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from helpers import cached_run
from omegaconf import OmegaConf
from scipy import stats

from sim.api import compose_config, config_dir
from sim.core.diagnostics import DIAGNOSES, flagged
from sim.core.metrics import undefined_reasons
from sim.core.model import ABXModel
from sim.core.policies.base import at_level
from sim.core.policies.measurement import attribute, reweight
from sim.core.policies.orchestration import sales_list
from sim.core.state import Stage

PRESETS = sorted(p.stem for p in (config_dir() / "strategy").glob("*.yaml"))
FAILURES = {  # preset -> the diagnosis it must raise
    "abx_theater": "theater",
    "abx_personalize_everything": "theater",
    "abx_no_sales_alignment": "no_sales_alignment",
    "abx_marketing_only": "marketing_only",
    "abx_underinvest_strategic": "strategic_underinvested",
    "abx_list_paralysis": "list_paralysis",
    "abx_manual_orchestration": "orchestration_overload",
    "abx_channel_metrics": "channel_metric_drift",
}
SEEDS = range(5)


@functools.cache
def preset(name: str) -> dict:
    """A strategy preset's resolved config (composed once per session)."""
    config = OmegaConf.to_container(compose_config([f"strategy={name}"]), resolve=True)
    assert isinstance(config, dict)
    return config


def default_vendor() -> tuple[str, ...]:
    """The default preset's vendor at its own market size (10,000 accounts), as explicit overrides of
    every vendor value the preset sizes to the market (``${abx_sized:...}``).

    The failure presets' diagnosis thresholds (collisions per account, accounts per coordinator, ...)
    are stated for the default vendor's teams; the test market is small for speed only, so it keeps
    them instead of a vendor sized to 1,500 accounts (whose single marketer and SDR rarely collide).
    """
    cfg = compose_config([])
    raw = OmegaConf.to_container(cfg.vendor, resolve=False)
    resolved = OmegaConf.to_container(cfg.vendor, resolve=True)
    return tuple(f"vendor.{key}={resolved[key]}" for key, value in raw.items()
                 if isinstance(value, str) and value.startswith("${abx_sized:"))


DEFAULT_VENDOR = default_vendor()


def summary(strategy: str, seed: int) -> dict[str, float]:
    return cached_run(strategy, seed, 78, 1500, DEFAULT_VENDOR).summary


def paired(metric: str, high: str, low: str) -> tuple[np.ndarray, float]:
    """Paired differences ``high - low`` over the seeds and the one-sided p-value that they are > 0."""
    diffs = np.array([summary(high, s)[metric] - summary(low, s)[metric] for s in SEEDS])
    return diffs, float(stats.ttest_1samp(diffs, 0.0, alternative="greater").pvalue)


def test_every_issue_preset_exists_with_a_comment_saying_what_it_represents():
    wanted = {"channel", "abm", "abx", "reverse_abx", "abx_no_sales_alignment", "abx_marketing_only",
              "abx_personalize_everything", "abx_underinvest_strategic", "abx_theater", "abx_list_paralysis",
              "abx_manual_orchestration", "abx_channel_metrics"}
    assert wanted <= set(PRESETS)
    for name in PRESETS:
        text = (config_dir() / "strategy" / f"{name}.yaml").read_text()
        assert text.startswith("# ") and len(text.split("\n", 1)[0]) > 20, name
        assert preset(name)["strategy"]["name"] == name


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_runs_and_reports_finite_numbers(name, small_run):
    s = small_run(name, 0, 26, 600).summary
    undefined = undefined_reasons(s)  # only ratios with nothing to divide by, each with its reason
    assert all(math.isfinite(v) for k, v in s.items() if k not in undefined), name
    assert s["spend_usd"] > 0 and all(0 <= s[k] <= 1 for k in ("win_rate", "theater_share") if k not in undefined)


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_failure_presets_change_only_what_the_vendor_does(name):
    """No failure preset may touch the market (buyers, deals, customers) or any outcome: only
    ``strategy.*`` keys differ from ABX."""
    base, failure = preset("abx"), preset(name)
    assert {k: v for k, v in failure.items() if k != "strategy"} == {k: v for k, v in base.items() if k != "strategy"}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "diagnosis"), sorted(FAILURES.items()))
def test_each_failure_preset_is_diagnosed_from_its_symptoms(name, diagnosis):
    assert all(diagnosis in flagged(summary(name, s)) for s in SEEDS[:2])


@pytest.mark.slow
def test_abx_raises_no_diagnosis_and_every_diagnosis_is_raised_by_some_preset():
    assert all(flagged(summary("abx", s)) == [] for s in SEEDS[:2])
    raised = {d for name in FAILURES for d in flagged(summary(name, 0))}
    assert {"theater", "no_sales_alignment", "marketing_only", "strategic_underinvested", "list_paralysis",
            "orchestration_overload", "channel_metric_drift"} <= raised <= set(DIAGNOSES)


# ------------------------------------------------------------------ failure modes, statistically
@pytest.mark.slow
def test_theater_costs_trust_and_pipeline():
    diffs, p = paired("trust_index", "abx", "abx_theater")
    assert (diffs > 0).all() and p < 0.01
    assert paired("pipeline_created_usd", "abx", "abx_theater")[1] < 0.01


@pytest.mark.slow
def test_personalizing_everything_overspends_and_slides_into_theater():
    for s in SEEDS[:2]:
        everything, abx = summary("abx_personalize_everything", s), summary("abx", s)
        assert everything["budget_delivered_share"] < 0.5 * abx["budget_delivered_share"]
        assert everything["theater_share"] > 3 * abx["theater_share"]


@pytest.mark.slow
def test_abx_without_sales_alignment_loses_pipeline():
    assert paired("pipeline_created_usd", "abx", "abx_no_sales_alignment")[1] < 0.05


@pytest.mark.slow
def test_abx_in_marketing_only_loses_pipeline_and_retention():
    assert paired("pipeline_created_usd", "abx", "abx_marketing_only")[1] < 0.01
    assert paired("nrr", "abx", "abx_marketing_only")[1] < 0.05


@pytest.mark.slow
def test_list_paralysis_loses_pipeline():
    assert paired("pipeline_created_usd", "abx", "abx_list_paralysis")[1] < 0.01


@pytest.mark.slow
def test_manual_orchestration_collides_and_loses_pipeline():
    diffs, _ = paired("collisions_per_account", "abx_manual_orchestration", "abx")
    assert (diffs > 0.5).all()
    assert paired("pipeline_created_usd", "abx", "abx_manual_orchestration")[1] < 0.05


@pytest.mark.slow
def test_channel_metric_steering_moves_budget_to_cheap_volume():
    diffs, _ = paired("ads_spend_share_change", "abx_channel_metrics", "abx")
    assert (diffs > 0.2).all()
    assert paired("touches_per_member", "abx_channel_metrics", "abx")[1] < 0.01


# ----------------------------------------------------------------------------- policy pieces
def test_investment_levels_interpolate_tier_programs():
    table = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [10.0, 20.0]])
    assert at_level(table, np.array([0, 1, 2, 3])).tolist() == table.tolist()
    assert at_level(table, np.array([1.5, 2.5])).tolist() == [[1.5, 3.0], [6.0, 12.0]]
    assert at_level(table, np.array([-1.0, 9.0])).tolist() == [[0.0, 0.0], [10.0, 20.0]]  # clipped to 0-3


def test_reweight_moves_budget_to_better_returns_at_constant_spend():
    spend, value = np.array([100.0, 100.0, 0.0]), np.array([300.0, 100.0, 0.0])
    new = reweight(np.ones(3), value, spend, 0.5, 0.25, 4.0)
    assert new[0] > 1 > new[1] and new[2] == 1  # no spend: unchanged
    assert (spend * new).sum() == pytest.approx(spend.sum())
    assert reweight(np.ones(3), value, spend, 0.0, 0.25, 4.0).tolist() == [1, 1, 1]  # step 0 never moves
    extreme = reweight(np.ones(2), np.array([1e6, 0.0]), np.ones(2), 5.0, 0.25, 4.0)
    assert extreme[1] == 0.25 and 1 < extreme[0] <= 4  # the floor holds; the winner takes what is left


def test_attribution_splits_each_accounts_value_by_touch_share():
    touches = np.array([[1.0, 0.0, 0.0], [3.0, 2.0, 0.0]])  # [channels, accounts]
    assert attribute(np.array([100.0, 10.0, 50.0]), touches).tolist() == [25.0, 85.0]  # untouched: uncredited


def test_sales_list_takes_the_overlap_from_the_top_of_marketings_list_plus_its_own_picks():
    tier = np.array([0, 1, 3, 2, 0, 1, 0], dtype=np.int8)
    value = np.array([9.0, 1.0, 1.0, 1.0, 5.0, 2.0, 1.0])
    assert np.flatnonzero(sales_list(tier, value, 0.5, 2)).tolist() == [0, 2, 3, 4]
    assert np.flatnonzero(sales_list(tier, value, 1.0, 0)).tolist() == [1, 2, 3, 5]


def test_research_ramp_restarts_for_accounts_that_join_the_list(small_config):
    model = ABXModel(small_config("abx", 800, 30, "vendor.research_ramp_weeks=8"))
    listed = np.flatnonzero(model.accounts.tier > 0)
    assert (model.context(0)[listed] == 1).all()  # the opening list was researched before the run
    model.accounts.tier = model.accounts.tier.copy()
    model.accounts.tier[listed[:5]] = 0
    model.week = 9
    model.review_list()  # the dropped accounts come back at the review: their research restarts
    back = listed[:5][model.accounts.tier[listed[:5]] > 0]
    assert len(back) and (model.context(10)[back] == 0).all() and (model.context(14)[back] == 0.5).all()


def test_deliberation_delays_the_list_and_recuts_replace_a_share_of_it(small_config):
    model = ABXModel(small_config("abx", 800, 30, "strategy.tiering.deliberation_weeks=6",
                                  "strategy.tiering.recut_share=0.5", "strategy.tiering.review_weeks=10"))
    assert (model.accounts.tier == 0).all()
    for _ in range(6):
        model.step()
    assert (model.accounts.tier == 0).all()
    model.step()
    first = model.accounts.tier > 0
    assert first.sum() == 470
    for _ in range(10):
        model.step()
    kept = (model.accounts.tier > 0) & first
    assert 0.3 < 1 - kept.sum() / first.sum() < 0.7  # about half the list re-cut


def test_manual_coordination_routes_only_what_its_hours_allow(small_config):
    cfg = small_config("abx_manual_orchestration", 800, 10, "strategy.orchestration.n_coordinators=2")
    model = ABXModel(cfg)
    model.step()
    assert model.orchestration.capacity() == pytest.approx(100.0)
    assert model.recorder.cols["coordinated_accounts"][0] == 100
    many = ABXModel(small_config("abx_manual_orchestration", 800, 10, "strategy.orchestration.n_coordinators=50"))
    many.step()
    assert many.recorder.cols["coordinated_accounts"][0] > 100


def test_all_four_plays_fire_and_show_in_the_account_stories(small_config, small_run):
    customers = np.flatnonzero(ABXModel(small_config("abx", 1500, 78)).accounts.stage >= Stage.ONBOARDING)
    ids = ",".join(map(str, customers))  # the installed base, plus the default tracked accounts
    res = small_run("abx", 0, 78, 1500, (f"output.story_ids=[{ids}]",))
    events = set(res.stories.detail[res.stories.kind == "play"])
    assert {f"{p} play starts" for p in ("acquisition", "expansion", "retention", "competitive")} <= events


# ----------------------------------------------------------- experiment effects, at CI size
def paired_extra(metric: str, high: tuple[str, ...], low: tuple[str, ...], strategy: str = "abx"):
    """Paired differences between two override sets of one strategy over the seeds."""
    diffs = np.array([cached_run(strategy, s, 78, 1500, (*DEFAULT_VENDOR, *high)).summary[metric]
                      - cached_run(strategy, s, 78, 1500, (*DEFAULT_VENDOR, *low)).summary[metric] for s in SEEDS])
    return diffs, float(stats.ttest_1samp(diffs, 0.0, alternative="greater").pvalue)


@pytest.mark.slow
def test_e3_one_to_one_investment_everywhere_loses_to_tiers():
    _, p = paired_extra("roi", ("strategy.tiering.investment=[0,1,2,3]",), ("strategy.tiering.investment=[0,3,3,3]",))
    assert p < 0.01


@pytest.mark.slow
def test_e6_manual_routing_collides_more_as_the_list_grows():
    small, large = ("strategy.tiering.n_one_to_few=20",), ("strategy.tiering.n_one_to_few=400",)
    base = ("strategy.tiering.n_one_to_one=0", "strategy.tiering.n_one_to_many=0")
    diffs, p = paired_extra("collisions_per_account", (*large, *base), (*small, *base), "abx_manual_orchestration")
    assert (diffs > 0).all() and p < 0.01


@pytest.mark.slow
def test_e7_reverse_abx_trades_new_logos_for_the_installed_base_in_a_mature_market():
    mature = (*DEFAULT_VENDOR, "market.installed_base_share=0.3")
    diffs = np.array([cached_run("abx", s, 78, 1500, mature).summary["new_logo_arr_usd"]
                      - cached_run("reverse_abx", s, 78, 1500, mature).summary["new_logo_arr_usd"] for s in SEEDS])
    assert diffs.mean() > 0 and stats.ttest_1samp(diffs, 0.0, alternative="greater").pvalue < 0.05


@pytest.mark.slow
def test_individual_tailoring_leaves_committees_further_apart_than_group_tailoring(small_config):
    """CAL-5.4: one shared narrative helps a committee agree; a different story for each member
    does not. Measured as the spread of opinions inside listed committees, paired over seeds."""
    def spread(tailoring: str, seed: int) -> float:
        cfg = small_config("abx", 1500, 40, f"strategy.personalization.tailoring={tailoring}", f"seed={seed}")
        model = ABXModel(cfg)
        model.run()
        m, listed = model.members, model.accounts.tier > 0
        sel = listed[m.acct] & (m.engagement > 0.1)
        mean = np.bincount(m.acct[sel], m.opinion[sel], model.n_accounts) / np.maximum(
            np.bincount(m.acct[sel], minlength=model.n_accounts), 1)
        return float(np.mean((m.opinion[sel] - mean[m.acct[sel]]) ** 2))

    diffs = np.array([spread("individual", s) - spread("group", s) for s in SEEDS])
    assert (diffs > 0).all() and stats.ttest_1samp(diffs, 0.0, alternative="greater").pvalue < 0.01
