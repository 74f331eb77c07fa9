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
from matplotlib.ticker import FuncFormatter

from sim.core.config import TIERS
from sim.core.metrics import SUMMARY
from sim.outputs.files import atomic_write

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.api import Results

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
#: Funnel stages in order, and the colour each has in every figure and in the dashboard.
STAGE_COLORS = {"target": "#BBBBBB", "aware": OKABE_ITO[5], "engaged": OKABE_ITO[0], "mqa": OKABE_ITO[4],
                "opportunity": OKABE_ITO[1], "onboarding": OKABE_ITO[2], "customer": OKABE_ITO[7]}
#: The files of a run's figures (:func:`draw_figures`).
FIGURES = ("funnel.png", "arr_bridge.png", "pipeline_by_tier.png")
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
    """Write ``fig`` as a PNG at ``path`` (atomically), close it and return the path."""
    atomic_write(path, partial(fig.savefig, format="png"))
    plt.close(fig)
    return path


def label_metric(ax, name: str) -> None:
    """Title a panel with a summary metric's name and its unit from the glossary (USD in millions)."""
    unit = SUMMARY[name].unit if name in SUMMARY else ""
    if unit.startswith("USD"):
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value / 1e6:,.3g}"))
        unit = f"million {unit}"
    ax.set_title(name.removesuffix("_usd").replace("_", " "), fontsize=STYLE["font.size"] + 1)
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


@styled
def arr_bridge_figure(summary: dict[str, float], ts: pd.DataFrame) -> Figure:
    """ARR bridge over the run: start + new + expansion - contraction - churn = end."""
    steps = [("start", summary["arr_start_usd"]), ("new logos", ts.new_arr_usd.sum()),
             ("expansion", ts.expansion_arr_usd.sum()), ("contraction", -ts.contraction_arr_usd.sum()),
             ("churn", -ts.churn_arr_usd.sum())]
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    level = 0.0
    for i, (name, value) in enumerate(steps):
        bottom = 0.0 if i == 0 else (level if value >= 0 else level + value)
        color = OKABE_ITO[0] if i == 0 else (OKABE_ITO[2] if value >= 0 else OKABE_ITO[3])
        ax.bar(name, abs(value) / 1e6, bottom=bottom / 1e6, color=color)
        level = value if i == 0 else level + value
    ax.bar("end", summary["arr_end_usd"] / 1e6, color=OKABE_ITO[0])
    ax.set_title("ARR bridge over the run")
    ax.set_ylabel("ARR (million USD/year)")
    ax.grid(False, axis="x")
    return fig


@styled
def pipeline_by_tier_figure(accounts: pd.DataFrame) -> Figure:
    """Latest new-logo opportunity amount and won ARR, by tier."""
    has_opp = accounts.week_opportunity >= 0
    pipe = accounts[has_opp].groupby("tier", observed=False).opp_usd.sum().reindex(TIERS, fill_value=0)
    won = accounts[accounts.outcome == "won"].groupby("tier", observed=False).won_usd.sum().reindex(TIERS, fill_value=0)
    x = np.arange(len(TIERS))
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    ax.bar(x - 0.2, pipe / 1e6, 0.4, label="pipeline (latest opportunity)", color=OKABE_ITO[0])
    ax.bar(x + 0.2, won / 1e6, 0.4, label="won ARR", color=OKABE_ITO[1])
    ax.set_xticks(x, [t.replace("_", " ") for t in TIERS])
    ax.set_title("Pipeline and wins by tier (tier at the end of the run)")
    ax.set_ylabel("million USD/year")
    ax.legend()
    ax.grid(False, axis="x")
    return fig


def save_figures(res: Results, folder: Path) -> list[Path]:
    """Write the run's PNG figures into ``folder`` (atomically) and return their paths."""
    return draw_figures(res.summary, res.timeseries, res.accounts, folder)


def draw_figures(summary: dict[str, float], timeseries: pd.DataFrame, accounts: pd.DataFrame,
                 folder: Path, names: Collection[str] = FIGURES) -> list[Path]:
    """:func:`save_figures` from the run's tables alone (what :mod:`sim.outputs.figure_worker` receives);
    only the figures ``names`` (of :data:`FIGURES`), in that order."""
    drawers = {
        "funnel.png": lambda: funnel_figure(timeseries),
        "arr_bridge.png": lambda: arr_bridge_figure(summary, timeseries),
        "pipeline_by_tier.png": lambda: pipeline_by_tier_figure(accounts),
    }
    return [save_figure(drawers[name](), folder / name) for name in FIGURES if name in names]
