"""How accounts move through the funnel and how deals progress and close.

Pure functions over per-account arrays (shape [N]). Deal progress depends on committee
consensus, AE effort and vetoes; a decided deal is won, lost to a competitor, or ends in no
decision (the status quo). Deal size grows with committee coverage (multi-threading).
"""

from __future__ import annotations

import numpy as np

from sim.core import per_account
from sim.core.config import DealConfig
from sim.core.constants import REQUALIFY_WEEKS
from sim.core.state import NEVER, Stage

REL_QUALIFY_UNENGAGED = 0.3
"""Chance of qualifying an in-market account with no engaged committee, relative to ``p_qualify`` (0-1).
Fixed, not a parameter: the shape of a functional form whose level the calibrated ``p_qualify`` sets
(CAL-2.1)."""
QUALIFY_FULL_COVERAGE = 0.5
"""Engaged share of the committee's influence (0-1) at which the chance of qualifying reaches
``p_qualify``. Fixed, not a parameter: the shape of a functional form whose level the calibrated
``p_qualify`` sets (CAL-2.1)."""
REL_PROGRESS_NO_CONSENSUS = 0.6
"""Deal speed at zero consensus relative to a deal at typical consensus (0.5) with full effort
(multiplier). Fixed, not a parameter: with ``REL_PROGRESS_PER_CONSENSUS`` it shapes how consensus
speeds deals, while the calibrated ``cycle_weeks`` sets their pace (CAL-2.5, CAL-2.6)."""
REL_PROGRESS_PER_CONSENSUS = 0.8
"""Increase of relative deal speed per unit of consensus (multiplier per unit of consensus 0-1; at
typical consensus 0.5 the speed is ``REL_PROGRESS_NO_CONSENSUS + 0.4 = 1``). Fixed, not a parameter:
the shape of a functional form whose pace the calibrated ``cycle_weeks`` sets (CAL-2.5, CAL-2.6)."""
REL_DECIDE_NO_PROGRESS = 0.5
"""Chance that a buyer whose window closes before any evaluation progress decides at all, relative to
a buyer who finished the evaluation (0-1; 0.5: decides half as often). Fixed, not a parameter: the
shape of a functional form whose level the calibrated ``p_holdout`` sets (CAL-1.11, CAL-2.7)."""


def logistic(x: np.ndarray | float) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def logit(p: float) -> float:
    """Log-odds of a probability (clipped away from 0 and 1)."""
    p = min(max(p, 1e-9), 1 - 1e-9)
    return float(np.log(p / (1.0 - p)))


def recently_decided(ti_close: np.ndarray, week: int) -> np.ndarray:
    """Accounts whose latest new-logo deal was decided less than ``REQUALIFY_WEEKS`` (26) ago: sales
    does not requalify them yet, whatever lead (MQA, inbound, referral) they raise."""
    return (ti_close != NEVER) & (week - ti_close < REQUALIFY_WEEKS)


def prospect_stage(any_aware: np.ndarray, any_engaged: np.ndarray, coverage: np.ndarray,
                   mqa_coverage: float) -> np.ndarray:
    """Funnel stage of a prospect from its committee: TARGET, AWARE, ENGAGED or MQA.

    An account is marketing-qualified (MQA) when engaged members hold at least ``mqa_coverage``
    of the committee's influence.
    """
    stage = np.where(any_aware, np.int8(Stage.AWARE), np.int8(Stage.TARGET))
    stage = np.where(any_engaged, np.int8(Stage.ENGAGED), stage)
    return np.where(coverage >= mqa_coverage, np.int8(Stage.MQA), stage)


def p_qualify(in_market: np.ndarray, coverage: np.ndarray, base: float) -> np.ndarray:
    """Chance sales accepts an account it works this week as an opportunity.

    Only accounts with a real buying window qualify; among them the chance rises with the share
    of the committee already engaged (CAL-2.1: MQL->SAL 40-60%):
    ``base * in_market * (r + (1 - r) * min(1, coverage / QUALIFY_FULL_COVERAGE))`` with
    ``r = REL_QUALIFY_UNENGAGED`` (0.3; full chance from coverage 0.5).
    """
    return base * in_market * (REL_QUALIFY_UNENGAGED + (1.0 - REL_QUALIFY_UNENGAGED)
                               * np.minimum(1.0, coverage / QUALIFY_FULL_COVERAGE))


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
    deal is late (past ``LATE_STAGE_PROGRESS`` of the way, :mod:`sim.core.constants`) and they were
    never engaged (the security review nobody prepared for). ``late`` is per member (the account's
    deal progress, gathered).
    """
    blocking = veto & ((opinion < veto_opinion) | (late & ~engaged))
    return per_account.any_of(acct, blocking, n_accounts)


def progress_rate(cycle_weeks: np.ndarray, consensus: np.ndarray, effort: np.ndarray) -> np.ndarray:
    """Share of the way to a decision a deal covers in a week.

    ``effort * (REL_PROGRESS_NO_CONSENSUS + REL_PROGRESS_PER_CONSENSUS * consensus) / cycle_weeks``
    (0.6 and 0.8): with full effort a deal at typical consensus (0.5) takes ``cycle_weeks`` (CAL-2.5,
    CAL-2.6); with no consensus it takes 1.67 times as long, with full consensus 0.71 times.
    """
    return (effort * (REL_PROGRESS_NO_CONSENSUS + REL_PROGRESS_PER_CONSENSUS * consensus)
            / cycle_weeks).astype(np.float32)


def p_nobody_holds_out(opinion: np.ndarray, engaged: np.ndarray, standing: np.ndarray, acct: np.ndarray,
                       n_accounts: int, p_holdout: float) -> np.ndarray:
    """Chance per account that no member holds the group to the status quo when it decides (0-1).

    Each member can keep the group from deciding: one who is not engaged with the vendor holds out
    with ``p_holdout``, an engaged one in proportion to their disagreement ``(1 - opinion) / 2``.
    ``standing`` weighs each member (1 on average in a committee: in a new-logo deal the member's
    influence times the committee's size), so
    ``P = prod_i (1 - p_holdout * d_i) ** standing_i`` with ``d_i = 1`` if not engaged, else
    ``(1 - opinion_i) / 2``. Every extra member is one more chance to stall, so agreement gets
    harder as committees grow (CAL-1.13: the chance of a purchase fell from 81% for one decision
    maker to 31% for six; CAL-1.10, CAL-1.11). Arrays are per member of the deciding committees.
    """
    disagree = np.where(engaged, (1.0 - opinion) / 2.0, 1.0)
    stays = np.maximum(1.0 - p_holdout * disagree, 1e-12)
    return np.exp(np.bincount(acct, standing * np.log(stays), n_accounts))


def p_no_decision(nobody_holds_out: np.ndarray, progress: np.ndarray) -> np.ndarray:
    """Chance a deal ends with the status quo when the buyer decides.

    ``1 - nobody_holds_out * (r + (1 - r) * min(progress, 1))`` with ``r = REL_DECIDE_NO_PROGRESS``
    (0.5): a finished evaluation ends in no decision when someone holds out
    (:func:`p_nobody_holds_out`); a buyer whose window closes before the evaluation finished
    (progress < 1) is likelier to keep the status quo, deciding half as often at zero progress
    (CAL-1.11, CAL-2.7).
    """
    decide = REL_DECIDE_NO_PROGRESS + (1.0 - REL_DECIDE_NO_PROGRESS) * np.minimum(progress, 1.0)
    return 1.0 - nobody_holds_out * decide


def p_win(support: np.ndarray, coverage: np.ndarray, fit: np.ndarray, d: DealConfig) -> np.ndarray:
    """Chance the vendor beats the competition in a decided deal (CAL-2.4, CAL-2.5):
    ``logistic(win_logit_base + win_logit_support * support + win_logit_coverage * coverage
    + win_logit_fit * fit - competitor_strength)``."""
    x = (d.win_logit_base + d.win_logit_support * support + d.win_logit_coverage * coverage
         + d.win_logit_fit * fit - d.competitor_strength)
    return logistic(x)

