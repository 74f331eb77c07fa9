"""The workshop dashboard: its settings rule, its pieces, and the app itself in a real browser.

The browser test starts ``abx-sim-dashboard`` on a free port and drives Debian's Chromium with
Playwright: it loads the page, moves a slider, resets, steps, checks that the plots change and
that an account's committee and story show, and saves a screenshot to ``$ABX_ARTIFACTS``
(default ``test-artifacts/``). Without a Chromium it is skipped, except in CI (``CI`` set), where
``.ci/run`` installs one and a missing browser fails the test.
"""

from __future__ import annotations

import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, need_chromium

from sim.apps.dashboard import (
    CONTROLS,
    LEVERS,
    NO_RACE,
    DashboardModel,
    alias_bundled_assets,
    choices,
    dashboard_config,
    default_settings,
    race_configs,
    settings_in_force,
)
from sim.apps.dashboard_charts import account_chart, account_points, clicked_account, gap_chart, gap_series, live_chart
from sim.core.params import ConfigError


def test_the_controls_start_at_the_model_defaults_so_the_first_model_is_the_reset_one():
    initial = default_settings()
    assert set(initial) >= {"strategy", "rival", "orchestration", "personalization", *CONTROLS, *LEVERS}
    assert initial["rival"] == NO_RACE and set(choices()["rival"]) == {NO_RACE, *choices()["strategy"]}
    mine, rival = race_configs(initial)
    assert mine == dashboard_config() == DashboardModel().cfg and rival is None


def test_every_control_shows_its_value_in_its_label():
    assert CONTROLS["n_accounts"].text(1000) == "market: 1,000 accounts"
    assert CONTROLS["budget_musd"].text(2.5) == "marketing budget: $2.5M a year"
    assert LEVERS["follow_up_rate"].text(0.95) == "lead follow-up: 0.95"


def test_a_race_runs_two_strategies_on_the_same_world():
    settings = {**default_settings(), "n_accounts": 400, "rival": "abm", "follow_up_rate": 0.5}
    mine, rival = race_configs(settings)
    assert (mine.strategy.name, rival.strategy.name) == ("abx", "abm")
    assert mine.strategy.orchestration.follow_up_rate == 0.5 != rival.strategy.orchestration.follow_up_rate
    assert mine.market == rival.market and mine.vendor == rival.vendor and mine.seed == rival.seed
    a, b = DashboardModel(mine), DashboardModel(rival)
    for _ in range(8):
        a.step()
        b.step()
    ta, tb = a.account_table(), b.account_table()
    assert (ta.acv_potential_usd == tb.acv_potential_usd).all() and (ta.committee_size == tb.committee_size).all()
    sa, sb = a.recorder.frame(8), b.recorder.frame(8)
    gap = gap_series(sa, sb)
    assert len(gap) == 8 and gap["ARR"].to_numpy() == pytest.approx((sa.arr_usd - sb.arr_usd).to_numpy() / 1e6)
    spec = gap_chart(sa, sb, ("abx", "abm")).to_dict()
    title = spec["title"]["text"] if isinstance(spec["title"], dict) else spec["title"]
    assert "abx minus abm" in title
    raced = live_chart({"abx": sa, "abm": sb}, "revenue").to_dict()
    assert raced["encoding"]["strokeDash"]["scale"]["domain"] == ["abx", "abm"]


def test_a_preset_keeps_its_own_lever_values_until_a_lever_is_moved():
    misaligned = dashboard_config(strategy="abx_no_sales_alignment", n_accounts=500)
    assert misaligned.strategy.orchestration.list_overlap == pytest.approx(0.07)  # the preset's own
    moved = dashboard_config(strategy="abx_no_sales_alignment", n_accounts=500, list_overlap=0.5)
    assert moved.strategy.orchestration.list_overlap == pytest.approx(0.5)
    theater = dashboard_config(strategy="abx", personalization="ai_generated", n_accounts=500, claim=0.9)
    assert theater.strategy.personalization.claim_by_tier[2:] == [0.9, 0.9]
    assert dashboard_config(strategy="channel", n_accounts=500, claim=0.9).strategy.name == "channel"  # no such key


def test_tier_sizes_are_scaled_down_to_fit_a_small_market():
    cfg = dashboard_config(n_accounts=200, n_one_to_one=60, n_one_to_few=300, n_one_to_many=1000)
    t = cfg.strategy.tiering
    assert t.n_one_to_one + t.n_one_to_few + t.n_one_to_many <= 200 and t.n_one_to_one > 0


def test_bad_dashboard_settings_are_one_line_config_errors():
    with pytest.raises(ConfigError, match="unknown dashboard lever"):
        dashboard_config(n_accounts=300, warp_speed=1.0)
    with pytest.raises(ConfigError, match="cannot compose"):
        dashboard_config(strategy="bogus", n_accounts=300)


def test_the_pieces_render_from_a_stepped_model():
    model = DashboardModel(n_accounts=400, n_one_to_one=5, n_one_to_few=20, n_one_to_many=80)
    for _ in range(6):
        model.step()
    ts = model.recorder.frame(model.steps)
    for kind in ("funnel", "revenue", "trust"):
        spec = live_chart({"abx": ts}, kind).to_dict()
        assert spec["title"] and spec["encoding"]["x"]["title"] == "week"
        (rows,) = spec["datasets"].values()
        assert len(rows) == 6 * len(spec["encoding"]["color"]["scale"]["domain"])  # 6 weeks of every line
    points = account_points(model)
    assert len(points) == 400 and set(points.stage) <= {"target", "aware", "engaged", "mqa", "opportunity",
                                                        "onboarding", "customer"}
    spec = account_chart(points, selected=3).to_dict()
    assert len(spec["layer"]) == 2  # the accounts and the ring around the selected one
    encoding = spec["layer"][0]["encoding"]  # every channel has its legend: stage colours, tier shapes and sizes
    assert encoding["shape"]["title"] == "tier" and "legend" not in encoding["shape"]
    assert "legend" not in encoding["size"]
    assert dict(settings_in_force(model.cfg))["strategy"] == "abx"
    assert len(model.story.frame()) > 0 and model.story.tracked.all()  # every account's story is kept


def test_a_click_event_yields_the_account_id():
    assert clicked_account({"account": 7, "fit": 0.3}) == 7
    assert clicked_account({"datum": {"account": 12}}) == 12
    assert clicked_account({"x": 1}) is None and clicked_account(None) is None


def test_offline_asset_aliases(tmp_path):
    (tmp_path / "vega@5.21.0").mkdir()
    (tmp_path / "vega-lite@5.2.0").mkdir()
    made = alias_bundled_assets(tmp_path)
    assert sorted(p.name for p in made) == ["vega-lite@5", "vega@5"]
    assert (tmp_path / "vega@5").resolve() == (tmp_path / "vega@5.21.0").resolve()
    assert alias_bundled_assets(tmp_path) == []  # idempotent


# ------------------------------------------------------------------------------ in a browser
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory):
    need_chromium()
    port = _free_port()
    exe = shutil.which("abx-sim-dashboard") or str(Path(sys.executable).with_name("abx-sim-dashboard"))
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen([exe, "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"the dashboard did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)
    yield url
    server.terminate()
    server.wait(timeout=20)


def _headline(page) -> str:
    return page.locator(".abx-headline").inner_text()


def _plot_pixels(page, kind: str) -> bytes:
    """What the browser shows of a live plot, as PNG bytes."""
    return page.locator(f".abx-{kind} .vega-embed").screenshot()


#: What the framework under the page would show and the page must not (Mesa's SolaraViz controls).
FOREIGN = ("Play Interval", "Render Interval", "Use Threads", "PAGE 0", "Time:")


def _set_slider(page, label: str, presses: int, expected: str) -> None:
    """Move the slider whose label starts with ``label`` by keyboard, until its label shows ``expected``."""
    slider = page.locator(".v-input", has_text=re.compile(rf"^\s*{re.escape(label)}")).get_by_role("slider")
    slider.focus()
    for _ in range(presses):
        page.keyboard.press("ArrowRight")
    page.locator(".v-input", has_text=expected).first.wait_for(timeout=30_000)


@pytest.mark.slow
def test_the_dashboard_in_a_browser_controls_steps_a_race_and_an_account(dashboard_url):
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1500, "height": 3000})  # the whole page: the app scrolls inside it
        page.goto(dashboard_url, wait_until="domcontentloaded")
        page.locator(".abx-headline", has_text="Week 0 of 156").wait_for(timeout=60_000)
        assert "1,000 accounts" in _headline(page)
        text = page.locator("body").inner_text()
        assert not [word for word in FOREIGN if word in text], "the framework's own controls are on screen"
        for label in ("market: 1,000 accounts", "marketing budget: $5.0M a year", "1:1 accounts: 10",
                      "lead follow-up: 0.95"):  # every slider shows its value at rest
            assert label in text, label

        # a setting applies at once: the 1:1 tier grows by keyboard (5 accounts a press) and the run restarts
        _set_slider(page, "1:1 accounts", 4, "1:1 accounts: 30")
        page.locator(".abx-settings", has_text="30 / 50 / 250").wait_for(timeout=30_000)

        # step: the headline's week advances and every plot is redrawn each time
        seconds, shown = [], []
        for week in (1, 2, 3):
            start = time.perf_counter()
            page.get_by_role("button", name="Step", exact=True).click()
            page.locator(".abx-headline", has_text=f"Week {week} of 156").wait_for(timeout=30_000)
            page.locator(".abx-funnel .vega-embed canvas").wait_for(timeout=30_000)
            seconds.append(time.perf_counter() - start)
            shown.append({kind: _plot_pixels(page, kind) for kind in ("funnel", "revenue", "trust")})
        for kind in ("funnel", "revenue", "trust"):
            assert shown[0][kind] != shown[-1][kind], kind
        assert "pipeline created" in _headline(page) and "trust index" in _headline(page)
        print(f"step-to-render seconds at 1,000 accounts: {[round(s, 2) for s in seconds]}")
        assert statistics.median(seconds[1:]) < 1.5  # responsive at workshop scale

        # the race: abm on the same world; both step together and their gap is charted
        page.locator(".v-select", has_text="race against").click()
        page.get_by_role("option", name="abm", exact=True).click()
        page.locator(".abx-headline", has_text="against abm").wait_for(timeout=30_000)
        page.locator(".abx-headline", has_text="Week 0 of 156").wait_for(timeout=30_000)  # a new run, from week 0
        for week in (1, 2, 3, 4):
            page.get_by_role("button", name="Step", exact=True).click()
            page.locator(".abx-headline", has_text=f"Week {week} of 156").wait_for(timeout=30_000)
        page.locator(".abx-gap .vega-embed canvas").wait_for(timeout=30_000)
        headline = _headline(page)
        assert "gap" in headline and "abx" in headline and "abm" in headline
        assert "abm" in page.locator(".abx-settings").inner_text()

        # select an account: its committee and story appear, readable
        box = page.locator(".abx-account-view input")
        box.fill("0")
        box.press("Enter")
        page.get_by_text("Buying committee now").wait_for(timeout=30_000)
        view = page.locator(".abx-account-view").inner_text()
        assert "Account 0" in view and "Story" in view and re.search(r"economic|champion|user|technical", view)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # nothing runs off
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        browser.close()
