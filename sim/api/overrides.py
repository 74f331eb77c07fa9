"""Command-line overrides as Hydra reads them, checked one by one before anything composes, and
Hydra's composition errors condensed to one line where a check cannot come first."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Glob, IntervalSweep, Override
from hydra.errors import OverrideParseException

from sim.api.configs import config_groups, config_options
from sim.core import guard
from sim.core.config import Config
from sim.core.params import ConfigError, declared_fields
from sim.core.policies import REGISTRY

#: The Hydra settings abx-sim takes on the command line (and ``hydra.launcher.*`` options): the
#: rest of Hydra's node (job names, logging, sweep subfolders) is the project's, and a bad value
#: there would fail inside Hydra after the run folder exists.
HYDRA_SETTINGS = ("hydra.run.dir", "hydra.sweep.dir", "hydra.sweeper.max_batch_size", "hydra/launcher")


def read_overrides(overrides: Sequence[str], extra_dirs: Sequence[Path] = ()) -> list[Override]:
    """The overrides as Hydra reads them, each checked on its own: it parses, names a key, sets a
    Hydra setting abx-sim takes (:data:`HYDRA_SETTINGS`), names no forbidden key
    (:mod:`sim.core.guard`), does not delete one of the schema's keys
    (which would silently bring back its default), names no forbidden key inside a value
    (``+hydra={callbacks: ...}``), has values to sweep, gives a flag ``true`` or ``false``, and passes
    :func:`check_known` (options of ``extra_dirs`` count too). Raises :class:`ConfigError` in one
    line naming the override."""
    parser = OverridesParser.create()
    flags = flag_keys()
    read = []
    for text in overrides:
        try:
            [override] = parser.parse_overrides([text])
        except OverrideParseException as exc:
            raise ConfigError(f"{text}: not an override of the form key=value ({_parse_problem(text, exc)})") from None
        guard.check_overrides([text])  # a forbidden key names the problem before anything else does
        key = override.key_or_group
        if not key:
            raise ConfigError(f"{text}: no key before '='")
        if re.split(r"[./]", key)[0] == "hydra" and key not in HYDRA_SETTINGS and not key.startswith("hydra.launcher."):
            raise ConfigError(f"{key}: not a Hydra setting abx-sim takes; it takes {', '.join(HYDRA_SETTINGS)} "
                              "and hydra.launcher.* options")
        if override.is_delete():
            raise ConfigError(f"{text}: removing a key is not supported; set the value you want instead "
                              "(`abx-sim --cfg job` shows them)")
        for dotted, value in (leaf for v in sweep_values(override) for leaf in _leaves(key, v)):
            if value is None and not dotted.startswith("hydra"):
                raise ConfigError(f"{dotted} = null: needs a value (`abx-sim --cfg job` shows the current ones)")
            if dotted != key:  # a forbidden key inside a value: +hydra={callbacks: ...} (the key itself is checked)
                guard.check_overrides([f"{dotted}="])
            if dotted in flags and not isinstance(value, bool):
                raise ConfigError(f"{dotted} = {value}: must be true or false")
        check_known(override, extra_dirs)
        read.append(override)
    return read


def key_types() -> dict[str, set[str]]:
    """Every settable dotted key: the schema's and every registered policy's parameters, with the
    declared types (a policy key may be declared by more than one policy of its family)."""
    types: dict[str, set[str]] = {}
    for key, f, _ in declared_fields(Config):
        types.setdefault(key, set()).add(str(f.type))
    for family, policies in REGISTRY.items():
        for cls in policies.values():
            for f in dataclasses.fields(cls.Params):
                types.setdefault(f"strategy.{family}.{f.name}", set()).add(str(f.type))
    return types


#: What a whole number, a number and a list must be, by declared type.
_NUMBERS = {"int": (int,), "float": (int, float)}


def check_known(override: Override, extra_dirs: Sequence[Path] = ()) -> None:
    """What the project can tell of an override before Hydra composes it, in its own words rather
    than Hydra's: a group's option exists (``strategy=bogus``), a key exists in the schema or in a
    registered policy of its family (``market.n_acounts``), and a number is a number of the key's
    kind (``market.n_accounts=abc``). What only the composed config tells (a key the chosen policy
    lacks, a range) is left to composition and validation. Raises :class:`ConfigError`."""
    key = override.key_or_group
    if override.is_add() or key.split(".")[0].split("/")[0] == "hydra":
        return
    values = sweep_values(override)
    if key in config_groups(extra_dirs):
        options = config_options(key, extra_dirs)
        for value in values:
            if str(value) not in options:
                raise ConfigError(f"{key}={value}: no such option; available: {', '.join(options)}")
        return
    types = key_types()
    if key not in types:
        parents = [".".join(key.split(".")[:i]) for i in range(1, key.count(".") + 1)]
        if any(key_ in types for key_ in parents) or any(k.startswith(f"{key}.") for k in types):
            return  # inside a mapping (sweep.params.*), or a whole node given as a mapping
        raise ConfigError(f"{key}: unknown key (check the spelling; `abx-sim --cfg job` lists every key)")
    for value in values:
        if isinstance(value, str) and value.startswith("${"):
            continue
        for declared in types[key]:
            element = declared.removeprefix("list[").removesuffix("]")
            if element not in _NUMBERS:
                continue
            items = value if declared.startswith("list[") and isinstance(value, list) else [value]
            if declared.startswith("list[") and not isinstance(value, list):
                raise ConfigError(f"{key} = {value!r}: must be a list, e.g. [1, 2]")
            if any(isinstance(v, bool) or not isinstance(v, _NUMBERS[element]) for v in items):
                kind = "whole number" if element == "int" else "number"
                whole = f"a list of {kind}s" if declared.startswith("list[") else f"a {kind}"
                raise ConfigError(f"{key} = {value!r}: must be {whole}")


def _parse_problem(text: str, exc: Exception) -> str:
    """What Hydra's override parser could not read, in words (its message, or the character its
    caret points at)."""
    lines = str(exc).splitlines()
    if len(lines) > 1 and lines[1].strip() == "^":  # a lexer error: the caret marks the character
        col = lines[1].index("^") - (len(lines[0]) - len(text))
        return f"cannot read {text[col]!r} at character {col + 1}" if 0 <= col < len(text) else "cannot be read"
    return lines[1].strip() if len(lines) > 1 and not lines[1].startswith("See ") else "cannot be read"


def sweep_values(override: Override) -> list[Any]:
    """The values an override sets: one, or every value it sweeps (``glob(...)`` over the group's
    options). Raises :class:`ConfigError` for a sweep with no value or an ``interval(...)``."""
    if not override.is_sweep_override():
        return [override.value()]
    value = override.value()
    if isinstance(value, Glob):
        values: list[Any] = value.filter(config_options(override.key_or_group))
    elif isinstance(value, IntervalSweep):
        raise ConfigError(f"{override.input_line}: interval(...) is a continuous range, which only an optimising "
                          "sweeper can sample; list the values (a,b,c), use range(...) or a sweep design")
    else:
        values = list(override.sweep_iterator())
    if not values:
        raise ConfigError(f"{override.input_line}: sweeps no value")
    return values


def _leaves(key: str, value: Any) -> Iterator[tuple[str, Any]]:
    """``(dotted key, value)`` of every leaf of an override's value (a mapping is walked)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(f"{key}.{k}", v)
    else:
        yield key, value


def flag_keys() -> set[str]:
    """The dotted keys of every flag (``bool`` field) of the schema and of every registered policy."""
    flags = {key for key, f, _ in declared_fields(Config) if f.type == "bool"}
    for family, policies in REGISTRY.items():
        for cls in policies.values():
            flags |= {f"strategy.{family}.{f.name}" for f in dataclasses.fields(cls.Params) if f.type == "bool"}
    return flags


def condense(exc: BaseException) -> str:
    """One line from a Hydra/OmegaConf composition error: the key, the value, what is allowed."""
    text = "\n".join(str(e) for e in (exc, exc.__cause__) if e is not None)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    key = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("full_key:")), "")
    missing = re.search(r"Could not find '([^']+)'", text)
    if missing:
        listed = lines[: next((i for i, line in enumerate(lines) if line.startswith("Config search path")),
                              len(lines))]
        options = [line for line in listed if not re.match(r"(In |Could not|Available)", line)]
        group, _, choice = missing.group(1).rpartition("/")
        options = config_options(group) or options  # Hydra's list has the policies' *_schema entries
        return f"{group}={choice}: no such option; available: {', '.join(options)}"
    if "not in struct" in text or re.search(r"Key '[^']+' not in '", text):
        name = key or re.search(r"Key '([^']+)'", text).group(1)  # type: ignore[union-attr]
        return f"{name}: unknown key (check the spelling; `abx-sim --cfg job` lists every key)"
    converted = re.search(r"(Value '.*' of type '\w+' could not be converted to \w+)", text)
    if converted:
        return f"{key}: {converted.group(1)}"
    carried = [getattr(e, "full_key", None) for e in (exc, exc.__cause__)]  # omegaconf's errors carry their key
    key = key or next((str(k) for k in carried if k), "")
    return (f"{key}: " if key and key not in lines[0] else "") + "; ".join(lines[:3])
