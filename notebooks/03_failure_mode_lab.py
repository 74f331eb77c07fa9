# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3 · Failure-mode lab: break ABX one setting at a time
#
# **What you will learn**
#
# - The classic ways account-based programs fail: **personalization theater**, **sales
#   misalignment**, **tier mismatch** (1:1 money spread over too many accounts), **list
#   paralysis** and **collisions** between teams that do not coordinate.
# - That each of them follows from *one* setting of what the vendor does; the market is the same.
# - How to diagnose them from what an analyst can observe: every run's summary carries
#   diagnostic flags (`diag_<mode>`), raised from symptoms only.
#
# Each experiment below changes one thing from the ABX baseline, runs both in the same worlds and
# shows the symptoms and the flag. The exercises change the values in a cell and run it again.

# %%
from dataclasses import dataclass

import pandas as pd

from sim.api import run
from sim.apps.lesson import Controls, Number, metric_value, shows
from sim.core.diagnostics import DIAGNOSES, flagged
from sim.outputs.plots import use_style

use_style()

# %% [markdown]
# ## Settings and the lab bench
#
# Each experiment runs ABX and the changed ABX in the same worlds (seeds). Choose how many worlds
# with the slider, then run the cells below again.

# %%
settings = Controls(worlds=Number("worlds (seeds)", 3, 1, 10))
settings

# %%
WORLDS = settings.worlds
# 2,000 accounts for two years; the vendor (budget and teams) is sized to the market, and the budget
# is written out so that you can change it
SIZE = ["market.n_accounts=2000", "horizon_weeks=104", "vendor.marketing_budget_usd_year=1000000",
        "output.progress=false"]
SYMPTOMS = {"pipeline_created_usd": "pipeline created", "bookings_usd": "bookings",
            "trust_index": "trust index (0-1)", "theater_share": "touches seen as theater",
            "lead_follow_up_share": "leads followed up", "budget_delivered_share": "budget delivered",
            "strategic_spend_ratio": "1:1 vs 1:many spend (ratio)",
            "weeks_to_list_execution": "weeks to list execution",
            "list_churn_per_review": "list churn per review", "collisions_per_account": "collisions per account"}


@dataclass
class Lab:
    """One experiment: every run (``runs``) and the symptoms' means, as people read them (shown)."""

    change: tuple[str, ...]
    runs: pd.DataFrame
    table: pd.DataFrame

    def _repr_html_(self) -> str:
        flags = self.runs.groupby("run", sort=False).flags.agg(lambda f: "; ".join(sorted(set(f))))
        return (f"<p>change: <code>{' '.join(self.change)}</code><br>flags raised: "
                + ", ".join(f"{run} <b>{text}</b>" for run, text in flags.items()) + "</p>" + self.table.to_html())


def lab(*change: str, show: tuple[str, ...] = ()) -> Lab:
    """ABX and ABX with ``change`` (config overrides) in the same worlds: symptoms and flags."""
    rows = []
    for label, overrides in (("abx", []), ("changed", list(change))):
        for seed in range(WORLDS):
            res = run(["strategy=abx", f"seed={seed}", *SIZE, *overrides])
            rows.append({"run": label, **res.summary, "flags": ", ".join(flagged(res.summary)) or "none"})
    runs = pd.DataFrame(rows)
    columns = ["pipeline_created_usd", "bookings_usd", "trust_index", *show]
    means = runs.groupby("run", sort=False)[columns].mean()
    table = pd.DataFrame({label: [metric_value(c, means.loc[label, c]) for c in columns] for label in means.index},
                         index=pd.Index([SYMPTOMS[c] for c in columns], name="symptom (mean over worlds)"))
    return Lab(change, runs, table)


def explain(mode: str) -> None:
    """What a diagnostic flag means and the rule that raises it."""
    print(f"diag_{mode}: {DIAGNOSES[mode].meaning}\n  rule: {DIAGNOSES[mode].rule}")

# %% [markdown]
# ## 1. Personalization theater
#
# AI-generated messages that *claim* to be personal, with no research behind them.

# %%
lab("strategy/personalization=ai_generated", show=("theater_share",))

# %%
explain("theater")

# %% [markdown]
# ## 2. Sales misalignment
#
# Sales works its own list (7% overlap with marketing's) and follows up half the leads.

# %%
lab("strategy.orchestration.list_overlap=0.07", "strategy.orchestration.follow_up_rate=0.5",
    show=("lead_follow_up_share",))

# %%
explain("no_sales_alignment")

# %% [markdown]
# ## 3. Tier mismatch
#
# One-to-one investment spread over the whole target list, 1:many accounts included.

# %%
lab("strategy/tiering=overspread", show=("budget_delivered_share", "strategic_spend_ratio"))

# %%
explain("tier_overspread")

# %% [markdown]
# ## 4. List paralysis
#
# Half a year of debate before the list is executed, then 40% of it re-cut every quarter.

# %%
lab("strategy.tiering.deliberation_weeks=26", "strategy.tiering.recut_share=0.4",
    show=("weeks_to_list_execution", "list_churn_per_review"))

# %%
explain("list_paralysis")

# %% [markdown]
# ## 5. Collisions
#
# Plays routed by hand by one coordinator with 30 hours a week, for a list of hundreds of
# accounts: beyond the coordinator's hours, teams act on their own and run into each other.

# %%
collisions = lab("strategy/orchestration=manual", show=("collisions_per_account",))
collisions

# %%
explain("orchestration_overload")

# %% [markdown]
# The closing check: the same market, one setting changed, and the symptom and its flag follow.

# %%
by_run = collisions.runs.groupby("run", sort=False)
more = by_run.collisions_per_account.mean()
raised = by_run.diag_orchestration_overload.mean()
shows("one coordinator's hours make the teams collide, and the flag says so",
      bool(more["changed"] > more["abx"] and raised["changed"] > raised["abx"]),
      f"collisions per account {more['abx']:.2f} with the platform, {more['changed']:.2f} routed by hand; the "
      f"flag raised in {raised['abx']:.0%} and {raised['changed']:.0%} of the worlds.")

# %% [markdown]
# ## Exercises
#
# 1. Theater: find the smallest claim that raises the flag. Try
#    `lab("strategy/personalization=ai_generated", "strategy.personalization.claim_by_tier=[0,0.2,0.2,0.2]",
#    show=("theater_share",))` and raise the numbers.
# 2. Misalignment: is list overlap or lead follow-up the bigger lever? Change one at a time.
# 3. Collisions: give the coordinator help with `"strategy.orchestration.n_coordinators=4"`. When do
#    collisions disappear?
# 4. Which failure costs the most pipeline per world, and which costs the most trust? Are they
#    the same?
