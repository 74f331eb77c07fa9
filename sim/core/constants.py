"""Fixed behavioural numbers of the weekly phases, each with its meaning and why it is not a parameter.

Numbers a user would vary, or that a published figure calibrates, are config parameters
(:mod:`sim.core.config`); the numbers here set the shape of a mechanism whose strength a parameter
already scales, or are conventions of the model's bookkeeping. The mechanism modules keep their own
constants the same way; the ODD lists them all (``python -m sim.studies.odd``).
"""

KEY_CONTACT_SEATS = 2
"""Committee seats SDR and CS conversations reach: the economic buyer and the champion. Fixed: the
seat order is the role order (``market.ROLE_BY_SEAT``); capacities, not this, are the levers."""
AE_REACH_PER_WEEK = 0.25
"""Chance per week that a full-effort AE talks to each committee member. Fixed: scales AE touches,
whose effect on deals runs through ``progress_rate`` and ``sales_touch_effect``."""
SELF_SERVE_EFFECT = 1.0
"""Effect of one piece of content a researching buyer finds on their own (a touch's effect units).
Fixed: the rate of self-service (``p_self_serve_week``) is the parameter."""
CS_PROACTIVE_BOOK_SHARE = 0.25
"""Share of a full book a CSM proactively reaches in one week. Fixed: CS capacity (``n_csm``,
``csm_book_accounts``) is the lever."""
CS_PLAY_COVERAGE = 0.5
"""Extra CS coverage of a customer in a CS play this week (0-1, on top of the book coverage)."""
USAGE_SHOCK_WEEK = 0.01
"""World: chance per week a customer's usage drops (reorganisation, project ends)."""
USAGE_SHOCK_SIZE = 0.15
"""Adoption lost in a usage shock (0-1)."""
USAGE_DROP_SIGNAL = 0.05
"""Fall in adoption within a week that the vendor's product analytics flag as a usage drop (0-1)."""
AWARE_THRESHOLD = 0.3
"""Awareness at which a member counts as aware of the vendor (stage ``AWARE``), 0-1."""
LATE_STAGE_PROGRESS = 0.6
"""Deal progress after which a disengaged veto holder can stall it (they surface late), 0-1."""
ADOPTION_AT_WIN = 0.1
"""Adoption of a newly won customer when onboarding starts (0-1)."""
LEAD_EXPIRY_WEEKS = 8
"""Weeks a lead nobody works waits before it goes back to nurture."""
REQUALIFY_WEEKS = 26
"""Weeks after a decided deal before sales requalifies the account."""
EXPANSION_CYCLE_WEEKS = 6
"""Weeks an expansion opportunity takes to close (expansions close faster than new logos)."""
EXPANSION_SIZE_SPREAD = 0.5
"""Half-width of the uniform size factor of a renewal's expansion or contraction (factor 1 ± this)."""
MAX_CONTRACTION_SHARE = 0.9
"""Largest share of ARR a contraction can remove (a contraction is not a churn)."""
EXPANSION_PLAY_BASE = 0.5
"""Size of an expansion play as ``expansion_whitespace_share * (this + adoption)`` of the remaining
whitespace: a fully adopted customer takes 1.5 times the mean share, a barely adopted one half."""
RENEWAL_NOTICE_WEEKS = 13
"""Weeks before a contract ends that the 'renewal due' signal fires (one quarter)."""
MARKETING_TOUCHED = 0.5
"""Expected marketing touches per account in a week above which marketing has touched it (for 'pipeline
influenced'): more likely touched than not."""
MARKETING_TEAM_TOUCHES = 1.0
"""Expected marketing touches per account in a week from which marketing counts as one of the teams
on the account (for collisions)."""
TRACKED_MARKETING_WEEKS = 13
"""Weeks back a marketing touch counts toward 'pipeline influenced' (one quarter)."""
CHURN_OPINION_LOSS = 0.3
"""Opinion a churned customer's committee loses (on the -1..1 scale): they remember leaving."""
REFERRAL_OPINION_GAIN = 0.3
"""Share of the distance to full opinion a peer's referral closes."""
REFERRAL_TRUST_GAIN = 0.1
"""Share of the distance to full trust a peer's referral closes."""
REFERRAL_ENGAGEMENT_GAIN = 0.5
"""Share of the distance to full engagement a peer's referral closes for the referred account's key
contacts (economic buyer and champion): a recommendation from a customer they know gets them to look.
Fixed: how often referrals happen (``p_referral_week``, ``advocate_health``) is the parameter."""
SMALL_COMMITTEE_MAX = 5
"""Largest committee (members) counted as small when no-decision is reported by committee size. Fixed:
a reporting convention (the lower end of CAL-1.3's 5-16)."""
LARGE_COMMITTEE_MIN = 8
"""Smallest committee (members) counted as large when no-decision is reported by committee size. Fixed:
a reporting convention (the upper half of CAL-1.4's typical 6-10)."""
