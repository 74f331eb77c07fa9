"""Per-account totals and flags over committee members, compiled (numba).

Every week sums member quantities per account many times (coverage, support, the committee's
opinion, ledger touches, "any member engaged?"). ``np.bincount`` does it, but copies its index
and weights to new arrays on every call; these loops read them in place, in one pass.

Each function computes exactly what its numpy form computes, in the same order (a float64
running sum per account, members in index order), so results are bit-identical to
``np.bincount``; ``tests/test_kernels.py`` checks it (compiled as :mod:`sim.core.compiled` says).
"""

from __future__ import annotations

import numpy as np

from sim.core.compiled import jit


@jit
def total(acct: np.ndarray, weights: np.ndarray, n_accounts: int) -> np.ndarray:
    """Sum of ``weights`` per account, float64 [N]: ``np.bincount(acct, weights, n_accounts)``."""
    out = np.zeros(n_accounts)
    for i in range(acct.shape[0]):
        out[acct[i]] += weights[i]
    return out


@jit
def totals(acct: np.ndarray, weights: np.ndarray, n_accounts: int) -> np.ndarray:
    """Sum per account of each row of ``weights`` [K, M], float64 [K, N], in one pass over members."""
    out = np.zeros((weights.shape[0], n_accounts))
    for i in range(acct.shape[0]):
        a = acct[i]
        for r in range(weights.shape[0]):
            out[r, a] += weights[r, i]
    return out


@jit
def any_of(acct: np.ndarray, flags: np.ndarray, n_accounts: int) -> np.ndarray:
    """Whether any member of each account is flagged, bool [N]: ``np.bincount(acct, flags, n) > 0``."""
    out = np.zeros(n_accounts, dtype=np.bool_)
    for i in range(acct.shape[0]):  # no branch: flags are unpredictable, a mispredicted branch costs more
        out[acct[i]] |= flags[i]
    return out


@jit
def any_at_least(acct: np.ndarray, values: np.ndarray, threshold: float, n_accounts: int) -> np.ndarray:
    """Whether any member of each account has ``values >= threshold``, bool [N] (the threshold is
    compared in float32, as numpy compares a float32 array with a Python number)."""
    out = np.zeros(n_accounts, dtype=np.bool_)
    at_least = np.float32(threshold)
    for i in range(acct.shape[0]):
        out[acct[i]] |= values[i] >= at_least
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

