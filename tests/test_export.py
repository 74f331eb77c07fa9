"""Spreadsheet exports: a run's tables as CSV files and one Excel workbook, a sweep's catalog, and
what happens to a table longer than a sheet."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.api import compose_config, run
from sim.core.params import ConfigError
from sim.core.validate import validate
from sim.outputs import export
from sim.outputs.export import export_tables, summary_frame
from sim.outputs.run import write_results


@pytest.fixture(scope="module")
def small_run():
    return run(["market.n_accounts=300", "horizon_weeks=12", "strategy.tiering.n_one_to_one=5",
                "strategy.tiering.n_one_to_few=30", "strategy.tiering.n_one_to_many=100"])


def test_a_run_exports_its_tables_as_csv_and_one_workbook_that_read_back_the_same(small_run, tmp_path):
    written = write_results(small_run, tmp_path, figures=False, export=["csv", "xlsx"])
    names = ("summary", "timeseries", "accounts", "story", "opportunities", "revenue")
    assert {p.name for p in written} >= {f"{n}.csv" for n in names} | {"run.xlsx"}
    book = pd.read_excel(tmp_path / "run.xlsx", sheet_name=None)
    assert list(book) == list(names)
    ts = pd.read_csv(tmp_path / "timeseries.csv")
    pd.testing.assert_frame_equal(ts, small_run.timeseries, check_dtype=False)
    pd.testing.assert_frame_equal(book["timeseries"], small_run.timeseries, check_dtype=False)
    assert book["accounts"].tier.tolist() == small_run.accounts.tier.astype(str).tolist()  # labels, not codes
    summary = book["summary"].set_index("metric")
    assert summary.loc["win_rate", "label"] == "win rate" and summary.loc["win_rate", "unit"] == "share"
    assert summary.loc["pipeline_created_usd", "as read"].startswith("$")
    assert not list(tmp_path.glob(".*.tmp"))


def test_without_export_only_parquet_is_written(small_run, tmp_path):
    written = write_results(small_run, tmp_path, figures=False)
    assert {p.suffix for p in written} == {".parquet"} and not list(tmp_path.glob("*.csv"))


def test_a_table_longer_than_a_sheet_is_named_not_cut(monkeypatch, tmp_path):
    monkeypatch.setattr(export, "EXCEL_ROWS", 10)
    export_tables({"big": pd.DataFrame({"x": range(20)}), "small": pd.DataFrame({"x": range(3)})}, tmp_path,
                  ["xlsx"], "book")
    book = pd.read_excel(tmp_path / "book.xlsx", sheet_name=None)
    assert "20 rows: more than a sheet holds" in book["big"].note[0] and len(book["small"]) == 3


def test_summary_rows_read_as_people_read_them():
    frame = summary_frame({"nrr": 1.05, "bookings_usd": 2_500_000.0, "theater_share": float("nan")})
    assert frame["as read"].tolist() == ["105.0%", "$2.50M", "n/a"]


def test_an_unknown_format_is_one_line_naming_the_choices():
    expected = r"output.export = \['csv', 'pdf'\]: 'pdf' is not a format; choose from csv, xlsx"
    with pytest.raises(ConfigError, match=expected):
        validate(compose_config(["output.export=[csv,pdf]"]))
