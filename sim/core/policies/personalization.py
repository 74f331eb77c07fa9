"""Personalization policies: the research depth invested versus the personalization claimed.

Each style sets, per investment level (0 untargeted, 1 1:many, 2 1:few, 3 1:1), how personal a
touch *claims* to be and how much account research stands behind it. Theater is not set here:
it emerges in :func:`sim.core.mechanisms.members.p_superficial` from the gap between claim and
research as the recipient perceives it. Research builds up over ``vendor.research_ramp_weeks``
after an account is listed (its *context*); a style that claims from day one claims more than
it knows until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, override

import numpy as np

from sim.core.params import ConfigError, param
from sim.core.policies.base import TIER_LEVELS, PersonalizationPolicy, PolicyParams, Treatment, register

TAILORING = ("none", "group", "individual")


@dataclass
class StyleParams(PolicyParams):
    """Settings every personalization style has."""

    depth_by_tier: list[float] = param([0.0, 0.0, 0.0, 0.0], lo=0, hi=1, length=4, unit="0-1",
                                       doc="account research depth per tier (untargeted, 1:many, 1:few, 1:1)",
                                       source="CAL-4.1, CAL-5.7")
    role_match_min_tier: int = param(4, lo=0, hi=4, unit="tier",
                                     doc="lowest tier that gets role-matched messaging (4: none)", source="CAL-5.4")
    tailoring: str = param("none", unit="none|group|individual",
                           doc="role-matched tiers tailor to the whole buying group (one shared narrative) or to "
                               "each individual (CAL-5.4: group tailoring raises consensus, individual lowers it)",
                           source="CAL-5.4")
    research_cost_share: float = param(1.0, lo=0, hi=1, unit="share",
                                       doc="share of the per-account research cost paid (a cluster template "
                                           "shares one piece of research across its cluster)")

    @override
    def check(self, n_accounts: int, path: str) -> None:
        if self.tailoring not in TAILORING:
            raise ConfigError(f"{path}.tailoring = {self.tailoring!r}: must be one of {', '.join(TAILORING)}")


@dataclass
class ClaimParams(StyleParams):
    """Settings of styles whose claim is set apart from their research."""

    claim_by_tier: list[float] = param([0.0, 0.0, 0.0, 0.0], lo=0, hi=1, length=4, unit="0-1",
                                       doc="personalization the touches claim per tier (untargeted, 1:many, "
                                           "1:few, 1:1)", source="CAL-5.2, CAL-5.6")


class Styled(PersonalizationPolicy):
    """A personalization style: a claim and a research depth per investment level."""

    Params: ClassVar[type[StyleParams]] = ClaimParams

    def claim(self, level: np.ndarray, depth: np.ndarray) -> np.ndarray:
        """What the touches claim, given the research actually done."""
        return np.interp(level, TIER_LEVELS, self.p.claim_by_tier).astype(np.float32)

    @override
    def treat(self, level: np.ndarray, context: np.ndarray) -> Treatment:
        depth = (np.interp(level, TIER_LEVELS, self.p.depth_by_tier) * context).astype(np.float32)
        return Treatment(claim=self.claim(level, depth), depth=depth,
                         role_matched=level >= self.p.role_match_min_tier, tailoring=self.p.tailoring,
                         research_cost_share=self.p.research_cost_share)


@dataclass
class GenericParams(ClaimParams):
    """Generic messaging has nothing to set beyond the style defaults (no claim, no research)."""


@register("generic")
class Generic(Styled):
    """Generic messaging: no research, no personal claim, one message for every role."""

    Params = GenericParams


@dataclass
class TokenParams(ClaimParams):
    """Mail-merge personalization."""

    claim_by_tier: list[float] = param([0.0, 0.3, 0.3, 0.3], lo=0, hi=1, length=4, unit="0-1",
                                       doc="personalization the touches claim per tier: the name and company "
                                           "tokens look personal", source="CAL-5.2, CAL-5.6")
    depth_by_tier: list[float] = param([0.0, 0.05, 0.05, 0.05], lo=0, hi=1, length=4, unit="0-1",
                                       doc="research depth per tier: firmographic fields only", source="CAL-5.7")


@register("token")
class Token(Styled):
    """Token (mail-merge) personalization: ``{first_name}`` at ``{company}``, nothing behind it."""

    Params = TokenParams


@dataclass
class TemplateParams(ClaimParams):
    """Cluster templates."""

    claim_by_tier: list[float] = param([0.0, 0.3, 0.35, 0.35], lo=0, hi=1, length=4, unit="0-1",
                                       doc="personalization claimed per tier: written for the industry cluster")
    depth_by_tier: list[float] = param([0.0, 0.25, 0.3, 0.3], lo=0, hi=1, length=4, unit="0-1",
                                       doc="research depth per tier: cluster-level research (industry, use case)")
    role_match_min_tier: int = param(2, lo=0, hi=4, unit="tier", doc="lowest tier that gets role-matched messaging")
    tailoring: str = param("group", unit="none|group|individual",
                           doc="one narrative per cluster, addressed to the whole buying group", source="CAL-5.4")
    research_cost_share: float = param(0.1, lo=0, hi=1, unit="share",
                                       doc="share of the per-account research cost paid: one piece of research "
                                           "serves the whole cluster")


@register("template")
class Template(Styled):
    """Cluster templates: content written for an industry or use-case cluster (the 1:few motion),
    backed by cluster research whose cost the cluster shares."""

    Params = TemplateParams


@dataclass
class AIGeneratedParams(ClaimParams):
    """AI-generated personalization without account research."""

    claim_by_tier: list[float] = param([0.0, 0.6, 0.7, 0.8], lo=0, hi=1, length=4, unit="0-1",
                                       doc="personalization claimed per tier: fluent, specific-sounding text",
                                       source="CAL-5.2, CAL-5.6")
    role_match_min_tier: int = param(1, lo=0, hi=4, unit="tier",
                                     doc="lowest tier that gets role-matched messaging (the model adapts to titles)")
    tailoring: str = param("individual", unit="none|group|individual",
                           doc="each member gets a message generated for them alone", source="CAL-5.4")
    research_cost_share: float = param(0.0, lo=0, hi=1, unit="share", doc="no account research is bought")


@register("ai_generated")
class AIGenerated(Styled):
    """AI-generated personalization without research: a high claim with nothing behind it, the
    textbook case of theater once recipients see through it."""

    Params = AIGeneratedParams


@dataclass
class ResearchedParams(StyleParams):
    """Parameters of researched personalization."""

    depth_by_tier: list[float] = param([0.0, 0.1, 0.4, 1.0], lo=0, hi=1, length=4, unit="0-1",
                                       doc="research depth per tier (untargeted, 1:many, 1:few, 1:1)",
                                       source="CAL-4.1, CAL-5.7")
    role_match_min_tier: int = param(1, lo=0, hi=4, unit="tier",
                                     doc="lowest tier that gets role-matched messaging (4: none)", source="CAL-5.4")
    tailoring: str = param("group", unit="none|group|individual",
                           doc="tailor to the whole buying group or to each individual", source="CAL-5.4")


@register("researched")
class Researched(Styled):
    """Personalization only as deep as the research behind it: the claim equals the depth done."""

    Params = ResearchedParams

    @override
    def claim(self, level: np.ndarray, depth: np.ndarray) -> np.ndarray:
        return depth
