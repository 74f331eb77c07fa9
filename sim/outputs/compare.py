"""What a run changed, and how it compares: the settings that differ from its presets, and its
summary against a baseline strategy's on the same world (same seed, same accounts and buyers).

Pure functions of configs and summaries; composing the presets and running the baseline is the
caller's (:func:`sim.api.preset_of`, :func:`sim.api.with_strategy`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.core.config import Config, field_metadata
from sim.outputs.formats import TABLE, format_difference, format_value

#: The parts of a config that make the simulated world and strategy (not seeds, outputs or sweeps).
SECTIONS = ("market", "vendor", "strategy")
#: Names, not settings: a preset's name is said in the report's title.
NAMES = ("market.name", "strategy.name")


@dataclass(frozen=True)
class Change:
    """A setting whose value differs from its preset's."""

    key: str
    value: Any
    preset: Any
    unit: str
    meaning: str


def settings(config: Config) -> dict[str, tuple[Any, Mapping[str, Any]]]:
    """Every world and strategy setting of a validated config: dotted key -> (value, declared
    metadata: doc, unit, range, source), the run length included."""
    out: dict[str, tuple[Any, Mapping[str, Any]]] = {}

    def walk(node: Any, prefix: str) -> None:
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if dataclasses.is_dataclass(value):
                walk(value, f"{prefix}{f.name}.")
            elif f"{prefix}{f.name}" not in NAMES:
                out[f"{prefix}{f.name}"] = (value, f.metadata)

    for section in SECTIONS:
        walk(getattr(config, section), f"{section}.")
    out["horizon_weeks"] = (config.horizon_weeks, field_metadata("horizon_weeks"))
    return out


def setting_changes(config: Config, preset: Config) -> list[Change]:
    """The settings of ``config`` that differ from ``preset`` (its presets composed alone), in config order."""
    theirs = {key: value for key, (value, _) in settings(preset).items()}
    return [Change(key, value, theirs.get(key), str(meta.get("unit", "")), str(meta.get("doc", "")))
            for key, (value, meta) in settings(config).items() if not _same(value, theirs.get(key))]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


@dataclass(frozen=True)
class Difference:
    """A summary metric of a run against the baseline's on the same world."""

    key: str
    label: str
    kind: str
    value: float
    baseline: float
    better: int  # +1 more is better, -1 less is better, 0 neither

    @property
    def delta(self) -> float:
        """This run minus the baseline."""
        return self.value - self.baseline

    @property
    def verdict(self) -> str:
        """``better``, ``worse``, ``same`` (equal as shown) or ``neutral`` (no direction, or undefined)."""
        if not self.better or math.isnan(self.delta):
            return "neutral"
        if self.shown[0] == self.shown[1]:
            return "same"  # level as far as the numbers shown tell
        return "better" if self.delta * self.better > 0 else "worse"

    @property
    def shown(self) -> tuple[str, str]:
        """This run's value and the baseline's, as people read them."""
        return format_value(self.value, self.kind), format_value(self.baseline, self.kind)

    @property
    def relative(self) -> str:
        """The relative change (money and counts), or ``""`` where there is none to give."""
        if self.kind in ("usd", "int") and self.baseline and math.isfinite(self.delta) and self.delta:
            return f"{100 * self.delta / abs(self.baseline):+.0f}%"
        return ""

    @property
    def text(self) -> str:
        """The difference for reading, with the relative change for money and counts."""
        out = format_difference(self.delta, self.kind)
        return f"{out} ({self.relative})" if self.relative else out


def differences(summary: Mapping[str, float], baseline: Mapping[str, float]) -> list[Difference]:
    """Every metric of :data:`~sim.outputs.formats.TABLE`, this run against the baseline."""
    return [Difference(row.key, row.label, row.kind, float(summary[row.key]), float(baseline[row.key]), row.better)
            for rows in TABLE.values() for row in rows]


#: The outcomes a verdict names first: what a strategy is for, and what it costs.
HEADLINE = ("arr_end_usd", "bookings_usd", "pipeline_created_usd", "spend_usd", "roi")


def verdict(diffs: list[Difference], name: str, baseline: str) -> str:
    """One paragraph: the headline outcomes of ``name`` against ``baseline``, and how many of the
    metrics with a direction are better or worse."""
    by_key = {d.key: d for d in diffs}
    head = "; ".join(f"{d.label} {d.shown[0]} against {d.shown[1]} ({d.relative or d.text})"
                     for d in (by_key[k] for k in HEADLINE))
    scored = [d for d in diffs if d.verdict in ("better", "worse", "same")]
    count = {v: [d.label for d in scored if d.verdict == v] for v in ("better", "worse", "same")}
    tail = f" Worse on: {', '.join(count['worse'])}." if count["worse"] else ""
    return (f"{name} against {baseline} on the same world: {head}. Of the {len(scored)} measures with a better "
            f"direction, {name} is better on {len(count['better'])}, worse on {len(count['worse'])} and level on "
            f"{len(count['same'])}.{tail}")


def comparison_table(diffs: list[Difference], name: str, baseline: str) -> str:
    """The comparison as an aligned text table (printed by ``abx-sim`` under the summary)."""
    title = f"{name} against {baseline} (same world, same seed)"
    lines = [title, "=" * len(title), f"  {'':<32}{name:>14}{baseline:>14}{'difference':>22}"]
    for d in diffs:
        mark = {"better": "  better", "worse": "  worse"}.get(d.verdict, "")
        lines.append(f"  {d.label:<32}{d.shown[0]:>14}{d.shown[1]:>14}{d.text:>22}{mark}")
    return "\n".join(lines)
