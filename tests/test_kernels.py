"""The compiled per-account loops compute exactly what numpy's bincount computes (bit for bit)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import per_account

N = 300


def members(seed: int, sort: bool) -> tuple[np.ndarray, np.ndarray]:
    """Account index and float32 weights of 3,000 members (contiguous committees, or shuffled)."""
    rng = np.random.default_rng(seed)
    acct = rng.integers(0, N - 10, 3000)  # the last accounts have no members
    acct = np.sort(acct) if sort else acct
    return acct, rng.uniform(0, 3, 3000).astype(np.float32)


@pytest.mark.parametrize("sort", [True, False])
def test_totals_are_bincount_bit_for_bit(sort):
    acct, w = members(1, sort)
    assert np.array_equal(per_account.total(acct, w, N), np.bincount(acct, w, N))
    assert np.array_equal(per_account.total(acct, w > 1, N), np.bincount(acct, w > 1, N))
    rows = np.stack([w, w * np.float32(0.3), -w])
    assert np.array_equal(per_account.totals(acct, rows, N), np.stack([np.bincount(acct, r, N) for r in rows]))


@pytest.mark.parametrize("sort", [True, False])
def test_flags_are_any_member_flagged(sort):
    acct, w = members(2, sort)
    flags = w > 2.5
    assert np.array_equal(per_account.any_of(acct, flags, N), np.bincount(acct, flags, N) > 0)
    assert not per_account.any_of(acct, flags, N)[N - 10:].any()


def test_a_threshold_is_compared_in_float32_as_numpy_compares_it():
    # 0.7 rounds down in float32, so a member exactly at float32(0.7) is at the threshold for numpy
    # (a Python float is weak, NEP 50) though below it in float64.
    at = np.array([np.float32(0.7), np.nextafter(np.float32(0.7), np.float32(0))], np.float32)
    assert at.astype(np.float64)[0] < 0.7 and (at >= 0.7).tolist() == [True, False]
    assert per_account.any_at_least(np.array([0, 1]), at, 0.7, 2).tolist() == [True, False]
