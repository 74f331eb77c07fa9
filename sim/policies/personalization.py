"""Personalization policies: research depth invested versus personalization claimed.

Theater is not set here: it emerges in :func:`sim.mechanisms.members.p_superficial` from the gap
between what a touch claims and the research behind it, as the recipient perceives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import override

import numpy as np

from sim.config import param
from sim.policies.base import PersonalizationPolicy, PolicyParams, register


@register("generic")
class Generic(PersonalizationPolicy):
    """Generic messaging: no research, no personal claim, one message for every role."""

    @override
    def treat(self, tier: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        zeros = np.zeros(len(tier), dtype=np.float32)
        return zeros, zeros, np.zeros(len(tier), dtype=bool)


@dataclass
class ResearchedParams(PolicyParams):
    """Parameters of researched personalization."""

    depth_by_tier: list[float] = param([0.0, 0.1, 0.4, 1.0], lo=0, hi=1, length=4, unit="0-1",
                                       doc="research depth per tier (untargeted, 1:many, 1:few, 1:1)",
                                       source="CAL-4.1, CAL-5.7")
    role_match_min_tier: int = param(1, lo=0, hi=4, unit="tier",
                                     doc="lowest tier that gets role-matched messaging (4: none)")


@register("researched")
class Researched(PersonalizationPolicy):
    """Personalization only as deep as the research behind it: the claim equals the depth."""

    Params = ResearchedParams

    @override
    def treat(self, tier: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        depth = np.asarray(self.p.depth_by_tier, dtype=np.float32)[tier]
        return depth, depth, tier >= self.p.role_match_min_tier
