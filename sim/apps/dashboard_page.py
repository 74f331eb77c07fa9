"""The dashboard's page (Solara): the project's own controls, run buttons and panels, nothing of the
framework's (no play interval, render interval or thread switches, no tabs or clock).

A change of any setting starts the run again from week 0 with the new settings at once: a
setting on screen is always the one that runs (there is no Reset to forget, and no click that can
overtake a slider's last value). Reset restarts the same settings. With a rival strategy chosen,
both models step together on the same world and the page shows their gap.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
import solara

from sim.apps.dashboard import (
    CONTROLS,
    LEVERS,
    NO_RACE,
    SELECTABLE,
    DashboardModel,
    choices,
    default_settings,
    race_configs,
    settings_in_force,
)
from sim.apps.dashboard_charts import (
    TIER_LABELS,
    account_chart,
    account_points,
    clicked_account,
    gap_chart,
    live_chart,
)
from sim.core.diagnostics import DIAGNOSES, flagged
from sim.core.params import ConfigError
from sim.outputs.compare import differences
from sim.outputs.formats import format_value

#: Seconds between two weeks while playing.
PLAY_SECONDS = 0.15
#: The metrics the headline shows (and compares in a race).
HEADLINE = ("pipeline_created_usd", "bookings_usd", "win_rate", "arr_end_usd", "nrr", "trust_index", "theater_share",
            "collisions_per_account")
#: The page's own style: readable type, tables that wrap instead of clipping.
CSS = """
.v-application { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
.abx-table table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
.abx-table td, .abx-table th { padding: 0.2em 0.6em; border-bottom: 1px solid #eee; text-align: left;
                               vertical-align: top; white-space: normal; word-break: break-word; }
.abx-table td.num, .abx-table th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.abx-better { color: #009E73; font-weight: bold; } .abx-worse { color: #D55E00; font-weight: bold; }
"""


class Race:
    """The models the page runs: the strategy and, if racing, its rival on the same world."""

    def __init__(self, settings: dict[str, Any]) -> None:
        mine, rival = race_configs(settings)
        self.models = [DashboardModel(mine)] + ([DashboardModel(rival)] if rival is not None else [])

    @property
    def week(self) -> int:
        """Weeks run so far (both models run the same weeks)."""
        return int(self.models[0].steps)

    @property
    def done(self) -> bool:
        """Whether the horizon is reached."""
        return self.week >= self.models[0].cfg.horizon_weeks

    def step(self) -> None:
        """One week of every model."""
        for model in self.models:
            model.step()

    def series(self) -> dict[str, pd.DataFrame]:
        """Each model's weekly series so far, by strategy name (the rival's marked if both share a name)."""
        names = [m.cfg.strategy.name for m in self.models]
        if len(names) == 2 and names[0] == names[1]:
            names[1] += " (preset)"
        return {name: m.recorder.frame(self.week) for name, m in zip(names, self.models, strict=True)}


def html_table(rows: list[list[str]], header: list[str], numeric: frozenset[int] | set[int] = frozenset()) -> str:
    """Rows of already-escaped cells as an HTML table whose text wraps (see :data:`CSS`)."""
    def cell(i: int, text: str, tag: str = "td") -> str:
        return f"<{tag}{' class=num' if i in numeric else ''}>{text}</{tag}>"
    body = "".join("<tr>" + "".join(cell(i, c) for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><tr>{''.join(cell(i, h, 'th') for i, h in enumerate(header))}</tr>{body}</table>"


def escape(value: Any) -> str:
    """Text for an HTML cell."""
    return html.escape(str(value))


@solara.component
def Slider(label: str, value: float, lo: float, hi: float, step: float, on_value: Callable[[float], None],
           whole: bool) -> None:
    """A slider whose label carries its value."""
    if whole:
        solara.SliderInt(label, value=int(value), min=int(lo), max=int(hi), step=int(step), on_value=on_value)
    else:
        solara.SliderFloat(label, value=float(value), min=lo, max=hi, step=step, on_value=on_value)


@solara.component
def Page() -> None:
    """The dashboard: controls in the sidebar, the run's panels in the page."""
    settings = solara.use_reactive(solara.use_memo(default_settings, []))
    race = solara.use_reactive(solara.use_memo(lambda: Race(settings.value), []))
    error = solara.use_reactive("")
    playing = solara.use_reactive(False)
    week, set_week = solara.use_state(0)  # re-renders the panels after a step
    selected: solara.Reactive[int | None] = solara.use_reactive(None)
    options = solara.use_memo(choices, [])

    def restart(new: dict[str, Any]) -> None:
        playing.set(False)
        try:
            built = Race(new)
        except ConfigError as exc:
            error.set(str(exc))
            return
        error.set("")
        settings.set(new)
        race.set(built)
        set_week(0)

    def change(name: str) -> Callable[[Any], None]:
        return lambda value: restart({**settings.value, name: value})

    def step() -> None:
        if not race.value.done:
            race.value.step()
        set_week(race.value.week)

    def play() -> None:
        while playing.value and not race.value.done:
            time.sleep(PLAY_SECONDS)
            step()
        playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value, race.value], prefer_threaded=True)
    solara.Style(CSS)
    current = race.value
    with solara.AppBar():
        solara.AppBarTitle("abx-sim workshop dashboard")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run", classes=["abx-run"]):
            solara.Markdown(f"**Week {current.week} of {current.models[0].cfg.horizon_weeks}**")
            with solara.Row():
                solara.Button("❚❚ Pause" if playing.value else "▶ Play", color="primary",
                              on_click=lambda: playing.set(not playing.value), disabled=current.done)
                solara.Button("Step", color="primary", on_click=step, disabled=playing.value or current.done)
                solara.Button("Reset", on_click=lambda: restart(settings.value))
            solara.Text("Changing a setting starts the run again from week 0.")
        with solara.Card("Strategy"):
            s = settings.value
            solara.Select("strategy preset", values=options["strategy"], value=s["strategy"],
                          on_value=change("strategy"))
            solara.Select("race against (same world)", values=options["rival"], value=s["rival"],
                          on_value=change("rival"))
            for family in SELECTABLE:
                solara.Select(f"{family} policy", values=options[family], value=s[family], on_value=change(family))
        with solara.Card("World and tiers"):
            for name, c in CONTROLS.items():
                Slider(c.text(s[name]), s[name], c.lo, c.hi, c.step, change(name), whole=name != "budget_musd")
        with solara.Card("Levers"):
            for name, lever in LEVERS.items():
                Slider(lever.text(s[name]), s[name], lever.lo, lever.hi, lever.step, change(name), whole=False)
            with solara.Details("What the levers do"):
                solara.Markdown("A preset keeps its own value of a lever until the lever is moved.\n\n"
                                + "\n".join(f"- *{lever.short}*: {lever.meaning}" for lever in LEVERS.values()))
    if error.value:
        solara.Error(error.value)
    Headline(current, week)
    series = current.series()
    names = list(series)
    if len(names) == 2:
        with solara.Card(classes=["abx-gap"]):
            if current.week == 0:
                solara.Text("Press Step or ▶ Play: both strategies run the same weeks on the same world.")
            else:
                solara.FigureAltair(gap_chart(series[names[0]], series[names[1]], (names[0], names[1])))
    with solara.Columns([1, 1]):
        for kind in ("funnel", "revenue"):
            Live(series, kind, week)
    with solara.Columns([1, 1]):
        Live(series, "trust", week)
        with solara.Card(classes=["abx-accounts"]):
            solara.FigureAltair(account_chart(account_points(current.models[0]), selected.value,
                                              f"Accounts of {names[0]} (click one)"),
                                on_click=lambda datum: selected.set(clicked_account(datum)))
    AccountView(current.models[0], selected, week)
    Settings(current)


@solara.component
def Live(series: dict[str, pd.DataFrame], kind: str, week: int) -> None:
    """One live panel; ``week`` makes it redraw after a step."""
    with solara.Card(classes=[f"abx-{kind}"]):
        if week == 0:
            solara.Text("Press Step or ▶ Play to run the first week.")
        else:
            solara.FigureAltair(live_chart(series, kind))


@solara.component
def Headline(race: Race, week: int) -> None:
    """Week, world and the headline metrics of each strategy; in a race, their gap, marked better or worse."""
    models = race.models
    first = models[0]
    with solara.Card("This run so far", classes=["abx-headline"]):
        who = " against ".join(f"`{m.cfg.strategy.name}`" for m in models)
        solara.Markdown(f"**Week {week} of {first.cfg.horizon_weeks}** · strategy {who} · "
                        f"{first.n_accounts:,} accounts, {first.n_members:,} committee members")
        if week == 0:
            return
        summaries = [m.summary() for m in models]
        rows = differences(summaries[0], summaries[-1])
        shown = [d for d in rows if d.key in HEADLINE]
        if len(models) == 1:
            cells = [[escape(d.label), escape(d.shown[0])] for d in shown]
            solara.HTML(unsafe_innerHTML=html_table(cells, ["metric", "value"], {1}), classes=["abx-table"])
        else:
            names = [escape(m.cfg.strategy.name) for m in models]
            cells = [[escape(d.label), escape(d.shown[0]), escape(d.shown[1]),
                      f"<span class=abx-{d.verdict}>{escape(d.text)}</span>"] for d in shown]
            solara.HTML(unsafe_innerHTML=html_table(cells, ["metric", *names, "gap"], {1, 2, 3}), classes=["abx-table"])
        for model, summary in zip(models, summaries, strict=True):
            modes = flagged(summary)
            text = "; ".join(f"**{m}**: {DIAGNOSES[m].meaning}" for m in modes) or "no failure mode flagged"
            solara.Markdown(f"Diagnostics of `{model.cfg.strategy.name}`: {text}")


@solara.component
def AccountView(model: DashboardModel, selected: solara.Reactive[int | None], week: int) -> None:
    """One account: where it stands, its buying committee now and its story (latest first)."""
    with solara.Card("Account view", classes=["abx-account-view"]):
        solara.InputInt("account id (or click the map)", value=selected.value if selected.value is not None else -1,
                        on_value=lambda v: selected.set(v if 0 <= v < model.n_accounts else None))
        i = selected.value
        if i is None or not 0 <= i < model.n_accounts:
            solara.Text("Select an account to see its buying committee and its story.")
            return
        agent = model.account_agents[i]
        solara.Markdown(f"**Account {i}** (week {week}): {agent.segment}, tier {TIER_LABELS[agent.tier]}, stage "
                        f"**{agent.stage}**, ARR {format_value(agent.arr_usd, 'usd')}, "
                        f"{'in market' if agent.in_market else 'not in market'}")
        committee = agent.committee_table().round(3).drop(columns="account", errors="ignore")
        for column in committee.columns:  # words, not codes: "economic buyer", "yes"
            if committee[column].dtype == bool:
                committee[column] = committee[column].map({True: "yes", False: "no"})
            elif committee[column].dtype == object:
                committee[column] = committee[column].astype(str).str.replace("_", " ")
        solara.Markdown("**Buying committee now**")
        numeric = {i for i, c in enumerate(committee.columns) if pd.api.types.is_numeric_dtype(committee[c])}
        solara.HTML(unsafe_innerHTML=html_table([[escape(v) for v in row] for row in committee.itertuples(False)],
                                                [escape(c).replace("_", " ") for c in committee.columns], numeric),
                    classes=["abx-table"])
        story = agent.story().iloc[::-1]
        solara.Markdown(f"**Story** ({len(story)} events, latest first)")
        events = [[escape(r.week), escape(r.kind), escape(r.detail)] for r in story.head(40).itertuples()]
        solara.HTML(unsafe_innerHTML=html_table(events, ["week", "event", "detail"], {0}), classes=["abx-table"])


@solara.component
def Settings(race: Race) -> None:
    """What each model runs: policies, budget, tiers and levers."""
    with solara.Card("Settings in force", classes=["abx-settings"]):
        for model in race.models:
            rows = [[escape(k), escape(v)] for k, v in settings_in_force(model.cfg)]
            solara.Markdown(f"**{model.cfg.strategy.name}**")
            solara.HTML(unsafe_innerHTML=html_table(rows, ["setting", "value"]), classes=["abx-table"])
        if len(race.models) == 1:
            solara.Text(f"Choose a strategy under 'race against' ({NO_RACE} now) to run a second one on this world.")
