"""Expanding a sweep into jobs: grid x design points x replications, and the sweep manifest."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.diagnostics import FLAGS
from sim.core.metrics import SUMMARY
from sim.outputs.files import write_json
from sim.sweep.condition import evaluate, names
from sim.sweep.designs import Design

MANIFEST = "sweep.json"


def design_overrides(design: Design | None, integer_keys: set[str]) -> list[list[str]]:
    """Overrides for each design point (``[[]]`` for a plain grid); integer keys are rounded."""
    if design is None:
        return [[]]
    out = []
    for i, row in enumerate(design.points):
        values = [f"{k}={round(v) if k in integer_keys else repr(float(v))}" for k, v in zip(design.names, row,
                                                                                                strict=True)]
        out.append([*values, f"sweep.point={i}"])
    return out


def expand(grid: Sequence[Sequence[str]], replications: int, design: Design | None,
           integer_keys: set[str] = frozenset()) -> list[list[str]]:  # type: ignore[assignment]
    """Every job's overrides: replication-major, then design point, then the swept grid.

    Replication ``r`` of every grid point and design point shares ``replication=r``, hence the
    same world (common random numbers). The order is deterministic, so a restarted sweep gives
    every job the same number and folder.
    """
    points = design_overrides(design, integer_keys)
    return [[*g, *p, f"replication={r}"] for r in range(replications) for p in points for g in grid]


def manifest(*, design: Design | None, replications: int, n_jobs: int, arguments: Sequence[str], baseline: str,
             condition: str) -> dict[str, Any]:
    """What the sweep is (the report reads it): design, its points, size, arguments."""
    data: dict[str, Any] = {
        "design": design.kind if design else "grid", "replications": replications, "n_jobs": n_jobs,
        "arguments": list(arguments), "baseline": baseline, "condition": condition,
    }
    if design is not None:
        data.update(names=design.names, bounds=[list(b) for b in design.bounds], points=design.points.tolist())
    return json.loads(json.dumps(data))  # as it reads back from disk (tuples as lists)


def write_manifest(sweep_dir: Path, data: dict[str, Any]) -> None:
    """Record the sweep in its folder (``sweep.json``)."""
    write_json(sweep_dir / MANIFEST, data)


def sweep_difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    """How the sweep recorded in a folder differs from the one asked for ('' if it is the same sweep;
    the order of the command-line arguments does not matter)."""
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if key == "arguments":
            a, b = sorted(a or []), sorted(b or [])
        if a != b:
            shown = " ".join(a) if key == "arguments" and isinstance(a, list) else a
            return f"{key} was {shown!r}" if len(str(shown)) < 120 else f"{key} differs"
    return ""


def read_manifest(sweep_dir: Path) -> dict[str, Any]:
    """The manifest of a sweep folder (empty if it has none)."""
    path = sweep_dir / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a sweep manifest ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a sweep manifest (a JSON object was expected)")
    for key, kind in (("condition", str), ("baseline", str), ("design", str), ("replications", int)):
        if key in data and not isinstance(data[key], kind):
            raise ValueError(f"{path}: {key} = {data[key]!r}: must be a {kind.__name__}")
    if data.get("design", "grid") != "grid":
        try:
            design_from_manifest(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: the {data['design']} design's names, bounds and points do not read "
                             f"({type(exc).__name__}: {exc})") from None
    return data


def design_from_manifest(manifest: dict[str, Any]) -> Design | None:
    """The design a manifest recorded, or None for a grid."""
    if manifest.get("design", "grid") == "grid":
        return None
    names, bounds = manifest["names"], [(float(b[0]), float(b[-1])) for b in manifest["bounds"]]
    points = np.asarray(manifest["points"], dtype=float)
    if not (isinstance(names, list) and all(isinstance(n, str) for n in names) and len(bounds) == len(names)
            and all(len(b) == 2 for b in manifest["bounds"]) and points.ndim == 2 and points.shape[1] == len(names)):
        raise ValueError("names, bounds and points must agree (one name, [low, high] and column per parameter)")
    return Design(manifest["design"], names, bounds, points)


def check_condition(condition: str, strategies: Iterable[str], inputs: Iterable[str]) -> None:
    """Refuse (one-line :class:`ValueError`) a scenario-discovery condition that is not of the
    condition language (:mod:`sim.sweep.condition`) or names something a sweep does not record: a
    name must be a metric of the run summary, an input (a config key), or ``strategy.metric`` for
    a strategy the sweep runs. Nothing is evaluated but the grammar, on placeholder numbers."""
    evaluate(condition, lambda name: np.ones(1))
    metrics, inputs, strategies = {*SUMMARY, *FLAGS}, set(inputs), set(strategies)
    for name in names(condition):
        head, _, rest = name.partition(".")
        if name not in metrics and name not in inputs and not (head in strategies and rest in metrics):
            raise ValueError(f"condition {condition!r}: no metric or input named {name!r} (metrics are the run "
                             "summary's, e.g. nrr; compare strategies as abx.nrr < abm.nrr)")
