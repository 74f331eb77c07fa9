"""Measurement: the metric glossary, the weekly recorder and the run summary.

Every metric is defined once, here. ``docs/metrics.md`` is generated from these tables
(``python -m sim.core.metrics > docs/metrics.md``) and a test keeps it in step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core.config import CHANNELS, TIERS


@dataclass(frozen=True)
class Metric:
    """A metric's unit, meaning and formula."""

    unit: str
    meaning: str
    formula: str


#: Retention (NRR, GRR, logo churn) is measured on the accounts that were customers this many
#: weeks before the end of the run (or at week 0 in a shorter run).
RETENTION_WINDOW_WEEKS = 52

W = Metric  # weekly series read as "this week's"
#: Weekly time-series columns (one row per week in ``timeseries.parquet``).
WEEKLY: dict[str, Metric] = {
    "week": W("week", "week index, 0-based", "-"),
    **{f"n_{s}": W("accounts", f"accounts in stage {s} at the end of the week", f"count(stage == {s})")
       for s in ("target", "aware", "engaged", "mqa", "opportunity", "onboarding", "customer")},
    "in_market_share": W("share", "share of accounts inside a buying window", "mean(in_market)"),
    "window_starts": W("accounts", "buying windows opened this week", "count(window opened)"),
    "mqas": W("accounts", "accounts that became marketing-qualified this week",
              "count(stage crosses into MQA)"),
    "mqls": W("members", "members whose engagement crossed the engaged threshold this week (channel metric)",
              "count(engagement crosses buyers.engaged_threshold)"),
    "leads": W("accounts", "new sales leads (MQA or a new MQL on a prospect)", "count(new lead)"),
    "sdr_worked": W("accounts", "accounts SDRs worked", "count(allocated SDR capacity)"),
    "opps_created": W("deals", "new-logo opportunities created", "count(stage -> opportunity)"),
    "opps_turned_away": W("deals", "accounts SDRs qualified that no AE had room for (back to nurture)",
                          "count(qualified) - count(accepted within AE capacity)"),
    "opps_from_mqa": W("deals", "new-logo opportunities opened on an account that was an MQA",
                       "count(stage MQA -> opportunity)"),
    "pipeline_created_usd": W("USD/year", "amount of opportunities created, new-logo and expansion",
                              "sum(opp amount) + sum(expansion opp amount)"),
    "pipeline_influenced_usd": W("USD/year", "opportunities created on accounts marketing touched in the "
                                             "previous 13 weeks", "sum(opp amount | marketing touch)"),
    "open_opps": W("deals", "open new-logo opportunities at the end of the week", "count(stage == opportunity)"),
    "wins": W("deals", "new-logo deals won", "count(decision == won)"),
    "losses": W("deals", "new-logo deals lost to a competitor", "count(decision == lost)"),
    "no_decisions": W("deals", "new-logo deals ended with no decision (status quo, stall or window closed)",
                      "count(decision == no decision)"),
    "decided_small_committee": W("deals", "new-logo deals decided whose committee has at most 5 members",
                                 "count(decided & size <= 5)"),
    "no_decisions_small_committee": W("deals", "of those, ended in no decision", "count(no decision & size <= 5)"),
    "decided_large_committee": W("deals", "new-logo deals decided whose committee has 8 members or more",
                                 "count(decided & size >= 8)"),
    "no_decisions_large_committee": W("deals", "of those, ended in no decision", "count(no decision & size >= 8)"),
    "won_cycle_weeks": W("weeks", "sum of the sales-cycle lengths of deals won this week",
                         "sum(close week - opportunity week)"),
    "closed_coverage": W("share", "sum of committee coverage of deals decided this week",
                         "sum(coverage at decision)"),
    "signal_to_pipeline_weeks": W("weeks", "sum over new opportunities of weeks since the first signal",
                                  "sum(opp week - first signal week)"),
    "new_arr_usd": W("USD/year", "ARR from new logos won", "sum(won deal)"),
    "expansion_arr_usd": W("USD/year", "ARR added by expansions (plays and renewals)", "sum(expansion)"),
    "contraction_arr_usd": W("USD/year", "ARR removed by contractions at renewal", "sum(contraction)"),
    "churn_arr_usd": W("USD/year", "ARR lost to churn at renewal", "sum(ARR of churned)"),
    "arr_usd": W("USD/year", "ARR at the end of the week", "sum(arr)"),
    "bookings_usd": W("USD/year", "new-logo plus expansion ARR booked", "new_arr_usd + expansion_arr_usd"),
    "renewals": W("accounts", "contracts that reached their end date", "count(renewal due)"),
    "renewals_first": W("contracts", "contracts reaching their first renewal", "count(due & renewals == 0)"),
    "churned_first": W("logos", "customers lost at their first renewal", "count(churned & renewals == 0)"),
    "churned_logos": W("accounts", "customers lost at renewal", "count(churn)"),
    "expansion_opps": W("deals", "expansion opportunities opened by the expansion play", "count(opened)"),
    "referrals": W("referrals", "peer referrals made by advocates", "Poisson(p_referral * advocates)"),
    "referral_leads": W("accounts", "sales leads from a referral: the referred peer was in a buying window "
                                    "and asked to talk", "count(referred & in market & no open lead)"),
    "touches": W("touches", "touches delivered to members (all teams)", "sum(Poisson touches)"),
    "theater_touches": W("touches", "touches perceived as superficial personalization",
                         "sum(Binomial(touches, p_superficial))"),
    "list_changes": W("accounts", "accounts that joined or left the target list at a review this week",
                      "count(listed != listed before)"),
    "leads_expired": W("accounts", "leads that waited for sales follow-up too long and went back to nurture",
                       "count(lead waited >= 8 weeks)"),
    "coordinated_accounts": W("accounts", "accounts whose touches were routed through one account view this week",
                              "count(plan.coordinated)"),
    "coordination_load": W("accounts/person", "accounts in the motion per coordinator (manual orchestration; "
                           "0 otherwise)", "in-motion accounts / n_coordinators"),
    "collisions_listed": W("collisions", "collisions on accounts on the target list", "sum(collisions | tier > 0)"),
    "collisions": W("collisions", "contradictory touches by uncoordinated teams on one account",
                    "sum(Binomial(team pairs, p_inconsistent))"),
    "trust_mean": W("0-1", "mean trust of members of targeted accounts (all accounts without a list)",
                    "mean(trust)"),
    "fatigue_mean": W("0-1", "mean fatigue of members of targeted accounts", "mean(fatigue)"),
    "impressions": W("impressions", "ad touches delivered (channel metric)", "sum(ad touches)"),
    "clicks": W("clicks", "expected ad clicks (channel metric)", "sum(ad touches * ad_ctr * relevance * receptivity)"),
    "budget_delivered_share": W("share", "share of the planned marketing program the budget paid for",
                                "min(1, weekly budget / planned cost)"),
    **{f"play_{p}": W("accounts", f"accounts on which the {p} play fired", f"count(play == {p})")
       for p in ("acquisition", "expansion", "retention", "competitive")},
    **{f"spend_{t}_usd": W("USD", f"spend of the {t} team (salaries)", "headcount * salary / 52")
       for t in ("marketers", "sdr", "ae", "csm")},
    "spend_research_usd": W("USD", "account research for personalization", "sum(research_usd_year/52 * depth^2)"),
    "spend_intent_usd": W("USD", "intent data", "intent_data_usd_year / 52 * coverage"),
    "spend_customers_usd": W("USD", "marketing program spend on existing customers", "sum(program cost | customer)"),
    **{f"spend_channel_{c}_usd": W("USD", f"program spend on the {c} channel", "sum(touches * cost)")
       for c in CHANNELS},
    **{f"spend_tier_{t}_usd": W("USD", f"program spend (channels + research) on {t} accounts",
                                "sum(cost | tier)") for t in TIERS},
}

S = Metric
#: Run summary (``summary.json``): every value is a finite number, except a ratio with nothing to
#: divide by, which is undefined (see :data:`UNDEFINED`).
SUMMARY: dict[str, Metric] = {
    "pipeline_created_usd": S("USD/year", "opportunity amount created over the run (new-logo and expansion)",
                              "sum(pipeline_created_usd)"),
    "pipeline_influenced_usd": S("USD/year", "new-logo pipeline on accounts marketing touched in the "
                                             "13 weeks before", "sum(pipeline_influenced_usd)"),
    "bookings_usd": S("USD/year", "new-logo plus expansion ARR booked over the run", "sum(bookings_usd)"),
    "win_rate": S("share", "won / decided new-logo deals",
                  "wins / (wins + losses + no_decisions)"),
    "no_decision_rate": S("share", "no-decision / decided new-logo deals",
                          "no_decisions / (wins + losses + no_decisions)"),
    "no_decision_size_gap": S("share", "no-decision rate of committees of 8+ members minus that of committees "
                                       "of 2-5 (how much harder agreement is in big groups)",
                              "no_decisions_large / decided_large - no_decisions_small / decided_small"),
    "sales_cycle_weeks": S("weeks", "mean weeks from opportunity to a won decision", "sum(won_cycle_weeks) / wins"),
    "avg_deal_usd": S("USD/year", "mean first-year ACV of won new-logo deals", "sum(new_arr_usd) / wins"),
    "time_to_pipeline_weeks": S("weeks", "mean weeks from an account's first signal to its opportunity",
                                "sum(signal_to_pipeline_weeks) / opps_created"),
    "committee_coverage": S("share", "mean influence share of the committee engaged when a deal was decided",
                            "sum(closed_coverage) / decided deals"),
    "mqa_count": S("accounts", "MQA events over the run", "sum(mqas)"),
    "referral_leads": S("accounts", "sales leads created by customers' referrals over the run",
                        "sum(referral_leads)"),
    "opportunities": S("deals", "new-logo opportunities created", "sum(opps_created)"),
    "opps_turned_away_share": S("share", "share of qualified accounts turned away because every AE was full "
                                         "(AE capacity binds where this is above 0)",
                                "opps_turned_away / (opportunities + opps_turned_away)"),
    "mqa_to_opportunity": S("share", "share of MQA events that became an opportunity (opportunities from "
                                     "other leads, such as intent or inbound, not counted)",
                            "sum(opps_from_mqa) / sum(mqas)"),
    "new_logos": S("accounts", "new-logo deals won", "sum(wins)"),
    "arr_start_usd": S("USD/year", "ARR at week 0 (installed base)", "sum(arr) before week 0"),
    "arr_end_usd": S("USD/year", "ARR at the end of the run", "arr_usd of the last week"),
    "nrr": S("ratio", "net revenue retention of the customers at the start of the last 52 weeks (or of the "
                      "whole run if shorter)", "sum(arr_end | cohort) / sum(arr_start | cohort)"),
    "grr": S("ratio", "gross revenue retention of the same cohort (expansion excluded)",
             "sum(min(arr_end, arr_start) | cohort) / sum(arr_start | cohort)"),
    "logo_churn_rate": S("share", "share of that cohort's customers lost by the end", "churned / cohort"),
    "churn_first_renewal": S("share", "share of customers lost at their first renewal",
                             "churned_first / renewals_first"),
    "churn_later_renewals": S("share", "share of customers lost at a later renewal (the survivors of earlier ones)",
                              "(churned - churned_first) / (renewals - renewals_first)"),
    "new_logo_arr_usd": S("USD/year", "ARR from new logos won over the run", "sum(new_arr_usd)"),
    "expansion_arr_usd": S("USD/year", "expansion ARR over the run", "sum(expansion_arr_usd)"),
    "spend_usd": S("USD", "go-to-market spend: programs, research, intent data and team salaries",
                   "sum(spend_*) over channels, research, intent and teams"),
    "spend_marketing_usd": S("USD", "marketing programs, research, intent data and marketer salaries", "-"),
    "spend_sales_usd": S("USD", "SDR and AE salaries", "-"),
    "spend_cs_usd": S("USD", "customer-success salaries", "-"),
    "cac_usd": S("USD/logo", "acquisition cost per new logo: all spend except CS salaries and programs aimed "
                             "at existing customers, per new logo",
                 "(spend - spend_cs - spend_customers) / new_logos"),
    "cac_payback_months": S("months", "months of gross profit of an average new deal to repay its CAC",
                            "cac / (avg_deal * gross_margin / 12)"),
    "roi": S("ratio", "first-year gross profit of bookings over spend, minus one",
             "bookings * gross_margin / spend - 1"),
    "collisions_per_account": S("collisions/account", "contradictory touches per account touched over the run",
                                "sum(collisions) / accounts ever touched"),
    "collisions_per_listed_account": S("collisions/account", "collisions on target-list accounts per account "
                                       "on the list at the end, over the run", "sum(collisions_listed) / listed"),
    "trust_index": S("0-1", "influence-weighted mean trust of members of accounts touched over the run, at "
                            "the end", "mean(trust | touched)"),
    "theater_share": S("share", "share of touches perceived as superficial personalization",
                       "sum(theater_touches) / sum(touches)"),
    "mql_count": S("members", "MQLs over the run (channel metric)", "sum(mqls)"),
    "ctr": S("share", "ad click-through rate (channel metric)", "sum(clicks) / sum(impressions)"),
    "touches_per_member": S("touches/member", "touches per member of touched accounts over the run",
                            "sum(touches) / members of touched accounts"),
    "in_market_share": S("share", "mean share of accounts in a buying window (CAL-6.1)", "mean(in_market_share)"),
    "window_starts_per_quarter": S("share", "share of accounts opening a buying window per quarter (CAL-6.1)",
                                   "sum(window_starts) / n_accounts / quarters"),
    # Symptoms an analyst would look at (read by sim.core.diagnostics).
    "trust_trend": S("0-1", "change of the targeted members' mean trust from the first to the last 13 weeks",
                     "mean(trust_mean | last 13 w) - mean(trust_mean | first 13 w)"),
    "lead_follow_up_share": S("share", "share of leads (marketing's and referrals') that did not expire waiting "
                                       "for sales", "1 - sum(leads_expired) / sum(leads + referral_leads)"),
    "customer_plays": S("account-weeks", "weeks x accounts on which an expansion, retention or competitive play ran",
                        "sum(play_expansion + play_retention + play_competitive)"),
    "budget_delivered_share": S("share", "mean share of the planned marketing program the budget paid for",
                                "mean(budget_delivered_share)"),
    "strategic_spend_ratio": S("x", "program spend per 1:1 account over spend per 1:many account",
                               "(spend_tier_one_to_one / n 1:1) / (spend_tier_one_to_many / n 1:many)"),
    "weeks_to_list_execution": S("weeks", "weeks before any program spend reached a listed account (0 without a "
                                          "list)", "first week with spend on listed tiers"),
    "list_churn_per_review": S("share", "share of the list replaced per review (reviews at most quarterly "
                                        "counted as quarters)", "sum(list_changes) / 2 / listed / quarters"),
    "accounts_per_coordinator": S("accounts/person", "mean accounts in the motion per coordinator (manual "
                                  "orchestration; 0 otherwise)", "mean(coordination_load)"),
    "ads_spend_share_change": S("share", "change of the ads' share of channel spend from the first to the last "
                                         "13 weeks", "ads share (last 13 w) - ads share (first 13 w)"),
}


class Recorder:
    """Weekly metric columns, preallocated: the model adds to this week's row by name."""

    def __init__(self, horizon_weeks: int) -> None:
        self.cols = {name: np.zeros(horizon_weeks) for name in WEEKLY}
        self.cols["week"] = np.arange(horizon_weeks, dtype=float)
        self.week = 0

    def add(self, name: str, value: float) -> None:
        """Add ``value`` to this week's ``name`` (a glossary name; a typo raises ``KeyError``)."""
        self.cols[name][self.week] += value

    def set(self, name: str, value: float) -> None:
        """Set this week's ``name``."""
        self.cols[name][self.week] = value

    def frame(self, weeks: int) -> pd.DataFrame:
        """The first ``weeks`` rows as a DataFrame (week as int)."""
        df = pd.DataFrame({k: v[:weeks] for k, v in self.cols.items()})
        df["week"] = df["week"].astype("int64")
        return df


_NO_DEAL, _NO_WIN, _NO_COHORT = "no new-logo deal was decided", "no new logo was won", "no customer to retain"
_UNTOUCHED = "no account was touched"
#: Why a summary ratio can be undefined: its denominator was empty. Such a value is NaN in memory
#: (pandas and the sweep analysis skip it), ``null`` in ``summary.json`` with this reason next to it
#: (:func:`undefined_reasons`), and "n/a" on screen; never a made-up 0.
UNDEFINED: dict[str, str] = {
    "win_rate": _NO_DEAL, "no_decision_rate": _NO_DEAL, "committee_coverage": _NO_DEAL,
    "no_decision_size_gap": "no deal of a small (2-5) or of a large (8+) committee was decided",
    "sales_cycle_weeks": _NO_WIN, "avg_deal_usd": _NO_WIN, "cac_usd": _NO_WIN,
    "cac_payback_months": "no new logo was won, or the gross margin is 0",
    "time_to_pipeline_weeks": "no opportunity was created", "opps_turned_away_share": "no account was qualified",
    "mqa_to_opportunity": "no account became an MQA", "nrr": _NO_COHORT, "grr": _NO_COHORT,
    "logo_churn_rate": _NO_COHORT, "churn_first_renewal": "no first renewal came due",
    "churn_later_renewals": "no later renewal came due", "roi": "nothing was spent",
    "collisions_per_account": _UNTOUCHED, "trust_index": _UNTOUCHED, "touches_per_member": _UNTOUCHED,
    "collisions_per_listed_account": "no account is on the target list", "theater_share": "no touch was delivered",
    "ctr": "no ad was shown", "lead_follow_up_share": "no lead was created",
    "strategic_spend_ratio": "no 1:1 or no 1:many account, or no spend on the 1:many tier",
    "list_churn_per_review": "no account is on the target list",
}


def undefined_reasons(summary: dict[str, float]) -> dict[str, str]:
    """Why each undefined (NaN) value of a run summary is undefined: ``{metric: reason}``."""
    return {k: UNDEFINED[k] for k, v in summary.items() if k in UNDEFINED and math.isnan(v)}


def _ratio(num: float, den: float) -> float:
    """``num / den``; undefined (NaN) when there is nothing to divide by."""
    return float(num / den) if den > 0 else math.nan


def summarize(ts: pd.DataFrame, *, arr_start: float, cohort_start: np.ndarray, arr_end: np.ndarray,
              touched_trust: float, touched_members: int, touched_accounts: int, n_accounts: int,
              gross_margin: float, tier_sizes: np.ndarray) -> dict[str, float]:
    """The run summary (see :data:`SUMMARY`) from the weekly series and end-of-run state.

    ``cohort_start`` is each account's ARR at the start of the retention window (52 weeks before
    the end, or week 0), ``arr_end`` at the end; ``tier_sizes`` the accounts per tier at the end.
    """
    t = ts.sum(numeric_only=True)
    decided = t.wins + t.losses + t.no_decisions
    cohort = cohort_start > 0
    base = float(cohort_start[cohort].sum())
    spend_marketing = (t.spend_marketers_usd + t.spend_research_usd + t.spend_intent_usd
                       + sum(t[f"spend_channel_{c}_usd"] for c in CHANNELS))
    spend_sales = t.spend_sdr_usd + t.spend_ae_usd
    spend = spend_marketing + spend_sales + t.spend_csm_usd
    avg_deal = _ratio(t.new_arr_usd, t.wins)
    cac = _ratio(spend - t.spend_csm_usd - t.spend_customers_usd, t.wins)
    out = {
        "pipeline_created_usd": t.pipeline_created_usd,
        "pipeline_influenced_usd": t.pipeline_influenced_usd,
        "bookings_usd": t.bookings_usd,
        "win_rate": _ratio(t.wins, decided),
        "no_decision_rate": _ratio(t.no_decisions, decided),
        "no_decision_size_gap": (_ratio(t.no_decisions_large_committee, t.decided_large_committee)
                                 - _ratio(t.no_decisions_small_committee, t.decided_small_committee)),
        "sales_cycle_weeks": _ratio(t.won_cycle_weeks, t.wins),
        "avg_deal_usd": avg_deal,
        "time_to_pipeline_weeks": _ratio(t.signal_to_pipeline_weeks, t.opps_created),
        "committee_coverage": _ratio(t.closed_coverage, decided),
        "mqa_count": t.mqas,
        "referral_leads": t.referral_leads,
        "opportunities": t.opps_created,
        "opps_turned_away_share": _ratio(t.opps_turned_away, t.opps_created + t.opps_turned_away),
        "mqa_to_opportunity": _ratio(t.opps_from_mqa, t.mqas),
        "new_logos": t.wins,
        "arr_start_usd": arr_start,
        "arr_end_usd": float(ts.arr_usd.iloc[-1]),
        "nrr": _ratio(float(arr_end[cohort].sum()), base),
        "grr": _ratio(float(np.minimum(arr_end, cohort_start)[cohort].sum()), base),
        "logo_churn_rate": _ratio(float((arr_end[cohort] <= 0).sum()), float(cohort.sum())),
        "churn_first_renewal": _ratio(t.churned_first, t.renewals_first),
        "churn_later_renewals": _ratio(t.churned_logos - t.churned_first, t.renewals - t.renewals_first),
        "new_logo_arr_usd": t.new_arr_usd,
        "expansion_arr_usd": t.expansion_arr_usd,
        "spend_usd": spend,
        "spend_marketing_usd": spend_marketing,
        "spend_sales_usd": spend_sales,
        "spend_cs_usd": t.spend_csm_usd,
        "cac_usd": cac,
        "cac_payback_months": _ratio(cac, avg_deal * gross_margin / 12.0),
        "roi": _ratio(t.bookings_usd * gross_margin, spend) - 1.0,
        "collisions_per_account": _ratio(t.collisions, touched_accounts),
        "collisions_per_listed_account": _ratio(t.collisions_listed, float(np.sum(tier_sizes[1:]))),
        "trust_index": touched_trust,
        "theater_share": _ratio(t.theater_touches, t.touches),
        "mql_count": t.mqls,
        "ctr": _ratio(t.clicks, t.impressions),
        "touches_per_member": _ratio(t.touches, touched_members),
        "in_market_share": float(ts.in_market_share.mean()),
        "window_starts_per_quarter": _ratio(t.window_starts * 13.0, n_accounts * len(ts)),
        **_symptoms(ts, t, tier_sizes),
    }
    summary = {k: float(v) for k, v in out.items()}
    broken = next((k for k, v in summary.items() if not (np.isfinite(v) or (np.isnan(v) and k in UNDEFINED))), None)
    if broken:  # every declared range is safe, so this is a defect of the model, never of the input
        raise FloatingPointError(f"{broken} = {summary[broken]}: the run summary holds only finite numbers "
                                 "(a model defect: please report it with the run's config)")
    return summary


def _symptoms(ts: pd.DataFrame, t: pd.Series, tier_sizes: np.ndarray) -> dict[str, float]:
    """The symptom metrics of the summary (the diagnostics' evidence)."""
    first, last = ts.iloc[:13], ts.iloc[-13:]
    ads = [float(q.spend_channel_ads_usd.sum()) / max(sum(float(q[f"spend_channel_{c}_usd"].sum())
                                                          for c in CHANNELS), 1e-9) for q in (first, last)]
    tier_spend = [t[f"spend_tier_{tier}_usd"] for tier in TIERS]
    per_account = [_ratio(spend, size) for spend, size in zip(tier_spend, tier_sizes, strict=True)]
    listed_spend = sum(ts[f"spend_tier_{tier}_usd"] for tier in TIERS[1:])
    executed = np.flatnonzero(listed_spend.to_numpy() > 0)
    leads = t.leads + t.referral_leads  # referral leads wait for sales, and expire, like marketing's
    listed = float(np.sum(tier_sizes[1:]))
    return {
        "trust_trend": float(last.trust_mean.mean() - first.trust_mean.mean()),
        "lead_follow_up_share": 1.0 - _ratio(t.leads_expired, leads),
        "customer_plays": t.play_expansion + t.play_retention + t.play_competitive,
        "budget_delivered_share": float(ts.budget_delivered_share.mean()),
        "strategic_spend_ratio": _ratio(per_account[3], per_account[1]),
        "weeks_to_list_execution": float(executed[0]) if len(executed) else (float(len(ts)) if listed else 0.0),
        "list_churn_per_review": _ratio(t.list_changes / 2.0, listed * max(len(ts) / 13.0, 1.0)),
        "accounts_per_coordinator": float(ts.coordination_load.mean()),
        "ads_spend_share_change": ads[1] - ads[0],
    }


def glossary_markdown() -> str:
    """The glossary as Markdown (``docs/metrics.md``)."""
    lines = ["# Metrics glossary", "",
             "Generated from `sim/core/metrics.py` by `python -m sim.core.metrics > docs/metrics.md`; do not edit.", "",
             "## Run summary (`summary.json`)", "",
             "A ratio with nothing to divide by is undefined: `null` in `summary.json`, with the reason under "
             "`undefined`, and n/a on screen.", "",
             "| key | unit | meaning | formula | undefined when |", "|---|---|---|---|---|"]
    lines += [f"| `{k}` | {m.unit} | {m.meaning} | `{m.formula}` | {UNDEFINED.get(k, '-')} |"
              for k, m in SUMMARY.items()]
    lines += ["", "## Weekly series (`timeseries.parquet`, one row per week)", "",
              "| column | unit | meaning | formula |", "|---|---|---|---|"]
    lines += [f"| `{k}` | {m.unit} | {m.meaning} | `{m.formula}` |" for k, m in WEEKLY.items()]
    from sim.core.diagnostics import markdown

    return "\n".join(lines) + "\n\n" + markdown()


if __name__ == "__main__":
    print(glossary_markdown(), end="")
