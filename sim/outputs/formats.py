"""Numbers for people: the metrics a report shows, how each is formatted, and which way is better.

One table (:data:`TABLE`) drives the printed summary, the HTML reports, the dashboard's headline and
the comparison with a baseline, so a metric reads the same everywhere: money as $K/$M, shares as
percentages, differences of shares in percentage points.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from sim.core.metrics import SUMMARY


class Row(NamedTuple):
    """A summary metric as reports show it: its key, a label, a format (:func:`format_value`) and
    which way is better (+1 more, -1 less, 0 neither: spend, counts of leads, channel metrics)."""

    key: str
    label: str
    kind: str
    better: int


#: The rows of every summary table, by section.
TABLE: dict[str, list[Row]] = {
    "Pipeline": [Row("pipeline_created_usd", "pipeline created", "usd", 1),
                 Row("opportunities", "opportunities", "int", 1),
                 Row("mqa_count", "MQAs", "int", 0),
                 Row("win_rate", "win rate", "pct", 1),
                 Row("no_decision_rate", "no-decision rate", "pct", -1),
                 Row("sales_cycle_weeks", "sales cycle", "weeks", -1),
                 Row("avg_deal_usd", "average deal", "usd", 1),
                 Row("time_to_pipeline_weeks", "signal to pipeline", "weeks", -1),
                 Row("committee_coverage", "committee coverage", "pct", 1)],
    "Revenue": [Row("bookings_usd", "bookings", "usd", 1),
                Row("new_logos", "new logos", "int", 1),
                Row("arr_start_usd", "ARR at start", "usd", 0),
                Row("arr_end_usd", "ARR at end", "usd", 1),
                Row("nrr", "NRR (last 12 months)", "pct", 1),
                Row("grr", "GRR (last 12 months)", "pct", 1),
                Row("logo_churn_rate", "logo churn (last 12 months)", "pct", -1),
                Row("expansion_arr_usd", "expansion ARR", "usd", 1)],
    "Cost": [Row("spend_usd", "go-to-market spend", "usd", 0),
             Row("cac_usd", "CAC per new logo", "usd", -1),
             Row("cac_payback_months", "CAC payback", "months", -1),
             Row("roi", "ROI (first-year gross profit)", "pct", 1)],
    "Buyer experience": [Row("collisions_per_account", "collisions per account", "num", -1),
                         Row("trust_index", "trust index (0-1)", "num", 1),
                         Row("theater_share", "touches seen as theater", "pct", -1),
                         Row("touches_per_member", "touches per member", "num", 0)],
    "Channel metrics": [Row("mql_count", "MQLs", "int", 0), Row("ctr", "ad CTR", "pct", 0)],
}
#: Every row of :data:`TABLE` by metric key.
ROWS: dict[str, Row] = {row.key: row for rows in TABLE.values() for row in rows}


def format_value(value: float, kind: str) -> str:
    """A summary value for reading: ``kind`` is usd, int, rate (a count per something, one decimal),
    pct, weeks, months or num; an undefined value (NaN: nothing to divide by) is n/a.

    >>> format_value(7_650_000, "usd"), format_value(-1_250, "usd"), format_value(0.2345, "pct")
    ('$7.65M', '-$1.25K', '23.4%')
    """
    if math.isnan(value):
        return "n/a"
    if kind == "usd":
        sign = "-" if value < 0 else ""
        for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if abs(value) >= div:
                return f"{sign}${abs(value) / div:,.2f}{suffix}"
        return f"{sign}${abs(value):,.0f}"
    return {"int": f"{value:,.0f}", "rate": f"{value:,.1f}", "pct": f"{100 * value:.1f}%",
            "weeks": f"{value:.1f} weeks", "months": f"{value:.1f} months", "num": f"{value:.3f}"}[kind]


def format_difference(delta: float, kind: str) -> str:
    """A difference of two values of a kind, signed: money as $K/$M, shares in percentage points.

    >>> format_difference(-1_250_000, "usd"), format_difference(0.031, "pct"), format_difference(0.0, "int")
    ('-$1.25M', '+3.1 pp', '0')
    """
    if math.isnan(delta):
        return "n/a"
    if kind == "pct":
        text = f"{100 * delta:+.1f} pp"
        return "0 pp" if text in ("+0.0 pp", "-0.0 pp") else text
    text = format_value(abs(delta), kind)
    if text in ("$0", "0", "0.0", "0.0 weeks", "0.0 months", "0.000"):
        return text
    return ("+" if delta > 0 else "-") + text


def kind_of(unit: str) -> str:
    """The format of a value measured in ``unit`` (a glossary or parameter unit)."""
    if unit.startswith("USD"):
        return "usd"
    if "/" in unit:
        return "rate"  # accounts/year, touches/member
    return {"share": "pct", "ratio": "pct", "weeks": "weeks", "months": "months"}.get(unit, "num")


def metric_value(metric: str, value: float) -> str:
    """A summary metric's value as the reports write it: in its :data:`TABLE` format, else by its
    glossary unit ($K/$M, %, weeks).

    >>> metric_value("win_rate", 0.25), metric_value("bookings_usd", 2_500_000.0)
    ('25.0%', '$2.50M')
    """
    row = ROWS.get(metric)
    kind = row.kind if row else kind_of(SUMMARY[metric].unit) if metric in SUMMARY else "num"
    return format_value(float(value), kind)


def metric_label(metric: str) -> str:
    """A summary metric's name as people read it (``pipeline created``)."""
    row = ROWS.get(metric)
    return row.label if row else metric.removesuffix("_usd").replace("_", " ")


#: A run's figures (PNG files) and what each shows, as the report captions them.
FIGURES: dict[str, str] = {
    "funnel.png": "Accounts in each funnel stage at the end of every week (the scale is logarithmic above 10 "
                  "accounts, so small stages stay visible).",
    "arr_bridge.png": "How ARR moved over the run: ARR at the start, plus new logos and expansion, minus "
                      "contraction and churn at renewal, gives ARR at the end (the summary's ARR at start and "
                      "at end).",
    "pipeline_by_tier.png": "Pipeline created over the run, as the summary counts it: every new-logo opportunity, "
                            "by its account's tier at the end of the run, and the expansion opportunities on "
                            "customers; beside each, the new-logo ARR won. The pipeline bars add up to the "
                            "summary's pipeline created.",
}
