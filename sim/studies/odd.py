"""The ODD description's generated parts (``docs/ODD.md``), refreshed from the code.

``docs/ODD.md`` follows the ODD protocol (Grimm et al. 2020, "The ODD protocol for describing
agent-based and other simulation models: a second update", JASSS 23(2) 7). Its prose is written
by hand; the parts that restate the code are generated between ``<!-- generated:NAME -->`` and
``<!-- /generated:NAME -->`` markers, so they cannot drift from it:

- ``state``: the state variables of accounts and committee members (from :mod:`sim.core.state`);
- ``schedule``: the week's phases in order (:data:`sim.core.phases.PHASES`) and what happens between weeks;
- ``streams``: the random processes, one stream each (:data:`sim.core.streams.PROCESSES`);
- ``submodels``: each phase of the week, the functions that implement it with their equations
  (docstrings), the parameters it reads and the fixed constants it uses;
- ``policies``: the registered policies of each family;
- ``constants``: the model's fixed constants;
- ``parameters``: every parameter with default, unit, range and source (:mod:`sim.studies.reference`).

``python -m sim.studies.odd`` rewrites the generated blocks of ``docs/ODD.md`` in place; a test fails
when they are stale, when a config parameter is missing, or when a named function is gone.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import itertools
import re
import sys
from collections.abc import Callable
from types import ModuleType

from sim.core import constants, state
from sim.core.config import Config
from sim.core.mechanisms import customers, deals, delivery, market, members
from sim.core.model import BETWEEN_WEEKS, ABXModel
from sim.core.params import declared_fields
from sim.core.phases import PHASES
from sim.core.policies import REGISTRY
from sim.core.streams import PROCESSES
from sim.studies import CHECKOUT
from sim.studies.reference import parameters_markdown

ODD_PATH = CHECKOUT / "docs" / "ODD.md"
#: Other documents with generated blocks (the README's list of the week).
GENERATED_DOCS = (ODD_PATH, CHECKOUT / "README.md")
_BLOCK = re.compile(r"(<!-- generated:(\w+) -->\n)(.*?)(<!-- /generated:\2 -->)", re.S)
#: Between-week events (Mesa event calendar): (label, method).
BETWEEN: list[tuple[str, Callable]] = [(f"Between weeks: {does}", getattr(ABXModel, name))
                                       for name, does in BETWEEN_WEEKS]
#: Module aliases the phases use for the mechanism modules.
_ALIASES: dict[str, ModuleType] = {"mem": members, "deals": deals, "market": market, "cust": customers,
                                   "delivery": delivery}
#: Modules whose fixed constants the ODD lists.
CONSTANT_MODULES: tuple[ModuleType, ...] = (constants, market, members, deals, customers, delivery)


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
    """Tables of the state variables of accounts and members, from their declarations in :mod:`sim.core.state`."""
    out = []
    for cls in (state.Accounts, state.Members):
        out += [f"**{cls.__name__}** (`{qualname(cls)}`): {_doc(cls).splitlines()[0]}", "",
                "| variable | dtype | unit | initial value | meaning |", "|---|---|---|---|---|"]
        for f in dataclasses.fields(cls):
            meta = f.metadata
            init = "drawn" if meta["init"] is state.DRAWN else _initial(meta["init"])
            dtype = f"{meta['dtype']} [{meta['rows']}, ·]" if meta["rows"] else meta["dtype"]
            out.append(f"| `{f.name}` | {dtype} | {meta['unit']} | {init} | {meta['doc']} |")
        out.append("")
    return "\n".join(out)


def _initial(value: object) -> str:
    """An initial value as the ODD shows it (sentinels by name)."""
    names = {state.NEVER: "`NEVER`", state.LONG_AGO: "`LONG_AGO`"}
    if hasattr(value, "name"):
        return f"`{type(value).__name__}.{value.name}`"
    return names.get(value, str(value)) if isinstance(value, int) and not isinstance(value, bool) else str(value)


def schedule_block() -> str:
    """The week's phases in order, and the events between weeks."""
    out = [f"{i}. **{phase.name.capitalize()}** (`{qualname(phase.run)}`): {phase.does}."
           for i, phase in enumerate(PHASES, start=1)]
    out += ["", "Between weeks, on Mesa's event calendar:", ""]
    out += [f"- `{qualname(method)}`: {label.removeprefix('Between weeks: ')}." for label, method in BETWEEN]
    return "\n".join(out) + "\n"


def streams_block() -> str:
    """The random processes, each with its own stream."""
    rows = [f"| `{name}` | {does} |" for name, does in PROCESSES.items()]
    return "\n".join(["| process | what it draws |", "|---|---|", *rows]) + "\n"


def _params_read(source: str) -> list[str]:
    """Config keys whose leaf name a phase's source reads as an attribute (``mc.p_window_start_year``)."""
    leaves = set(re.findall(r"\.(\w+)\b", re.sub(r"\bself\.\w+", "", source))) - {"name"}
    return [key for key in config_keys() if key.rsplit(".", 1)[-1] in leaves
            and not key.startswith(("output.", "sweep."))]


def _phase_source(function: Callable) -> str:
    """Source of a phase function and of the private helpers of its module that it calls."""
    source = inspect.getsource(function)
    module = sys.modules[function.__module__]
    for name in dict.fromkeys(re.findall(r"\b(_\w+)\(", source)):
        helper = getattr(module, name, None)
        if callable(helper):
            source += inspect.getsource(helper)
    return source


def submodels_block() -> str:
    """Each weekly phase and between-week event: its function, the mechanism functions it calls (with
    their equations), the parameters it reads and the constants it uses."""
    fixed = _constants()
    out = []
    steps = [(p.name.capitalize(), p.run) for p in PHASES] + BETWEEN
    for number, (label, function) in enumerate(steps, start=1):
        source = _phase_source(function)
        out += [f"#### 7.1.{number} {label}", "", f"Implemented by `{qualname(function)}`.", ""]
        if function.__doc__:
            out += [_doc(function), ""]
        read = source
        for fn in _mechanisms_called(source):
            out += [f"- `{qualname(fn)}`", "", _quote(_doc(fn)), ""]
            read += inspect.getsource(fn)
        params = _params_read(read)
        if params:
            out += ["Parameters read here or by the functions above: " + ", ".join(f"`{k}`" for k in params)
                    + ".", ""]
        used = [name for name in fixed if re.search(rf"\b{name}\b", read)]
        if used:
            out += ["Fixed constants: " + ", ".join(f"`{name}` = {fixed[name][1]}" for name in used) + ".", ""]
    return "\n".join(out)


def _mechanisms_called(source: str) -> list[Callable]:
    """The mechanism functions a phase's source calls (``mem.respond_touched(``), then those they
    call in turn, through another module's alias or by bare name in their own module, also through
    their module's private helpers, each once, in order of first call."""
    pattern = rf"\b({'|'.join(_ALIASES)})\.(\w+)\("
    found: dict[str, Callable] = {}
    queue = [getattr(_ALIASES[alias], name) for alias, name in re.findall(pattern, source)]
    while queue:
        fn = queue.pop(0)
        if qualname(fn) in found:
            continue
        found[qualname(fn)] = fn
        module = inspect.getmodule(fn)
        text = inspect.getsource(fn)
        helpers = [getattr(module, name) for name in re.findall(r"\b(_\w+)\(", text) if hasattr(module, name)]
        text += "".join(inspect.getsource(h) for h in helpers if callable(h))
        queue += [getattr(_ALIASES[alias], name) for alias, name in re.findall(pattern, text)]
        queue += _same_module_calls(module, text)
    return list(found.values())


def _same_module_calls(module: ModuleType | None, source: str) -> list[Callable]:
    """The public functions of ``module`` that ``source`` calls by bare name (a compiled loop calling
    ``respond_member(`` beside it)."""
    names = dict.fromkeys(re.findall(r"(?<![.\w])([a-z]\w*)\(", source))
    return [fn for name in names if (fn := getattr(module, name, None)) is not None and callable(fn)
            and not isinstance(fn, type) and inspect.getmodule(fn) is module]


def policies_block() -> str:
    """Every registered policy: what it does and where it is implemented."""
    out = []
    for family, policies in REGISTRY.items():
        out += [f"**{family}**", ""]
        for name, cls in sorted(policies.items()):
            out.append(f"- `{name}` (`{qualname(cls)}`): {' '.join(_doc(cls).split())}")
        out.append("")
    return "\n".join(out)


def module_constants(module: ModuleType) -> dict[str, tuple[str, str]]:
    """A module's declared constants: ``NAME = value`` followed by a docstring. name -> (value, doc)."""
    body = ast.parse(inspect.getsource(module)).body
    found = {}
    for stmt, after in itertools.pairwise(body):
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                and stmt.targets[0].id.isupper() and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant) and isinstance(after.value.value, str)):
            found[stmt.targets[0].id] = (ast.unparse(stmt.value), " ".join(after.value.value.split()))
    return found


def _constants() -> dict[str, tuple[str, str, str]]:
    """Every fixed constant of the core: name -> (module, value, meaning)."""
    return {name: (module.__name__, value, doc) for module in CONSTANT_MODULES
            for name, (value, doc) in module_constants(module).items()}


def constants_block() -> str:
    """Table of the model's fixed constants: where each is declared, its value, what it means and why it
    is fixed."""
    rows = [f"| `{name}` | `{module}` | {value if len(value) < 60 else value[:57] + '...'} | {doc} |"
            for name, (module, value, doc) in _constants().items()]
    return "\n".join(["| constant | module | value | meaning |", "|---|---|---|---|", *rows]) + "\n"


def parameters_block() -> str:
    """Every parameter (the parameter reference without its title)."""
    text = parameters_markdown()
    return text[text.index("## Run, market and vendor"):].replace("## ", "### ")


BLOCKS: dict[str, Callable[[], str]] = {"state": state_block, "schedule": schedule_block,
                                        "streams": streams_block, "submodels": submodels_block,
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
    """Rewrite the generated blocks of ``docs/ODD.md`` and the README in place."""
    for path in GENERATED_DOCS:
        text = path.read_text()
        path.write_text(refresh(text))
        print(f"refreshed {len(_BLOCK.findall(text))} generated blocks in {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
