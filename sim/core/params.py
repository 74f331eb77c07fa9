"""Declaring parameters and checking them: the machinery every config dataclass and policy uses.

:func:`param` declares a field with its default, unit, range, meaning and source; :func:`check_fields`
checks an instance against those declarations and :func:`build_params` builds a policy's ``Params``
from a config mapping. A bad value raises :class:`ConfigError` naming the key, the value and what is
allowed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import field
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the key, the value and what is allowed."""


def param(
    default: Any,
    *,
    unit: str,
    doc: str,
    lo: float | None = None,
    hi: float | None = None,
    length: int | None = None,
    total: float | None = None,
    source: str = "",
) -> Any:
    """Declare a config field with its range, unit, meaning and source.

    ``lo``/``hi`` bound every number (elementwise for lists), ``length`` fixes a list's length and
    ``total`` requires a list's elements to add up to that value (shares).
    """
    meta = {"unit": unit, "doc": doc, "lo": lo, "hi": hi, "length": length, "total": total,
            "source": source}
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


def field_default(f: dataclasses.Field) -> Any:
    """A dataclass field's default value (a fresh one where the field has a factory)."""
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def declared_fields(cls: type, prefix: str = "") -> Iterator[tuple[str, dataclasses.Field, Any]]:
    """Every leaf field of a config dataclass, nested ones flattened: (dotted key, field, default)."""
    for f in dataclasses.fields(cls):
        key = f"{prefix}.{f.name}" if prefix else f.name
        default = field_default(f)
        if dataclasses.is_dataclass(default):
            yield from declared_fields(type(default), key)
        else:
            yield key, f, default


# ----------------------------------------------------------------------------------- validation
def _fmt(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def check_fields(obj: Any, path: str) -> None:
    """Check every declared range, length and total of a dataclass instance, recursively."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{path}.{f.name}" if path else f.name
        default = field_default(f)
        if dataclasses.is_dataclass(default) and type(value) is not type(default):  # a section replaced wholesale
            raise ConfigError(f"{key} = {_fmt(value)[:80]}: must be a {type(default).__name__}")
        if dataclasses.is_dataclass(value):
            check_fields(value, key)
            continue
        meta = f.metadata
        if not meta:
            continue
        if isinstance(value, dict):  # mappings (sweep.params) are checked in validate()
            continue
        declared = {"bool": bool, "str": str, "list[str]": str}.get(str(f.type))  # annotations are strings here
        if declared is not None:  # flags and names (and lists of names): no range
            if not all(isinstance(v, declared) for v in (value if isinstance(value, list) else [value])):
                raise ConfigError(f"{key} = {_fmt(value)}: must be a {declared.__name__}")
            continue
        values = value if isinstance(value, list) else [value]
        if meta["length"] is not None and len(values) != meta["length"]:
            raise ConfigError(f"{key} = {_fmt(value)}: must be a list of {meta['length']} numbers")
        lo, hi = meta["lo"], meta["hi"]
        whole = str(f.type) in ("int", "list[int]")
        for v in values:
            if type(v).__module__ == "numpy":  # OmegaConf and the catalog take Python numbers only
                raise ConfigError(f"{key} = {_fmt(value)}: must be a Python number, not numpy's "
                                  f"{type(v).__name__} (convert it with int() or float())")
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ConfigError(f"{key} = {_fmt(value)}: must be a finite number")
            if whole and not isinstance(v, int):
                raise ConfigError(f"{key} = {_fmt(value)}: must be a whole number")
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                if hi is None:
                    allowed = f"must be >= {_fmt(lo)}"
                elif lo is None:
                    allowed = f"must be <= {_fmt(hi)}"
                else:
                    allowed = f"must lie in [{_fmt(lo)}, {_fmt(hi)}]"
                unit = f" ({meta['unit']})" if meta["unit"] not in ("", "-") else ""
                raise ConfigError(f"{key} = {_fmt(value)}: {allowed}{unit}")
        if meta["total"] is not None and abs(sum(values) - meta["total"]) > 1e-6:
            raise ConfigError(f"{key} = {_fmt(value)}: must add up to {meta['total']} (adds up to "
                              f"{sum(values):.6g})")


def build_params(cls: type, node: Any, path: str) -> Any:
    """Build a policy's ``Params`` dataclass from a config mapping, rejecting unknown keys."""
    if isinstance(node, DictConfig | ListConfig):
        node = OmegaConf.to_container(node, resolve=True)
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        node = dataclasses.asdict(node)
    data = dict(node or {})
    data.pop("policy", None)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{path}.{unknown[0]}: unknown key for this policy; allowed: {', '.join(sorted(names))}")
    try:
        obj = cls(**data)
    except TypeError as exc:  # a missing required value
        raise ConfigError(f"{path}: {exc}") from None
    check_fields(obj, path)
    return obj
