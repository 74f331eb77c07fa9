"""Per-account flags and member lists over committees, compiled (numba).

Every week asks per account "is any member engaged?" and "which members belong to these
accounts?", and turns lists of accounts into masks. numpy's ``bincount(...) > 0`` and ``repeat``/``cumsum``
build new arrays of every member to answer; these loops read the state in place, in one pass
(compiled as :mod:`sim.core.compiled` says; ``tests/test_kernels.py`` checks them against numpy).
Phases that compute only the few accounts concerned (contracts due, open deals) book their totals
with :func:`total`, in the order a sum over every account adds them.
Sums over members live with the mechanisms that need them (:mod:`sim.core.mechanisms.members`).
"""

from __future__ import annotations

import numpy as np

from sim.core.compiled import jit


@jit
def any_of(acct: np.ndarray, flags: np.ndarray, n_accounts: int) -> np.ndarray:
    """Whether any member of each account is flagged, bool [N]: ``np.bincount(acct, flags, n) > 0``."""
    out = np.zeros(n_accounts, dtype=np.bool_)
    for i in range(acct.shape[0]):  # no branch: flags are unpredictable, a mispredicted branch costs more
        out[acct[i]] |= flags[i]
    return out


@jit
def members(mask: np.ndarray, m_start: np.ndarray, m_count: np.ndarray) -> np.ndarray:
    """Indices of the members of the accounts in ``mask``, in member order (committees are
    contiguous: ``m_start[a] : m_start[a] + m_count[a]``)."""
    total = 0
    for a in range(mask.shape[0]):
        if mask[a]:
            total += m_count[a]
    out, k = np.empty(total, np.int64), 0
    for a in range(mask.shape[0]):
        if mask[a]:
            for i in range(m_start[a], m_start[a] + m_count[a]):
                out[k] = i
                k += 1
    return out


def marked(accounts: np.ndarray, n_accounts: int) -> np.ndarray:
    """Mask [N] of the accounts listed in ``accounts`` (indices; they may repeat, e.g. the accounts of
    the members touched this week)."""
    mask = np.zeros(n_accounts, dtype=bool)
    mask[accounts] = True
    return mask


def total(values: np.ndarray, accounts: np.ndarray, n_accounts: int) -> float:
    """Sum of ``values`` of the ``accounts`` they belong to, added as numpy adds an [N] array holding
    them and zeros elsewhere: a phase that computes only its few accounts books the same total,
    bit for bit, as one that computed all of them (numpy's pairwise order depends on positions)."""
    full = np.zeros(n_accounts, dtype=values.dtype)
    full[accounts] = values
    return float(full.sum())
