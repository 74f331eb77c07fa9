"""The config schema: every run, market, vendor, strategy, output and sweep parameter, declared once.

Each field is declared with :func:`~sim.core.params.param`: its default, its unit, the range it may
take, what it means, and (where it has one) the calibration row it comes from. Hydra uses the
dataclasses as structured configs (types, unknown keys); :func:`sim.core.validate.validate` then
checks ranges, shares and cross-field rules and turns the config into plain typed objects.

The policy nodes under ``strategy`` are free-form for Hydra and validated against the chosen
policy's own ``Params`` dataclass, so only registered policies can be selected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from sim.core.params import declared_fields, param
from sim.core.sizing import default_tier_size, sized_to_market  # noqa: F401  (registers the resolvers)

SEGMENTS = ("smb", "midmarket", "enterprise")
ROLES = ("economic_buyer", "champion", "technical_evaluator", "end_user", "finance_procurement",
         "security_legal")


class Channel(IntEnum):
    """Marketing channels, in the order of every per-channel list (``channel_reach``, ``channel_effect``, ...)."""

    ADS = 0
    EMAIL = 1
    EVENTS = 2
    DIRECT_MAIL = 3
    EXECUTIVE = 4  # the executive sponsor's personal touches


CHANNELS = tuple(c.name.lower() for c in Channel)
TIERS = ("untargeted", "one_to_many", "one_to_few", "one_to_one")
DESIGNS = ("grid", "lhs", "sobol", "morris", "posterior")
#: Spreadsheet formats a run's tables (and a sweep's catalog) can be written in besides Parquet.
EXPORTS = ("csv", "xlsx")
#: Largest market a run accepts (a memory check also refuses what this machine cannot hold).
MAX_ACCOUNTS = 5_000_000
#: Largest seed: the catalog stores seeds as 64-bit signed integers.
MAX_SEED = 2**63 - 1
#: Most replications of one sweep point, and most points of one design (Sobol runs N(2D+2)).
MAX_REPLICATIONS = 100_000
MAX_DESIGN_POINTS = 100_000_000


# --------------------------------------------------------------------------------------- market
@dataclass
class BuyerConfig:
    """How buying-committee members respond to the vendor (the buyers' side of the world)."""

    awareness_rate: float = param(0.35, lo=0, hi=10, unit="1/effective touch",
                                  doc="awareness gained per effective touch: aw += (1-aw)(1-exp(-rate*dose))")
    engagement_rate: float = param(0.25, lo=0, hi=10, unit="1/effective touch",
                                   doc="engagement gained per effective touch, scaled by awareness")
    engagement_decay_week: float = param(0.06, lo=0, hi=1, unit="share/week",
                                         doc="share of engagement lost each week (interest decays)")
    awareness_decay_week: float = param(0.01, lo=0, hi=1, unit="share/week",
                                        doc="share of awareness lost each week")
    opinion_rate: float = param(0.15, lo=0, hi=10, unit="1/effective touch",
                                doc="speed at which genuine touches pull opinion toward its target")
    trust_gain: float = param(0.03, lo=0, hi=1, unit="1/effective touch",
                              doc="trust gained per relevant, coherent effective touch")
    trust_loss_theater: float = param(0.08, lo=0, hi=1, unit="share/theater touch",
                                      doc="share of trust lost per touch perceived as superficial",
                                      source="CAL-5.2, CAL-5.3")
    trust_loss_incoherent: float = param(0.03, lo=0, hi=1, unit="share/collision",
                                         doc="share of trust lost per colliding (inconsistent) touch in a week")
    trust_power: float = param(1.5, lo=0, hi=10, unit="-",
                               doc="exponent: a touch's effect is scaled by (trust / trust_baseline)**trust_power")
    trust_baseline: float = param(0.5, lo=0, hi=1, unit="0-1",
                                  doc="trust a new member starts with and drifts back to")
    trust_reversion_week: float = param(0.005, lo=0, hi=1, unit="share/week",
                                        doc="weekly drift of trust back toward the baseline")
    fatigue_per_touch: float = param(0.04, lo=0, hi=1, unit="1/touch",
                                     doc="fatigue added per touch received")
    fatigue_recovery_week: float = param(0.25, lo=0, hi=1, unit="share/week",
                                         doc="share of fatigue that wears off each week")
    theater_sensitivity: float = param(4.0, lo=0, hi=100, unit="1/claim gap",
                                       doc="how sharply the claim-depth gap turns into perceived theater",
                                       source="CAL-5.2, CAL-5.6")
    skepticism_mean: float = param(0.4, lo=0.01, hi=0.99, unit="0-1",
                                   doc="mean skepticism trait (Beta distributed, concentration 6)")
    relevance_generic: float = param(0.3, lo=0, hi=1, unit="0-1",
                                     doc="relevance of an unpersonalised, role-blind touch")
    relevance_role_match: float = param(0.15, lo=0, hi=1, unit="0-1",
                                        doc="relevance added by role-matched messaging", source="CAL-5.4")
    relevance_personalization: float = param(0.45, lo=0, hi=1, unit="0-1",
                                             doc="relevance added by fully researched personalization",
                                             source="CAL-5.1, CAL-5.7")
    influence_spread_week: float = param(0.10, lo=0, hi=1, unit="share/week",
                                         doc="pull of each member's opinion toward the committee's "
                                             "influence-weighted opinion each week")
    spread_group_tailoring: float = param(1.2, lo=0, hi=10, unit="x",
                                          doc="multiplier on opinion spread in committees that hear one shared, "
                                              "group-tailored narrative", source="CAL-5.4 (+20% consensus)")
    spread_individual_tailoring: float = param(0.4, lo=0, hi=10, unit="x",
                                               doc="multiplier on opinion spread in committees whose members each "
                                                   "hear a different, individually tailored story",
                                               source="CAL-5.4 (-59% consensus)")
    relevance_individual: float = param(0.1, lo=0, hi=1, unit="0-1",
                                        doc="relevance added to a touch tailored to its individual recipient")
    engaged_threshold: float = param(0.3, lo=0, hi=1, unit="0-1",
                                     doc="engagement above which a member counts as engaged (coverage, MQL)")
    in_market_receptivity: float = param(2.0, lo=0, hi=20, unit="x",
                                         doc="multiplier on touch effect for members of accounts in a buying "
                                             "window (they are looking)", source="CAL-1.6, CAL-2.7")
    p_self_serve_week: float = param(0.1, lo=0, hi=1, unit="probability/week",
                                     doc="chance a member of a researching in-market account finds the "
                                         "vendor's content on their own that week (inbound)", source="CAL-1.6")
    p_turnover_year: float = param(0.13, lo=0, hi=1, unit="probability/year",
                                   doc="chance a member leaves the account in a year (replaced by a newcomer)")


@dataclass
class DealConfig:
    """How opportunities progress and close."""

    cycle_weeks: list[float] = param([4.0, 12.0, 26.0], lo=1, hi=260, length=3, unit="weeks",
                                     doc="sales cycle at typical consensus (0.5) and full effort, per segment",
                                     source="CAL-2.5, CAL-2.6")
    win_logit_base: float = param(-2.0, lo=-20, hi=20, unit="logit",
                                  doc="log-odds of the vendor winning a decided deal at neutral support",
                                  source="fitted with p_holdout to CAL-2.4, 2.5 (win rate) and 2.8 (no decision)")
    win_logit_support: float = param(1.0, lo=0, hi=20, unit="logit/unit",
                                     doc="log-odds added per unit of influence-weighted committee support")
    win_logit_coverage: float = param(0.6, lo=0, hi=20, unit="logit/unit",
                                      doc="log-odds added per unit of committee coverage (multi-threading)")
    win_logit_fit: float = param(1.5, lo=0, hi=20, unit="logit/unit",
                                 doc="log-odds added per unit of true ICP fit")
    competitor_strength: float = param(0.0, lo=-10, hi=10, unit="logit",
                                       doc="log-odds taken away by competitors' strength in this market")
    p_holdout: float = param(0.14, lo=0, hi=1, unit="probability/member",
                             doc="chance that one member of average standing who is not engaged holds the "
                                 "group to the status quo when it decides (an engaged member holds out in "
                                 "proportion to their disagreement); every member can, so bigger committees "
                                 "decide less often",
                             source="CAL-1.13 (1 or 6 unengaged: 0.86, 0.86**6 = 0.40; published 81%, 31%); "
                                    "fitted with win_logit_base to CAL-2.4, 2.5 and 2.8")
    deal_size_coverage: float = param(0.6, lo=0, hi=1, unit="share of ACV",
                                      doc="deal = potential ACV * (1 - this + this * coverage)")
    veto_opinion: float = param(-0.2, lo=-1, hi=1, unit="opinion",
                                doc="a member with veto power and opinion below this stalls the deal")
    stall_weeks_to_no_decision: int = param(8, lo=1, hi=104, unit="weeks",
                                            doc="weeks of continuous stall after which the deal dies")
    p_qualify: float = param(0.6, lo=0, hi=1, unit="probability",
                             doc="chance sales accepts an in-market, engaged account it works",
                             source="CAL-2.1 (MQL->SAL 40-60%)")


@dataclass
class CustomerConfig:
    """Onboarding, adoption, health, renewal, expansion and advocacy."""

    contract_weeks: int = param(52, lo=4, hi=520, unit="weeks", doc="contract term")
    onboarding_weeks: int = param(10, lo=1, hi=104, unit="weeks", doc="onboarding length")
    adoption_rate_week: float = param(0.06, lo=0, hi=1, unit="share/week",
                                      doc="weekly adoption gain with full CS coverage")
    adoption_drift_week: float = param(0.004, lo=0, hi=1, unit="share/week",
                                       doc="weekly adoption erosion without attention")
    churn_base_year: list[float] = param([0.40, 0.25, 0.12], lo=0, hi=1, length=3,
                                         unit="probability/renewal",
                                         doc="mean churn propensity of a new customer (its chance of leaving "
                                             "at a renewal at average health), per segment; survivors' "
                                             "propensities are lower, so a mature base churns less",
                                         source="CAL-3.2, CAL-3.3")
    churn_polarization: float = param(0.25, lo=0, hi=0.9, unit="0-1",
                                      doc="spread of churn propensity across accounts: Beta distributed "
                                          "around churn_base_year with polarization 1/(a+b+1) (0: every "
                                          "account alike; near 1: each either stays or leaves)",
                                      source="CAL-3.6 (fitted cohorts 0.18-0.35)")
    churn_health_logit: float = param(4.0, lo=0, hi=50, unit="logit/unit",
                                      doc="how strongly low health raises churn at renewal")
    churn_in_market_logit: float = param(1.0, lo=0, hi=20, unit="logit",
                                         doc="churn log-odds added when the customer is in market "
                                             "(evaluating competitors) at renewal")
    p_expand_base: float = param(0.15, lo=0, hi=1, unit="probability/renewal",
                                 doc="chance of expansion at renewal at average health",
                                 source="CAL-3.3 (15-16% of new value from upsell)")
    expansion_headroom: list[float] = param([0.3, 0.6, 1.2], lo=0, hi=20, length=3,
                                            unit="share of ACV potential",
                                            doc="mean whitespace beyond the first deal, per segment: an "
                                                "account's wallet is its ACV potential times 1 + "
                                                "Exponential(mean = this); bigger organisations have more "
                                                "teams and units to expand into", source="CAL-3.2, CAL-3.7")
    expansion_whitespace_share: float = param(0.1, lo=0, hi=1, unit="share of whitespace",
                                              doc="mean share of the remaining whitespace (wallet - ARR) one "
                                                  "expansion takes")
    p_contract_base: float = param(0.12, lo=0, hi=1, unit="probability/renewal",
                                   doc="chance of contraction at renewal at average health")
    contraction_share_mean: float = param(0.2, lo=0, hi=1, unit="share of ARR",
                                          doc="mean size of a contraction relative to current ARR")
    advocate_health: float = param(0.75, lo=0, hi=1, unit="health",
                                   doc="health above which a customer advocates and refers peers")
    p_referral_week: float = param(0.02, lo=0, hi=1, unit="referrals/advocate/week",
                                   doc="referrals an advocate makes to peers in its industry per week")


@dataclass
class MarketConfig:
    """The world the vendor sells into: accounts, committees, buying windows, buyers, deals."""

    name: str = param("midmarket_saas", unit="", doc="name of the market preset (reported in outputs)")
    n_accounts: int = param(10000, lo=1, hi=MAX_ACCOUNTS, unit="accounts",
                            doc="accounts in the addressable market")
    segment_shares: list[float] = param([0.2, 0.7, 0.1], lo=0, hi=1, length=3, total=1.0,
                                        unit="share", doc="share of accounts per segment (SMB, MM, ENT)")
    n_industries: int = param(8, lo=1, hi=1000, unit="clusters", doc="industry clusters")
    acv_median_usd: list[float] = param([10_000.0, 30_000.0, 120_000.0], lo=0, hi=1e9, length=3,
                                        unit="USD/year", doc="median potential contract value per segment")
    acv_sigma: float = param(0.8, lo=0, hi=5, unit="log-USD",
                             doc="lognormal shape of contract value (heavy right tail)")
    committee_size_mean: list[float] = param([4.0, 7.0, 11.0], lo=2, hi=16, length=3,
                                             unit="members", doc="mean buying-committee size per segment",
                                             source="CAL-1.1, CAL-1.3, CAL-1.4")
    fit_beta: list[float] = param([2.0, 3.0], lo=0.01, hi=100, length=2, unit="-",
                                  doc="Beta(a, b) shape of true ICP fit")
    data_quality: float = param(0.7, lo=0, hi=1, unit="0-1",
                                doc="quality of the vendor's account data: observed-fit noise sd = 0.35*(1-q)")
    p_window_start_year: float = param(0.20, lo=0, hi=1, unit="probability/year",
                                       doc="chance an account opens a buying window in a year",
                                       source="CAL-6.1")
    window_weeks_mean: list[float] = param([8.0, 20.0, 40.0], lo=1, hi=260, length=3, unit="weeks",
                                           doc="mean buying-window length per segment", source="CAL-2.6")
    p_research_week: float = param(0.5, lo=0, hi=1, unit="probability/week",
                                   doc="chance an in-market account researches (emits intent) in a week",
                                   source="CAL-1.6, CAL-2.7")
    p_false_intent_week: float = param(0.01, lo=0, hi=1, unit="probability/week",
                                       doc="chance an out-of-market account emits spurious intent")
    installed_base_share: float = param(0.06, lo=0, hi=1, unit="share",
                                        doc="share of accounts that are customers at week 0")
    buyers: BuyerConfig = field(default_factory=BuyerConfig)
    deals: DealConfig = field(default_factory=DealConfig)
    customers: CustomerConfig = field(default_factory=CustomerConfig)


# --------------------------------------------------------------------------------------- vendor
@dataclass
class VendorConfig:
    """The vendor's go-to-market resources: budgets, channels, team sizes and costs."""

    marketing_budget_usd_year: float = param(4_000_000.0, lo=0, hi=1e11, unit="USD/year",
                                             doc="marketing program budget (channels + research)")
    channel_cost_usd: list[float] = param([2.0, 5.0, 250.0, 100.0, 400.0], lo=0, hi=1e6, length=5,
                                          unit="USD/touch", doc="cost of one touch per channel "
                                          "(ads, email, events, direct mail, executive)")
    channel_effect: list[float] = param([0.25, 0.5, 1.5, 1.0, 2.0], lo=0, hi=10, length=5,
                                        unit="dose/touch", doc="effect of one touch per channel")
    channel_reach: list[float] = param([0.7, 0.6, 0.15, 0.4, 0.25], lo=0, hi=1, length=5,
                                       unit="probability", doc="mean chance a member is reachable "
                                       "on each channel", source="CAL-6.3")
    ad_ctr: float = param(0.004, lo=0, hi=1, unit="clicks/impression",
                          doc="click-through rate of a fully relevant ad touch (channel metric)")
    research_usd_year: float = param(30_000.0, lo=0, hi=1e8, unit="USD/account/year",
                                     doc="cost of full (depth 1) account research; cost grows as depth**2",
                                     source="CAL-4.1")
    intent_data_usd_year: float = param(150_000.0, lo=0, hi=1e9, unit="USD/year",
                                        doc="intent-data subscription at full coverage (scales with coverage)")
    mqa_coverage: float = param(0.5, lo=0, hi=1, unit="share of influence",
                                doc="an account is an MQA when engaged members hold this share of its "
                                    "committee's influence")
    sales_touch_effect: float = param(1.0, lo=0, hi=10, unit="dose/touch",
                                      doc="effect of an SDR/AE/CS conversation on a member")
    n_marketers: int = param(6, lo=0, hi=100_000, unit="people", doc="marketing headcount",
                             source="CAL-4.1, CAL-4.2")
    n_sdr: int = param(8, lo=0, hi=100_000, unit="people", doc="sales development headcount",
                       source="CAL-7.2 (1 SDR per 1.5-3.4 AEs)")
    sdr_accounts_week: float = param(25.0, lo=0, hi=10_000, unit="accounts/person/week",
                                     doc="accounts one SDR can work in a week")
    n_ae: int = param(10, lo=0, hi=100_000, unit="people", doc="account executive headcount")
    ae_open_opps: float = param(15.0, lo=0, hi=10_000, unit="deals/person",
                                doc="open opportunities one AE can work at once", source="CAL-7.1")
    n_csm: int = param(6, lo=0, hi=100_000, unit="people",
                       doc="customer success headcount (the minimum, when CS hires to its book)")
    csm_hire_to_book: bool = param(True, unit="flag", doc="CS hires as the customer base grows, keeping "
                                   "csm_book_accounts per head (n_csm is then the minimum)")
    csm_book_accounts: float = param(50.0, lo=1, hi=10_000, unit="accounts/person",
                                     doc="customers one CSM can cover fully", source="CAL-7.3")
    exec_hours_week: float = param(6.0, lo=0, hi=168, unit="hours/week",
                                   doc="executive sponsor hours available per week")
    exec_hours_per_play: float = param(2.0, lo=0.1, hi=168, unit="hours",
                                       doc="executive hours one executive touch takes")
    salary_usd_year: list[float] = param([160_000.0, 100_000.0, 250_000.0, 140_000.0], lo=0, hi=1e8, length=4,
                                         unit="USD/person/year",
                                         doc="fully loaded cost per head: marketer, SDR, AE, CSM")
    gross_margin: float = param(0.78, lo=0, hi=1, unit="share", doc="gross margin (CAC payback)")
    research_ramp_weeks: float = param(8.0, lo=0, hi=520, unit="weeks",
                                       doc="weeks of research before a newly listed account is known in full "
                                           "(the vendor's context; lost when the account is re-cut from the list)")
    follow_up_latency_cost: float = param(0.15, lo=0, hi=1, unit="share/week",
                                          doc="extra engagement lost per week an account waits for sales")


# ------------------------------------------------------------------------------------- strategy
@dataclass
class StrategyConfig:
    """A strategy composes one policy from each family; each node names its policy and params."""

    name: str = param("abx", unit="", doc="name of the strategy preset (reported in outputs)")
    tiering: Any = field(default_factory=lambda: {"policy": "tiered"})
    orchestration: Any = field(default_factory=lambda: {"policy": "signal"})
    personalization: Any = field(default_factory=lambda: {"policy": "researched"})
    measurement: Any = field(default_factory=lambda: {"policy": "fixed"})


@dataclass
class OutputConfig:
    """What a run writes and shows."""

    figures: bool = param(True, unit="flag", doc="write PNG figures (single runs)")
    figures_in_sweeps: bool = param(False, unit="flag", doc="write PNG figures for every run of a multirun")
    tables: bool = param(True, unit="flag", doc="write timeseries, accounts and story Parquet tables per run")
    report: bool = param(True, unit="flag", doc="write report.html (summary, figures, diagnostics, stories; "
                                                "opens in any browser) for single runs")
    reports_in_sweeps: bool = param(False, unit="flag", doc="write report.html for every run of a multirun too "
                                                           "(with figures if figures_in_sweeps)")
    export: list[str] = param([], unit="", doc="also write the tables as csv (one file each) and/or xlsx (one "
                                             "Excel workbook, a sheet each), e.g. [csv,xlsx]; a sweep exports its "
                                             "catalog")
    compare: str = param("", unit="", doc="a strategy preset run beside this one on the same world (same seed, "
                                          "accounts and buyers), e.g. abm: the report and the printed summary set "
                                          "the two side by side (single runs)")
    progress: bool = param(True, unit="flag", doc="show a progress bar when run in a terminal")
    story_accounts: int = param(5, lo=0, hi=10_000, unit="accounts",
                                doc="accounts whose week-by-week story is recorded (the first ones "
                                    "of each tier, plus any listed in story_ids)")
    story_ids: list[int] = param([], lo=0, hi=MAX_ACCOUNTS - 1, unit="account ids",
                                 doc="accounts whose story is always recorded")


@dataclass
class SweepConfig:
    """How a multirun (``abx-sim -m``) explores: replications, a sampling design, the report."""

    design: str = param("grid", unit="", doc="grid (only the swept values), lhs, sobol or morris over `params`, "
                                             "or posterior (worlds drawn from a fit's posterior)")
    samples: int = param(16, lo=1, hi=1_000_000, unit="samples",
                         doc="design size: LHS points, Sobol base samples N (N(2D+2) runs), Morris trajectories, "
                             "worlds drawn from a posterior")
    seed: int = param(0, lo=0, hi=MAX_SEED, unit="-", doc="seed of the design's sampler")
    params: dict[str, Any] = param({}, unit="[low, high]", doc="ranges the design samples: config key "
                                           "-> [low, high] (set in a configs/sweep/ file)")
    posterior: str = param("", unit="path", doc="the posterior design's fit: a folder of abx-sim-fit (or its "
                                                "posterior.parquet), whose particles are drawn by weight")
    point: int = param(-1, lo=-1, hi=MAX_DESIGN_POINTS, unit="-",
                       doc="index of the design point a run belongs to (set by the sweeper)")
    baseline: str = param("", unit="", doc="strategy the report pairs differences against "
                                           "(default: the first strategy swept)")
    condition: str = param("", unit="", doc="scenario-discovery condition for the report, e.g. 'nrr < 1.0' "
                                            "or 'abx.pipeline_created_usd < abm.pipeline_created_usd'")


@dataclass
class Config:
    """The root config: ``abx-sim`` runs one of these."""

    seed: int = param(0, lo=0, hi=MAX_SEED, unit="-", doc="seed of every random stream in the run (and of the sweep)")
    replication: int = param(0, lo=0, hi=MAX_REPLICATIONS - 1, unit="-",
                             doc="replication index: run seeds derive from (seed, replication) through "
                                 "SeedSequence; set by sweeps")
    replications: int = param(1, lo=1, hi=MAX_REPLICATIONS, unit="runs",
                              doc="replications per sweep point in a multirun (replication 0..n-1 each)")
    horizon_weeks: int = param(156, lo=1, hi=2600, unit="weeks", doc="weeks simulated")
    market: MarketConfig = field(default_factory=MarketConfig)
    vendor: VendorConfig = field(default_factory=VendorConfig)
    strategy: StrategyConfig = field(default_factory=StrategyConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    sweep: SweepConfig = field(default_factory=SweepConfig)


def field_metadata(key: str) -> dict[str, Any]:
    """The declared metadata (doc, unit, range, source, default) of a dotted run, market or vendor key.

    >>> field_metadata("market.p_window_start_year")["source"]
    'CAL-6.1'
    """
    for name, f, default in declared_fields(Config):
        if name == key:
            return {**f.metadata, "default": default}
    raise KeyError(key)
