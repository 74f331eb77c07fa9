"""One plot style: every figure drawn under the project's style, units on its axes, and nothing
changed in matplotlib's global settings by drawing."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import pytest

from sim.outputs import figure_worker, plots
from sim.outputs.figure_worker import FigureWorker
from sim.outputs.plots import (
    OKABE_ITO,
    STAGE_COLORS,
    STYLE,
    arr_bridge_figure,
    funnel_figure,
    label_metric,
    pipeline_by_tier_figure,
    save_figures,
)


def test_run_figures_use_the_palette_have_titles_and_units_and_leave_global_settings_alone(abx_run):
    before = dict(plt.rcParams)
    res = abx_run
    figures = [funnel_figure(res.timeseries), arr_bridge_figure(res.summary, res.timeseries),
               pipeline_by_tier_figure(res.opportunities, res.accounts, res.summary)]
    for fig in figures:
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_ylabel()
        assert not ax.spines["top"].get_visible()  # drawn under STYLE
        colours = {line.get_color().upper() for line in ax.get_lines()} | {
            "#{:02X}{:02X}{:02X}".format(*(round(255 * c) for c in p.get_facecolor()[:3])) for p in ax.patches}
        assert colours <= {c.upper() for c in [*OKABE_ITO, *STAGE_COLORS.values()]}, colours
        plt.close(fig)
    assert dict(plt.rcParams) == before


def test_metric_panels_are_titled_from_the_glossary_with_usd_in_millions():
    fig, ax = plt.subplots()
    label_metric(ax, "pipeline_created_usd")
    assert ax.get_title() == "pipeline created" and ax.get_ylabel() == "million USD/year"
    assert ax.yaxis.get_major_formatter()(12_500_000, 0) == "12.5"
    label_metric(ax, "trust_index")
    assert ax.get_ylabel() == "0-1"
    plt.close(fig)
    assert STYLE["axes.prop_cycle"].by_key()["color"] == OKABE_ITO


def test_the_figure_worker_draws_the_same_png_files_as_drawing_in_process(abx_run, tmp_path):
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    expected = save_figures(abx_run, here)
    worker = FigureWorker()
    try:
        worker.draw(abx_run, there)
        drawn = worker.figures()
    finally:
        worker.close()
    assert [p.name for p in drawn] == [p.name for p in expected] and all(p.parent == there for p in drawn)
    assert all((there / p.name).read_bytes() == p.read_bytes() for p in expected)
    assert sorted(p.name for p in there.iterdir()) == sorted(p.name for p in expected)  # no temporary left


def test_the_figure_worker_raises_a_write_error_as_its_own_and_draws_in_process_if_it_died(abx_run, tmp_path):
    worker = FigureWorker()
    worker.draw(abx_run, tmp_path / "missing")
    with pytest.raises(FileNotFoundError):  # raised in the helper, for the caller to report
        worker.figures()
    worker.close()
    dead = FigureWorker()
    dead.close()  # stopped before it got the tables: the figures are drawn here instead
    dead.draw(abx_run, tmp_path)
    assert [p.name for p in dead.figures()] == ["funnel.png", "arr_bridge.png", "pipeline_by_tier.png"]


def test_the_helper_draws_a_figure_again_if_its_forked_copy_failed(abx_run, tmp_path, monkeypatch):
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    expected = save_figures(abx_run, here)
    tables = {"summary": abx_run.summary, "timeseries": abx_run.timeseries, "accounts": abx_run.accounts,
              "opportunities": abx_run.opportunities}
    helper, draw = os.getpid(), plots.draw_figures

    def fails_in_the_copy(**kwargs):
        if os.getpid() != helper:
            raise OSError("disk full")
        return draw(**kwargs)

    monkeypatch.setattr(plots, "draw_figures", fails_in_the_copy)
    drawn = figure_worker.draw_in_two(there, tables)  # the copy's figure drawn again by the helper
    assert [p.name for p in drawn] == [p.name for p in expected] and all(p.parent == there for p in drawn)
    assert all(p.read_bytes() == (here / p.name).read_bytes() for p in expected)


def test_the_figure_worker_is_used_only_with_a_free_core(monkeypatch):
    assert figure_worker.running_tasks() >= 1  # this process at least
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setattr(figure_worker, "running_tasks", lambda: 1)  # this process alone
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0})
    assert not figure_worker.helps()
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1})
    assert figure_worker.helps()
    monkeypatch.setattr(figure_worker, "running_tasks", lambda: 2)  # the other core is busy
    assert not figure_worker.helps()
