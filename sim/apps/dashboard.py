"""``abx-sim-dashboard``: the workshop dashboard, a browser app built on Mesa's SolaraViz.

Sliders and selectors set the strategy and its main levers; play, step and reset drive the model
week by week; live plots show the funnel, ARR and pipeline, and buyers' trust; the account map
(fit against potential, coloured by stage, shaped by tier) selects an account on click, and the
account view shows its buying committee and its story.

The levers follow one rule: a strategy preset keeps its own value of a lever until the lever is
moved from its default (the ``abx`` value); the "Settings in force" card shows what runs.
Tier sizes, budget, market size and seed always apply.

Run it with ``abx-sim-dashboard`` (it serves on http://localhost:8765 by default).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.api import ArgumentParser, compose_config, config_options
from sim.core.config import TIERS, Config
from sim.core.diagnostics import DIAGNOSES, flagged
from sim.core.model import ABXModel
from sim.core.params import ConfigError
from sim.core.policies import FAMILIES
from sim.core.validate import validate
from sim.outputs.formats import format_value
from sim.outputs.plots import OKABE_ITO, STAGE_COLORS, STYLE

PRESET = "(the preset's own)"
#: Policy families the dashboard offers a selector for (the others come from the strategy preset).
SELECTABLE = ("orchestration", "personalization")
TIER_LABELS = {"untargeted": "untargeted", "one_to_many": "1:many", "one_to_few": "1:few", "one_to_one": "1:1"}


@dataclass(frozen=True)
class Lever:
    """A strategy lever the dashboard shows as a slider: its config key and slider range.

    ``index`` selects entries of a per-tier list (investment, depth, claim by tier).
    """

    key: str
    short: str
    meaning: str
    default: float
    lo: float
    hi: float
    step: float
    index: tuple[int, ...] = ()


#: Levers that a preset may set itself: applied only when moved from their default.
LEVERS = {
    "one_to_one_level": Lever("strategy.tiering.investment", "1:1 level", "program level of 1:1 accounts "
                              "(0 none, 1 one-to-many, 2 one-to-few, 3 one-to-one)", 3.0, 0.0, 3.0, 0.25, (3,)),
    "one_to_few_level": Lever("strategy.tiering.investment", "1:few level", "program level of 1:few accounts",
                              2.0, 0.0, 3.0, 0.25, (2,)),
    "list_overlap": Lever("strategy.orchestration.list_overlap", "list overlap",
                          "alignment: share of marketing's list that sales also works", 1.0, 0.0, 1.0, 0.05),
    "follow_up_rate": Lever("strategy.orchestration.follow_up_rate", "lead follow-up",
                            "alignment: share of leads sales follows up", 0.95, 0.0, 1.0, 0.05),
    "research_depth": Lever("strategy.personalization.depth_by_tier", "research depth",
                            "research depth behind messages to 1:few and 1:1 accounts (0-1)", 1.0, 0.0, 1.0, 0.05,
                            (2, 3)),
    "claim": Lever("strategy.personalization.claim_by_tier", "claimed personal",
                   "personalization the messages to 1:few and 1:1 accounts claim (0-1; styles with a claim)",
                   0.0, 0.0, 1.0, 0.05, (2, 3)),
}


def dashboard_config(strategy: str = "abx", n_accounts: int = 1000, budget_musd: float = 5.0,
                     n_one_to_one: int = 10, n_one_to_few: int = 50, n_one_to_many: int = 250,
                     orchestration: str = PRESET, personalization: str = PRESET, seed: int = 0,
                     horizon_weeks: int = 156, **levers: float) -> Config:
    """The validated config of the dashboard's settings (see the module docstring for the rule).

    Tier sizes apply to tiered strategies and are scaled down to fit the market; ``levers``
    are values of :data:`LEVERS`, each set only if the strategy has that key and the value differs
    from the lever's default. Raises :class:`~sim.core.config.ConfigError` on an unknown lever or option.
    """
    unknown = set(levers) - set(LEVERS)
    if unknown:
        raise ConfigError(f"unknown dashboard lever(s): {', '.join(sorted(unknown))}")
    overrides = [f"strategy={strategy}", f"market.n_accounts={int(n_accounts)}", f"seed={int(seed)}",
                 f"horizon_weeks={int(horizon_weeks)}", f"vendor.marketing_budget_usd_year={float(budget_musd) * 1e6}",
                 "output.progress=false"]
    overrides += [f"strategy/{family}={choice}" for family, choice in zip(SELECTABLE, (orchestration, personalization),
                                                                           strict=True) if choice != PRESET]
    try:
        cfg = compose_config(overrides)
    except Exception as exc:  # Hydra raises many types for a bad option; the dashboard shows one line
        raise ConfigError(f"cannot compose the dashboard's settings {overrides}: {exc}") from exc
    cfg.output.story_ids = list(range(int(n_accounts)))  # any account can be selected: keep every story
    tiering = cfg.strategy.tiering
    if "n_one_to_one" in tiering:
        sizes = np.array([n_one_to_one, n_one_to_few, n_one_to_many], dtype=float)
        sizes = np.floor(sizes * min(1.0, n_accounts / max(sizes.sum(), 1.0)))
        tiering.n_one_to_one, tiering.n_one_to_few, tiering.n_one_to_many = (int(s) for s in sizes)
    for name, value in levers.items():
        _apply_lever(cfg, LEVERS[name], float(value))
    return validate(cfg)


def _apply_lever(cfg: DictConfig, lever: Lever, value: float) -> None:
    if np.isclose(value, lever.default) or OmegaConf.select(cfg, lever.key) is None:
        return
    if lever.index:
        values = list(OmegaConf.select(cfg, lever.key))
        for i in lever.index:
            values[i] = value
        OmegaConf.update(cfg, lever.key, values)
    else:
        OmegaConf.update(cfg, lever.key, value)


class DashboardModel(ABXModel):
    """An :class:`~sim.core.model.ABXModel` built from the dashboard's settings (keyword arguments,
    which SolaraViz's controls set and its reset passes back); every account's story is recorded.

    ``rng`` and ``scenario``, which SolaraViz's reset may pass, are ignored: the seed is a setting.
    """

    def __init__(self, rng: Any = None, scenario: Any = None, **settings: Any) -> None:
        super().__init__(dashboard_config(**settings))


def settings_in_force(cfg: Config) -> list[tuple[str, str]]:
    """(label, value) rows describing what the model is running: policies and the levers' values."""
    s = cfg.strategy
    rows = [("strategy", s.name), *((family, getattr(s, family).policy) for family in FAMILIES),
            ("marketing budget", format_value(cfg.vendor.marketing_budget_usd_year, "usd") + "/year")]
    if hasattr(s.tiering, "n_one_to_one"):
        rows.append(("tiers 1:1 / 1:few / 1:many",
                     f"{s.tiering.n_one_to_one} / {s.tiering.n_one_to_few} / {s.tiering.n_one_to_many}"))
    for key in dict.fromkeys(lever.key for lever in LEVERS.values()):  # each key once, in lever order
        family, _, name = key.removeprefix("strategy.").partition(".")
        value = getattr(getattr(s, family), name, None)
        if value is not None:
            rows.append((name.replace("_", " "), str(value)))
    return rows


# ------------------------------------------------------------------------------ figures (pure)
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


def live_series(ts: pd.DataFrame) -> pd.DataFrame:
    """The weekly series so far with the live panels' derived columns (million USD, theater share)."""
    out = ts.copy()
    out["arr_musd"] = ts.arr_usd / 1e6
    out["pipeline_musd"] = ts.pipeline_created_usd.cumsum() / 1e6
    out["bookings_musd"] = ts.bookings_usd.cumsum() / 1e6
    out["theater"] = np.divide(ts.theater_touches, ts.touches, out=np.zeros(len(ts)), where=ts.touches > 0)
    return out


def live_chart(ts: pd.DataFrame, kind: str) -> Any:
    """One live panel (``funnel``, ``revenue`` or ``trust``) as an Altair line chart, drawn in the
    browser (a server-drawn PNG would cost a quarter of a second a step), in the project's style."""
    import altair as alt

    title, y_title, lines = LIVE[kind]
    data = live_series(ts).melt("week", [col for col, _, _ in lines], var_name="col")
    data["series"] = data.col.map({col: label for col, label, _ in lines})
    labels = [label for _, label, _ in lines]
    chart = alt.Chart(data, title=title).mark_line(strokeWidth=2).encode(
        x=alt.X("week:Q", title="week", axis=alt.Axis(tickMinStep=1, format="d")), y=alt.Y("value:Q", title=y_title),
        color=alt.Color("series:N", sort=labels, title=None,
                        scale=alt.Scale(domain=labels, range=[c for _, _, c in lines]),
                        legend=alt.Legend(orient="top", columns=3)))
    return themed(chart.properties(width="container", height=220))


def themed(chart: Any) -> Any:
    """An Altair chart in the project's plot style (fonts and grid as :data:`sim.outputs.plots.STYLE`)."""
    return (chart.configure_title(fontSize=STYLE["axes.titlesize"] + 2, fontWeight="bold", anchor="middle")
            .configure_axis(labelFontSize=STYLE["xtick.labelsize"] + 2, titleFontSize=STYLE["axes.labelsize"] + 2,
                            gridOpacity=STYLE["grid.alpha"])
            .configure_legend(labelFontSize=STYLE["legend.fontsize"] + 2)
            .configure_view(strokeWidth=0))


def account_points(model: ABXModel) -> pd.DataFrame:
    """The account map's data: one row per account (id, fit, potential, stage, tier)."""
    t = model.account_table()
    return pd.DataFrame({"account": t.account, "fit": t.fit_observed.round(3),
                         "potential_usd": t.acv_potential_usd.round(0), "stage": t.stage.astype(str),
                         "tier": t.tier.map(TIER_LABELS).astype(str), "arr_usd": t.arr_usd.round(0)})


def account_chart(points: pd.DataFrame, selected: int | None) -> Any:
    """Altair scatter of the accounts: observed fit against potential, colour = stage, shape = tier."""
    import altair as alt

    stages = list(STAGE_COLORS)
    tiers = [TIER_LABELS[t] for t in TIERS]
    base = alt.Chart(points, title="Accounts (click one)").mark_point(filled=True, opacity=0.75).encode(
        x=alt.X("fit:Q", title="observed fit (0-1)"),
        y=alt.Y("potential_usd:Q", title="ACV potential (USD/year, log)", scale=alt.Scale(type="log")),
        color=alt.Color("stage:N", scale=alt.Scale(domain=stages, range=[STAGE_COLORS[s] for s in stages])),
        shape=alt.Shape("tier:N", scale=alt.Scale(domain=tiers)),
        size=alt.Size("tier:N", scale=alt.Scale(domain=tiers, range=[12, 30, 60, 120]), legend=None),
        tooltip=["account", "stage", "tier", "fit", "potential_usd", "arr_usd"])
    layers = [base]
    if selected is not None:
        ring = alt.Chart(points[points.account == selected]).mark_point(size=400, color="black", strokeWidth=2)
        layers.append(ring.encode(x="fit:Q", y="potential_usd:Q"))
    return themed(alt.layer(*layers).properties(width="container", height=270))


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


# ------------------------------------------------------------------------------ Solara page
def _components() -> list[Any]:
    """The page's panels: plain functions of the model, which SolaraViz re-renders after every step."""
    import solara

    selected: solara.Reactive[int | None] = solara.reactive(None)

    def frame(model: ABXModel) -> pd.DataFrame:
        return model.recorder.frame(max(model.steps, 0))

    def live(kind: str):
        def Live(model: ABXModel):
            ts = frame(model)
            with solara.Card(classes=[f"abx-{kind}"]):
                if len(ts) == 0:
                    solara.Text("Press Step or ▶ to run the first week.")
                else:
                    solara.FigureAltair(live_chart(ts, kind))
        Live.__name__ = f"Live_{kind}"
        return Live

    def Headline(model: ABXModel):
        with solara.Card("This run so far", classes=["abx-headline"]):
            weeks = model.steps
            solara.Markdown(f"**Week {weeks} of {model.cfg.horizon_weeks}** · strategy `{model.cfg.strategy.name}` "
                            f"· {model.n_accounts:,} accounts, {model.n_members:,} committee members")
            if weeks == 0:
                return
            s = model.summary()
            keys = [("pipeline_created_usd", "pipeline", "usd"), ("bookings_usd", "bookings", "usd"),
                    ("win_rate", "win rate", "pct"), ("arr_end_usd", "ARR", "usd"),
                    ("trust_index", "trust", "num"), ("theater_share", "theater", "pct"),
                    ("collisions_per_account", "collisions/account", "num")]
            solara.Markdown(" · ".join(f"{label} **{format_value(s[key], kind)}**" for key, label, kind in keys))
            modes = flagged(s)
            text = "; ".join(f"**{m}**: {DIAGNOSES[m].meaning}" for m in modes) or "no failure mode flagged"
            solara.Markdown(f"Diagnostics: {text}")

    def Settings(model: ABXModel):
        with solara.Card("Settings in force"):
            solara.Markdown("\n".join(["| setting | value |", "|---|---|"]
                                      + [f"| {k} | `{v}` |" for k, v in settings_in_force(model.cfg)]))
            with solara.Details("About the levers"):
                solara.Markdown("A preset keeps its own value of a lever until the lever is moved; Reset "
                                "applies the settings.\n\n" + "\n".join(f"- *{lever.short}*: {lever.meaning}"
                                                                          for lever in LEVERS.values()))

    def AccountMap(model: ABXModel):
        with solara.Card(classes=["abx-accounts"]):
            solara.FigureAltair(account_chart(account_points(model), selected.value),
                                on_click=lambda datum: selected.set(clicked_account(datum)))

    def AccountView(model: ABXModel):
        with solara.Card("Account view", classes=["abx-account-view"]):
            solara.InputInt("account id (or click the map)", value=selected.value if selected.value is not None else -1,
                            on_value=lambda v: selected.set(v if 0 <= v < model.n_accounts else None))
            i = selected.value
            if i is None or not 0 <= i < model.n_accounts:
                solara.Text("Select an account to see its buying committee and its story.")
                return
            agent = model.account_agents[i]
            solara.Markdown(f"**Account {i}**: {agent.segment}, tier {TIER_LABELS[agent.tier]}, stage "
                            f"**{agent.stage}**, ARR {format_value(agent.arr_usd, 'usd')}, "
                            f"{'in market' if agent.in_market else 'not in market'}")
            solara.Markdown("**Buying committee now**")
            solara.DataFrame(agent.committee_table().round(3), items_per_page=12)
            story = agent.story()
            solara.Markdown(f"**Story** ({len(story)} events, latest first)")
            solara.DataFrame(story.iloc[::-1][["week", "kind", "detail"]], items_per_page=10)

    return [(Headline, 0), (live("funnel"), 0), (live("revenue"), 0), (live("trust"), 0), (AccountMap, 0),
            (AccountView, 0), (Settings, 0)]


def model_params() -> dict[str, Any]:
    """SolaraViz's controls: selectors for the strategy and policies, sliders for the levers.

    The selectors' options are the config folder's (:func:`~sim.api.config_options`): a new preset
    or policy file shows up with no edit here.
    """
    from mesa.visualization import Slider

    params: dict[str, Any] = {
        "strategy": {"type": "Select", "value": "abx", "values": config_options("strategy"),
                     "label": "strategy preset"},
        **{family: {"type": "Select", "value": PRESET, "values": [PRESET, *config_options(f"strategy/{family}")],
                    "label": family} for family in SELECTABLE},
        "n_accounts": Slider("accounts", 1000, 200, 3000, 100),
        "budget_musd": Slider("budget ($M/year)", 5.0, 0.5, 10.0, 0.5, dtype=float),
        "n_one_to_one": Slider("1:1 accounts", 10, 0, 60, 5),
        "n_one_to_few": Slider("1:few accounts", 50, 0, 300, 10),
        "n_one_to_many": Slider("1:many accounts", 250, 0, 1000, 50),
    }
    for name, lever in LEVERS.items():
        params[name] = Slider(lever.short, lever.default, lever.lo, lever.hi, lever.step, dtype=float)
    params["seed"] = Slider("seed", 0, 0, 99, 1)
    return params


def page() -> Any:
    """The dashboard page (a Solara component): one model per browser session."""
    import solara
    from mesa.visualization import SolaraViz

    components = _components()

    @solara.component
    def Page():
        model = solara.use_memo(DashboardModel, [])  # the defaults are the controls' initial values
        solara.Style(".v-application { font-family: system-ui, sans-serif; }")
        SolaraViz(model, components=components, model_params=model_params(), name="abx-sim workshop dashboard",
                  play_interval=150)

    return Page


#: Libraries Solara's Vega-Lite widget loads by major version only; the offline bundle
#: (solara-assets) stores them under their full version.
_BY_MAJOR = ("vega@5", "vega-lite@5", "vega-embed@6")


def alias_bundled_assets(cache: Path) -> list[Path]:
    """Make the offline asset bundle in ``cache`` answer major-version requests (``vega@5`` ->
    ``vega@5.21.0``), so the account map draws without internet. Returns the aliases made."""
    made = []
    for wanted in _BY_MAJOR:
        name, major = wanted.split("@")
        found = sorted(cache.glob(f"{name}@{major}.*"))
        if found and not (cache / wanted).exists():
            try:
                (cache / wanted).symlink_to(found[-1].name, target_is_directory=True)
                made.append(cache / wanted)
            except OSError:  # a read-only install: Solara then fetches from its CDN when online
                pass
    return made


def main(argv: Sequence[str] | None = None) -> None:
    """``abx-sim-dashboard [--host HOST] [--port PORT]``: serve the dashboard with Solara."""
    parser = ArgumentParser(prog="abx-sim-dashboard", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="localhost", help="interface to serve on (default: localhost)")
    parser.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    args = parser.parse_args(argv)
    from solara.server import settings

    alias_bundled_assets(Path(settings.assets.proxy_cache_dir))
    print(f"abx-sim-dashboard: serving on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    command = [sys.executable, "-m", "solara", "run", "sim.apps.dashboard_app", "--host", args.host, "--port",
               str(args.port), "--production", "--no-open"]
    os.execv(sys.executable, command)


if __name__ == "__main__":
    main()
