"""``abx-sim-experiment NAME``: run one of the experiments in ``experiments/`` and analyse it.

An experiment is a folder ``experiments/<name>/`` holding ``experiment.yaml``: the question, one
or more sweeps (``abx-sim -m`` overrides, each run with common random numbers over
``replications``), and the analyses that turn their catalogs into a figure and a table each:
the mean and 95% interval of every metric per cell (x value by series), and, where a baseline is
named, the paired difference to it within each world. Results go to ``<out>/``: ``results.md``,
``<analysis>.png``, ``<analysis>.csv``; the sweeps' run folders and catalogs to
``<out>/sweeps/``. A run that stops half-way resumes: finished runs are not recomputed.

``--small`` runs the experiment at the size given under ``small:`` (for CI smoke tests).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import yaml

from sim.api import ArgumentParser
from sim.core.config import EXPORTS
from sim.outputs.export import export_tables
from sim.outputs.files import atomic_write
from sim.outputs.plots import OKABE_ITO, label_metric, save_figure, styled
from sim.studies import CHECKOUT
from sim.sweep import catalog
from sim.sweep.analysis import mean_ci
from sim.sweep.report import difference, interval, markdown_table, with_interval
from sim.sweep.report import label as metric_label

EXPERIMENTS = CHECKOUT / "experiments"
SAFE_NAME = re.compile(r"[A-Za-z0-9_-]+")


@dataclass
class Analysis:
    """One figure and table: metrics against ``x``, one series per value of ``series``."""

    name: str
    title: str
    sweeps: list[int]
    x: str
    metrics: list[str]
    x_label: str = ""
    x_pick: int | None = None  # element of a list-valued column (lists are stored as JSON)
    x_log: bool = False
    series: str = ""
    baseline: dict[str, Any] = field(default_factory=dict)  # {column: value} of the baseline runs
    baseline_per_series: bool = False  # pair each series with its own baseline cell (same series, same world)


@dataclass
class Experiment:
    """An experiment as declared in its ``experiment.yaml``."""

    name: str
    title: str
    question: str
    sweeps: list[list[str]]
    replications: int
    analyses: list[Analysis]
    fixed: list[str] = field(default_factory=list)
    small: dict[str, Any] = field(default_factory=dict)
    finding: str = ""  # what the committed results show, in words (checked against them by review)

    @classmethod
    def load(cls, name: str) -> Experiment:
        """Read ``experiments/<name>/experiment.yaml`` (:class:`ValueError` for a name not in the registry)."""
        if name not in names():  # chosen from the registry by name: no path reaches outside experiments/
            known = ", ".join(names()) or "none"
            raise ValueError(f"no experiment {name!r} (known: {known})")
        spec = yaml.safe_load((EXPERIMENTS / name / "experiment.yaml").read_text())
        spec["analyses"] = [Analysis(**a) for a in spec["analyses"]]
        for a in spec["analyses"]:  # an analysis name becomes a file name inside the output folder
            if not SAFE_NAME.fullmatch(a.name):
                raise ValueError(f"{name}: analysis name {a.name!r}: use letters, digits, "
                                 "'_' and '-' only")
        return cls(name=name, **spec)

    def overrides(self, sweep: int, small: bool) -> list[str]:
        """Hydra arguments of one sweep of the experiment."""
        reps = self.small.get("replications", 2) if small else self.replications
        extra = self.small.get("overrides", []) if small else []
        return [*self.sweeps[sweep], *self.fixed, *extra, f"replications={reps}", "output.tables=false"]


def names() -> list[str]:
    """Every experiment folder's name."""
    return sorted(p.parent.name for p in EXPERIMENTS.glob("*/experiment.yaml"))


def run_sweeps(exp: Experiment, out: Path, small: bool, jobs: int) -> None:
    """Run (or resume) every sweep of the experiment with ``abx-sim -m``."""
    launcher = [f"hydra.launcher.n_jobs={jobs}"] if jobs > 1 else []  # abx-sim's launcher: forked workers
    abx_sim = str(Path(sys.executable).with_name("abx-sim"))
    for i in range(len(exp.sweeps)):
        folder = out / "sweeps" / str(i)
        args = [abx_sim, "-m", *exp.overrides(i, small), f"hydra.sweep.dir={folder}", *launcher]
        print(f"[{exp.name}] sweep {i + 1}/{len(exp.sweeps)}: {' '.join(args[2:])}", flush=True)
        proc = subprocess.run(args, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"abx-sim-experiment: error: sweep {i} of {exp.name} failed (exit {proc.returncode})")


def x_values(runs: pd.DataFrame, a: Analysis) -> pd.Series:
    """The x value of every run: an element of a list-valued column if ``x_pick`` is set, a list
    as short text (``0/1/2/3``) otherwise."""
    col = runs[a.x]
    if a.x_pick is not None:
        return col.map(lambda v: float(json.loads(v)[a.x_pick]))
    if col.map(lambda v: isinstance(v, str) and v.startswith("[")).all():
        return col.map(lambda v: "/".join(f"{e:g}" for e in json.loads(v)))
    return col


def matches(col: pd.Series, value: Any) -> pd.Series:
    """Rows whose value equals ``value`` (lists compare with the JSON text the catalog stores)."""
    if isinstance(value, list):
        return col.map(lambda v: isinstance(v, str) and json.loads(v) == value)
    return col.astype(str) == str(value)


def cells(runs: pd.DataFrame, a: Analysis) -> pd.DataFrame:
    """Mean and 95% interval of every metric per (series, x) cell, plus the paired difference to
    the baseline runs of the same world where a baseline is named.

    With ``baseline_per_series`` each series is compared with its own baseline cell (for example
    every depth with no research at the same sales headcount); the baseline cells stay in the
    table as ordinary cells, without a difference. Otherwise the baseline is one reference row.
    """
    series = runs[a.series] if a.series else pd.Series("", index=runs.index)
    # Numeric series sort as numbers (5 before 10), others as text.
    runs = runs.assign(_x=x_values(runs, a),
                       _s=series if pd.api.types.is_numeric_dtype(series) else series.astype(str))
    base = pd.Series(True, index=runs.index)
    for col, value in a.baseline.items():
        base &= matches(runs[col], value)
    keys = ["_s", "world_id"] if a.baseline_per_series else ["world_id"]
    baseline = runs[base].drop_duplicates(keys).set_index(keys) if a.baseline else None
    rows = []
    numeric = pd.api.types.is_numeric_dtype(runs._x)  # numeric x in order; categories in sweep order
    compared = runs[~base] if a.baseline and not a.baseline_per_series else runs
    for (s, x), group in compared.groupby(["_s", "_x"], sort=numeric):
        row: dict[str, Any] = {"series": s, "x": x, "n": len(group)}
        is_baseline = bool(base[group.index].all())
        for m in a.metrics:
            row[m], row[f"{m}_low"], row[f"{m}_high"] = mean_ci(group[m])
            if baseline is not None:
                common = group.set_index(keys)[m].dropna()
                diff = common - baseline[m].reindex(common.index)
                row[f"{m}_diff"], row[f"{m}_diff_low"], row[f"{m}_diff_high"] = (
                    (np.nan,) * 3 if is_baseline else mean_ci(diff))
        rows.append(row)
    table = pd.DataFrame(rows)
    if baseline is not None and not a.baseline_per_series:
        ref = {"series": "baseline", "x": "baseline: " + ", ".join(f"{k.split('.')[-1]} = {v}" for k, v in
                                                               a.baseline.items()), "n": len(baseline)}
        for m in a.metrics:
            ref[m], ref[f"{m}_low"], ref[f"{m}_high"] = mean_ci(baseline[m])
        table = pd.concat([table, pd.DataFrame([ref])], ignore_index=True)
    return table


@styled
def figure(table: pd.DataFrame, a: Analysis, path: Path) -> None:
    """One panel per metric: series against x with 95% bands (numeric x) or bars (categorical x)."""
    is_ref = table.series == "baseline"
    data = table[~is_ref]
    numeric = pd.api.types.is_numeric_dtype(data.x.infer_objects())
    fig, axes = plt.subplots(1, len(a.metrics), figsize=(3.6 * len(a.metrics), 3.6), layout="constrained",
                             squeeze=False)
    series = list(dict.fromkeys(data.series))
    categories = list(dict.fromkeys(data.x))
    for ax, m in zip(axes[0], a.metrics, strict=True):
        for k, s in enumerate(series):
            d, color = data[data.series == s], OKABE_ITO[k % len(OKABE_ITO)]
            label = f"{a.series.split('.')[-1]} = {s}" if a.series else None
            if numeric:
                ax.plot(d.x, d[m], "o-", color=color, label=label)
                ax.fill_between(d.x.astype(float), d[f"{m}_low"], d[f"{m}_high"], color=color, alpha=0.2)
            else:
                pos = np.array([categories.index(v) for v in d.x]) + (k - (len(series) - 1) / 2) * 0.8 / len(series)
                err = np.vstack([d[m] - d[f"{m}_low"], d[f"{m}_high"] - d[m]])
                ax.bar(pos, d[m], 0.8 / len(series), yerr=np.nan_to_num(err), capsize=3, color=color, label=label)
        ref = table[is_ref]
        if len(ref):
            r = ref.iloc[0]
            ax.axhline(r[m], color="0.3", ls="--", lw=1, label=r.x)
            ax.axhspan(r[f"{m}_low"], r[f"{m}_high"], color="0.5", alpha=0.15)
        if not numeric:
            ax.set_xticks(range(len(categories)), [str(c) for c in categories], rotation=30, ha="right")
        elif a.x_log:
            ax.set_xscale("log")
        label_metric(ax, m)
        ax.set_xlabel(a.x_label or a.x)
    handles, labels = axes[0][0].get_legend_handles_labels()
    if labels:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4), fontsize=8)
    fig.suptitle(f"{a.title} (mean, 95% interval)")
    save_figure(fig, path)


def results_table(table: pd.DataFrame, a: Analysis) -> str:
    """The cells as Markdown: mean [95% interval] per metric, and the paired difference."""
    out = pd.DataFrame({"series": table.series, "x": table.x, "n": table.n})
    for m in a.metrics:
        out[metric_label(m)] = [with_interval(m, r[m], r[m + "_low"], r[m + "_high"]) for _, r in table.iterrows()]
        if f"{m}_diff" in table:
            out[f"Δ {metric_label(m)}"] = [f"{difference(m, r[m + '_diff'])} "
                                           f"{interval(m, r[m + '_diff_low'], r[m + '_diff_high'], difference)}"
                                           if np.isfinite(r[m + "_diff"]) else "-" for _, r in table.iterrows()]
    if not a.series:
        out = out.drop(columns="series")
    out = out.rename(columns={"x": a.x_label or a.x, "series": a.series.split(".")[-1]})
    return markdown_table(out)



def analyse(exp: Experiment, out: Path, export: Sequence[str] = ()) -> Path:
    """Write every analysis's figure, CSV table and the experiment's ``results.md``; with ``xlsx`` in
    ``export``, the tables also as one workbook ``results.xlsx`` (a sheet per analysis)."""
    lines = [f"# {exp.title}", "", f"**Question.** {exp.question}", "",
             f"Command: `abx-sim-experiment {exp.name}`. Replications per cell: "
             f"{int(json.loads((out / 'sweeps/0/sweep.json').read_text())['replications'])}, with common random "
             "numbers (the same worlds in every cell). Cells show mean [95% interval]; Δ columns the paired "
             "difference to the baseline in the same world.", ""]
    tables = {}
    for a in exp.analyses:
        runs = pd.concat([catalog.load(out / "sweeps" / str(i)) for i in a.sweeps], ignore_index=True)
        runs = runs[runs.status == "ok"]
        table = tables[a.name] = cells(runs, a)
        figure(table, a, out / f"{a.name}.png")
        lines += [f"## {a.title}", "", f"![{a.name}]({a.name}.png)", "", results_table(table, a), ""]
    export_tables(tables, out, ["csv", *export], "results")
    path = out / "results.md"
    atomic_write(path, lambda p: p.write_text("\n".join(lines)))
    return path


def index() -> str:
    """``experiments/README.md``: every experiment with its command, question, figures, result
    tables (links to the committed ``results/``) and finding."""
    lines = ["# Experiments", "",
             "Generated by `abx-sim-experiment --index > experiments/README.md` from each experiment's "
             "`experiment.yaml` and its committed results; do not edit.", "",
             "Each experiment is one folder: `experiment.yaml` (the question, the sweeps, the analyses) and "
             "`results/` (written by the command: `results.md` with the tables, one figure per analysis). All "
             "runs use common random numbers: replication *r* of every cell faces the same world. "
             "`--small` runs an experiment at smoke-test size; `-j N` sets the parallel workers; a run that "
             "stops resumes where it stopped.", "",
             "| experiment | command | question |", "|---|---|---|"]
    exps = [Experiment.load(n) for n in names()]
    lines += [f"| [{e.title}](#{e.name}) | `abx-sim-experiment {e.name}` | "
              f"{e.question.split('?')[0]}? |" for e in exps]
    for e in exps:
        lines += ["", f"## {e.name}", "", f"**{e.title}.** {e.question}", "", "```bash",
                  f"abx-sim-experiment {e.name}", "```", "",
                  f"Results as written by that command: [`{e.name}/results/results.md`]"
                  f"({e.name}/results/results.md).", ""]
        for a in e.analyses:
            lines += [f"### {a.title}", "", f"![{a.title}]({e.name}/results/{a.name}.png)", ""]
            csv = EXPERIMENTS / e.name / "results" / f"{a.name}.csv"
            lines += [results_table(pd.read_csv(csv), a) if csv.is_file() else "*(not run yet)*", ""]
        if e.finding:
            lines += ["", f"**Finding.** {e.finding.strip()}"]
    return "\n".join(lines) + "\n"


#: Most parallel workers an experiment starts (processes on one machine).
MAX_JOBS = 256


def main(argv: list[str] | None = None) -> None:
    """Run and analyse an experiment."""
    parser = ArgumentParser(prog="abx-sim-experiment", description=__doc__.split("\n")[0])
    parser.add_argument("name", nargs="?", help="experiment folder name (omit to list them)")
    parser.add_argument("--small", action="store_true", help="smoke-test size (the experiment's small: block)")
    parser.add_argument("--out", type=Path, help="output folder (default experiments/<name>/results)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="parallel workers (default 2)")
    parser.add_argument("--analyse-only", action="store_true", help="only re-analyse finished sweeps")
    parser.add_argument("--index", action="store_true", help="print experiments/README.md")
    parser.add_argument("--export", action="append", choices=EXPORTS, default=[],
                        help="also write the result tables as xlsx (one workbook; csv files are always written)")
    args = parser.parse_args(argv)
    if not 1 <= args.jobs <= MAX_JOBS:
        parser.error(f"--jobs {args.jobs}: must lie in [1, {MAX_JOBS}]")
    if args.index:
        print(index(), end="")
        return
    if not args.name:
        for name in names():
            exp = Experiment.load(name)
            print(f"{name:24} {exp.title}")
        return
    try:
        exp = Experiment.load(args.name)
    except ValueError as exc:
        parser.error(str(exc))
    out = args.out or EXPERIMENTS / args.name / "results"
    if args.analyse_only:
        if not (out / "sweeps" / "0" / "sweep.json").is_file():
            parser.error(f"--analyse-only: no finished runs in {out} (run the experiment first)")
    else:
        if out.exists() and not out.is_dir():
            parser.error(f"--out {out}: cannot write to {out}: it is a file, not a folder")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            parser.error(f"--out {out}: cannot write to {out} ({exc.strerror or exc})")
        run_sweeps(exp, out, args.small, args.jobs)
    print(f"[{exp.name}] results: {analyse(exp, out, args.export)}")

if __name__ == "__main__":
    main()
