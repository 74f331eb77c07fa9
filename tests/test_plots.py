"""One plot style: every figure drawn under the project's style, units on its axes, and nothing
changed in matplotlib's global settings by drawing."""

from __future__ import annotations

import matplotlib.pyplot as plt

from sim.outputs.plots import (
    OKABE_ITO,
    STAGE_COLORS,
    STYLE,
    arr_bridge_figure,
    funnel_figure,
    label_metric,
    pipeline_by_tier_figure,
)


def test_run_figures_use_the_palette_have_titles_and_units_and_leave_global_settings_alone(abx_run):
    before = dict(plt.rcParams)
    res = abx_run
    figures = [funnel_figure(res.timeseries), arr_bridge_figure(res.summary, res.timeseries),
               pipeline_by_tier_figure(res.accounts)]
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
