"""Experiments: every one runs end to end at smoke size, and the index is in step with them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.studies.experiments import EXPERIMENTS, Experiment, index, names

CLI = str(Path(sys.executable).with_name("abx-sim-experiment"))


def test_there_are_the_eight_experiments_the_project_promises():
    assert len(names()) >= 8
    for name in names():
        exp = Experiment.load(name)
        assert exp.question and exp.analyses and exp.replications >= 6, name


@pytest.mark.slow
@pytest.mark.parametrize("name", names())
def test_every_experiment_runs_at_small_size_and_writes_its_figures_and_tables(name, tmp_path):
    proc = subprocess.run([CLI, name, "--small", "--out", str(tmp_path), "--export", "xlsx"], capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    exp = Experiment.load(name)
    text = (tmp_path / "results.md").read_text()
    workbook = pd.read_excel(tmp_path / "results.xlsx", sheet_name=None)
    for a in exp.analyses:
        assert (tmp_path / f"{a.name}.png").stat().st_size > 10_000
        table = pd.read_csv(tmp_path / f"{a.name}.csv")
        assert len(table) >= 2 and (table.n >= exp.small.get("replications", 2)).all()
        assert f"![{a.name}]({a.name}.png)" in text
        assert workbook[a.name[:31]].shape == table.shape


def test_the_committed_index_is_generated_from_the_experiments_and_their_results():
    assert (EXPERIMENTS / "README.md").read_text() == index(), (
        "regenerate with: abx-sim-experiment --index > experiments/README.md")
    for name in names():
        for a in Experiment.load(name).analyses:
            assert (EXPERIMENTS / name / "results" / f"{a.name}.png").is_file(), (name, a.name)
            assert (EXPERIMENTS / name / "results" / f"{a.name}.csv").is_file(), (name, a.name)


@pytest.mark.parametrize(("args", "message"), [
    (["no_such_experiment"], "no experiment 'no_such_experiment'"),
    (["e8_measurement", "--out", "/proc/forbidden"], "cannot write to /proc/forbidden"),
])
def test_user_mistakes_get_one_line(args, message, tmp_path):
    proc = subprocess.run([CLI, *args], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode != 0 and message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_baseline_per_series_pairs_each_series_with_its_own_baseline_world_by_world():
    from sim.studies.experiments import Analysis, cells

    # Two series (n_ae 5 and 10), x = depth 0 (the baseline) or 1, three worlds per series.
    rows = [{"vendor.n_ae": n, "depth": d, "world_id": f"{n}-{w}", "pipeline": 100 * n + 10 * w + d * n}
            for n in (5, 10) for d in (0, 1) for w in range(3)]
    a = Analysis(name="t", title="t", sweeps=[0], x="depth", metrics=["pipeline"], series="vendor.n_ae",
                 baseline={"depth": 0}, baseline_per_series=True)
    table = cells(pd.DataFrame(rows), a).set_index(["series", "x"])
    assert list(table.index) == [(5, 0), (5, 1), (10, 0), (10, 1)]  # numeric series in numeric order
    # The paired difference is exactly the series' own effect (d * n), the world noise cancels.
    assert table.loc[(5, 1), "pipeline_diff"] == 5 and table.loc[(10, 1), "pipeline_diff"] == 10
    assert table.loc[(10, 1), "pipeline_diff_low"] == table.loc[(10, 1), "pipeline_diff_high"] == 10
    assert pd.isna(table.loc[(5, 0), "pipeline_diff"])  # a baseline cell has no difference to itself
