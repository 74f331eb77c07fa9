"""Figures of a run: funnel over time, ARR bridge, pipeline by tier.

Uses matplotlib's object API with the Agg backend (no display needed) and a colour-blind-safe
palette (Okabe-Ito).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.config import TIERS
from sim.outputs import atomic_write

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.api import Results

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def _style(ax, title: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=12)
    ax.set_xlabel("week")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)


def funnel_figure(ts: pd.DataFrame) -> Figure:
    """Accounts per funnel stage, week by week."""
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    for color, stage in zip(OKABE_ITO, ("aware", "engaged", "mqa", "opportunity", "onboarding", "customer"),
                            strict=False):
        ax.plot(ts.week, ts[f"n_{stage}"], label=stage, color=color)
    ax.set_yscale("symlog", linthresh=10)
    _style(ax, "Funnel over time", "accounts (symlog scale)")
    ax.legend(ncols=3, fontsize=9)
    return fig


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
    ax.set_title("ARR bridge over the run", fontsize=12)
    ax.set_ylabel("ARR (million USD/year)")
    ax.grid(alpha=0.3, axis="y")
    return fig


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
    ax.set_title("Pipeline and wins by tier (tier at the end of the run)", fontsize=12)
    ax.set_ylabel("million USD/year")
    ax.legend()
    ax.grid(alpha=0.3, axis="y")
    return fig


def save_figures(res: Results, folder: Path) -> list[Path]:
    """Write the run's PNG figures into ``folder`` (atomically) and return their paths."""
    figures = {
        "funnel.png": funnel_figure(res.timeseries),
        "arr_bridge.png": arr_bridge_figure(res.summary, res.timeseries),
        "pipeline_by_tier.png": pipeline_by_tier_figure(res.accounts),
    }
    paths = []
    for name, fig in figures.items():
        path = folder / name
        atomic_write(path, partial(fig.savefig, dpi=110, format="png"))
        plt.close(fig)
        paths.append(path)
    return paths
