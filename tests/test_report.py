"""The run report: what a run changed, the comparison with a baseline on the same world, metric
definitions in the page, figures that agree with the tables, and the page in a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, SMALL_TIERS, need_chromium
from markupsafe import escape
from PIL import Image

from sim.api import Preset, checked, compose_config, preset_of, run, simulate, with_strategy
from sim.core.metrics import SUMMARY
from sim.core.params import ConfigError
from sim.outputs.compare import Difference, differences, setting_changes, verdict
from sim.outputs.formats import ROWS, TABLE, format_value
from sim.outputs.plots import arr_bridge, pipeline_by_tier, save_figures
from sim.outputs.report import changes_of, report_html

ABX_SIM = shutil.which("abx-sim") or str(Path(sys.executable).with_name("abx-sim"))
SMALL = ["market.n_accounts=600", "horizon_weeks=52", *SMALL_TIERS]


@pytest.fixture(scope="module")
def changed_run():
    """A run with a budget, a follow-up rate and the size changed from the presets."""
    return run([*SMALL, "vendor.marketing_budget_usd_year=2000000", "strategy.orchestration.follow_up_rate=0.5"])


def test_the_report_lists_exactly_the_settings_changed_from_the_presets(changed_run):
    changes = {c.key: c for c in changes_of(changed_run, preset_of(changed_run.config))}
    tiers = {o.split("=")[0] for o in SMALL_TIERS}
    assert set(changes) == {"market.n_accounts", "horizon_weeks", "vendor.marketing_budget_usd_year",
                            "strategy.orchestration.follow_up_rate", *tiers}
    assert changes["strategy.orchestration.follow_up_rate"].preset == pytest.approx(0.95)
    assert changes["market.n_accounts"].preset == compose_config().market.n_accounts
    # team sizes scale with the market: at this size they are the preset's, so not listed as changes
    assert "vendor.n_sdr" not in changes and changes_of(changed_run, preset_of(changed_run.config))
    page = report_html(changed_run, preset=preset_of(changed_run.config))
    assert f"{len(changes)} settings changed" in page and "$2.00M" in page and "<code>vendor.n_sdr</code>" not in page


def test_a_run_of_the_presets_says_nothing_changed(changed_run):
    config = checked(compose_config())
    assert setting_changes(config, preset_of(config).config) == []
    as_run = Preset(changed_run.config, changed_run.config.market.n_accounts)  # a preset that is the run itself
    page = report_html(changed_run, preset=as_run)
    assert "nothing changed" in page and "What this run changed" not in page


def test_every_metric_shows_its_definition_and_unit_in_the_page(changed_run):
    page = report_html(changed_run)
    for rows in TABLE.values():
        for row in rows:
            assert str(escape(SUMMARY[row.key].meaning)) in page, row.key
            assert f'<td class="num">{format_value(changed_run.summary[row.key], row.kind)}</td>' in page


def test_the_pipeline_figure_adds_up_to_the_tables_pipeline_and_wins(changed_run):
    s, ts = changed_run.summary, changed_run.timeseries
    rows = pipeline_by_tier(changed_run.opportunities, changed_run.accounts, s)
    assert rows.pipeline_usd.sum() == pytest.approx(s["pipeline_created_usd"], rel=1e-9)
    assert rows.loc["expansion", "pipeline_usd"] >= 0
    assert rows.won_usd.sum() == pytest.approx(ts.new_arr_usd.sum(), rel=1e-9)  # the bridge's new logos
    # every new-logo opportunity is counted, whatever became of its account
    assert rows.drop("expansion").pipeline_usd.sum() == pytest.approx(changed_run.opportunities.amount_usd.sum())


def test_the_arr_bridge_adds_up_from_start_to_end(changed_run):
    bridge = arr_bridge(changed_run.summary, changed_run.timeseries)
    steps = bridge.drop(["start", "end"])
    assert bridge["start"] + steps.sum() == pytest.approx(bridge["end"], rel=1e-9)
    assert (steps[["contraction", "churn"]] <= 0).all() and (steps[["new logos", "expansion"]] >= 0).all()


def test_figures_are_drawn_at_the_styles_resolution(changed_run, tmp_path):
    for path in save_figures(changed_run, tmp_path):
        assert Image.open(path).size == (880, 495), path.name  # 8 x 4.5 inches at 110 dpi


def test_a_baseline_runs_on_the_same_world_with_its_own_strategy(changed_run):
    baseline = with_strategy(changed_run.config, "abm")
    assert baseline.strategy.name == "abm" and baseline.strategy.orchestration.policy == "siloed"
    assert baseline.market == changed_run.config.market and baseline.vendor == changed_run.config.vendor
    assert baseline.seed == changed_run.config.seed and baseline.horizon_weeks == changed_run.config.horizon_weeks
    base = simulate(baseline)
    # the same accounts and buyers: what the world draws does not depend on the strategy
    for column in ("segment", "industry", "acv_potential_usd", "fit_true", "committee_size"):
        assert (base.accounts[column] == changed_run.accounts[column]).all(), column
    assert base.summary["arr_start_usd"] == changed_run.summary["arr_start_usd"]
    with pytest.raises(ConfigError, match=r"output.compare = 'bogus': strategy=bogus: no such option"):
        with_strategy(changed_run.config, "bogus")


def test_differences_say_which_way_is_better_and_the_verdict_counts_them():
    up = Difference("win_rate", "win rate", "pct", 0.30, 0.25, 1)
    down = Difference("cac_usd", "CAC", "usd", 150_000.0, 100_000.0, -1)
    assert (up.verdict, up.text) == ("better", "+5.0 pp")
    assert (down.verdict, down.text) == ("worse", "+$50.00K (+50%)")
    assert Difference("spend_usd", "spend", "usd", 2.0, 1.0, 0).verdict == "neutral"
    assert Difference("nrr", "NRR", "pct", float("nan"), 1.0, 1).verdict == "neutral"
    summary = {key: 1.0 for key in ROWS}
    better = {**summary, "win_rate": 2.0, "cac_usd": 0.5, "churn_arr_usd": 3.0}
    diffs = differences(better, summary)
    text = verdict(diffs, "abx", "abm")
    scored = sum(1 for row in ROWS.values() if row.better)
    assert f"Of the {scored} measures with a better direction, abx is better on 2, worse on 0" in text


def test_the_command_compares_with_a_baseline_and_refuses_an_unknown_one(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run([ABX_SIM, *SMALL, "output.compare=abm", "output.figures=false", f"hydra.run.dir={out}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "abx against abm (same world, same seed)" in proc.stdout
    assert "measures with a better direction" in proc.stdout
    comparison = json.loads((out / "comparison.json").read_text())
    summary = json.loads((out / "summary.json").read_text())
    assert comparison["baseline"] == "abm" and comparison["metrics"]["bookings_usd"]["run"] == summary["bookings_usd"]
    page = (out / "report.html").read_text()
    assert "Against <code>abm</code> on the same world" in page
    for args, expected in ((["output.compare=bogus"], "output.compare = 'bogus': strategy=bogus: no such option"),
                           (["-m", "output.compare=abm", "strategy=abx,abm"], "output.compare = abm: for a single")):
        proc = subprocess.run([ABX_SIM, *args, *SMALL, f"hydra.run.dir={tmp_path / 'no'}",
                               f"hydra.sweep.dir={tmp_path / 'no'}"], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and expected in proc.stderr, proc.stderr
        assert not (tmp_path / "no").exists()


@pytest.mark.slow
def test_the_report_in_a_browser_shows_its_figures_whole_and_fits_the_window(tmp_path):
    need_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    out = tmp_path / "run"
    proc = subprocess.run([ABX_SIM, "market.n_accounts=1000", "horizon_weeks=104", "output.compare=abm",
                           "vendor.marketing_budget_usd_year=2000000", f"hydra.run.dir={out}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto((out / "report.html").as_uri())
        sizes = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.width])")
        assert len(sizes) == 3 and all(done and natural == 880 and shown > 0 for done, natural, shown in sizes)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
        assert page.get_by_text("What this run changed").is_visible()
        assert page.locator("td.better").count() > 0
        assert page.locator("p.verdict").inner_text().startswith("abx against")
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        browser.close()
    assert np.asarray(Image.open(ARTIFACTS / "report.png")).std() > 10  # a page, not a blank


def test_a_sweep_report_reads_as_people_read_and_explains_a_missing_interval(tmp_path):
    folder = tmp_path / "sweep"
    proc = subprocess.run([ABX_SIM, "-m", "strategy=abx,abm", *SMALL, "horizon_weeks=20",
                           "output.reports_in_sweeps=true", "output.export=[csv,xlsx]", f"hydra.sweep.dir={folder}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    markdown, page = (folder / "report.md").read_text(), (folder / "report.html").read_text()
    for text in (markdown, page):
        assert "pipeline created (USD/year)" in text and "win rate" in text and " pp" in text
        assert "pipeline_created_usd" not in text and "An interval needs at least two finished runs" in text
    assert re.search(r"\| pipeline created \(USD/year\) \| \$[\d.]+[KM] \| \$[\d.]+[KM] \|", markdown)
    assert page.count('src="data:image/png;base64,') == 1 and "<table>" in page and "http" not in page
    assert len(pd.read_csv(folder / "catalog.csv")) == 2 == len(pd.read_excel(folder / "catalog.xlsx"))
    for job in ("0_abx", "1_abm"):  # every run of the sweep has its own report, as asked
        assert "What this run changed" in (folder / job / "report.html").read_text()
