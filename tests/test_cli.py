"""The ``abx-sim`` command end to end, in temporary folders (never the repository)."""

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
from helpers import SMALL_TIERS

from sim.api import config_dir, config_groups
from sim.outputs.files import atomic_write
from sim.outputs.formats import format_value

ABX_SIM = shutil.which("abx-sim") or str(Path(sys.executable).with_name("abx-sim"))
SMALL = ["market.n_accounts=600", "horizon_weeks=20", *SMALL_TIERS]
REQUIRED_SUMMARY = ["pipeline_created_usd", "bookings_usd", "win_rate", "no_decision_rate", "sales_cycle_weeks",
                    "avg_deal_usd", "time_to_pipeline_weeks", "committee_coverage", "mqa_count", "arr_end_usd",
                    "nrr", "grr", "logo_churn_rate", "expansion_arr_usd", "spend_usd", "cac_usd", "roi",
                    "collisions_per_account", "trust_index", "theater_share", "mql_count", "ctr"]


def abx_sim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([ABX_SIM, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_a_run_writes_every_output_and_prints_a_summary(tmp_path):
    out = tmp_path / "run"
    proc = abx_sim(*SMALL, f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for label in ("pipeline created", "win rate", "sales cycle", "NRR", "GRR", "logo churn", "go-to-market spend",
                  "CAC", "collisions", "trust", "theater", f"Outputs: {out}"):
        assert label in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    undefined = summary.pop("undefined")  # a ratio with nothing to divide by is null, with its reason
    assert set(REQUIRED_SUMMARY) <= set(summary) and all(v is None or np.isfinite(v) for v in summary.values())
    assert {k for k, v in summary.items() if v is None} == set(undefined)
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 20 and {"week", "arr_usd", "pipeline_created_usd", "trust_mean"} <= set(ts.columns)
    accounts = pd.read_parquet(out / "accounts.parquet")
    assert len(accounts) == 600
    assert {"segment", "tier", "stage", "acv_potential_usd", "week_opportunity", "week_decision", "arr_usd"} <= set(
        accounts.columns)
    assert len(pd.read_parquet(out / "story.parquet")) > 0
    for png in ("funnel.png", "arr_bridge.png", "pipeline_by_tier.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    assert f"Report:  {out / 'report.html'}" in proc.stdout
    assert (out / ".hydra" / "config.yaml").is_file()
    assert not list(out.glob(".*.tmp"))
    log = (out / "cli.log").read_text()  # the run's log keeps what happened; the terminal only the summary
    assert "simulated 20 weeks of 600 accounts" in log and "wrote timeseries.parquet" in log and "win rate" in log
    assert "[INFO]" not in proc.stdout + proc.stderr


def test_runs_from_any_folder_and_the_same_seed_writes_identical_files(tmp_path):
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    for name in ("a", "b"):
        proc = abx_sim(*SMALL, "seed=5", f"hydra.run.dir={tmp_path / name}", "output.figures=false", cwd=elsewhere)
        assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "a/summary.json").read_bytes() == (tmp_path / "b/summary.json").read_bytes()
    for table in ("timeseries", "accounts", "story"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"a/{table}.parquet"),
                                      pd.read_parquet(tmp_path / f"b/{table}.parquet"))


def test_the_html_report_is_self_contained_with_the_summary_figures_diagnostics_and_stories(tmp_path):
    out = tmp_path / "run"
    proc = abx_sim(*SMALL, "strategy=abx_theater", f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    page = (out / "report.html").read_text()
    summary = json.loads((out / "summary.json").read_text())
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    for key, kind in (("pipeline_created_usd", "usd"), ("win_rate", "pct"), ("trust_index", "num")):
        assert f'<td class="num">{format_value(summary[key], kind)}</td>' in page  # as in the printed table
    assert page.count('src="data:image/png;base64,') == 3  # figures embedded: no file beside it needed
    assert "http" not in page.replace("http-equiv", "")
    assert "FLAGGED theater" in page  # abx_theater raises its own diagnosis
    stories = pd.read_parquet(out / "story.parquet")
    assert page.count("<details>") == stories.account.nunique() > 0
    quiet = tmp_path / "quiet"
    proc = abx_sim(*SMALL, "output.report=false", f"hydra.run.dir={quiet}", cwd=tmp_path)
    assert proc.returncode == 0 and not (quiet / "report.html").exists() and "Report:" not in proc.stdout


@pytest.mark.parametrize(("args", "expected"), [
    (["market.n_accounts=-5"], "market.n_accounts = -5: must lie in [1, 5000000]"),
    (["market.buyers.p_turnover_year=1.5"], "must lie in [0, 1]"),
    (["market.segment_shares=[0.5,0.6,0.1]"], "must add up to 1.0"),
    (["strategy.tiering.n_one_to_many=20000"], "more than market.n_accounts"),
    (["strategy.tiering.policy=bogus"], "unknown tiering policy"),
    (["strategy=bogus"], "strategy=bogus: no such option; available: abm, abx, abx_channel_metrics"),
    (["market=mars"], "market=mars: no such option"),
    (["strategy/personalization=bogus"], "available: ai_generated, generic, researched, template, token"),
    (["market.n_accounts=abc"], "market.n_accounts"),
    (["strategy.orchestration.nonsense=3"], "strategy.orchestration.nonsense: unknown key"),
    (["horizon_weeks=2", "hydra.run.dir=/proc/abx-sim-cannot-write-here"], "cannot write outputs"),
])
def test_user_mistakes_get_one_line_and_exit_2_without_a_traceback(tmp_path, args, expected):
    proc = abx_sim(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("abx-sim: error: ")
    assert expected in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "outputs").exists()  # nothing is created for a rejected run


def test_help_is_short_and_lists_every_preset_with_a_line_on_what_it_is(tmp_path):
    proc = abx_sim("--help", cwd=tmp_path)
    assert proc.returncode == 0
    root = config_dir()
    assert {"market", "strategy", "strategy/tiering", "strategy/personalization", "sweep"} <= set(config_groups())
    for group in config_groups():
        assert re.search(rf"^{re.escape(group)}=OPTION", proc.stdout, re.M), group
        for option in sorted(p.stem for p in (root / group).glob("*.yaml")):
            line = re.search(rf"^    {re.escape(option)} +(\S.*)$", proc.stdout, re.M)
            assert line and len(line.group(1)) > 20, (group, option)  # a meaning, not just the name
    assert len(proc.stdout.splitlines()) < 100 and "docs/parameters.md" in proc.stdout
    assert "abx-sim --cfg job" in proc.stdout and "n_accounts: 10000" not in proc.stdout  # no raw config dump


def test_cfg_job_prints_the_resolved_config(tmp_path):
    proc = abx_sim("--cfg", "job", "strategy=abm", "seed=7", cwd=tmp_path)
    assert proc.returncode == 0
    assert "seed: 7" in proc.stdout and "policy: siloed" in proc.stdout and "n_accounts: 10000" in proc.stdout


def test_a_failed_write_leaves_neither_the_file_nor_a_temporary(tmp_path):
    target = tmp_path / "table.parquet"

    def half_write(path: Path) -> None:
        path.write_bytes(b"partial")
        raise KeyboardInterrupt  # killed mid-write

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, half_write)
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_stops_with_one_line_and_keeps_finished_runs(tmp_path):
    import signal
    import time

    # A terminal delivers Ctrl-C to a process that handles SIGINT; CI may start us with SIGINT
    # ignored (inherited by children), so restore the default disposition in the child.
    proc = subprocess.Popen([ABX_SIM, "-m", "strategy=abm,abx", "replications=3", "market.n_accounts=2000",
                             f"hydra.sweep.dir={tmp_path / 's'}"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while not list((tmp_path / "s" / "catalog").glob("*.parquet")) and time.time() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("abx-sim: interrupted; finished runs are kept")
    assert list((tmp_path / "s" / "catalog").glob("*.parquet"))


def test_an_interrupt_hydra_reports_as_its_own_error_still_ends_as_interrupted(monkeypatch, capsys):
    import os
    import signal

    import sim.apps.cli as cli

    def run_sweep(opts):  # as when Ctrl-C lands inside OmegaConf: another exception, which Hydra turns into exit 1
        try:
            os.kill(os.getpid(), signal.SIGINT)
        except KeyboardInterrupt:
            print("'NoneType' object has no attribute '_invalidate_flags_cache'", file=sys.stderr)
            sys.exit(1)

    monkeypatch.setattr(cli, "run_sweep", run_sweep)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(SystemExit) as stopped:
            cli.main(["-m", "replications=2", "horizon_weeks=4"])
        with pytest.raises(SystemExit) as failed:  # an error with no Ctrl-C stays an error
            monkeypatch.setattr(cli, "run_sweep", lambda opts: sys.exit(1))
            cli.main(["-m", "replications=2", "horizon_weeks=4"])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert stopped.value.code == 130 and failed.value.code == 1
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("abx-sim: interrupted")


@pytest.mark.parametrize("argv", [["--strategies", "abm", "abx", "horizon_weeks=4"],
                                  ["horizon_weeks=4", "--seeds", "1", "--strategies", "abm", "abx"]])
def test_calibrate_takes_overrides_wherever_they_stand(argv, monkeypatch, capsys):
    import sim.studies.calibrate as calibrate

    seen = {}
    monkeypatch.setattr(calibrate, "table", lambda seeds, strategies, overrides: seen.update(
        strategies=strategies, overrides=overrides) or "")
    calibrate.main(argv)
    assert seen == {"strategies": ["abm", "abx"], "overrides": ["horizon_weeks=4"]}
