"""The run report: the summary as a text table (printed by ``abx-sim``) and as a self-contained
HTML page (``report.html`` in the run folder) with the figures, the diagnostics and the stories of
the tracked accounts, which a workshop can open in any browser without Python.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.core.diagnostics import DIAGNOSES, flagged
from sim.core.metrics import UNDEFINED
from sim.core.policies import FAMILIES
from sim.outputs.files import atomic_write

if TYPE_CHECKING:
    from sim.api import Results

REPORT_FILE = "report.html"

#: (summary key, label, format) rows of the printed table, by section.
TABLE = {
    "Pipeline": [("pipeline_created_usd", "pipeline created", "usd"), ("opportunities", "opportunities", "int"),
                 ("mqa_count", "MQAs", "int"), ("win_rate", "win rate", "pct"),
                 ("no_decision_rate", "no-decision rate", "pct"), ("sales_cycle_weeks", "sales cycle", "weeks"),
                 ("avg_deal_usd", "average deal", "usd"), ("time_to_pipeline_weeks", "signal to pipeline", "weeks"),
                 ("committee_coverage", "committee coverage", "pct")],
    "Revenue": [("bookings_usd", "bookings", "usd"), ("new_logos", "new logos", "int"),
                ("arr_start_usd", "ARR at start", "usd"), ("arr_end_usd", "ARR at end", "usd"),
                ("nrr", "NRR (last 12 months)", "pct"), ("grr", "GRR (last 12 months)", "pct"),
                ("logo_churn_rate", "logo churn (last 12 months)", "pct"),
                ("expansion_arr_usd", "expansion ARR", "usd")],
    "Cost": [("spend_usd", "go-to-market spend", "usd"), ("cac_usd", "CAC per new logo", "usd"),
             ("cac_payback_months", "CAC payback", "months"), ("roi", "ROI (first-year gross profit)", "pct")],
    "Buyer experience": [("collisions_per_account", "collisions per account", "num"),
                         ("trust_index", "trust index (0-1)", "num"),
                         ("theater_share", "touches seen as theater", "pct"),
                         ("touches_per_member", "touches per member", "num")],
    "Channel metrics": [("mql_count", "MQLs", "int"), ("ctr", "ad CTR", "pct")],
}


def format_value(value: float, kind: str) -> str:
    """A summary value for reading: ``kind`` is usd, int, pct, weeks, months or num; an undefined
    value (NaN: nothing to divide by) is n/a."""
    if math.isnan(value):
        return "n/a"
    if kind == "usd":
        for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if abs(value) >= div:
                return f"${value / div:,.2f}{suffix}"
        return f"${value:,.0f}"
    return {"int": f"{value:,.0f}", "pct": f"{100 * value:.1f}%", "weeks": f"{value:.1f} weeks",
            "months": f"{value:.1f} months", "num": f"{value:.3f}"}[kind]


def summary_table(summary: dict[str, float], title: str) -> str:
    """The summary as a readable, aligned text table."""
    lines = [title, "=" * len(title)]
    for section, rows in TABLE.items():
        lines.append(f"{section}")
        lines += [f"  {label:<32}{format_value(summary[key], kind):>16}" + (f"  ({UNDEFINED[key]})" if
                  math.isnan(summary[key]) else "") for key, label, kind in rows]
    modes = flagged(summary)
    lines.append("Diagnostics")
    lines += [f"  FLAGGED {name}: {DIAGNOSES[name].meaning} ({DIAGNOSES[name].rule})" for name in modes]
    if not modes:
        lines.append("  no failure mode flagged")
    return "\n".join(lines)


def run_title(res: Results) -> str:
    """One line naming the run: strategy, market, size, horizon and seed."""
    c = res.config
    return (f"abx-sim: strategy={c.strategy.name} market={c.market.name} accounts={c.market.n_accounts:,} "
            f"members={res.model.n_members:,} weeks={c.horizon_weeks} seed={c.seed}")


#: The style of every abx-sim HTML page (run, sweep and fit reports).
PAGE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 980px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
td, th { padding: 0.25em 0.8em; border-bottom: 1px solid #eee; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th.section { background: #f4f4f4; }
.flag { color: #D55E00; font-weight: bold; } .ok { color: #009E73; font-weight: bold; }
img { max-width: 100%; } code { background: #f4f4f4; padding: 0 0.2em; }
details { margin: 0.4em 0; } summary { cursor: pointer; }
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def report_html(res: Results, figures: Sequence[Path] = ()) -> str:
    """The run report as one HTML page; ``figures`` (PNG files) are embedded, so it is self-contained."""
    c, s = res.config, res.summary
    policies = ", ".join(f"{family} <code>{_e(getattr(c.strategy, family).policy)}</code>"
                         for family in FAMILIES)
    out = ["<!doctype html>", "<html lang='en'><head><meta charset='utf-8'>",
           f"<title>abx-sim report: {_e(c.strategy.name)}</title><style>{PAGE_CSS}</style></head><body>",
           f"<h1>abx-sim run report: strategy <code>{_e(c.strategy.name)}</code></h1>",
           f"<p>Market <code>{_e(c.market.name)}</code>, {c.market.n_accounts:,} accounts "
           f"({res.model.n_members:,} committee members), {c.horizon_weeks} weeks, seed {c.seed}. "
           f"Policies: {policies}.</p>",
           "<h2>Summary</h2><table>"]
    for section, rows in TABLE.items():
        out.append(f"<tr><th class='section' colspan='2'>{_e(section)}</th></tr>")
        out += [f"<tr><td>{_e(label)}</td><td class='num'>{_e(format_value(s[key], kind))}"
                + (f" <small>({_e(UNDEFINED[key])})</small>" if math.isnan(s[key]) else "") + "</td></tr>"
                for key, label, kind in rows]
    out.append("</table><p>Every metric is defined in the project's metrics glossary (docs/metrics.md).</p>")
    out.append("<h2>Diagnostics</h2>")
    modes = flagged(s)
    if modes:
        out.append("<ul>" + "".join(f"<li><span class='flag'>FLAGGED {_e(m)}</span>: {_e(DIAGNOSES[m].meaning)} "
                                    f"(rule: <code>{_e(DIAGNOSES[m].rule)}</code>)</li>" for m in modes) + "</ul>")
    else:
        out.append("<p class='ok'>No failure mode flagged.</p>")
    if figures:
        out.append("<h2>Figures</h2>")
        for path in figures:
            data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
            out.append(f"<p><img alt='{_e(Path(path).stem)}' src='data:image/png;base64,{data}'></p>")
    if len(res.stories):
        out.append("<h2>Stories of tracked accounts</h2>")
        tiers = res.accounts.set_index("account").tier
        for account, events in res.stories.groupby("account", sort=False):
            out.append(f"<details><summary>Account {account} ({_e(str(tiers[account]).replace('_', ' '))}, "
                       f"{len(events)} events)</summary><table><tr><th>week</th><th>event</th><th>detail</th></tr>")
            out += [f"<tr><td class='num'>{r.week}</td><td>{_e(r.kind)}</td><td>{_e(r.detail)}</td></tr>"
                    for r in events.itertuples()]
            out.append("</table></details>")
    out.append("</body></html>")
    return "\n".join(out)


def write_report(res: Results, folder: Path, figures: Sequence[Path] = ()) -> Path:
    """Write ``report.html`` into ``folder`` (atomically) and return its path."""
    path = folder / REPORT_FILE
    atomic_write(path, lambda p: p.write_text(report_html(res, figures), encoding="utf-8"))
    return path
