"""How the model's loops over members are compiled (numba).

A week touches every committee member several times. numpy does each step as a pass over whole
arrays, and a chain of small passes over large arrays is memory traffic; the few loops that matter
are compiled instead, one pass each (:mod:`sim.core.per_account`, the touch loop in
:mod:`sim.core.mechanisms.delivery`, the committee loops in :mod:`sim.core.mechanisms.members`).
What needs exp, expm1 or power on every touched member stays in numpy, whose vectorised
(SIMD) versions are about six times faster than a compiled loop's scalar calls (measured).

- :data:`jit` compiles a loop. Compiled code is cached on disk next to its module (numba's
  ``cache=True``), so only the first run on a machine pays for compilation.
- :func:`jitable` marks a mechanism function that is written once, for both worlds: numpy runs it
  on whole arrays (the tests, the docs), and a compiled loop calls it for one member. Such a
  function uses only arithmetic, ``np.minimum``/``np.maximum``, ``np.exp``/``np.expm1``/``np.power``
  and ``np.float32``/``np.float64`` (a cast of an array or of a number), never ``astype``,
  ``np.where`` or ``np.clip``. Its parameters object ``b`` may be a config dataclass (numpy) or a
  :class:`typing.NamedTuple` of the same fields (compiled).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
from numba.core.extending import register_jitable

#: Members a compiled loop works on per call, so its buffers are bounded (a million accounts have
#: seven million members). Computational, not behavioural: results are the same whatever it is.
MEMBER_CHUNK = 1 << 20

#: Compile a loop: cached on disk, without the GIL, no bounds checks (indices come from the
#: model's own state, whose invariants the tests check).
jit = numba.njit(cache=True, nogil=True, boundscheck=False)


def jitable[F: Callable[..., Any]](fn: F) -> F:
    """Let compiled loops call ``fn`` on single values; numpy still calls it on arrays (unchanged)."""
    register_jitable(fn)
    return fn
