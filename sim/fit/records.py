"""A company's records as the fit reads them: opportunities and changes of ARR, from a CRM export or a run.

Two CSV files, one row each per opportunity and per change of a customer's ARR (columns in
:data:`OPPORTUNITY_COLUMNS` and :data:`REVENUE_COLUMNS`, documented in the README's "Fit the model
to your company"). Dates become whole weeks since the first day the records cover, so an export
and a run are read the same way and reduced to targets by the same code (:mod:`sim.fit.targets`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.api import Results
from sim.core.crm import OPPORTUNITY_OUTCOMES, REVENUE_EVENTS
from sim.core.params import ConfigError

#: Columns of ``opportunities.csv`` (one row per new-logo opportunity): name -> meaning. ``segment``
#: (smb, midmarket or enterprise) may be left out.
OPPORTUNITY_COLUMNS = {
    "account_id": "the buying account (any text or number; the same account keeps the same id)",
    "created": "date the opportunity was opened (YYYY-MM-DD)",
    "closed": "date it closed (empty while open)",
    "amount_usd": "first-year contract value (ACV) in USD",
    "outcome": "won, lost (to a competitor), no_decision (the buyer kept the status quo) or open",
}
#: Columns of ``revenue.csv`` (one row per change of a customer's ARR): name -> meaning.
REVENUE_COLUMNS = {
    "account_id": "the customer (the same ids as the opportunities)",
    "date": "date the ARR changed (YYYY-MM-DD)",
    "arr_before_usd": "annual recurring revenue just before, in USD (0 for a new logo)",
    "arr_after_usd": "annual recurring revenue just after, in USD (0 when the customer churned)",
    "event": "new, renewal (flat, up, down or churned) or expansion (won during the term)",
}
#: The Monday the records of a run start on (any date would do: only differences of dates count).
RUN_START = pd.Timestamp("2024-01-01")
#: Weeks of a run left out of its records: the model starts with no deal open and no lead waiting,
#: and a company's export is taken from a business in its stride. 26 weeks is the longest default
#: sales cycle (enterprise) and longer than the mean mid-market buying window.
WARMUP_WEEKS = 26


@dataclass(frozen=True)
class Records:
    """Opportunities and ARR changes in weeks since the records start; ``weeks`` is the span covered."""

    opportunities: pd.DataFrame  # account, created_week, closed_week (-1: open), amount_usd, outcome
    revenue: pd.DataFrame | None  # account, week, arr_before_usd, arr_after_usd, event (None: no export)
    weeks: int


def from_results(res: Results) -> Records:
    """The records a run kept of its vendor (:mod:`sim.core.crm`), after its first :data:`WARMUP_WEEKS`."""
    return window(Records(res.opportunities, res.revenue, len(res.timeseries)), WARMUP_WEEKS)


def window(records: Records, start: int) -> Records:
    """The records from week ``start`` on, as an export taken then would hold them: opportunities
    closed since (or still open), with weeks counted from ``start`` (an opportunity opened before
    has a negative ``created_week``), and the ARR changes since."""
    o = records.opportunities
    kept = o[(o.closed_week >= start) | (o.closed_week == -1)]
    opps = kept.assign(created_week=kept.created_week - start,
                       closed_week=kept.closed_week.where(kept.closed_week == -1, kept.closed_week - start))
    revenue = None
    if records.revenue is not None:
        rv = records.revenue
        revenue = rv[rv.week >= start].assign(week=lambda r: r.week - start).reset_index(drop=True)
    return Records(opps.reset_index(drop=True), revenue, records.weeks - start)


def write_csv(records: Records, folder: Path) -> list[Path]:
    """Write ``records`` as a CRM export (``opportunities.csv``, ``revenue.csv``) dated from :data:`RUN_START`."""
    folder.mkdir(parents=True, exist_ok=True)
    o = records.opportunities

    def date(week: pd.Series) -> pd.Series:
        return (RUN_START + pd.to_timedelta(week * 7, unit="D")).dt.strftime("%Y-%m-%d")

    closed = date(o.closed_week).where(o.closed_week >= 0, "")
    opps = pd.DataFrame({"opportunity_id": [f"OPP-{i + 1:05d}" for i in range(len(o))],
                         "account_id": o.account.map("ACC-{:06d}".format), "segment": o.segment,
                         "created": date(o.created_week), "closed": closed,
                         "amount_usd": o.amount_usd.round(2), "outcome": o.outcome})
    paths = [folder / "opportunities.csv", folder / "revenue.csv"]
    opps.to_csv(paths[0], index=False)
    if records.revenue is None:
        return paths[:1]
    rv = records.revenue
    pd.DataFrame({"account_id": rv.account.map("ACC-{:06d}".format), "date": date(rv.week),
                  "arr_before_usd": rv.arr_before_usd.round(2), "arr_after_usd": rv.arr_after_usd.round(2),
                  "event": rv.event}).to_csv(paths[1], index=False)
    return paths


def _read(path: Path, columns: dict[str, str]) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read as CSV ({exc.__class__.__name__})") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ConfigError(f"{path}: no column {missing[0]!r}; needed: {', '.join(columns)}")
    return df


def _dates(df: pd.DataFrame, column: str, path: Path, empty_ok: bool = False) -> pd.Series:
    text = df[column].str.strip()
    dates = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    bad = dates.isna() & ~((text == "") & empty_ok)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ConfigError(f"{path}: row {row + 2}, {column} = {text.iloc[row]!r}: must be a date YYYY-MM-DD")
    return dates


def _numbers(df: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    values = pd.to_numeric(df[column].str.strip(), errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ConfigError(f"{path}: row {row + 2}, {column} = {df[column].iloc[row]!r}: must be a number >= 0")
    return values


def _labels(df: pd.DataFrame, column: str, allowed: tuple[str, ...], path: Path) -> pd.Categorical:
    text = df[column].str.strip().str.lower()
    bad = ~text.isin(allowed)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ConfigError(f"{path}: row {row + 2}, {column} = {df[column].iloc[row]!r}: must be one of "
                          f"{', '.join(allowed)}")
    return pd.Categorical(text, categories=list(allowed))


def read_csv(opportunities: Path, revenue: Path | None = None, start: str | None = None,
             end: str | None = None) -> Records:
    """Read a CRM export. The records cover ``start`` to ``end`` (dates, inclusive; by default the
    earliest and latest date in the files): the opportunities closed in it or open at its end (one
    may have been opened before) and the ARR changes in it. A date outside, an unknown outcome or
    event, a negative amount or a closed date before its created date raises :class:`ConfigError`
    naming the file, row, column and value."""
    o = _read(opportunities, OPPORTUNITY_COLUMNS)
    created, closed = _dates(o, "created", opportunities), _dates(o, "closed", opportunities, empty_ok=True)
    amount, outcome = _numbers(o, "amount_usd", opportunities), _labels(o, "outcome", OPPORTUNITY_OUTCOMES,
                                                                       opportunities)
    is_open = np.asarray(outcome == "open")
    wrong = (closed.isna().to_numpy() != is_open) | (closed < created).to_numpy()
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        raise ConfigError(f"{opportunities}: row {row + 2}, closed = {o.closed.iloc[row]!r}: an open opportunity "
                          f"has no closed date, any other one a date on or after created ({o.created.iloc[row]})")
    rv = _read(revenue, REVENUE_COLUMNS) if revenue is not None else None
    no_dates = pd.Series(dtype="datetime64[ns]")
    rv_dates = _dates(rv, "date", revenue) if rv is not None and revenue is not None else no_dates
    every = pd.concat([created, closed.dropna(), rv_dates])
    if len(every) == 0:
        raise ConfigError(f"{opportunities}: holds no opportunity")
    first, last = _day(start, "--from", every.min()), _day(end, "--to", every.max())
    # An opportunity opened before the period may close in it; everything else happens in it.
    for path, frame, column, dates in ((opportunities, o, "created", created), (opportunities, o, "closed", closed),
                                       (revenue, rv, "date", rv_dates)):
        outside = ((dates > last) | ((dates < first) & (column != "created"))).to_numpy()
        if outside.any():
            assert frame is not None
            row = int(np.flatnonzero(outside)[0])
            raise ConfigError(f"{path}: row {row + 2}, {column} = {frame[column].iloc[row]!r}: must lie in the "
                              f"period the records cover, {first.date()} to {last.date()} (--from, --to)")

    def weeks(d: pd.Series) -> np.ndarray:
        return ((d - first).dt.days // 7).to_numpy(np.int64)

    ids = {name: i for i, name in enumerate(pd.unique(pd.concat([o.account_id] + ([rv.account_id] if rv is not None
                                                                                  else []))))}
    opps = pd.DataFrame({"account": o.account_id.map(ids).to_numpy(np.int64), "created_week": weeks(created),
                         "closed_week": np.where(is_open, -1, weeks(closed.fillna(first))),
                         "amount_usd": amount, "outcome": outcome})
    changes = None
    if rv is not None:
        assert revenue is not None
        changes = pd.DataFrame({"account": rv.account_id.map(ids).to_numpy(np.int64), "week": weeks(rv_dates),
                                "arr_before_usd": _numbers(rv, "arr_before_usd", revenue),
                                "arr_after_usd": _numbers(rv, "arr_after_usd", revenue),
                                "event": _labels(rv, "event", REVENUE_EVENTS, revenue)})
        changes = changes.sort_values("week", kind="stable").reset_index(drop=True)
    return Records(opps, changes, int((last - first).days // 7) + 1)


def _day(text: str | None, option: str, default: pd.Timestamp) -> pd.Timestamp:
    """A period's first or last day: ``text`` (YYYY-MM-DD) or, if none, ``default``."""
    if not text:
        return default
    day = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    if pd.isna(day):
        raise ConfigError(f"{option} {text}: must be a date YYYY-MM-DD")
    return pd.Timestamp(day)
