"""How accounts move through the funnel and how deals progress and close.

Pure functions over per-account arrays (shape [N]). Deal progress depends on committee
consensus, AE effort and vetoes; a decided deal is won, lost to a competitor, or ends in no
decision (the status quo). Deal size grows with committee coverage (multi-threading).
"""

from __future__ import annotations

import numpy as np

from sim.config import DealConfig
from sim.state import Stage


def logistic(x: np.ndarray | float) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def logit(p: float) -> float:
    """Log-odds of a probability (clipped away from 0 and 1)."""
    p = min(max(p, 1e-9), 1 - 1e-9)
    return float(np.log(p / (1.0 - p)))


def prospect_stage(any_aware: np.ndarray, any_engaged: np.ndarray, coverage: np.ndarray,
                   mqa_coverage: float) -> np.ndarray:
    """Funnel stage of a prospect from its committee: TARGET, AWARE, ENGAGED or MQA.

    An account is marketing-qualified (MQA) when engaged members hold at least ``mqa_coverage``
    of the committee's influence.
    """
    stage = np.full(len(coverage), Stage.TARGET, dtype=np.int8)
    stage[any_aware] = Stage.AWARE
    stage[any_engaged] = Stage.ENGAGED
    stage[coverage >= mqa_coverage] = Stage.MQA
    return stage


def p_qualify(in_market: np.ndarray, coverage: np.ndarray, base: float) -> np.ndarray:
    """Chance sales accepts an account it works this week as an opportunity.

    Only accounts with a real buying window qualify; among them the chance rises with the share
    of the committee already engaged (CAL-2.1: MQL->SAL 40-60%).
    """
    return base * in_market * (0.3 + 0.7 * np.minimum(1.0, 2.0 * coverage))


def deal_amount(acv_potential: np.ndarray, coverage: np.ndarray, d: DealConfig) -> np.ndarray:
    """Deal size in USD/year: multi-threaded deals are larger.

    ``acv * (1 - k + k * coverage)`` with ``k = deal_size_coverage``.
    """
    k = d.deal_size_coverage
    return acv_potential * (1.0 - k + k * coverage)


def stalled(veto: np.ndarray, opinion: np.ndarray, engaged: np.ndarray, late: np.ndarray,
            acct: np.ndarray, n_accounts: int, veto_opinion: float) -> np.ndarray:
    """Accounts whose open deal is stalled this week by a veto holder.

    A member with veto power stalls the deal if their opinion is below ``veto_opinion``, or if the
    deal is late (past 60 % progress) and they were never engaged (the security review nobody
    prepared for). ``late`` is per member (the account's deal progress, gathered).
    """
    blocking = veto & ((opinion < veto_opinion) | (late & ~engaged))
    return np.bincount(acct, blocking, n_accounts) > 0


def progress_rate(cycle_weeks: np.ndarray, consensus: np.ndarray, effort: np.ndarray) -> np.ndarray:
    """Share of the way to a decision a deal covers in a week.

    ``effort * (0.4 + 0.6 * consensus) / cycle_weeks``: at full consensus and effort a deal
    takes ``cycle_weeks`` (CAL-2.5, CAL-2.6); without consensus it takes 2.5 times as long.
    """
    return (effort * (0.4 + 0.6 * consensus) / cycle_weeks).astype(np.float32)


def p_no_decision(consensus: np.ndarray, d: DealConfig) -> np.ndarray:
    """Chance a deal that reaches its decision ends with the status quo: base * (1 - consensus)."""
    return d.no_decision_base * (1.0 - consensus)


def p_win(support: np.ndarray, coverage: np.ndarray, fit: np.ndarray, d: DealConfig) -> np.ndarray:
    """Chance the vendor beats the competition in a decided deal (logistic in support, coverage, fit)."""
    x = (d.win_logit_base + d.win_logit_support * support + d.win_logit_coverage * coverage
         + d.win_logit_fit * fit - d.competitor_strength)
    return logistic(x)


def allocate(priority: np.ndarray, capacity: float) -> np.ndarray:
    """Mask of the (at most ``capacity``) accounts with the highest positive priority.

    Ties break by account id, so allocation is deterministic.
    """
    idx = np.flatnonzero(priority > 0)
    k = int(max(capacity, 0))
    if len(idx) > k:
        order = np.argsort(-priority[idx], kind="stable")
        idx = idx[order[:k]]
    mask = np.zeros(len(priority), dtype=bool)
    mask[idx] = True
    return mask
