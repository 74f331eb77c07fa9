"""The notebook API, Mesa agents, stories and the metrics glossary."""

from __future__ import annotations

from pathlib import Path

import mesa
import pytest

from sim.core.diagnostics import FLAGS
from sim.core.metrics import SUMMARY, WEEKLY, glossary_markdown
from sim.core.model import ABXModel

ROOT = Path(__file__).parents[1]


def test_results_hold_dataframes_and_the_model(abx_run):
    res = abx_run
    assert set(SUMMARY) | set(FLAGS) == set(res.summary)
    assert list(res.timeseries.columns) == list(WEEKLY)
    assert len(res.accounts) == 800 and isinstance(res.model, ABXModel)


def test_the_model_is_a_mesa_model_with_agents_for_accounts_members_and_teams(abx_run):
    model = abx_run.model
    assert isinstance(model, mesa.Model) and model.steps == 60
    assert len(model.account_agents) == 800 and len(model.teams) == 5
    one = model.account_agents.select(lambda a: a.tier == "one_to_one")
    assert len(one) == 10
    account = next(iter(one))
    committee = account.committee
    assert isinstance(committee, mesa.agent.AgentSet)
    assert len(committee) == model.accounts.m_count[account.index]
    assert committee.agg("trust", min) >= 0
    table = account.committee_table()
    assert list(table.role)[:2] == ["economic_buyer", "champion"]
    assert {t.name for t in model.teams} == {"marketing", "sdr", "ae", "cs", "executive"}


def test_stories_tell_what_happened_to_tracked_accounts(abx_run):
    res = abx_run
    tracked = res.stories.account.unique()
    assert 1 <= len(tracked) <= res.config.output.story_accounts
    one_to_one = int(res.accounts.index[res.accounts.tier == "one_to_one"][0])
    story = res.story(one_to_one)
    assert len(story) > 0 and story.week.is_monotonic_increasing
    assert {"touches", "stage"} <= set(story.kind)
    assert all(isinstance(d, str) for d in story.detail)


def test_chosen_story_ids_are_tracked(small_run):
    res = small_run("abm", 0, 60, 800, ("output.story_ids=[17,42]",))
    assert {17, 42} <= set(res.stories.account)


def test_docs_metrics_glossary_is_generated_from_the_code():
    assert (ROOT / "docs/metrics.md").read_text() == glossary_markdown(), (
        "regenerate with: python -m sim.core.metrics > docs/metrics.md")


def test_docs_parameter_reference_is_generated_from_the_code():
    from sim.studies.reference import parameters_markdown

    assert (ROOT / "docs/parameters.md").read_text() == parameters_markdown(), (
        "regenerate with: python -m sim.studies.reference > docs/parameters.md")


@pytest.mark.parametrize("key", sorted([*SUMMARY, *FLAGS]))
def test_every_summary_metric_is_documented(key):
    assert f"`{key}`" in (ROOT / "docs/metrics.md").read_text()


def test_a_run_that_cannot_fit_in_memory_is_refused_before_it_starts(monkeypatch):
    from sim.api import compose_config, run
    from sim.core import memory
    from sim.core.params import ConfigError
    from sim.core.validate import validate

    cfg = validate(compose_config(["market.n_accounts=5000000"]))
    # The estimate matches what was measured (about 1 GB at 1,000,000 accounts, issue 14).
    assert 3.5e9 < memory.needed_bytes(cfg) < 5e9
    with pytest.raises(ConfigError, match=r"market.n_accounts = 5,000,000: a run needs about 4.\d GB .* 2.0 GB"):
        memory.check_fits(cfg, available=2e9)
    memory.check_fits(cfg, available=64e9)  # a big machine runs it
    monkeypatch.setattr(memory, "available_bytes", lambda: 1e8)  # the API checks too, before building anything
    with pytest.raises(ConfigError, match="needs about"):
        run(["market.n_accounts=300", "horizon_weeks=2"])
