"""The dashboard's figures, as pure functions of a model's tables: the live panels (one strategy, or
two racing on one world), the gap between two racing strategies, and the account map.

Drawn with Altair in the browser (a server-drawn PNG would cost a quarter of a second a step), in
the project's plot style.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.core.config import TIERS
from sim.core.model import ABXModel
from sim.outputs.plots import OKABE_ITO, STAGE_COLORS, STYLE

TIER_LABELS = {"untargeted": "untargeted", "one_to_many": "1:many", "one_to_few": "1:few", "one_to_one": "1:1"}

#: The live panels: title, y-axis title, and (weekly column or derived name, legend label, colour).
LIVE = {
    "funnel": ("Funnel: accounts by stage", "accounts",
               [(f"n_{st}", st, STAGE_COLORS[st]) for st in ("engaged", "mqa", "opportunity", "onboarding",
                                                             "customer")]),
    "revenue": ("ARR, pipeline and bookings", "million USD",
                [("arr_musd", "ARR", OKABE_ITO[0]), ("pipeline_musd", "pipeline created (cumulative)", OKABE_ITO[1]),
                 ("bookings_musd", "bookings (cumulative)", OKABE_ITO[2])]),
    "trust": ("Buyer experience", "0-1",
              [("trust_mean", "trust (listed members)", OKABE_ITO[0]), ("theater", "touches seen as theater",
                                                                       OKABE_ITO[3]),
               ("fatigue_mean", "fatigue", OKABE_ITO[4])]),
}
#: The gap chart of a race: the money series of :data:`LIVE`'s revenue panel, first minus second strategy.
GAP = [("arr_musd", "ARR"), ("pipeline_musd", "pipeline created (cumulative)"),
       ("bookings_musd", "bookings (cumulative)")]


def live_series(ts: pd.DataFrame) -> pd.DataFrame:
    """The weekly series so far with the live panels' derived columns (million USD, theater share)."""
    out = ts.copy()
    out["arr_musd"] = ts.arr_usd / 1e6
    out["pipeline_musd"] = ts.pipeline_created_usd.cumsum() / 1e6
    out["bookings_musd"] = ts.bookings_usd.cumsum() / 1e6
    out["theater"] = np.divide(ts.theater_touches, ts.touches, out=np.zeros(len(ts)), where=ts.touches > 0)
    return out


def live_chart(runs: dict[str, pd.DataFrame], kind: str) -> Any:
    """One live panel (``funnel``, ``revenue`` or ``trust``) of one strategy's weekly series, or of
    two racing (``{name: series}``; the second drawn dashed)."""
    import altair as alt

    title, y_title, lines = LIVE[kind]
    data = pd.concat([live_series(ts).melt("week", [col for col, _, _ in lines], var_name="col").assign(strategy=name)
                      for name, ts in runs.items()], ignore_index=True)
    data["series"] = data.col.map({col: label for col, label, _ in lines})
    labels = [label for _, label, _ in lines]
    names = list(runs)
    encoding = {"x": alt.X("week:Q", title="week", axis=alt.Axis(tickMinStep=1, format="d")),
                "y": alt.Y("value:Q", title=y_title),
                "color": alt.Color("series:N", sort=labels, title=None,
                                   scale=alt.Scale(domain=labels, range=[c for _, _, c in lines]),
                                   legend=alt.Legend(orient="top", columns=3)),
                "detail": "strategy:N"}
    if len(names) > 1:
        encoding["strokeDash"] = alt.StrokeDash("strategy:N", sort=names, title=None,
                                                scale=alt.Scale(domain=names, range=[[1, 0], [5, 3]]),
                                                legend=alt.Legend(orient="bottom", title="strategy"))
    chart = alt.Chart(data, title=title).mark_line(strokeWidth=2).encode(**encoding)
    return themed(chart.properties(width="container", height=220))


def gap_series(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Week by week, ``first`` minus ``second`` in :data:`GAP`'s money series (million USD), over the
    weeks both have run."""
    a, b = live_series(first).set_index("week"), live_series(second).set_index("week")
    weeks = a.index.intersection(b.index)
    return pd.DataFrame({label: a.loc[weeks, col] - b.loc[weeks, col] for col, label in GAP}).reset_index()


def gap_chart(first: pd.DataFrame, second: pd.DataFrame, names: tuple[str, str]) -> Any:
    """How far one strategy is ahead of the other, week by week (above zero: the first leads)."""
    import altair as alt

    data = gap_series(first, second).melt("week", var_name="series")
    labels = [label for _, label in GAP]
    lines = alt.Chart(data).mark_line(strokeWidth=2.5).encode(
        x=alt.X("week:Q", title="week", axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("value:Q", title=f"million USD, {names[0]} minus {names[1]}"),
        color=alt.Color("series:N", sort=labels, title=None, legend=alt.Legend(orient="top", columns=3),
                        scale=alt.Scale(domain=labels, range=[OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2]])))
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#888").encode(y="y:Q")
    title = f"The race: {names[0]} minus {names[1]} on the same world"
    return themed(alt.layer(zero, lines, title=title).properties(width="container", height=220))


def themed(chart: Any) -> Any:
    """An Altair chart in the project's plot style (fonts and grid as :data:`sim.outputs.plots.STYLE`)."""
    return (chart.configure_title(fontSize=STYLE["axes.titlesize"] + 2, fontWeight="bold", anchor="middle")
            .configure_axis(labelFontSize=STYLE["xtick.labelsize"] + 2, titleFontSize=STYLE["axes.labelsize"] + 2,
                            gridOpacity=STYLE["grid.alpha"])
            .configure_legend(labelFontSize=STYLE["legend.fontsize"] + 2, titleFontSize=STYLE["legend.fontsize"] + 2)
            .configure_view(strokeWidth=0))


def account_points(model: ABXModel) -> pd.DataFrame:
    """The account map's data: one row per account (id, fit, potential, stage, tier)."""
    t = model.account_table()
    return pd.DataFrame({"account": t.account, "fit": t.fit_observed.round(3),
                         "potential_usd": t.acv_potential_usd.round(0), "stage": t.stage.astype(str),
                         "tier": t.tier.map(TIER_LABELS).astype(str), "arr_usd": t.arr_usd.round(0)})


def account_chart(points: pd.DataFrame, selected: int | None, title: str = "Accounts (click one)") -> Any:
    """Altair scatter of the accounts: observed fit against potential, colour = stage, shape and
    size = tier, each with its legend."""
    import altair as alt

    stages = list(STAGE_COLORS)
    tiers = [TIER_LABELS[t] for t in TIERS]
    base = alt.Chart(points, title=title).mark_point(filled=True, opacity=0.75).encode(
        x=alt.X("fit:Q", title="observed fit (0-1)"),
        y=alt.Y("potential_usd:Q", title="ACV potential (USD/year, log)", scale=alt.Scale(type="log")),
        color=alt.Color("stage:N", title="stage",
                        scale=alt.Scale(domain=stages, range=[STAGE_COLORS[s] for s in stages])),
        shape=alt.Shape("tier:N", title="tier", scale=alt.Scale(domain=tiers)),
        size=alt.Size("tier:N", title="tier", scale=alt.Scale(domain=tiers, range=[12, 30, 60, 120])),
        tooltip=["account", "stage", "tier", "fit", "potential_usd", "arr_usd"])
    layers = [base]
    if selected is not None:
        ring = alt.Chart(points[points.account == selected]).mark_point(size=400, color="black", strokeWidth=2)
        layers.append(ring.encode(x="fit:Q", y="potential_usd:Q"))
    return themed(alt.layer(*layers).properties(width="container", height=300))


def clicked_account(datum: Any) -> int | None:
    """The account id in a Vega-Lite click event (the datum, or an event wrapping it), if any."""
    if isinstance(datum, dict):
        if "account" in datum:
            return int(datum["account"])
        for value in datum.values():
            found = clicked_account(value)
            if found is not None:
                return found
    return None
