"""Tiering policies: who is on the target list, in which tier, and what each tier receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, override

import numpy as np

from sim.core.config import MAX_ACCOUNTS
from sim.core.params import ConfigError, param
from sim.core.policies.base import PolicyParams, TieringPolicy, register
from sim.core.state import Stage

if TYPE_CHECKING:
    from sim.core.model import ABXModel


def rank_accounts(score: np.ndarray, eligible: np.ndarray, sizes: tuple[int, int, int]) -> np.ndarray:
    """Tier per account: the best-scored eligible accounts fill 1:1, then 1:few, then 1:many.

    ``sizes`` is (n 1:1, n 1:few, n 1:many); ties break by account id, so the list is
    deterministic. Returns int8 tiers (0 untargeted, 1 1:many, 2 1:few, 3 1:1).
    """
    tier = np.zeros(len(score), dtype=np.int8)
    idx = np.flatnonzero(eligible)
    order = idx[np.argsort(-score[idx], kind="stable")]
    n1, n2, n3 = sizes
    tier[order[:n1]] = 3
    tier[order[n1:n1 + n2]] = 2
    tier[order[n1 + n2:n1 + n2 + n3]] = 1
    return tier


@dataclass
class NoTieringParams(PolicyParams):
    """Parameters of marketing without a target list."""

    cadence: list[float] = param([0.3, 0.2, 0.005, 0.0, 0.0], lo=0, hi=50, length=5,
                                 unit="touches/member/week",
                                 doc="touches per channel every account receives (no list)")


@register("none")
class NoTiering(TieringPolicy):
    """No target list: every account gets the same broad, segment-level marketing."""

    Params = NoTieringParams

    @override
    def assign(self, model: ABXModel) -> np.ndarray:
        return np.zeros(model.n_accounts, dtype=np.int8)

    @override
    def program(self) -> np.ndarray:
        table = np.zeros((4, 5), dtype=np.float32)
        table[0] = self.p.cadence
        return table


@dataclass
class TieredParams(PolicyParams):
    """Parameters of tiered target lists."""

    n_one_to_one: int = param("${abx_tier:20,${market.n_accounts}}", lo=0, hi=MAX_ACCOUNTS, unit="accounts",
                              doc="1:1 list size (default: 20, scaled down in markets under 10,000 accounts)",
                              source="CAL-4.1, CAL-4.9")
    n_one_to_few: int = param("${abx_tier:200,${market.n_accounts}}", lo=0, hi=MAX_ACCOUNTS, unit="accounts",
                              doc="1:few list size (default: 200, scaled down below 10,000 accounts)",
                              source="CAL-4.9")
    n_one_to_many: int = param("${abx_tier:2000,${market.n_accounts}}", lo=0, hi=MAX_ACCOUNTS, unit="accounts",
                               doc="1:many list size (default: 2,000, scaled down below 10,000 accounts)",
                               source="CAL-4.9")
    weight_fit: float = param(1.0, lo=0, hi=100, unit="-", doc="weight of observed fit in the list score")
    weight_value: float = param(0.5, lo=0, hi=100, unit="-",
                                doc="weight of contract value (log, scaled 0-1) in the list score")
    weight_intent: float = param(0.5, lo=0, hi=100, unit="-",
                                 doc="weight of observed intent in the list score (used at reviews)")
    weight_customer: float = param(0.0, lo=0, hi=100, unit="-",
                                   doc="score bonus for existing customers (reverse-ABX: the installed base first)")
    include_customers: bool = param(True, unit="flag", doc="existing customers can be on the list "
                                    "(ABX: land and expand); false keeps the list to prospects (ABM)")
    review_weeks: int = param(13, lo=0, hi=2600, unit="weeks",
                              doc="weeks between list reviews (0: never; 1: live re-prioritisation on signals)")
    investment: list[float] = param([0.0, 1.0, 2.0, 3.0], lo=0, hi=3, length=4, unit="level 0-3",
                                    doc="investment each tier receives (untargeted, 1:many, 1:few, 1:1) as a "
                                        "tier's program level: 0 untargeted, 1 1:many, 2 1:few, 3 1:1; "
                                        "fractions interpolate (cadence and research depth)", source="CAL-4.1")
    deliberation_weeks: int = param(0, lo=0, hi=2600, unit="weeks",
                                    doc="weeks the team debates the list before executing it (no list until then)")
    recut_share: float = param(0.0, lo=0, hi=1, unit="share",
                               doc="share of the list dropped and replaced at each review (re-cut accounts "
                                   "lose the vendor's context: research restarts)")
    cadence_untargeted: list[float] = param([0.1, 0.05, 0.0, 0.0, 0.0], lo=0, hi=50, length=5,
                                            unit="touches/member/week", doc="untargeted cadence per channel")
    cadence_one_to_many: list[float] = param([0.6, 0.25, 0.01, 0.0, 0.0], lo=0, hi=50, length=5,
                                             unit="touches/member/week", doc="1:many cadence per channel")
    cadence_one_to_few: list[float] = param([1.0, 0.5, 0.04, 0.02, 0.0], lo=0, hi=50, length=5,
                                            unit="touches/member/week", doc="1:few cadence per channel")
    cadence_one_to_one: list[float] = param([1.0, 1.0, 0.2, 0.1, 0.1], lo=0, hi=50, length=5,
                                            unit="touches/member/week", doc="1:1 cadence per channel",
                                            source="CAL-4.1")

    @override
    def check(self, n_accounts: int, path: str) -> None:
        total = self.n_one_to_one + self.n_one_to_few + self.n_one_to_many
        if total > n_accounts:
            raise ConfigError(f"{path}: tier sizes add up to {total} accounts (1:1 {self.n_one_to_one}"
                              f" + 1:few {self.n_one_to_few} + 1:many {self.n_one_to_many}), more than "
                              f"market.n_accounts = {n_accounts}")


@register("tiered")
class Tiered(TieringPolicy):
    """Classic tiers by a score of observed fit, value and intent, reviewed on a schedule."""

    Params = TieredParams

    def __init__(self, params: TieredParams) -> None:
        super().__init__(params)
        self.review_weeks = params.review_weeks or None
        self.deliberation_weeks = params.deliberation_weeks

    @override
    def assign(self, model: ABXModel) -> np.ndarray:
        """Rank by score; at a review with ``recut_share``, a random share of the current list is
        dropped (the ``list_recut`` stream) and the next-best accounts take their places."""
        a = model.accounts
        log_value = np.log(np.maximum(a.acv_potential, 1.0))  # a worthless account (0 USD) scores as 1 USD
        span = max(float(np.ptp(log_value)), 1e-9)
        score = (self.p.weight_fit * a.fit_obs
                 + self.p.weight_value * (log_value - log_value.min()) / span
                 + self.p.weight_intent * a.intent_obs
                 + self.p.weight_customer * (a.stage >= Stage.ONBOARDING))
        eligible = np.ones(len(a), dtype=bool) if self.p.include_customers else a.stage < Stage.ONBOARDING
        if self.p.recut_share > 0:
            eligible &= ~((a.tier > 0) & (model.stream("list_recut").random(len(a)) < self.p.recut_share))
        return rank_accounts(score, eligible,
                             (self.p.n_one_to_one, self.p.n_one_to_few, self.p.n_one_to_many))

    @override
    def program(self) -> np.ndarray:
        p = self.p
        return np.array([p.cadence_untargeted, p.cadence_one_to_many, p.cadence_one_to_few,
                         p.cadence_one_to_one], dtype=np.float32)

    @override
    def investment(self) -> np.ndarray:
        return np.asarray(self.p.investment, dtype=np.float32)
