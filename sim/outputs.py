"""Writing a run's outputs: atomically, so a killed run never leaves a half-written file.

Each file is written to a temporary name in the same folder and renamed into place
(``os.replace`` is atomic on POSIX). ``summary.json`` is written last (:func:`finish`), so its
presence marks a finished run.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from sim.api import Results


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict) -> None:
    """Write ``data`` as indented, key-sorted JSON, atomically."""
    atomic_write(path, lambda p: p.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n"))


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
        from sim.plots import save_figures

        pngs = save_figures(res, folder)
    if report:
        from sim.run_report import write_report

        written.append(write_report(res, folder, pngs))
    return written + pngs
