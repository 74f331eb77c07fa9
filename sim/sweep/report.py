"""``abx-sim-report PATH``: the report of any sweep folder, as Markdown (``report.md``) and as a
self-contained HTML page (``report.html``, the same text with its figures embedded).

Strategy comparison with 95% intervals and paired differences to a baseline, sensitivity
indices for Sobol and Morris designs, and scenario discovery (PRIM and CART) for a condition.
Metrics carry their labels and units, money reads as $K/$M and rates as percentages (their
differences in percentage points). Reads only the sweep's catalog and manifest.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from markupsafe import Markup
from omegaconf import OmegaConf

from sim.api import ArgumentParser
from sim.core.config import EXPORTS
from sim.core.metrics import SUMMARY
from sim.outputs.export import export_tables
from sim.outputs.files import atomic_write
from sim.outputs.formats import ROWS, format_difference, format_value
from sim.outputs.pages import png_source, render
from sim.outputs.plots import OKABE_ITO, label_metric, save_figure, styled
from sim.sweep import analysis, catalog
from sim.sweep.plan import MANIFEST, check_condition, design_from_manifest, read_manifest

HEADLINE = ["pipeline_created_usd", "bookings_usd", "win_rate", "nrr", "grr", "cac_usd", "arr_end_usd",
            "trust_index", "theater_share", "collisions_per_account"]
REPORT = "report.md"
HTML_REPORT = "report.html"


def fmt(x: float) -> str:
    """A number without a unit for a report table: thousands separated when large, 3 significant digits else."""
    if not np.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def label(metric: str) -> str:
    """A metric as people read it: its label, with its unit where the value's format does not say it
    (money per year or one-off: ``ARR at end (USD/year)``)."""
    row = ROWS.get(metric)
    unit = SUMMARY[metric].unit if metric in SUMMARY else ""
    return f"{row.label} ({unit})" if row and unit.startswith("USD") else (row.label if row else metric)


def value(metric: str, x: float) -> str:
    """A metric's value in its format (:func:`~sim.outputs.formats.format_value`): $K/$M, %, weeks."""
    return format_value(x, ROWS[metric].kind) if metric in ROWS else fmt(x)


def difference(metric: str, x: float) -> str:
    """A difference of a metric, signed; of a rate, in percentage points."""
    return format_difference(x, ROWS[metric].kind) if metric in ROWS else fmt(x)


def interval(metric: str, low: float, high: float, show: Callable[[str, float], str] = value) -> str:
    """``[low, high]``, or ``n/a`` where it cannot be computed (see :data:`NO_INTERVAL`)."""
    return f"[{show(metric, low)}, {show(metric, high)}]" if np.isfinite(low) and np.isfinite(high) else "n/a"


def with_interval(metric: str, mean: float, low: float, high: float) -> str:
    """``mean [low, high]``, or the mean alone where the interval cannot be computed."""
    known = np.isfinite(low) and np.isfinite(high)
    return f"{value(metric, mean)} {interval(metric, low, high)}" if known else value(metric, mean)


#: Said wherever a table holds an interval that cannot be computed.
NO_INTERVAL = ("An interval needs at least two finished runs (replications, or pairs) with a value; where there "
               "are fewer, only the mean is shown, or n/a. Run more replications (`replications=5`) to get one.")


def markdown_table(df: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (numbers to 3 significant digits)."""
    cells = [[fmt(float(v)) if isinstance(v, float | np.floating) else str(v) for v in row]
             for row in df.itertuples(False)]
    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells])


def comparison_section(runs: pd.DataFrame, baseline: str, folder: Path) -> list[str]:
    """Mean and 95% interval per strategy, and paired versus unpaired differences to a baseline."""
    table = analysis.strategy_table(runs, HEADLINE)
    lines = ["## Strategies", "", "Mean and [95% interval] over replications.", "",
             "| metric | " + " | ".join(table.strategy.unique()) + " |",
             "|---|" + "---:|" * table.strategy.nunique()]
    for metric in HEADLINE:
        cells = [with_interval(metric, r.mean, r.ci_low, r.ci_high) for r in table[table.metric == metric].itertuples()]
        lines.append(f"| {label(metric)} | " + " | ".join(cells) + " |")
    missing = not np.isfinite(table[["ci_low", "ci_high"]].to_numpy()).all()
    figure_lines = _ci_figure(table, folder)
    lines += ["", *([NO_INTERVAL, ""] if missing else []), *figure_lines]
    if runs["strategy.name"].nunique() > 1:
        diffs = analysis.paired_differences(runs, HEADLINE, baseline)
        lines += ["", f"### Differences to `{baseline}`", "",
                  "Paired intervals use common random numbers (same world, same replication); unpaired "
                  "intervals (Welch) ignore the pairing. Differences of rates are in percentage points (pp).", "",
                  "| strategy | metric | pairs | difference | paired 95% | unpaired 95% |",
                  "|---|---|---:|---:|---:|---:|"]
        for r in diffs.itertuples():
            lines.append(f"| {r.strategy} | {label(r.metric)} | {r.pairs} | {difference(r.metric, r.diff)} | "
                         f"{interval(r.metric, r.paired_low, r.paired_high, difference)} | "
                         f"{interval(r.metric, r.unpaired_low, r.unpaired_high, difference)} |")
        if not np.isfinite(diffs[["paired_low", "paired_high", "unpaired_low", "unpaired_high"]].to_numpy()).all():
            lines += ["", NO_INTERVAL]
    return lines


@styled
def _ci_figure(table: pd.DataFrame, folder: Path) -> list[str]:
    metrics = ["pipeline_created_usd", "bookings_usd", "win_rate", "nrr"]
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics), 3.6), layout="constrained")
    for ax, metric in zip(axes, metrics, strict=True):
        t = table[table.metric == metric]
        x = np.arange(len(t))
        err = np.vstack([t["mean"] - t.ci_low, t.ci_high - t["mean"]])
        ax.bar(x, t["mean"], yerr=np.nan_to_num(err), capsize=4, color=OKABE_ITO[: len(t)])
        ax.set_xticks(x, t.strategy, rotation=30)
        label_metric(ax, metric)
        ax.grid(False, axis="x")
    fig.suptitle("Strategies: mean and 95% interval")
    save_figure(fig, folder / "strategies.png")
    return ["![strategies](strategies.png)"]


@styled
def sensitivity_section(runs: pd.DataFrame, manifest: dict, folder: Path) -> list[str]:
    """Sobol or Morris indices per strategy for the headline outcomes."""
    design = design_from_manifest(manifest)
    if design is None or design.kind not in ("sobol", "morris"):
        return []
    lines = ["## Sensitivity", "", f"{design.kind.capitalize()} design over "
             + ", ".join(f"`{n}`" for n in design.names) + f" ({len(design.points)} points).", ""]
    outcomes = ["pipeline_created_usd", "nrr", "trust_index"]
    for strategy, group in runs.groupby("strategy.name", sort=False):
        fig, axes = plt.subplots(1, len(outcomes), figsize=(4 * len(outcomes), 3.4), layout="constrained")
        for ax, metric in zip(axes, outcomes, strict=True):
            si = analysis.sensitivity(design, analysis.design_outcomes(group, design, metric))
            value, conf = ("ST", "ST_conf") if design.kind == "sobol" else ("mu_star", "mu_star_conf")
            lines += [f"### `{strategy}`: `{metric}`", "", markdown_table(si), ""]
            ax.barh(si.parameter, si[value], xerr=si[conf], color=OKABE_ITO[0])
            ax.set_title(f"{metric} ({value})", fontsize=10)
        fig.suptitle(f"Sensitivity, strategy {strategy}")
        name = f"sensitivity_{strategy}.png"
        save_figure(fig, folder / name)
        lines += [f"![sensitivity {strategy}]({name})", ""]
    return lines


def uncertainty_section(runs: pd.DataFrame, manifest: dict, baseline: str) -> list[str]:
    """For worlds drawn from a fit's posterior: how much of each outcome's spread, and of each
    difference to the baseline, is parameter uncertainty and how much run noise."""
    if manifest.get("design") != "posterior":
        return []
    lines = ["## Parameter uncertainty and run noise", "",
             f"{len(manifest.get('points', []))} worlds drawn from the fit's posterior, {manifest.get('replications')} "
             "replications each. Spread is the standard deviation over worlds and replications; the share from "
             "parameters is what the calibration's uncertainty contributes (two-way analysis of variance over "
             "worlds and replications, which share their random draws), the rest is run noise. More "
             "replications narrow run noise; only better targets narrow the parameter part.", "",
             "| strategy | metric | mean | spread (sd) | share from parameters | share from run noise |",
             "|---|---|---:|---:|---:|---:|"]

    def row(strategy: str, metric: str, frame: pd.DataFrame) -> str:
        split = analysis.uncertainty_split(frame)
        share = split["parameter_share"]
        show = value if " - " not in strategy else difference
        return (f"| {strategy} | {label(metric)} | {show(metric, split['mean'])} | {value(metric, split['sd'])} | "
                f"{'-' if not np.isfinite(share) else f'{share:.0%}'} | "
                f"{'-' if not np.isfinite(share) else f'{1 - share:.0%}'} |")

    base = runs[runs["strategy.name"] == baseline].set_index("world_id")
    for strategy, group in runs.groupby("strategy.name", sort=False):
        for metric in HEADLINE[:5]:
            frame = pd.DataFrame({"point": group["sweep.point"], "replication": group.replication,
                                  "value": group[metric]})
            lines.append(row(strategy, metric, frame))
            if strategy != baseline:
                g = group.set_index("world_id")
                common = g.index.intersection(base.index)
                diff = pd.DataFrame({"point": g.loc[common, "sweep.point"], "replication": g.loc[common, "replication"],
                                     "value": g.loc[common, metric] - base.loc[common, metric]})
                lines.append(row(f"{strategy} - {baseline}", metric, diff))
    return [*lines, ""]


def discovery_section(runs: pd.DataFrame, inputs: list[str], condition: str, folder: Path) -> list[str]:
    """PRIM box and CART rules describing where ``condition`` holds."""
    x, y = analysis.condition_frame(runs, inputs, condition)
    lines = ["## Scenario discovery", "", f"Condition: `{condition}`, true in {int(y.sum())} of {len(y)} cases "
             f"({y.mean():.0%}) over " + ", ".join(f"`{c}`" for c in inputs) + ".", ""]
    box = analysis.prim_box(x, y)
    if box is None:
        return [*lines, "The condition never holds: nothing to explain.", ""]
    rules = " and ".join(f"{lo:.4g} <= `{k}` <= {hi:.4g}" for k, (lo, hi) in box.limits.items()) or "everywhere"
    lines += ["### PRIM", "", f"Box: {rules}.", "",
              f"Coverage {box.coverage:.0%} (share of the cases where the condition holds that lie in the box), "
              f"density {box.density:.0%} (share of the box where it holds), mass {box.mass:.0%}.", "",
              "### CART", "", "```", analysis.cart_rules(x, y).rstrip(), "```", ""]
    if len(box.limits) >= 1:
        lines += _prim_figure(x, y, box, folder)
    return lines


@styled
def _prim_figure(x: pd.DataFrame, y: np.ndarray, box: analysis.Box, folder: Path) -> list[str]:
    keys = list(box.limits) + [c for c in x.columns if c not in box.limits]
    a, b = keys[0], keys[1 if len(keys) > 1 else 0]
    fig, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
    ax.scatter(x[a], x[b], c=np.where(y, OKABE_ITO[3], OKABE_ITO[5]), s=14)
    lo_a, hi_a = box.limits.get(a, (x[a].min(), x[a].max()))
    lo_b, hi_b = box.limits.get(b, (x[b].min(), x[b].max()))
    ax.add_patch(plt.Rectangle((lo_a, lo_b), hi_a - lo_a, hi_b - lo_b, fill=False, lw=2, ec=OKABE_ITO[7]))
    ax.set_xlabel(a)
    ax.set_ylabel(b)
    ax.set_title("PRIM box (condition true in red)")
    save_figure(fig, folder / "prim_box.png")
    return ["![PRIM box](prim_box.png)", ""]


def write_report(sweep_dir: Path | str, condition: str = "", baseline: str = "",
                 export: Sequence[str] | None = None) -> Path:
    """Write ``report.md``, ``report.html`` and their figures into the sweep folder, and the catalog
    as a spreadsheet in the formats of ``export`` (default: the sweep's ``output.export``); return
    the Markdown report's path."""
    folder = Path(sweep_dir)
    manifest = read_manifest(folder)
    table = catalog.load(folder)
    if export is None:
        shared = folder / "multirun.yaml"
        export = list(OmegaConf.select(OmegaConf.load(shared), "output.export", default=[])) if shared.is_file() else []
    export_tables({"catalog": table}, folder, export, "catalog")
    runs = table[table.status == "ok"]
    failed = table[table.status != "ok"]
    strategies = list(dict.fromkeys(runs["strategy.name"]))
    for given, where in ((baseline, "--baseline"), (manifest.get("baseline"), f"{MANIFEST} baseline")):
        if given and strategies and given not in strategies:
            raise ValueError(f"{where} {given}: the sweep ran {', '.join(strategies)}")
    baseline = baseline or manifest.get("baseline") or (strategies[0] if strategies else "")
    condition = condition or manifest.get("condition", "")
    if condition:  # checked before anything is written, whether given or read from the folder
        check_condition(condition, strategies, table.columns)
    lines = [f"# Sweep report: {folder}", "",
             f"{len(table)} runs in the catalog: {len(runs)} finished, {len(failed)} failed. Design: "
             f"{manifest.get('design', 'grid')}; replications per point: {manifest.get('replications', '?')}.", ""]
    if len(failed):
        lines += ["Failed runs:", "", *[f"- `{r.run_dir}`: {r.error}" for r in failed.itertuples()], ""]
    if len(runs):
        lines += comparison_section(runs, baseline, folder)
        lines += ["", *sensitivity_section(runs, manifest, folder)]
        lines += uncertainty_section(runs, manifest, baseline)
        inputs = manifest.get("names") or []
        if condition and inputs:
            lines += discovery_section(runs, inputs, condition, folder)
        elif condition:
            lines += ["## Scenario discovery", "", "Needs a design over parameters (`sweep.design`).", ""]
    path = folder / REPORT
    text = "\n".join(lines) + "\n"
    atomic_write(path, lambda p: p.write_text(text))
    page = markdown_page(text, folder, title=f"abx-sim sweep: {folder.name}")
    atomic_write(folder / HTML_REPORT, lambda p: p.write_text(page, encoding="utf-8"))
    return path


def markdown_page(text: str, folder: Path, title: str) -> str:
    """Markdown as one HTML page in the project's layout, the figures it names (PNG files in
    ``folder``) embedded, so the page needs nothing beside it. Raw HTML in the text is escaped."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(text)
    for token in (t for block in tokens for t in (block.children or [])):
        source = str(token.attrGet("src") or "")
        if token.type == "image" and (folder / source).is_file() and "/" not in source:
            token.attrSet("src", png_source(folder / source))
    return render("markdown.html.j2", title=title, body=Markup(md.renderer.render(tokens, md.options, {})))


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    parser = ArgumentParser(prog="abx-sim-report", description=__doc__.split("\n")[0])
    parser.add_argument("path", help="a sweep folder (holding catalog/)")
    parser.add_argument("--condition", default="", help="scenario-discovery condition, e.g. 'nrr < 1.0'")
    parser.add_argument("--baseline", default="", help="strategy to pair differences against")
    parser.add_argument("--export", action="append", choices=EXPORTS,
                        help="also write the catalog as csv or xlsx (repeatable; default: the sweep's output.export)")
    args = parser.parse_args(argv)
    try:
        path = write_report(args.path, args.condition, args.baseline, args.export)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        print(f"abx-sim-report: error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(path)
    print(path.with_name(HTML_REPORT))


if __name__ == "__main__":
    main()
