"""The vendor's records, as a CRM and a billing system hold them: new-logo opportunities and changes of ARR.

These are what a company can export about itself, so they are what a fit to a company compares
(:mod:`sim.fit`): the model keeps the same records of its own vendor, row by row, and both are
reduced to targets by the same code. Recording costs a few hundred rows a week at most (the deals
that close and the contracts that change), appended as arrays, not per account.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.config import SEGMENTS

#: How a new-logo opportunity ended (``open``: still open when the records were taken).
OPPORTUNITY_OUTCOMES = ("won", "lost", "no_decision", "open")
#: Why a customer's ARR changed: a new logo was won, a contract renewed (flat, up, down or to 0 when
#: the customer churned), an expansion deal was won during the term.
REVENUE_EVENTS = ("new", "renewal", "expansion")


class CrmLog:
    """Closed opportunities and ARR changes, recorded week by week as column chunks."""

    def __init__(self) -> None:
        self._opportunities: list[tuple[np.ndarray, ...]] = []
        self._revenue: list[tuple[np.ndarray, ...]] = []

    def close(self, week: int, accounts: np.ndarray, created: np.ndarray, amount: np.ndarray, outcome: str) -> None:
        """Record the new-logo opportunities of ``accounts`` (ids), opened in week ``created`` at
        ``amount`` (USD/year), as closed this week with ``outcome``."""
        if len(accounts):
            code = OPPORTUNITY_OUTCOMES.index(outcome)
            self._opportunities.append((accounts.astype(np.int64), created.astype(np.int64),
                                        np.full(len(accounts), week, np.int64), amount.astype(np.float64),
                                        np.full(len(accounts), code, np.int8)))

    def arr_change(self, week: int, accounts: np.ndarray, before: np.ndarray, after: np.ndarray, event: str) -> None:
        """Record that the ARR of ``accounts`` (ids) went from ``before`` to ``after`` (USD/year) this week."""
        if len(accounts):
            self._revenue.append((accounts.astype(np.int64), np.full(len(accounts), week, np.int64),
                                  before.astype(np.float64), after.astype(np.float64),
                                  np.full(len(accounts), REVENUE_EVENTS.index(event), np.int8)))

    def opportunities(self, segment: np.ndarray, open_accounts: np.ndarray, open_created: np.ndarray,
                      open_amount: np.ndarray) -> pd.DataFrame:
        """Every new-logo opportunity, closed ones in the order they closed, then those still open
        (``closed_week`` -1): account, segment, created and closed week, amount (USD/year), outcome."""
        n_open = len(open_accounts)
        still_open = (open_accounts.astype(np.int64), open_created.astype(np.int64), np.full(n_open, -1, np.int64),
                      open_amount.astype(np.float64), np.full(n_open, OPPORTUNITY_OUTCOMES.index("open"), np.int8))
        account, created, closed, amount, outcome = (np.concatenate(c) for c in zip(*self._opportunities, still_open,
                                                                                    strict=True))
        return pd.DataFrame({
            "account": account, "segment": pd.Categorical.from_codes(segment[account], SEGMENTS),
            "created_week": created, "closed_week": closed, "amount_usd": amount,
            "outcome": pd.Categorical.from_codes(outcome, OPPORTUNITY_OUTCOMES),
        })

    def revenue(self) -> pd.DataFrame:
        """Every change of a customer's ARR, in the order it happened: account, week, ARR before and
        after (USD/year), event."""
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, np.int8))
        account, week, before, after, event = (np.concatenate(c) for c in zip(empty, *self._revenue, strict=True))
        return pd.DataFrame({"account": account, "week": week, "arr_before_usd": before, "arr_after_usd": after,
                             "event": pd.Categorical.from_codes(event, REVENUE_EVENTS)})
