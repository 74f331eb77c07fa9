"""Phases that compute only the accounts concerned (contracts due, open deals, customers) book
exactly what a computation over every account would: totals in the same float order, the same
story events. (The baseline test checks whole runs against the stored summaries.)"""

from __future__ import annotations

import numpy as np

from sim.core import per_account
from sim.core.story import StoryLog


def test_a_total_over_some_accounts_is_the_all_account_sum_bit_for_bit():
    n = 1000
    for seed in range(200):  # a case where adding only the values would round differently
        rng = np.random.default_rng(seed)
        accounts = np.sort(rng.choice(n, 40, replace=False))
        values = rng.lognormal(10, 3, 40)
        full = np.zeros(n)
        full[accounts] = values
        if float(values.sum()) != float(full.sum()):
            break
    else:
        raise AssertionError("no case found where the order of addition matters")
    assert per_account.total(values, accounts, n) == float(full.sum())
    assert per_account.total(values[:0], accounts[:0], n) == 0.0


def test_a_story_event_logged_for_ids_is_the_event_logged_for_their_mask():
    by_mask, by_ids = StoryLog(50, np.array([3, 7, 40])), StoryLog(50, np.array([3, 7, 40]))
    ids = np.array([2, 3, 40, 41])
    by_mask.log(5, per_account.marked(ids, 50), "won", lambda i: f"account {i}")
    by_ids.log(5, ids, "won", lambda i: f"account {i}")
    assert by_ids.rows == by_mask.rows == [(5, 3, "won", "account 3"), (5, 40, "won", "account 40")]
    by_ids.log(6, ids[:0], "lost")
    assert len(by_ids.rows) == 2
