"""``report.html`` of a fit: warnings first, then targets against the fitted model's predictions, the
posterior of each parameter against its prior, and how the parameters trade off (pairwise).

One self-contained page (figures embedded), in the style of the run report.
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.fit.targets import STATISTICS
from sim.outputs.files import atomic_write
from sim.outputs.plots import OKABE_ITO, styled
from sim.outputs.report import PAGE_CSS, format_value

REPORT_FILE = "report.html"


def _number(value: float | None, unit: str) -> str:
    """A target's value in the run report's formats (:func:`sim.outputs.report.format_value`)."""
    kind = "usd" if unit.startswith("USD") else {"share": "pct", "ratio": "pct", "weeks": "weeks"}.get(unit, "num")
    return format_value(math.nan if value is None else value, kind)


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


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
    """The page: warnings, targets against predictions, posterior figures and correlations, settings."""
    e = html.escape
    keys = list(info["parameters"])
    out = ["<!doctype html>", "<html lang='en'><head><meta charset='utf-8'>",
           f"<title>abx-sim fit</title><style>{PAGE_CSS}</style></head><body>",
           f"<h1>abx-sim fit: {len(keys)} parameters to {len(info['targets'])} targets</h1>",
           f"<p>{info['simulations']:,} simulated runs of {info['weeks']} weeks in {info['seconds']:,.0f} s, "
           f"{info['generations']} generations of {info['population']} particles (effective sample "
           f"{info['effective_sample_size']:.0f}), seed {info['seed']}. Given: "
           + (", ".join(f"<code>{e(str(k))}={e(str(v))}</code>" for k, v in info["given"].items()) or "nothing")
           + ".</p><h2>What this fit cannot claim</h2>"]
    if info["warnings"]:
        out.append("<ul>" + "".join(f"<li class='flag'>{e(w)}</li>" for w in info["warnings"]) + "</ul>")
    else:
        out.append("<p class='ok'>Every target is reproduced and every parameter is identified.</p>")
    out += ["<h2>Targets against the fitted model</h2>",
            f"<p>Predictions: {len(predicted)} runs, each a particle drawn from the posterior in a world of its "
            "own, so their spread is parameter uncertainty and run noise together. <i>z</i> is the target's "
            "distance from them in standard deviations (the target's error included); beyond 3 it is flagged.</p>",
            "<table><tr><th>target</th><th>your value</th><th>its error</th><th>predicted (median)</th>"
            "<th>90% of predictions</th><th>z</th><th>meaning</th></tr>"]
    for name, t in info["targets"].items():
        unit = STATISTICS[name].unit
        lo, hi = t["interval_90"]
        cls = "" if t["reproduced"] else " class='flag'"
        z = "n/a" if t["z"] is None else f"{t['z']:+.1f}"
        out.append(f"<tr><td><code>{e(name)}</code></td><td class='num'>{_number(t['value'], unit)}</td>"
                   f"<td class='num'>{_number(t['se'], unit)}</td><td class='num'>{_number(t['median'], unit)}</td>"
                   f"<td class='num'>{_number(lo, unit)} to {_number(hi, unit)}</td>"
                   f"<td class='num'{cls}>{z}</td>"
                   f"<td>{e(STATISTICS[name].doc)}</td></tr>")
    out += ["</table><h2>The fitted parameters</h2>",
            "<table><tr><th>parameter</th><th>prior</th><th>median</th><th>90% interval</th>"
            "<th>share of prior</th></tr>"]
    for key, p in info["parameters"].items():
        cls = "" if p["identified"] else " class='flag'"
        out.append(f"<tr><td><code>{e(key)}</code></td><td class='num'>{p['prior'][0]:.4g} to {p['prior'][1]:.4g}"
                   f"</td><td class='num'>{p['median']:.4g}</td><td class='num'>{p['interval_90'][0]:.4g} to "
                   f"{p['interval_90'][1]:.4g}</td><td class='num'{cls}>{p['prior_share']:.0%}</td></tr>")
    figure = _png(posterior_figure(posterior, info["parameters"]))
    out.append(f"</table><p><img alt='posterior of each parameter' src='{figure}'></p>")
    if len(keys) > 1:
        corr = weighted_correlations(posterior, keys)
        out += ["<h2>How the parameters trade off</h2>",
                "<p>Weighted correlations of the posterior: a strong one means the targets fix a combination of "
                "the two parameters better than either.</p><table><tr><th></th>"
                + "".join(f"<th>{e(k.rsplit('.', 1)[-1])}</th>" for k in keys) + "</tr>"]
        for k in keys:
            cells = "".join(f"<td class='num'>{corr.loc[k, c]:+.2f}</td>" for c in keys)
            out.append(f"<tr><td title='{e(k)}'>{e(k.rsplit('.', 1)[-1])}</td>{cells}</tr>")
        out.append(f"</table><p><img alt='pairs of parameters' src='{_png(pairs_figure(posterior, keys))}'></p>")
    out += ["<h2>How the fit was made</h2>",
            "<p>Each target is taken as the model's figure plus normal noise with the target's error and the "
            "model's own run-to-run spread (the <i>run noise</i> column of <code>fit.json</code>); every simulation "
            "faces the same world (common random numbers); ABC-SMC with pyabc's stochastic acceptor samples that "
            "model's posterior exactly in its last generation. Priors are uniform over the ranges shown.</p>",
            "</body></html>"]
    return "\n".join(out)


def write_fit_report(folder: Path, info: dict[str, Any], posterior: pd.DataFrame, predicted: pd.DataFrame) -> Path:
    """Write ``report.html`` into ``folder`` (atomically) and return its path."""
    path = folder / REPORT_FILE
    atomic_write(path, lambda p: p.write_text(fit_report_html(info, posterior, predicted), encoding="utf-8"))
    return path
