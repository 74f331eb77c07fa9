"""Mesa, imported without its grids and networks until someone uses them.

Importing any part of Mesa runs the package's ``__init__``, which imports ``mesa.discrete_space``,
the legacy ``mesa.space`` and ``mesa.experimental.continuous_space``, which import scipy.spatial and
networkx: 0.4 s at the start of a default run and 0.1 s at its exit, for grids and networks this
model never uses (its agents live in numpy arrays). Import ``mesa`` from here instead: those three
are put in place first as empty modules that run their own code on first use (an attribute read),
so ``mesa.discrete_space.Grid``, ``from mesa.discrete_space import Grid`` and ``import
mesa.discrete_space.grid`` work as before, for the dashboard or anyone else. If Mesa is already
imported, or its layout is not what this expects, ``mesa`` is imported as usual.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import inspect
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, ModuleType
from typing import Any

#: Mesa's modules that import scipy or networkx, each loaded on first use.
DEFERRED = ("mesa.discrete_space", "mesa.space", "mesa.experimental.continuous_space")


def defer(name: str) -> ModuleType | None:
    """Register the submodule ``name`` in ``sys.modules`` without running it (its code runs when one
    of its attributes is first read); the packages above it are found but not imported. Returns the
    module, or ``None`` (nothing done) if its top package is imported already or it cannot be found."""
    parts = name.split(".")
    if parts[0] in sys.modules or name in sys.modules:
        return None
    spec = importlib.util.find_spec(parts[0])  # finds a top-level package without importing it
    for depth in range(2, len(parts) + 1):  # then each level in the folder of the one above
        if spec is None or not spec.submodule_search_locations:
            return None
        spec = importlib.machinery.PathFinder.find_spec(".".join(parts[:depth]), list(spec.submodule_search_locations))
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)  # __spec__, __path__, __file__: what the import system reads
    loader = spec.loader

    def load(attr: str) -> Any:
        # Module-level __getattr__ (PEP 562) runs only for a name the module does not have yet:
        # remove it and run the module's own code in this module object, once.
        del module.__getattr__
        try:
            loader.exec_module(module)
        except BaseException:
            del sys.modules[name]  # as a failed import leaves it: the next import tries again
            raise
        return getattr(module, attr)

    module.__getattr__ = load  # type: ignore[method-assign]
    sys.modules[name] = module
    return module


def outer_frames(frame: FrameType | None, context: int = 1) -> list[inspect.FrameInfo]:
    """``inspect.getouterframes`` without the frames' source lines (``code_context`` ``None``), as
    for a frame whose source cannot be found."""
    frames = []
    while frame is not None:
        frames.append(inspect.FrameInfo(frame, frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name,
                                        None, None))
        frame = frame.f_back
    return frames


@contextmanager
def frames_without_source() -> Iterator[None]:
    """Meanwhile, ``inspect.stack`` and ``inspect.getouterframes`` list the frames without their
    source lines. Importing Mesa's model module names two loggers after the module and the class
    that call Mesa's logging helpers, found with those two functions, which look up the source file
    of every frame on the stack by searching all of ``sys.modules`` (over a thousand modules by
    then): 0.09 s of a run's start (measured), for two names that the frames alone give."""
    stack, getouterframes = inspect.stack, inspect.getouterframes
    inspect.stack = lambda context=1: outer_frames(sys._getframe(1), context)  # type: ignore[assignment]
    inspect.getouterframes = outer_frames  # type: ignore[assignment]
    try:
        yield
    finally:
        inspect.stack, inspect.getouterframes = stack, getouterframes  # type: ignore[assignment]


for _name in DEFERRED:
    defer(_name)

with frames_without_source():
    import mesa  # after defer(): the package's __init__ now finds its grids already "imported"
from mesa.time import Schedule  # noqa: E402

__all__ = ["Schedule", "mesa"]
