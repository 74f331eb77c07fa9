"""The project's plot style, and the figures of a run: funnel over time, ARR bridge, pipeline by tier.

One style for every figure the project draws (CLI runs, sweep reports, experiments, notebooks and
the dashboard): the colour-blind-safe Okabe-Ito palette (Okabe & Ito 2008, "Color Universal
Design"), readable fonts, light grids, no top/right frame. Figure functions are wrapped in
:func:`styled`; notebooks call :func:`use_style` once. Uses matplotlib's object API with the Agg
backend (no display needed).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from functools import partial, wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

if "ipykernel" not in sys.modules:  # notebooks keep their inline backend; the CLI and scripts draw off-screen
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.core.config import TIERS
from sim.core.metrics import SUMMARY
from sim.outputs.files import atomic_write
from sim.outputs.formats import FIGURES, format_value, metric_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.api import Results

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
#: Funnel stages in order, and the colour each has in every figure and in the dashboard.
STAGE_COLORS = {"target": "#BBBBBB", "aware": OKABE_ITO[5], "engaged": OKABE_ITO[0], "mqa": OKABE_ITO[4],
                "opportunity": OKABE_ITO[1], "onboarding": OKABE_ITO[2], "customer": OKABE_ITO[7]}
#: matplotlib settings shared by every figure (see :func:`styled`).
STYLE: dict[str, Any] = {
    "axes.prop_cycle": cycler(color=OKABE_ITO),
    "font.size": 10, "axes.titlesize": 12, "axes.titleweight": "bold", "axes.labelsize": 10,
    "xtick.labelsize": 9, "ytick.labelsize": 9, "legend.fontsize": 9, "legend.frameon": False,
    "figure.titlesize": 13, "figure.titleweight": "bold",
    "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    "axes.axisbelow": True, "figure.dpi": 100, "savefig.dpi": 110, "image.cmap": "cividis",
}


def styled[**P, R](draw: Callable[P, R]) -> Callable[P, R]:
    """Decorator: draw the figure under the project's :data:`STYLE` (without changing global settings)."""
    @wraps(draw)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        with plt.style.context(STYLE):
            return draw(*args, **kwargs)
    return inner


def use_style() -> None:
    """Make the project's style the default for this process (for notebooks and scripts)."""
    plt.style.use(STYLE)


def save_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path`` (atomically) at the style's resolution, close it and return the path."""
    # The style applies while a figure is drawn (:func:`styled`); saving happens after, so its dpi is passed here.
    atomic_write(path, partial(fig.savefig, format="png", dpi=STYLE["savefig.dpi"]))
    plt.close(fig)
    return path


def label_metric(ax, name: str) -> None:
    """Title a panel with a summary metric's label and its unit from the glossary: money in millions
    of USD, shares and ratios in percent."""
    unit = SUMMARY[name].unit if name in SUMMARY else ""
    if unit.startswith("USD"):
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value / 1e6:,.3g}"))
        unit = f"million {unit}"
    elif unit in ("share", "ratio"):
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        unit = "%"
    ax.set_title(metric_label(name), fontsize=STYLE["font.size"] + 1)
    ax.set_ylabel(unit)


def _label(ax, title: str, ylabel: str) -> None:
    ax.set_title(title)
    ax.set_xlabel("week")
    ax.set_ylabel(ylabel)


@styled
def funnel_figure(ts: pd.DataFrame) -> Figure:
    """Accounts per funnel stage, week by week."""
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    for stage in ("aware", "engaged", "mqa", "opportunity", "onboarding", "customer"):
        ax.plot(ts.week, ts[f"n_{stage}"], label=stage, color=STAGE_COLORS[stage])
    ax.set_yscale("symlog", linthresh=10)
    _label(ax, "Funnel over time", "accounts (symlog scale)")
    ax.legend(ncols=3)
    return fig


#: The ARR bridge's steps and their colours: levels in blue, gains in green, losses in two reds.
BRIDGE_COLORS = {"start": OKABE_ITO[0], "new logos": OKABE_ITO[2], "expansion": OKABE_ITO[5],
                 "contraction": OKABE_ITO[1], "churn": OKABE_ITO[3], "end": OKABE_ITO[0]}


def arr_bridge(summary: dict[str, float], ts: pd.DataFrame) -> pd.Series:
    """The ARR bridge over the run (USD/year): start, new logos, expansion, -contraction, -churn and
    end, where start + the four steps = end (the summary's ARR at start and at end)."""
    return pd.Series({"start": summary["arr_start_usd"], "new logos": ts.new_arr_usd.sum(),
                      "expansion": ts.expansion_arr_usd.sum(), "contraction": -ts.contraction_arr_usd.sum(),
                      "churn": -ts.churn_arr_usd.sum(), "end": summary["arr_end_usd"]})


def money_label(value: float) -> str:
    """A bar's label in millions of USD, signed for a step."""
    return f"{value / 1e6:+,.2f}M" if value < 0 else f"{value / 1e6:,.2f}M"


@styled
def arr_bridge_figure(summary: dict[str, float], ts: pd.DataFrame) -> Figure:
    """ARR bridge over the run: start + new + expansion - contraction - churn = end, each bar labelled."""
    bridge = arr_bridge(summary, ts)
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    level = 0.0
    for name, value in bridge.items():
        if name in ("start", "end"):
            bottom, height, level = 0.0, value, value
        else:
            bottom, height = (level, value) if value >= 0 else (level + value, -value)
            level += value
        bar = ax.bar(str(name), height / 1e6, bottom=bottom / 1e6, color=BRIDGE_COLORS[str(name)])
        ax.bar_label(bar, labels=[money_label(value)], padding=2, fontsize=9)
    ax.set_title("ARR bridge over the run")
    ax.set_ylabel("ARR (million USD/year)")
    ax.grid(False, axis="x")
    return fig


def pipeline_by_tier(opportunities: pd.DataFrame, accounts: pd.DataFrame, summary: dict[str, float]) -> pd.DataFrame:
    """Pipeline created and new-logo ARR won (USD/year), by the account's tier at the end of the run:
    every new-logo opportunity of the vendor's records, and a row ``expansion`` for the expansion
    opportunities (the rest of the summary's pipeline created). The pipeline column adds up to
    ``summary["pipeline_created_usd"]``."""
    tier = accounts.set_index("account").tier.astype(str)
    opps = opportunities.assign(tier=opportunities.account.map(tier))
    new_logo = opps.groupby("tier").amount_usd.sum().reindex(TIERS, fill_value=0.0)
    won = opps[opps.outcome == "won"].groupby("tier").amount_usd.sum().reindex(TIERS, fill_value=0.0)
    expansion = max(summary["pipeline_created_usd"] - float(new_logo.sum()), 0.0)
    rows = pd.DataFrame({"pipeline_usd": new_logo, "won_usd": won})
    rows.loc["expansion"] = (expansion, 0.0)
    return rows


@styled
def pipeline_by_tier_figure(opportunities: pd.DataFrame, accounts: pd.DataFrame, summary: dict[str, float]) -> Figure:
    """Pipeline created (every new-logo opportunity by tier, and expansion) and new-logo ARR won, by tier."""
    rows = pipeline_by_tier(opportunities, accounts, summary)
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    pipe = ax.bar(x - 0.2, rows.pipeline_usd / 1e6, 0.4, label="pipeline created", color=OKABE_ITO[0])
    won = ax.bar(x + 0.2, rows.won_usd / 1e6, 0.4, label="new-logo ARR won", color=OKABE_ITO[1])
    ax.bar_label(pipe, labels=[money_label(v) for v in rows.pipeline_usd], padding=2, fontsize=8)
    ax.bar_label(won, labels=[money_label(v) if v else "" for v in rows.won_usd], padding=2, fontsize=8)
    ax.set_xticks(x, [str(t).replace("_", " ") for t in rows.index])
    total = format_value(float(rows.pipeline_usd.sum()), "usd")
    ax.set_title(f"Pipeline created ({total} in all) and wins, by tier at the end of the run")
    ax.set_ylabel("million USD/year")
    ax.legend()
    ax.grid(False, axis="x")
    return fig


def save_figures(res: Results, folder: Path) -> list[Path]:
    """Write the run's PNG figures into ``folder`` (atomically) and return their paths."""
    return draw_figures(res.summary, res.timeseries, res.accounts, res.opportunities, folder)


def draw_figures(summary: dict[str, float], timeseries: pd.DataFrame, accounts: pd.DataFrame,
                 opportunities: pd.DataFrame, folder: Path, names: Collection[str] = tuple(FIGURES)) -> list[Path]:
    """:func:`save_figures` from the run's tables alone (what :mod:`sim.outputs.figure_worker` receives);
    only the figures ``names`` (of :data:`FIGURES`), in that order."""
    drawers = {
        "funnel.png": lambda: funnel_figure(timeseries),
        "arr_bridge.png": lambda: arr_bridge_figure(summary, timeseries),
        "pipeline_by_tier.png": lambda: pipeline_by_tier_figure(opportunities, accounts, summary),
    }
    return [save_figure(drawers[name](), folder / name) for name in FIGURES if name in names]
