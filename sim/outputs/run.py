"""Writing one run's results into its folder: tables, figures, report, and the summary last.

``summary.json`` is written last (:func:`finish`), so its presence marks a finished run; every file
is written atomically (:mod:`sim.outputs.files`), so a killed run never leaves a half-written one.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.outputs.files import atomic_write, write_json
from sim.outputs.plots import save_figures
from sim.outputs.report import write_report

if TYPE_CHECKING:
    from sim.api import Results

SUMMARY_FILE = "summary.json"


def is_finished(folder: Path) -> bool:
    """Whether ``folder`` holds a finished run (its summary was written, last and atomically)."""
    return (folder / SUMMARY_FILE).is_file()


def finish(folder: Path, summary: dict[str, float]) -> Path:
    """Write ``summary.json``: the last file of a run, marking it finished."""
    path = folder / SUMMARY_FILE
    write_json(path, summary)
    return path


def write_results(res: Results, folder: Path, figures: bool = True, tables: bool = True,
                  report: bool = False) -> list[Path]:
    """Write a run's tables, figures and (if ``report``) HTML report into ``folder``.

    Not the summary: see :func:`finish`.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, df in (("timeseries", res.timeseries), ("accounts", res.accounts), ("story", res.stories)):
        if not tables:
            break
        path = folder / f"{name}.parquet"
        atomic_write(path, partial(pd.DataFrame.to_parquet, df, index=False))
        written.append(path)
    pngs: list[Path] = []
    if figures:
        pngs = save_figures(res, folder)
    if report:
        written.append(write_report(res, folder, pngs))
    return written + pngs
