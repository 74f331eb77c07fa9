"""Diagnostics: each ABX failure mode flagged from observable symptoms, as an analyst would.

A diagnosis reads only the run summary's metrics (what a real operation could measure: theater
complaints and trust surveys, lead follow-up, plan versus budget, spend per account by tier,
list churn, collisions and coordinator load, the channel mix); it never looks at the strategy's
settings. Each rule is a threshold an analyst would use as a rule of thumb; the flags land in the
summary as ``diag_<name>`` (1 flagged, 0 not).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Diagnosis:
    """A failure mode: what it means, the symptom rule in words, and the rule."""

    meaning: str
    rule: str
    test: Callable[[dict[str, float]], bool]


DIAGNOSES: dict[str, Diagnosis] = {
    "theater": Diagnosis(
        "personalization theater: touches claim more than the research behind them, recipients see "
        "through it and trust falls",
        "theater_share >= 10% and trust_trend < 0",
        lambda s: s["theater_share"] >= 0.10 and s["trust_trend"] < 0),
    "no_sales_alignment": Diagnosis(
        "sales does not work marketing's accounts: leads wait and expire",
        "lead_follow_up_share < 80%",
        lambda s: s["lead_follow_up_share"] < 0.80),
    "marketing_only": Diagnosis(
        "the account motion stops at marketing: customers get no plays and other teams' touches "
        "collide with marketing's",
        "customer_plays == 0 and collisions_per_account > 0",
        lambda s: s["customer_plays"] == 0 and s["collisions_per_account"] > 0),
    "tier_overspread": Diagnosis(
        "tier-scale mismatch: the program planned for the list costs more than the budget, so every "
        "program and all research are cut",
        "budget_delivered_share < 50%",
        lambda s: s["budget_delivered_share"] < 0.50),
    "strategic_underinvested": Diagnosis(
        "tier-scale mismatch: strategic (1:1) accounts get hardly more than 1:many accounts",
        "0 < strategic_spend_ratio < 5",
        lambda s: 0 < s["strategic_spend_ratio"] < 5),
    "list_paralysis": Diagnosis(
        "account-list paralysis: the list is executed late or keeps being re-cut",
        "weeks_to_list_execution >= 8 or list_churn_per_review >= 25%",
        lambda s: s["weeks_to_list_execution"] >= 8 or s["list_churn_per_review"] >= 0.25),
    "orchestration_overload": Diagnosis(
        "manual orchestration past its ceiling: too many accounts per coordinator, touches collide",
        "accounts_per_coordinator > 50 and collisions_per_account >= 0.5",
        lambda s: s["accounts_per_coordinator"] > 50 and s["collisions_per_account"] >= 0.5),
    "channel_metric_drift": Diagnosis(
        "steering by channel metrics: the budget drifts toward cheap ad volume",
        "ads_spend_share_change >= +20 points",
        lambda s: s["ads_spend_share_change"] >= 0.20),
}

#: The summary keys the diagnoses add.
FLAGS: tuple[str, ...] = tuple(f"diag_{name}" for name in DIAGNOSES)


def diagnose(summary: dict[str, float]) -> dict[str, float]:
    """The flags ``diag_<name>`` (1.0 flagged, 0.0 not) for a run summary."""
    return {f"diag_{name}": float(d.test(summary)) for name, d in DIAGNOSES.items()}


def flagged(summary: dict[str, float]) -> list[str]:
    """Names of the failure modes a summary is flagged for."""
    return [name for name in DIAGNOSES if summary.get(f"diag_{name}", 0.0)]


def markdown() -> str:
    """The diagnoses as a Markdown table (part of ``docs/metrics.md``)."""
    lines = ["## Diagnostics (`diag_<name>` in `summary.json`: 1 flagged, 0 not)", "",
             "| flag | failure mode | symptom rule |", "|---|---|---|"]
    lines += [f"| `diag_{name}` | {d.meaning} | `{d.rule}` |" for name, d in DIAGNOSES.items()]
    return "\n".join(lines) + "\n"
