"""Writing one run's results into its folder: tables, figures, report, and the summary last.

``summary.json`` is written last (:func:`finish`), so its presence marks a finished run; every file
is written atomically (:mod:`sim.outputs.files`), so a killed run never leaves a half-written one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.core.metrics import undefined_reasons
from sim.outputs.compare import differences
from sim.outputs.export import export_tables, summary_frame
from sim.outputs.files import atomic_write, write_json
from sim.outputs.report import write_report

if TYPE_CHECKING:
    from sim.api import Preset, Results
    from sim.outputs.figure_worker import FigureWorker

SUMMARY_FILE = "summary.json"
#: The identity of the config a run folder's results belong to (``{"run_id": ..., "config": {...}}``).
RUN_FILE = "run.json"


def run_id_of(folder: Path) -> str | None:
    """The run id recorded in ``folder`` (None if there is none or it cannot be read)."""
    try:
        return str(json.loads((folder / RUN_FILE).read_text())["run_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_finished(folder: Path, run_id: str) -> bool:
    """Whether ``folder`` holds a finished run (its summary was written, last and atomically) of the
    config ``run_id`` names: results of another config are never reused."""
    return (folder / SUMMARY_FILE).is_file() and run_id_of(folder) == run_id


def finish(folder: Path, summary: dict[str, float], run_id: str | None = None,
           config: dict[str, Any] | None = None) -> Path:
    """Write the run's identity (if given, with its flattened resolved config if given: a sweep's
    runs have no ``.hydra/`` folder), then ``summary.json``: the last file, marking it finished."""
    if run_id is not None:
        write_json(folder / RUN_FILE, {"run_id": run_id, **({"config": config} if config is not None else {})})
    path = folder / SUMMARY_FILE
    write_json(path, summary_json(summary))
    return path


def summary_json(summary: dict[str, float]) -> dict[str, Any]:
    """The summary as ``summary.json`` holds it: standard JSON, an undefined value ``null`` with its
    reason under ``undefined`` (``{"win_rate": null, ..., "undefined": {"win_rate": "no ..."}}``)."""
    reasons = undefined_reasons(summary)
    return {**{k: None if k in reasons else v for k, v in summary.items()}, "undefined": reasons}


def write_results(res: Results, folder: Path, figures: bool = True, tables: bool = True,
                  report: bool = False, worker: FigureWorker | None = None,
                  preset: Preset | str | Callable[[], Preset | str] | None = None,
                  baseline: Results | None = None, export: Sequence[str] = ()) -> list[Path]:
    """Write a run's tables, figures and (if ``report``) HTML report into ``folder``; with a
    ``baseline`` run (another strategy on the same world), ``comparison.json`` too; the tables also
    in the spreadsheet formats ``export`` names (:mod:`sim.outputs.export`, the summary first).

    A ``worker`` (:mod:`sim.outputs.figure_worker`, started before the run) draws the figures while
    the tables are written; without one they are drawn here, after the tables. ``preset`` and
    ``baseline`` are the report's (:func:`sim.outputs.report.report_html`); a ``preset`` given as a
    function is called while the worker draws (composing the presets takes ~0.1 s). Not the
    summary: see :func:`finish`.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if figures and worker is not None:
        worker.draw(res, folder)
    written: list[Path] = []
    frames = {"timeseries": res.timeseries, "accounts": res.accounts, "story": res.stories,
              "opportunities": res.opportunities, "revenue": res.revenue}
    for name, df in frames.items() if tables else ():
        path = folder / f"{name}.parquet"
        atomic_write(path, partial(pd.DataFrame.to_parquet, df, index=False))
        written.append(path)
    if export:
        written += export_tables({"summary": summary_frame(res.summary), **frames}, folder, export, "run")
    known: Preset | str | None = None
    if report:  # composed while the worker draws
        known = preset() if callable(preset) else preset
    pngs: list[Path] = []
    if figures and worker is not None:
        pngs = worker.figures()
    elif figures:
        from sim.outputs.plots import save_figures  # matplotlib: 0.3 s to import, only when drawing here

        pngs = save_figures(res, folder)
    if baseline is not None:
        written.append(write_comparison(res, baseline, folder))
    if report:
        written.append(write_report(res, folder, pngs, known, baseline))
    return written + pngs


COMPARISON_FILE = "comparison.json"


def write_comparison(res: Results, baseline: Results, folder: Path) -> Path:
    """``comparison.json``: every summary metric of the run and of the baseline, and their difference."""
    diffs = differences(res.summary, baseline.summary)
    data = {"strategy": res.config.strategy.name, "baseline": baseline.config.strategy.name,
            "metrics": {d.key: {"run": _number(d.value), "baseline": _number(d.baseline),
                                "difference": _number(d.delta), "verdict": d.verdict} for d in diffs}}
    path = folder / COMPARISON_FILE
    write_json(path, data)
    return path


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value
