"""The architecture: layers you can see in the folder tree, no import cycles, small modules.

Imports are read from the source (``ast``), including those inside functions; imports under
``if TYPE_CHECKING:`` are type-only and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"
# Lower layers never import higher ones. ``sim.api`` is the public facade over the core.
LAYERS = ("core", "api", "outputs", "sweep", "fit", "studies", "apps")
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The ``sim`` modules a module imports at run time (anywhere in it)."""
    found: set[str] = set()
    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "sim")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""  # the project uses absolute imports only (ruff's TID252)
            if base.split(".")[0] == "sim":
                for alias in node.names:  # ``from sim.core import model`` imports the submodule
                    sub = f"{base}.{alias.name}"
                    found.add(sub if sub in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the sim modules it imports (a module also depends on its parent packages)."""
    paths = {module_name(p): p for p in SIM.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        deps = imports_of(path, set(paths))
        graph[name] = {d for d in deps if d in paths and d != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def layer(module: str) -> int:
    """Rank of a module's layer; the ``sim`` package itself is below everything."""
    parts = module.split(".")
    return -1 if len(parts) == 1 else LAYERS.index(parts[1])


def test_every_module_belongs_to_a_layer():
    unknown = [m for m in import_graph() if m != "sim" and m.split(".")[1] not in LAYERS]
    assert unknown == []


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_lower_layers_never_import_higher_ones():
    upward = sorted((m, d) for m, deps in import_graph().items() for d in deps if layer(d) > layer(m))
    assert upward == []


@pytest.mark.parametrize("path", sorted(SIM.rglob("*.py")), ids=lambda p: str(p.relative_to(SIM)))
def test_module_size(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(SIM)} has {lines} lines (at most {MAX_LINES})"
