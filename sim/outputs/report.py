"""The run report: the summary as a text table (printed by ``abx-sim``) and as a self-contained
HTML page (``report.html`` in the run folder, from ``templates/run.html.j2``): what the run changed
from its presets, how it compares with a baseline strategy on the same world when one was run,
every metric with its definition, the diagnostics, the figures with what they show, and the
stories of the tracked accounts. A workshop can open it in any browser without Python.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.core.config import Config, field_metadata
from sim.core.diagnostics import DIAGNOSES, flagged
from sim.core.metrics import SUMMARY, UNDEFINED
from sim.core.params import ConfigError
from sim.core.policies import FAMILIES
from sim.outputs.compare import Change, differences, setting_changes, verdict
from sim.outputs.files import atomic_write
from sim.outputs.formats import FIGURES, TABLE, format_value, kind_of
from sim.outputs.pages import png_source, render

if TYPE_CHECKING:
    from sim.api import Preset, Results

REPORT_FILE = "report.html"


def summary_table(summary: dict[str, float], title: str) -> str:
    """The summary as a readable, aligned text table."""
    lines = [title, "=" * len(title)]
    for section, rows in TABLE.items():
        lines.append(f"{section}")
        lines += [f"  {r.label:<32}{format_value(summary[r.key], r.kind):>16}" + (f"  ({UNDEFINED[r.key]})" if
                  math.isnan(summary[r.key]) else "") for r in rows]
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


def setting_text(value: Any, unit: str) -> str:
    """A setting's value for reading: money as $K/$M, other numbers to four significant digits."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and kind_of(unit) == "usd":
        return format_value(float(value), "usd")
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(setting_text(v, unit) for v in value)
    if isinstance(value, int):
        return f"{value:,}"
    return json.dumps(value) if isinstance(value, dict) else str(value)


def presets_for(config: Config, extra_dirs: Sequence[Path] = ()) -> Preset | str:
    """The run's presets (:func:`sim.api.preset_of`), or in words why they cannot be composed (a
    preset name set by hand): what :func:`report_html` lists the changes against."""
    from sim.api import preset_of

    try:
        return preset_of(config, extra_dirs)
    except ConfigError as exc:
        return str(exc)


def changes_of(res: Results, preset: Preset) -> list[Change]:
    """The settings the run changed from its presets; the market size against the size the preset declares."""
    changes = setting_changes(res.config, preset.config)
    if res.config.market.n_accounts != preset.n_accounts:
        meta = field_metadata("market.n_accounts")
        changes.insert(0, Change("market.n_accounts", res.config.market.n_accounts, preset.n_accounts,
                                 str(meta["unit"]), str(meta["doc"])))
    return changes


def report_html(res: Results, figures: Sequence[Path] = (), preset: Preset | str | None = None,
                baseline: Results | None = None) -> str:
    """The run report as one HTML page; ``figures`` (PNG files) are embedded, so it is self-contained.

    ``preset``: the run's presets (:func:`sim.api.preset_of`), to list what the run changed, or why
    they could not be composed; ``baseline``: a run of another strategy on the same world, to compare with.
    """
    c, s = res.config, res.summary
    known = None if preset is None or isinstance(preset, str) else preset
    changes = changes_of(res, known) if known is not None else None
    sections = [(section, [{"label": r.label, "value": format_value(s[r.key], r.kind), "unit": SUMMARY[r.key].unit,
                            "meaning": SUMMARY[r.key].meaning,
                            "undefined": UNDEFINED[r.key] if math.isnan(s[r.key]) else ""} for r in rows])
                for section, rows in TABLE.items()]
    comparison = None
    if baseline is not None:
        diffs = differences(s, baseline.summary)
        by_key = {d.key: d for d in diffs}
        name = baseline.config.strategy.name
        comparison = {"baseline": name, "verdict": verdict(diffs, c.strategy.name, name),
                      "sections": [(section, [by_key[r.key] for r in rows]) for section, rows in TABLE.items()]}
    tiers = res.accounts.set_index("account").tier if len(res.stories) else None
    return render(
        "run.html.j2",
        run={"strategy": c.strategy.name, "market": c.market.name, "accounts": c.market.n_accounts,
             "members": res.model.n_members, "weeks": c.horizon_weeks, "seed": c.seed,
             "policies": [(family, getattr(c.strategy, family).policy) for family in FAMILIES]},
        changes=None if changes is None else [
            {"key": ch.key, "value": setting_text(ch.value, ch.unit), "preset": setting_text(ch.preset, ch.unit),
             "unit": ch.unit, "meaning": ch.meaning} for ch in changes],
        preset_problem=preset if isinstance(preset, str) else "",
        sized=known is not None and c.market.n_accounts != known.n_accounts,
        comparison=comparison, sections=sections,
        diagnostics=[{"name": m, "meaning": DIAGNOSES[m].meaning, "rule": DIAGNOSES[m].rule} for m in flagged(s)],
        figures=[{"src": png_source(path), "alt": Path(path).stem.replace("_", " "),
                  "caption": FIGURES.get(Path(path).name, "")} for path in figures],
        stories=[{"account": account, "tier": str(tiers[account]).replace("_", " ") if tiers is not None else "",
                  "events": list(events.itertuples())}
                 for account, events in res.stories.groupby("account", sort=False)],
    )


def write_report(res: Results, folder: Path, figures: Sequence[Path] = (), preset: Preset | str | None = None,
                 baseline: Results | None = None) -> Path:
    """Write ``report.html`` into ``folder`` (atomically) and return its path."""
    path = folder / REPORT_FILE
    page = report_html(res, figures, preset, baseline)
    atomic_write(path, lambda p: p.write_text(page, encoding="utf-8"))
    return path
