"""Measurement and adaptation: what the vendor counts, and how it moves budget on what it counts.

Every quarter an adaptive policy reallocates the marketing program across tiers (and, when it
steers channels, across channels) toward what its *steering metric* says returns most per
dollar. The rule is the same for both
metrics (:func:`reweight`); only what is counted differs: account outcomes (pipeline created on
the account, new-logo and expansion) or channel metrics (ad clicks and MQLs). Channel metrics
reward cheap volume, which is how a team steering by them drifts away from revenue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, override

import numpy as np

from sim.core.config import CHANNELS, TIERS, Channel
from sim.core.params import param
from sim.core.policies.base import MeasurementPolicy, PolicyParams, register

if TYPE_CHECKING:
    from sim.core.model import ABXModel



@dataclass
class Ledger:
    """What the program delivered since the last review: spend per tier and channel, and per
    account the marketing touches by channel, the pipeline created, the ARR renewed, ad clicks
    and MQLs."""

    n_accounts: int
    spend_tier: np.ndarray = field(init=False)
    spend_channel: np.ndarray = field(init=False)
    touches: np.ndarray = field(init=False)  # [C, N] expected marketing touches
    pipeline: np.ndarray = field(init=False)  # [N] USD/year of opportunities created
    renewed: np.ndarray = field(init=False)  # [N] USD/year of ARR renewed at contract end
    clicks: np.ndarray = field(init=False)  # [N]
    mqls: np.ndarray = field(init=False)  # [N]

    def __post_init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Start a new review period."""
        n = self.n_accounts
        self.spend_tier, self.spend_channel = np.zeros(len(TIERS)), np.zeros(len(CHANNELS))
        self.touches = np.zeros((len(CHANNELS), n))
        self.pipeline, self.renewed, self.clicks, self.mqls = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)


def attribute(value: np.ndarray, touches: np.ndarray) -> np.ndarray:
    """Split each account's value across channels by their share of its touches (linear
    multi-touch attribution), summed per channel. Shapes: value [N], touches [C, N] -> [C]."""
    total = touches.sum(axis=0)
    share = np.divide(touches, total, out=np.zeros_like(touches), where=total > 0)
    return share @ value


def reweight(weights: np.ndarray, value: np.ndarray, spend: np.ndarray, step: float,
             lo: float, hi: float) -> np.ndarray:
    """Multiplicative-weights reallocation toward higher value per dollar, at constant spend.

    ``w_i <- w_i * (r_i / r)**step`` with ``r_i = value_i / spend_i`` and ``r`` the spend-weighted
    mean return; clipped to ``[lo, hi]`` and rescaled so the spend the new weights imply
    (``spend_i * w_new / w_old``) equals the spend of the period. Items without spend keep
    their weight. ``step`` 0 never moves; 1 moves in proportion to the relative return.

    >>> reweight(np.ones(2), np.array([3.0, 1.0]), np.array([1.0, 1.0]), 1.0, 0.1, 10.0).round(2).tolist()
    [1.5, 0.5]
    """
    active = spend > 0
    if not active.any() or value[active].sum() <= 0:
        return weights
    mean = value[active].sum() / spend[active].sum()
    new = weights.astype(np.float64).copy()
    new[active] = weights[active] * (value[active] / spend[active] / mean) ** step
    new = np.clip(new, lo, hi)
    implied = np.where(active, spend * new / np.maximum(weights, 1e-12), 0.0).sum()
    if implied > 0:
        new[active] *= spend[active].sum() / implied
    return np.clip(new, lo, hi)


@dataclass
class FixedParams(PolicyParams):
    """A fixed budget split has no parameters."""


@register("fixed")
class Fixed(MeasurementPolicy):
    """The budget split across tiers and channels stays as planned all run."""

    Params = FixedParams


@dataclass
class SteeredParams(PolicyParams):
    """Parameters of budget steering."""

    review_weeks: int = param(13, lo=1, hi=2600, unit="weeks", doc="weeks between budget reallocations")
    step: float = param(0.5, lo=0, hi=5, unit="-",
                        doc="how far a review moves budget toward the better-returning tiers and channels "
                            "(exponent on relative return)")
    min_weight: float = param(0.25, lo=0, hi=1, unit="x", doc="floor of a tier's or channel's cadence multiplier")
    max_weight: float = param(4.0, lo=1, hi=100, unit="x", doc="cap of a tier's or channel's cadence multiplier")
    steer_channels: bool = param(False, unit="flag",
                                 doc="also reallocate across channels (by the metric credited to channels by "
                                     "their share of each account's touches), not only across tiers")


class Steered(MeasurementPolicy):
    """Quarterly reallocation across tiers and channels by a steering metric (:meth:`value`)."""

    Params = SteeredParams

    def __init__(self, params: SteeredParams) -> None:
        super().__init__(params)
        self.review_weeks = params.review_weeks
        self.tier_weights = np.ones(len(TIERS))
        self.channel_weights = np.ones(len(CHANNELS))

    @override
    def setup(self, model: ABXModel) -> None:
        self.ledger = Ledger(model.n_accounts)

    def value(self, ledger: Ledger) -> tuple[np.ndarray, np.ndarray]:
        """What the metric counts per account [N], and per channel [C]."""
        raise NotImplementedError

    @override
    def weights(self) -> np.ndarray:
        return np.outer(self.tier_weights, self.channel_weights).astype(np.float32)

    @override
    def reallocate(self, model: ABXModel) -> None:
        p, led = self.p, self.ledger
        per_account, per_channel = self.value(led)
        per_tier = np.bincount(model.accounts.tier, per_account, len(TIERS))
        self.tier_weights = reweight(self.tier_weights, per_tier, led.spend_tier, p.step, p.min_weight, p.max_weight)
        if p.steer_channels:
            self.channel_weights = reweight(self.channel_weights, per_channel, led.spend_channel, p.step,
                                            p.min_weight, p.max_weight)
        led.clear()


@register("outcomes")
class Outcomes(Steered):
    """Steer by account outcomes: pipeline created (new-logo and expansion) plus ARR renewed, per
    dollar, credited to tiers by account (to channels, if steered, by their share of each
    account's touches: an average that cannot see diminishing returns, so off by default)."""

    @override
    def value(self, ledger: Ledger) -> tuple[np.ndarray, np.ndarray]:
        outcome = ledger.pipeline + ledger.renewed
        return outcome, attribute(outcome, ledger.touches)


@dataclass
class ChannelMetricsParams(SteeredParams):
    """Parameters of steering by channel metrics."""

    mql_clicks: float = param(10.0, lo=0, hi=1e6, unit="clicks/MQL",
                              doc="clicks an MQL counts for in the channel score")
    steer_channels: bool = param(True, unit="flag", doc="also reallocate across channels (the channel report's "
                                 "cost per click and per MQL)")


@register("channel_metrics")
class ChannelMetrics(Steered):
    """Steer by channel metrics: ad clicks (credited to ads) and MQLs (credited by touch share)
    per dollar, the way a team measured on CTR and cost per MQL moves its budget."""

    Params = ChannelMetricsParams

    @override
    def value(self, ledger: Ledger) -> tuple[np.ndarray, np.ndarray]:
        score = ledger.clicks + self.p.mql_clicks * ledger.mqls
        per_channel = attribute(self.p.mql_clicks * ledger.mqls, ledger.touches)
        per_channel[Channel.ADS] += ledger.clicks.sum()
        return score, per_channel
