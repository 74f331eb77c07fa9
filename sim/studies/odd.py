"""The ODD description's generated parts (``docs/ODD.md``), refreshed from the code.

``docs/ODD.md`` follows the ODD protocol (Grimm et al. 2020, "The ODD protocol for describing
agent-based and other simulation models: a second update", JASSS 23(2) 7). Its prose is written
by hand; the parts that restate the code are generated between ``<!-- generated:NAME -->`` and
``<!-- /generated:NAME -->`` markers, so they cannot drift from it:

- ``state``: the state variables of accounts and committee members (from :mod:`sim.core.state`);
- ``submodels``: each phase of the week, the functions that implement it with their equations
  (docstrings), the parameters it reads and the fixed constants it uses;
- ``policies``: the registered policies of each family;
- ``constants``: the model's fixed constants;
- ``parameters``: every parameter with default, unit, range and source (:mod:`sim.studies.reference`).

``python -m sim.studies.odd`` rewrites the generated blocks of ``docs/ODD.md`` in place; a test fails
when they are stale, when a config parameter is missing, or when a named function is gone.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
import sys
from collections.abc import Callable

from sim.core import model as model_module
from sim.core import state
from sim.core.config import Config
from sim.core.model import ABXModel
from sim.core.params import declared_fields
from sim.core.policies import REGISTRY
from sim.studies import CHECKOUT
from sim.studies.reference import parameters_markdown

ODD_PATH = CHECKOUT / "docs" / "ODD.md"
_BLOCK = re.compile(r"(<!-- generated:(\w+) -->\n)(.*?)(<!-- /generated:\2 -->)", re.S)
#: The weekly phases in order: (label, the method or policy method that implements it).
PHASES: list[tuple[str, Callable]] = [
    ("World: buying windows, research and intent, member turnover", ABXModel._world),
    ("Signals the vendor can see", ABXModel._signals),
    ("Delivery: budgets and capacities turn the plan into touches", ABXModel._deliver),
    ("Response of committee members to touches", ABXModel._respond),
    ("Committees: influence, decay, coverage and support", ABXModel._committees),
    ("Funnel: stages, MQAs, leads, qualification", ABXModel._funnel),
    ("Deals: progress, stalls, decisions", ABXModel._deals),
    ("Customers: onboarding, adoption, health, renewal, expansion, advocacy", ABXModel._customers),
    ("Between weeks: list reviews (Mesa event calendar)", ABXModel.review_list),
    ("Between weeks: budget reallocation by the measurement policy", ABXModel.reallocate),
]
#: Module aliases used in ``sim/core/model.py`` for the mechanism modules.
_ALIASES = {"mem": "sim.core.mechanisms.members", "deals": "sim.core.mechanisms.deals",
            "market": "sim.core.mechanisms.market", "cust": "sim.core.mechanisms.customers"}
_VENDOR_FUNCTIONS = ("allocate", "collisions", "deliver_marketing")


def qualname(obj: Callable) -> str:
    """``module.Class.name`` of a function or method."""
    return f"{obj.__module__}.{obj.__qualname__}"


def config_keys() -> list[str]:
    """Every non-strategy config key (dotted), in declaration order."""
    return [key for key, _, _ in declared_fields(Config) if not key.startswith("strategy")]


def policy_keys() -> list[str]:
    """Every policy parameter key, ``strategy.<family>.<name>``, over all registered policies."""
    keys = {f"strategy.{family}.{f.name}" for family, policies in REGISTRY.items()
            for cls in policies.values() for f in dataclasses.fields(cls.Params)}
    return sorted(keys)


def _doc(obj: object) -> str:
    """The docstring, without its doctest examples."""
    return inspect.cleandoc(obj.__doc__ or "(no docstring)").split("\n>>>")[0].rstrip()


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def state_block() -> str:
    """Tables of the state variables of accounts and members, from the comments in :mod:`sim.core.state`."""
    out = []
    for cls in (state.Accounts, state.Members):
        source = inspect.getsource(cls)
        rows = re.findall(r"^    (\w+): np\.ndarray  # (.+)$", source, flags=re.M)
        out += [f"**{cls.__name__}** (`{qualname(cls)}`): {_doc(cls).splitlines()[0]}", "",
                "| variable | type, unit and meaning |", "|---|---|"]
        out += [f"| `{name}` | {comment} |" for name, comment in rows] + [""]
    return "\n".join(out)


def _params_read(source: str) -> list[str]:
    """Config keys whose leaf name a phase's source reads as an attribute (``mc.p_window_start_year``)."""
    leaves = set(re.findall(r"\.(\w+)\b", re.sub(r"\bself\.\w+", "", source))) - {"name"}
    return [key for key in config_keys() if key.rsplit(".", 1)[-1] in leaves
            and not key.startswith(("output.", "sweep."))]


def submodels_block() -> str:
    """Each weekly phase: its method, the mechanism functions it calls (with their equations), the
    parameters it reads and the constants it uses."""
    constants = _constants()
    out = []
    for number, (label, method) in enumerate(PHASES, start=1):
        source = inspect.getsource(method)
        out += [f"### 7.{number} {label}", "", f"Implemented by `{qualname(method)}`.", ""]
        if method.__doc__:
            out += [_doc(method), ""]
        calls = list(dict.fromkeys(re.findall(r"\b(mem|deals|market|cust)\.(\w+)\(", source)))
        calls += [("vendor", name) for name in _VENDOR_FUNCTIONS if re.search(rf"\b{name}\(", source)]
        read = source
        for alias, name in calls:
            module = importlib.import_module(_ALIASES.get(alias, "sim.core.mechanisms.delivery"))
            fn = getattr(module, name)
            out += [f"- `{qualname(fn)}`", "", _quote(_doc(fn)), ""]
            read += inspect.getsource(fn)
        params = _params_read(read)
        if params:
            out += ["Parameters read here or by the functions above: " + ", ".join(f"`{k}`" for k in params)
                    + ".", ""]
        used = [name for name in constants if re.search(rf"\b{name}\b", source)]
        if used:
            out += ["Fixed constants: " + ", ".join(f"`{name}` = {constants[name][0]}" for name in used) + ".", ""]
    return "\n".join(out)


def policies_block() -> str:
    """Every registered policy: what it does and where it is implemented."""
    out = []
    for family, policies in REGISTRY.items():
        out += [f"**{family}**", ""]
        for name, cls in sorted(policies.items()):
            out.append(f"- `{name}` (`{qualname(cls)}`): {' '.join(_doc(cls).split())}")
        out.append("")
    return "\n".join(out)


def _constants() -> dict[str, tuple[str, str]]:
    """The numeric constants of :mod:`sim.core.model` (not aliases such as channel indices).

    Returns name -> (value, comment).
    """
    source = inspect.getsource(model_module)
    return {name: (value, comment) for name, value, comment in
            re.findall(r"^([A-Z][A-Z_]+) = ([\d.]+)\s*(?:#\s*(.*))?$", source, flags=re.M)}


def constants_block() -> str:
    """Table of the model's fixed constants, with what each means."""
    rows = [f"| `{name}` | {value} | {comment} |" for name, (value, comment) in _constants().items()]
    return "\n".join(["| constant (`sim/core/model.py`) | value | meaning |", "|---|---|---|", *rows]) + "\n"


def parameters_block() -> str:
    """Every parameter (the parameter reference without its title)."""
    text = parameters_markdown()
    return text[text.index("## Run, market and vendor"):].replace("## ", "### ")


BLOCKS: dict[str, Callable[[], str]] = {"state": state_block, "submodels": submodels_block,
                                        "policies": policies_block, "constants": constants_block,
                                        "parameters": parameters_block}


def refresh(text: str) -> str:
    """``text`` with every generated block rewritten from the code (unknown block names raise)."""
    def render(match: re.Match) -> str:
        body = BLOCKS[match.group(2)]().rstrip("\n") + "\n"
        return f"{match.group(1)}{body}{match.group(4)}"

    return _BLOCK.sub(render, text)


_REFERENCE = re.compile(r"`(sim(?:\.\w+)+)`")


def unresolved(text: str) -> list[str]:
    """The dotted ``sim.…`` names quoted in ``text`` that no longer exist in the code."""
    missing = []
    for name in dict.fromkeys(_REFERENCE.findall(text)):
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):  # the longest importable module prefix, then attributes
            try:
                obj: object = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            try:
                for attr in parts[cut:]:
                    obj = getattr(obj, attr)
            except AttributeError:
                missing.append(name)
            break
        else:
            missing.append(name)
    return missing


def main() -> None:
    """Rewrite the generated blocks of ``docs/ODD.md`` in place."""
    text = ODD_PATH.read_text()
    ODD_PATH.write_text(refresh(text))
    print(f"refreshed {len(_BLOCK.findall(text))} generated blocks in {ODD_PATH}", file=sys.stderr)


if __name__ == "__main__":
    main()
