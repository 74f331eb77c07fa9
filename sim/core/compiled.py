"""How the model's loops over members are compiled (numba), and how much they work on at once.

A week touches every committee member several times. numpy does each step as a pass over whole
arrays, and a chain of small passes over large arrays is memory traffic; the loops that matter are
compiled instead, one pass each (:mod:`sim.core.per_account`, the touch loop in
:mod:`sim.core.mechanisms.delivery`, the response, theater and committee loops in
:mod:`sim.core.mechanisms.members`). A compiled loop calls the C library for exp, expm1 and
power, where numpy uses its own vectorised versions (chosen by the CPU's instructions), which
round some results differently in the last bit: moving the response into a loop moved continuous
outputs by parts in 10^7 in a run's tables and at most 1.3e-4 (relative) in a summary metric over
90 runs, and left discrete outcomes as they were in nine configs checked in full (measured).

Compiled code is cached on disk next to its module, so only the first run on a machine pays for
compilation (a few seconds). numba keys a cached loop on its own file only, so a compiled loop
calls no function of another module: an edit there would not reach the cached copy.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from typing import Any

import numba

#: Members a compiled loop (and a draw of one uniform per member) works on per call, so buffers are
#: bounded: a million accounts have seven million members. Computational, not behavioural: the
#: results are the same whatever it is (tests change it).
MEMBER_CHUNK = 1 << 20


def jit[F: Callable[..., Any]](fn: F) -> F:
    """Compile a loop, cached on disk; where no folder for the cache can be written (a read-only
    install without a home folder), compiled in each process instead, with a warning. No bounds
    checks: indices come from the model's own state, whose invariants the tests check."""
    try:
        return numba.njit(fn, cache=True, nogil=True, boundscheck=False)  # type: ignore[return-value]
    except RuntimeError as error:  # numba: "cannot cache function ...: no locator available"
        warnings.warn(f"numba cannot cache {fn.__qualname__} ({error}); it is compiled in every run", stacklevel=2)
        return numba.njit(fn, cache=False, nogil=True, boundscheck=False)  # type: ignore[return-value]


def import_array_maths() -> None:
    """Import numba's array maths (``numba.np.arraymath``, which loading the first compiled loop
    imports) without scipy.linalg. At import it asks whether BLAS is there, for ``np.correlate`` and
    ``np.convolve`` in compiled code, by importing scipy.linalg: 0.17 s of every run (measured), for
    loops that use neither. So that import fails meanwhile, and the module then gets the answer it
    would have found: scipy, a dependency of abx-sim, always has BLAS (scipy.linalg.cython_blas);
    anything compiled later that uses BLAS imports scipy.linalg itself, as ever."""
    blas = "scipy.linalg.cython_blas"
    if "numba.np.arraymath" in sys.modules or blas in sys.modules:  # nothing to save: numba imports it when needed
        return
    sys.modules[blas] = None  # type: ignore[assignment]  # an import of it raises ImportError
    try:
        import numba.np.arraymath
    finally:
        del sys.modules[blas]
    numba.np.arraymath._HAVE_BLAS = True


import_array_maths()
