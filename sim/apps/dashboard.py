"""``abx-sim-dashboard``: the workshop dashboard, a browser app (Solara) over the Mesa model.

Sliders and selectors set the world and the strategy with its main levers; play, step and reset
drive the model week by week; live plots show the funnel, ARR and pipeline, and buyers' trust; a
second strategy can race the first on the same world (same seed, same accounts and buyers),
stepping with it, their gap charted; the account map (fit against potential, coloured by stage,
shaped by tier) selects an account on click, and the account view shows its buying committee and
its story.

This module holds the settings (controls, levers, the config they make, the model); the figures
are :mod:`sim.apps.dashboard_charts`' and the page :mod:`sim.apps.dashboard_page`'s.

The levers follow one rule: a strategy preset keeps its own value of a lever until the lever is
moved from its default (the ``abx`` value); the "Settings in force" card shows what runs.
Tier sizes, budget, market size and seed always apply, to both strategies of a race.

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
from omegaconf import DictConfig, OmegaConf

from sim.api import ArgumentParser, compose_config, config_options
from sim.core.config import Config
from sim.core.model import ABXModel
from sim.core.params import ConfigError
from sim.core.policies import FAMILIES
from sim.core.validate import validate
from sim.outputs.formats import format_value

PRESET = "(the preset's own)"
#: The race selector's value when one strategy runs alone.
NO_RACE = "(no race)"
#: Policy families the dashboard offers a selector for (the others come from the strategy preset).
SELECTABLE = ("orchestration", "personalization")


@dataclass(frozen=True)
class Control:
    """A numeric setting shown as a slider whose label always carries its value (``shown``)."""

    label: str
    default: float
    lo: float
    hi: float
    step: float
    shown: str  # the value in the label, e.g. "{:,.0f} accounts"

    def text(self, value: float) -> str:
        """The slider's label with its value: ``market: 1,000 accounts``."""
        return f"{self.label}: {self.shown.format(value)}"


#: The world's and the tiers' sliders (integers but the budget).
CONTROLS = {
    "n_accounts": Control("market", 1000, 200, 3000, 100, "{:,.0f} accounts"),
    "budget_musd": Control("marketing budget", 5.0, 0.5, 10.0, 0.5, "${:.1f}M a year"),
    "seed": Control("world", 0, 0, 99, 1, "seed {:.0f}"),
    "n_one_to_one": Control("1:1 accounts", 10, 0, 60, 5, "{:.0f}"),
    "n_one_to_few": Control("1:few accounts", 50, 0, 300, 10, "{:.0f}"),
    "n_one_to_many": Control("1:many accounts", 250, 0, 1000, 50, "{:.0f}"),
}


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

    def text(self, value: float) -> str:
        """The slider's label with its value: ``lead follow-up: 0.95``."""
        return f"{self.short}: {value:.2f}"


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


def choices() -> dict[str, list[str]]:
    """The selectors' options, from the config folder (:func:`~sim.api.config_options`): a new preset
    or policy file shows up with no edit here. ``rival`` is the race's second strategy."""
    strategies = config_options("strategy")
    return {"strategy": strategies, "rival": [NO_RACE, *strategies],
            **{family: [PRESET, *config_options(f"strategy/{family}")] for family in SELECTABLE}}


def default_settings() -> dict[str, Any]:
    """What the dashboard starts with: every control and lever at its default, ``abx`` alone."""
    numbers = {name: int(c.default) if name != "budget_musd" else c.default for name, c in CONTROLS.items()}
    return {"strategy": "abx", "rival": NO_RACE, **dict.fromkeys(SELECTABLE, PRESET), **numbers,
            **{name: lever.default for name, lever in LEVERS.items()}}


def race_configs(settings: dict[str, Any]) -> tuple[Config, Config | None]:
    """The configs the dashboard runs: the strategy with every setting, and its rival (if racing)
    on the same world: the same market size, budget, tiers, seed and length, the rival preset's
    own policies and levers."""
    mine = {k: v for k, v in settings.items() if k != "rival"}
    rival = settings.get("rival", NO_RACE)
    world = {k: v for k, v in mine.items() if k in CONTROLS}
    return dashboard_config(**mine), None if rival == NO_RACE else dashboard_config(strategy=rival, **world)


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
    """An :class:`~sim.core.model.ABXModel` of a config the dashboard made, or of its settings
    (keyword arguments of :func:`dashboard_config`); every account's story is recorded."""

    def __init__(self, cfg: Config | None = None, **settings: Any) -> None:
        super().__init__(cfg if cfg is not None else dashboard_config(**settings))


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
               str(args.port), "--production", "--no-open",
               "--no-check-version"]  # its advice to upgrade would break the pins the offline dashboard needs
    os.execv(sys.executable, command)


if __name__ == "__main__":
    main()
