"""Spreadsheets for people who do not read Parquet: a run's tables, a sweep's catalog or an
experiment's results as CSV files and as one Excel workbook (``output.export=[csv,xlsx]``).

Parquet stays the format of record (typed, compact, what DuckDB and pandas read); these are
copies for a spreadsheet. A table longer than an Excel sheet holds is left out of the workbook,
and its sheet says where to find it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

import pandas as pd

from sim.core.metrics import SUMMARY
from sim.outputs.files import atomic_write
from sim.outputs.formats import metric_label, metric_value

#: The rows an Excel sheet holds, its header included.
EXCEL_ROWS = 1_048_576


def summary_frame(summary: Mapping[str, float]) -> pd.DataFrame:
    """A run's summary as a table for people: metric key, label, value, the value as read, unit, meaning."""
    rows = []
    for key, value in summary.items():
        metric = SUMMARY.get(key)
        rows.append({"metric": key, "label": metric_label(key), "value": value, "as read": metric_value(key, value),
                     "unit": metric.unit if metric else "", "meaning": metric.meaning if metric else ""})
    return pd.DataFrame(rows)


def export_tables(tables: Mapping[str, pd.DataFrame], folder: Path, formats: Sequence[str],
                  workbook: str) -> list[Path]:
    """Write ``tables`` (name -> table) into ``folder``: ``csv``, a file ``NAME.csv`` each; ``xlsx``,
    one workbook ``WORKBOOK.xlsx`` with a sheet each (in order). Every file is written atomically."""
    written = []
    if "csv" in formats:
        for name, table in tables.items():
            path = folder / f"{name}.csv"
            atomic_write(path, partial(pd.DataFrame.to_csv, table, index=False))
            written.append(path)
    if "xlsx" in formats:
        path = folder / f"{workbook}.xlsx"
        atomic_write(path, partial(_workbook, tables))
        written.append(path)
    return written


def _workbook(tables: Mapping[str, pd.DataFrame], path: Path) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        for name, table in tables.items():
            sheet = name[:31]  # Excel's limit on a sheet's name
            if len(table) >= EXCEL_ROWS:
                note = f"{len(table):,} rows: more than a sheet holds ({EXCEL_ROWS - 1:,}); see {name}.parquet or .csv"
                pd.DataFrame({"note": [note]}).to_excel(book, sheet_name=sheet, index=False)
                continue
            frame = table.copy()
            for column in frame.columns:  # Excel has no categories: their labels are written
                if isinstance(frame[column].dtype, pd.CategoricalDtype):
                    frame[column] = frame[column].astype(str)
            frame.to_excel(book, sheet_name=sheet, index=False)
