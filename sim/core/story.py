"""Per-account stories: the weekly events a few chosen accounts went through, for teaching.

Mechanisms report events as masks over all accounts, or as the ids of the accounts concerned; only
the tracked accounts' rows are kept, so recording reads the mask at the handful of tracked accounts
(or checks the few ids), whatever the market size.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


class StoryLog:
    """Events of the tracked accounts: (week, account, kind, detail)."""

    def __init__(self, n_accounts: int, tracked: np.ndarray) -> None:
        self.tracked = np.zeros(n_accounts, dtype=bool)
        self.tracked[tracked] = True
        self.ids = np.flatnonzero(self.tracked)  # ascending: events come in account order
        self.rows: list[tuple[int, int, str, str]] = []

    def log(self, week: int, accounts: np.ndarray, kind: str, detail: Callable[[int], str] | str = "") -> None:
        """Record ``kind`` for every tracked account in ``accounts``: a mask over all accounts, or
        account ids in ascending order. ``detail`` may be a function of the id."""
        hit = self.ids[accounts[self.ids]] if accounts.dtype == bool else accounts[self.tracked[accounts]]
        for a in hit:
            self.rows.append((week, int(a), kind, detail(int(a)) if callable(detail) else detail))

    def frame(self) -> pd.DataFrame:
        """All recorded events, ordered by account then week."""
        df = pd.DataFrame(self.rows, columns=["week", "account", "kind", "detail"])
        return df.sort_values(["account", "week"], kind="stable").reset_index(drop=True)
