"""Sweeps: designs, common random numbers, launchers, resume, failures, analyses, the report."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from sim.api import config_dir
from sim.outputs.run import run_id_of
from sim.sweep import analysis, catalog
from sim.sweep.designs import make_design
from sim.sweep.plan import expand
from sim.sweep.report import write_report
from sim.sweep.report_worker import ReportWorker

ABX_SIM = shutil.which("abx-sim") or str(Path(sys.executable).with_name("abx-sim"))
REPORT = shutil.which("abx-sim-report") or str(Path(sys.executable).with_name("abx-sim-report"))
TINY = ["market.n_accounts=400", "horizon_weeks=20"]
HAS_RAY = importlib.util.find_spec("ray") is not None and importlib.util.find_spec("hydra_plugins.hydra_ray_launcher")


def sweep(*args: str, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([ABX_SIM, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


# --------------------------------------------------------------------------------- designs
@pytest.mark.parametrize(("kind", "size"), [("lhs", 16), ("sobol", 8 * (3 + 2)), ("morris", 5 * (3 + 1))])
def test_design_sizes_and_bounds(kind, size):
    params = {"a": [0.0, 1.0], "b": [-5.0, 5.0], "c": [10.0, 20.0]}
    n = {"lhs": 16, "sobol": 8, "morris": 5}[kind]
    design = make_design(kind, params, n, seed=1)
    assert design.points.shape == (size, 3)
    for j, (lo, hi) in enumerate(params.values()):
        assert design.points[:, j].min() >= lo and design.points[:, j].max() <= hi
    assert np.array_equal(design.points, make_design(kind, params, n, seed=1).points)  # seeded


def test_latin_hypercube_puts_one_point_in_each_stratum():
    design = make_design("lhs", {"a": [0.0, 1.0], "b": [0.0, 1.0]}, 10, seed=3)
    for j in range(2):
        assert sorted(np.floor(design.points[:, j] * 10).astype(int)) == list(range(10))


def test_jobs_expand_replication_major_with_integer_keys_rounded():
    design = make_design("lhs", {"vendor.n_sdr": [2.0, 16.0], "market.data_quality": [0.2, 0.9]}, 2, seed=0)
    jobs = expand([["strategy=abm"], ["strategy=abx"]], 3, design, {"vendor.n_sdr"})
    assert len(jobs) == 2 * 2 * 3
    assert [j[-1] for j in jobs[:4]] == ["replication=0"] * 4 and jobs[-1][-1] == "replication=2"
    sdr = next(o for o in jobs[0] if o.startswith("vendor.n_sdr="))
    assert sdr.split("=")[1].isdigit()
    assert expand([["strategy=abm"]], 2, None) == [["strategy=abm", "replication=0"], ["strategy=abm", "replication=1"]]


# -------------------------------------------------------------------------------- analyses
def test_sobol_indices_recover_the_ishigami_function():
    """Analytic first-order indices of Ishigami (a=7, b=0.1): 0.314, 0.442, 0; total 0.558, 0.442, 0.244."""
    params = {"x1": [-np.pi, np.pi], "x2": [-np.pi, np.pi], "x3": [-np.pi, np.pi]}
    design = make_design("sobol", params, 1024, seed=2)
    si = analysis.sensitivity(design, Ishigami.evaluate(design.points))
    assert si.S1.tolist() == pytest.approx([0.314, 0.442, 0.0], abs=0.05)
    assert si.ST.tolist() == pytest.approx([0.558, 0.442, 0.244], abs=0.05)


def test_morris_screening_ranks_the_influential_parameter_first():
    design = make_design("morris", {"x1": [0.0, 1.0], "x2": [0.0, 1.0], "x3": [0.0, 1.0]}, 20, seed=0)
    y = 10 * design.points[:, 1] + design.points[:, 0] ** 2
    si = analysis.sensitivity(design, y)
    assert si.parameter[si.mu_star.idxmax()] == "x2" and si.mu_star[2] == pytest.approx(0.0, abs=1e-9)


def test_prim_finds_a_planted_box():
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.random((2000, 3)), columns=["a", "b", "c"])
    y = ((x.a > 0.6) & (x.b < 0.3)).to_numpy()
    box = analysis.prim_box(x, y)
    assert box is not None and set(box.limits) == {"a", "b"}
    assert box.limits["a"][0] == pytest.approx(0.6, abs=0.05) and box.limits["b"][1] == pytest.approx(0.3, abs=0.05)
    assert box.coverage > 0.8 and box.density > 0.8
    assert "a" in analysis.cart_rules(x, y) and "b" in analysis.cart_rules(x, y)


def test_mean_ci_matches_the_t_interval():
    mean, _, hi = analysis.mean_ci(np.array([1.0, 2.0, 3.0, 4.0]))
    assert mean == 2.5 and hi - mean == pytest.approx(3.182446 * np.std([1, 2, 3, 4], ddof=1) / 2, rel=1e-5)


def test_cross_strategy_conditions_are_evaluated_per_world():
    runs = pd.DataFrame({"world_id": ["w1", "w1", "w2", "w2"], "strategy.name": ["abm", "abx"] * 2,
                         "x": [0.1, 0.1, 0.9, 0.9], "pipeline": [5.0, 3.0, 1.0, 4.0]})
    x, y = analysis.condition_frame(runs, ["x"], "abx.pipeline < abm.pipeline")
    assert x.x.tolist() == [0.1, 0.9] and y.tolist() == [True, False]


# --------------------------------------------------------------------------- whole sweeps
# Slow: the 24-run grid (three strategies, eight replications) and every test reading it, resuming
# a killed sweep, and the design sweep. The quick set runs a two-run sweep end to end
# (test_a_failing_run_is_recorded_and_the_sweep_goes_on).
@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sweep") / "grid"
    proc = sweep("strategy=channel,abm,abx", "replications=8", *TINY, f"hydra.sweep.dir={folder}",
                 cwd=folder.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "24/24 runs done (0 failed" in proc.stderr
    return folder


@pytest.mark.slow
def test_a_sweep_writes_a_catalog_and_a_report(grid_sweep):
    table = catalog.load(grid_sweep)
    assert len(table) == 24 and table.run_id.is_unique and (table.status == "ok").all()
    assert list(table["strategy.name"][:3]) == ["channel", "abm", "abx"] and table.job.tolist() == list(range(24))
    assert {"seed", "replication", "runtime_s", "version", "world_id", "nrr", "market.n_accounts"} <= set(table.columns)
    assert len(pd.read_parquet(grid_sweep / "catalog")) == 24  # pandas reads the folder directly
    report = (grid_sweep / "report.md").read_text()
    assert "## Strategies" in report and "Differences to `channel`" in report
    assert (grid_sweep / "strategies.png").is_file()


@pytest.mark.slow
def test_the_report_helper_writes_the_report_written_in_process_and_stands_in_if_it_died(grid_sweep, tmp_path):
    folder = tmp_path / "grid"
    shutil.copytree(grid_sweep, folder)
    (folder / "report.md").unlink()
    assert ReportWorker().report(folder) == folder / "report.md"
    helper = (folder / "report.md").read_text()
    assert helper == write_report(folder).read_text() == (grid_sweep / "report.md").read_text().replace(
        str(grid_sweep), str(folder))
    dead = ReportWorker()
    assert dead._proc is not None
    dead._proc.kill()
    (folder / "report.md").unlink()
    assert dead.report(folder).read_text() == helper  # written in process instead


@pytest.mark.slow
def test_duckdb_reads_the_catalog(grid_sweep):
    import duckdb

    ((n, mean),) = duckdb.sql(f"select count(*), avg(nrr) from read_parquet('{grid_sweep}/catalog/*.parquet', "
                              "union_by_name = true) where status = 'ok'").fetchall()
    assert n == 24 and 0 < mean < 3


@pytest.mark.slow
def test_replication_r_of_every_strategy_sees_the_same_world(grid_sweep):
    table = catalog.load(grid_sweep)
    assert table.groupby("replication").world_id.nunique().eq(1).all()
    assert table.world_id.nunique() == 8
    for _, world in table.groupby("world_id"):  # world outputs agree within a world
        assert world.in_market_share.nunique() == 1 and world.arr_start_usd.nunique() == 1


@pytest.mark.slow
def test_paired_intervals_are_narrower_than_unpaired(grid_sweep):
    # End ARR is mostly the installed base every strategy shares in a world, so pairing through the
    # catalog's world_id must pay off even in this tiny sweep. (Pipeline in 400 accounts over 20 weeks
    # is a handful of deals on different accounts per strategy: pairing there is tested at a size where
    # it can show, in tests/test_streams.py.)
    runs = catalog.load(grid_sweep)
    diffs = analysis.paired_differences(runs, ["arr_end_usd"], "abm")
    width_paired = diffs.paired_high - diffs.paired_low
    width_unpaired = diffs.unpaired_high - diffs.unpaired_low
    assert (width_paired < width_unpaired).all()


@pytest.mark.slow
def test_launchers_and_worker_counts_give_identical_numbers(grid_sweep, tmp_path):
    columns = ["run_id", "world_id", "pipeline_created_usd", "bookings_usd", "nrr", "trust_index"]
    reference = catalog.load(grid_sweep)[columns]  # abx-sim's launcher, one job at a time
    launchers = [["hydra.launcher.n_jobs=2"], ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
                 ["hydra/launcher=joblib", "hydra.launcher.n_jobs=1"]]
    if HAS_RAY:
        launchers.append(["hydra/launcher=ray", "+hydra.launcher.ray.init.num_cpus=2",
                          "+hydra.launcher.ray.init.include_dashboard=false"])
    for i, launcher in enumerate(launchers):
        folder = tmp_path / f"l{i}"
        proc = sweep("strategy=channel,abm,abx", "replications=8", *TINY, f"hydra.sweep.dir={folder}", *launcher,
                     cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]
        pd.testing.assert_frame_equal(catalog.load(folder)[columns], reference)


@pytest.mark.skipif(not os.environ.get("CI"), reason="outside CI the ray extra is optional")
def test_ci_tests_the_ray_launcher():
    """CI installs the ray extra, so launcher equivalence above covers Ray there, not silently skips it."""
    assert HAS_RAY


@pytest.mark.slow
def test_a_killed_sweep_resumes_without_losing_or_repeating_runs(tmp_path):
    folder = tmp_path / "resume"
    args = [ABX_SIM, "-m", "strategy=abm,abx", "replications=6", *TINY, f"hydra.sweep.dir={folder}",
            "hydra.sweeper.max_batch_size=2"]
    proc = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.time() + 300
    while len(list((folder / "catalog").glob("*.parquet"))) < 4 and time.time() < deadline:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)  # as a crashed node would
    proc.wait()
    finished = {p.parent.name: p.stat().st_mtime_ns for p in folder.glob("*/summary.json")}
    assert 0 < len(finished) < 12
    again = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"{len(finished)} already done" in again.stderr
    table = catalog.load(folder)
    assert len(table) == 12 and table.run_id.is_unique and (table.status == "ok").all()
    for name, mtime in finished.items():  # finished runs were not recomputed
        assert (folder / name / "summary.json").stat().st_mtime_ns == mtime
    assert not list(folder.rglob(".*.tmp"))  # nothing half-written is left behind


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    folder = tmp_path / "fails"
    # The pre-flight checks every swept value (with the first value of the other keys), not every
    # combination: a list of 200 accounts fits a market of 300 and the list of 50 one of 100, but 200
    # in 100 fails when its run starts.
    proc = sweep("market.n_accounts=300,100", "strategy.tiering.n_one_to_many=50,200", "horizon_weeks=20",
                 f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr[-3000:]  # the other runs finish, and the sweep says it failed
    assert "1 of 4 runs failed" in proc.stderr.strip().splitlines()[-1]
    table = catalog.load(folder)
    failed, ok = table[table.status == "failed"], table[table.status == "ok"]
    assert len(failed) == 1 and len(ok) == 3
    assert "more than market.n_accounts = 100" in failed.error.iloc[0] and np.isnan(failed.nrr.iloc[0])
    assert "1 failed" in proc.stderr and "Failed runs" in (folder / "report.md").read_text()


@pytest.mark.slow
def test_a_design_sweep_reports_sensitivity_and_scenario_discovery(tmp_path):
    folder = tmp_path / "morris"
    proc = sweep("sweep=levers_morris", "sweep.samples=3", *TINY, "market.n_accounts=3000",
                 "sweep.condition='nrr < 1.0'", f"hydra.sweep.dir={folder}",
                 "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = catalog.load(folder)
    assert len(table) == 3 * (4 + 1) and sorted(table["sweep.point"]) == list(range(15))
    report = (folder / "report.md").read_text()
    assert "## Sensitivity" in report and "mu_star" in report and "## Scenario discovery" in report


def test_report_command_on_a_folder_without_a_catalog_fails_in_one_line(tmp_path):
    proc = subprocess.run([REPORT, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "no catalog rows" in proc.stderr


def test_conditions_are_read_not_executed():
    runs = pd.DataFrame({"world_id": ["w1", "w2", "w3"], "strategy.name": ["abx"] * 3, "x": [1.0, 2.0, 3.0],
                         "nrr": [0.9, 1.1, 0.95], "grr": [0.8, 0.95, 0.9]})
    _, y = analysis.condition_frame(runs, ["x"], "nrr < 1.0 and not grr - 0.05 >= 0.85")
    assert y.tolist() == [True, False, False]
    for bad in ("__import__('os').system('true')", "nrr.__class__ < 1", "[nrr][0] < 1", "nrr <"):
        with pytest.raises(ValueError, match="condition"):
            analysis.condition_frame(runs, ["x"], bad)
    with pytest.raises(ValueError, match="no metric or input named 'npr'"):
        analysis.condition_frame(runs, ["x"], "npr < 1")


# ------------------------------------------------------------------------------ no stale result
def test_a_folder_holding_a_different_sweep_is_refused_and_left_as_it_was(tmp_path):
    folder = tmp_path / "one"
    first = sweep("strategy=abm,abx", "market.n_accounts=300", "horizon_weeks=8", f"hydra.sweep.dir={folder}",
                  cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    # The example of issue 13: the same folder with another horizon used to report "2 already done".
    other = sweep("strategy=abm,abx", "market.n_accounts=300", "horizon_weeks=13", f"hydra.sweep.dir={folder}",
                  cwd=tmp_path)
    assert other.returncode == 2 and "holds a different sweep" in other.stderr and "horizon_weeks=8" in other.stderr
    assert len(other.stderr.strip().splitlines()) == 1 and "Traceback" not in other.stderr
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()} == before  # nothing written
    # The same sweep again, arguments reordered, is a resume: every run is reused.
    again = sweep("horizon_weeks=8", "market.n_accounts=300", "strategy=abm,abx", f"hydra.sweep.dir={folder}",
                  cwd=tmp_path)
    assert again.returncode == 0 and "2 already done" in again.stderr


def test_a_run_whose_config_changed_is_recomputed_not_reused(tmp_path):
    tree = tmp_path / "configs"
    shutil.copytree(config_dir(), tree)
    folder = tmp_path / "changed"
    args = ("strategy=abx", "market.n_accounts=300", "horizon_weeks=8", f"hydra.sweep.dir={folder}")
    env = {**os.environ, "ABX_SIM_CONFIG_DIR": str(tree)}
    run = partial(subprocess.run, [ABX_SIM, "-m", *args], cwd=tmp_path, capture_output=True, text=True,
                  timeout=600, env=env)
    assert run().returncode == 0
    old = catalog.load(folder)
    # Same arguments, but the market file now says something else (a colleague edited it).
    market = tree / "market" / "midmarket_saas.yaml"
    market.write_text(market.read_text().replace("p_window_start_year: 0.2", "p_window_start_year: 0.3"))
    proc = run()
    assert proc.returncode == 0 and "already done" in proc.stderr and "0 already done" in proc.stderr
    new = catalog.load(folder)
    assert len(new) == 1 and new.run_id.iloc[0] != old.run_id.iloc[0]  # the old row is gone, not mixed in
    assert new["market.p_window_start_year"].iloc[0] == 0.3


@pytest.mark.parametrize(("override", "message"), [
    ("replications=0", "replications = 0"),
    ("hydra.sweeper.max_batch_size=-1", "hydra.sweeper.max_batch_size = -1"),
    ("vendor.n_ae=-1", "vendor.n_ae = -1"),  # shared by every job: refused before any starts
])
def test_a_sweep_that_would_run_nothing_or_fail_every_run_is_refused_up_front(override, message, tmp_path):
    folder = tmp_path / "refused"
    proc = sweep("strategy=abm,abx", override, *TINY, f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and not folder.exists()


def test_a_resumed_job_clears_what_its_killed_attempt_left_half_written(tmp_path):
    folder = tmp_path / "tmpfiles"
    args = ("strategy=abx", "market.n_accounts=300", "horizon_weeks=8", f"hydra.sweep.dir={folder}")
    assert sweep(*args, cwd=tmp_path).returncode == 0
    run = next(folder.glob("*/summary.json")).parent
    (run / "summary.json").unlink()  # as if killed before the run finished
    leftovers = [run / ".timeseries.parquet.abc123.tmp", folder / "catalog" / f".{run_id_of(run)}.parquet.x.tmp"]
    for p in leftovers:
        p.write_text("half")
    assert sweep(*args, cwd=tmp_path).returncode == 0
    assert not any(p.exists() for p in leftovers) and not list(folder.rglob(".*.tmp"))
    mask = os.umask(0o022)
    os.umask(mask)
    assert (run / "summary.json").stat().st_mode & 0o777 == 0o666 & ~mask  # the umask, not mkstemp's 0600


# ---------------------------------------------------------------------------- job configs
def test_a_sweep_job_config_built_from_a_shared_composition_is_the_one_hydra_composes(tmp_path):
    """Jobs that differ only in plain values share one composition (hydra_plugins/abx_sweeper/
    job_configs.py); each job's config, Hydra node included, must equal Hydra's own."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.utils import create_config_search_path
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    from hydra_plugins.abx_sweeper.job_configs import ReusingConfigLoader
    from sim.api import register_schema

    register_schema()
    loader = ConfigLoaderImpl(config_search_path=create_config_search_path(str(config_dir())))
    arguments = ["strategy=abm,abx", "market.n_accounts=300,400", "sweep.condition='nrr < 1.0'", "horizon_weeks=8"]
    master = loader.load_configuration("config", [f"hydra.sweep.dir={tmp_path}", "hydra/launcher=joblib",
                                                  *arguments], run_mode=RunMode.MULTIRUN)
    design = make_design("lhs", {"vendor.n_sdr": [2.0, 16.0], "market.data_quality": [0.2, 0.9]}, 2, seed=0)
    grid = [[f"strategy={s}", f"market.n_accounts={n}", arguments[2], arguments[3]]
            for s in ("abm", "abx") for n in (300, 400)]
    jobs = [*expand(grid, 3, design, {"vendor.n_sdr"}), ["strategy=abx", "+extra_key=1"]]
    composed = []
    inner = loader.load_sweep_config
    reusing = ReusingConfigLoader(loader)
    reusing.loader = type("Counting", (), {"load_sweep_config": lambda _, m, o: composed.append(o) or inner(m, o),
                                           "repository": loader.repository})()
    for job in jobs:
        mine = reusing.load_sweep_config(master, job)
        theirs = loader.load_sweep_config(master, job)
        assert OmegaConf.to_yaml(mine) == OmegaConf.to_yaml(theirs), job
        assert OmegaConf.is_struct(mine) and not OmegaConf.is_readonly(mine.hydra)
    assert len(composed) == 2 + 1  # one composition per strategy, and the job that appends a key


def _session_members(session: int) -> list[str]:
    """The processes (zombies too) of a session, from /proc: ``pid state command``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        command, fields = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        if int(fields[3]) == session:  # state, ppid, pgrp, session, ...
            found.append(f"{stat.parent.name} {fields[0]} {command}")
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads /proc")
def test_no_worker_process_outlives_a_joblib_sweep(tmp_path):
    """loky keeps its workers and resource trackers for reuse; they used to outlive abx-sim (a
    tracker still running, a worker left a zombie). The sweep runs in a session of its own, which
    every process it starts inherits, so none may be left in it once abx-sim has returned."""
    proc = subprocess.Popen([ABX_SIM, "-m", "strategy=abm,abx", "market.n_accounts=300", "horizon_weeks=4",
                             f"hydra.sweep.dir={tmp_path / 'joblib'}", "hydra/launcher=joblib",
                             "hydra.launcher.n_jobs=2"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr[-3000:]
    assert _session_members(proc.pid) == []
