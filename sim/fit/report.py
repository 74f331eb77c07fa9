"""``report.html`` of a fit: warnings first, then targets against the fitted model's predictions, the
posterior of each parameter against its prior, and how the parameters trade off (pairwise).

One self-contained page (figures embedded), in the style of the run report.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.fit.targets import STATISTICS
from sim.outputs.files import atomic_write
from sim.outputs.formats import format_value, kind_of
from sim.outputs.pages import figure_source, render
from sim.outputs.plots import OKABE_ITO, styled

REPORT_FILE = "report.html"


def _number(value: float | None, unit: str) -> str:
    """A target's value in the run report's formats (:func:`sim.outputs.formats.format_value`)."""
    return format_value(math.nan if value is None else value, kind_of(unit))


@styled
def posterior_figure(posterior: pd.DataFrame, parameters: dict[str, dict[str, Any]]) -> Figure:
    """One panel per parameter: the weighted posterior histogram over its prior range, median and 90% interval."""
    keys = list(parameters)
    fig, axes = plt.subplots(1, len(keys), figsize=(3.2 * len(keys), 2.8), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        p = parameters[key]
        lo, hi = p["prior"]
        ax.hist(posterior[key], bins=20, range=(lo, hi), weights=posterior.weight, density=True, color=OKABE_ITO[0],
                alpha=0.8, label="posterior")
        ax.axhline(1.0 / (hi - lo), color=OKABE_ITO[7], lw=1, ls="--", label="prior")
        ax.axvline(p["median"], color=OKABE_ITO[3], lw=1.5, label="median")
        ax.axvspan(*p["interval_90"], color=OKABE_ITO[3], alpha=0.12, label="90% interval")
        ax.set_title(key.rsplit(".", 1)[-1].replace("_", " "), fontsize=10)
        ax.set_yticks([])
    axes[0][0].legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    return fig


@styled
def pairs_figure(posterior: pd.DataFrame, keys: list[str]) -> Figure:
    """Every pair of parameters: the particles, sized by weight (a ridge is a trade-off the targets leave open)."""
    n = len(keys)
    fig, axes = plt.subplots(n, n, figsize=(2.3 * n, 2.3 * n), squeeze=False)
    size = 400 * posterior.weight / posterior.weight.max()
    for i, yk in enumerate(keys):
        for j, xk in enumerate(keys):
            ax = axes[i][j]
            if j > i:  # the upper triangle would repeat the lower one
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(posterior[xk], bins=15, weights=posterior.weight, color=OKABE_ITO[0])
                ax.set_yticks([])
            else:
                ax.scatter(posterior[xk], posterior[yk], s=size, alpha=0.5, color=OKABE_ITO[0], linewidths=0)
            if i == n - 1:
                ax.set_xlabel(xk.rsplit(".", 1)[-1], fontsize=8)
            if j == 0 and i > 0:
                ax.set_ylabel(yk.rsplit(".", 1)[-1], fontsize=8)
            ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


def weighted_correlations(posterior: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The posterior's correlation matrix, each particle weighted."""
    x = posterior[keys].to_numpy(dtype=float)
    cov = np.cov(x, rowvar=False, aweights=posterior.weight.to_numpy())
    sd = np.sqrt(np.diag(cov))
    return pd.DataFrame(cov / np.outer(sd, sd), index=keys, columns=keys)


def fit_report_html(info: dict[str, Any], posterior: pd.DataFrame, predicted: pd.DataFrame) -> str:
    """The page (``templates/fit.html.j2``): warnings, targets against predictions, posterior figures
    and correlations, how the fit was made."""
    keys = list(info["parameters"])
    targets = []
    for name, t in info["targets"].items():
        unit = STATISTICS[name].unit
        lo, hi = t["interval_90"]
        targets.append({"name": name, "value": _number(t["value"], unit), "se": _number(t["se"], unit),
                        "median": _number(t["median"], unit), "low": _number(lo, unit), "high": _number(hi, unit),
                        "z": "n/a" if t["z"] is None else f"{t['z']:+.1f}", "reproduced": t["reproduced"],
                        "meaning": STATISTICS[name].doc})
    parameters = [{"key": key, "prior": f"{p['prior'][0]:.4g} to {p['prior'][1]:.4g}", "median": f"{p['median']:.4g}",
                   "interval": f"{p['interval_90'][0]:.4g} to {p['interval_90'][1]:.4g}",
                   "share": f"{p['prior_share']:.0%}", "identified": p["identified"]}
                  for key, p in info["parameters"].items()]
    correlations = None
    if len(keys) > 1:
        corr = weighted_correlations(posterior, keys)
        short = [k.rsplit(".", 1)[-1] for k in keys]
        rows = [(name, [f"{corr.loc[k, c]:+.2f}" for c in keys]) for name, k in zip(short, keys, strict=True)]
        correlations = {"columns": short, "rows": rows}
    return render("fit.html.j2", info=info, targets=targets, parameters=parameters, n_predicted=len(predicted),
                  posterior_figure=figure_source(posterior_figure(posterior, info["parameters"])),
                  correlations=correlations,
                  pairs_figure=figure_source(pairs_figure(posterior, keys)) if correlations else "")


def write_fit_report(folder: Path, info: dict[str, Any], posterior: pd.DataFrame, predicted: pd.DataFrame) -> Path:
    """Write ``report.html`` into ``folder`` (atomically) and return its path."""
    path = folder / REPORT_FILE
    atomic_write(path, lambda p: p.write_text(fit_report_html(info, posterior, predicted), encoding="utf-8"))
    return path
