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
# # 2 · Channel-only versus ABM versus ABX, with intervals
#
# **What you will learn**
#
# - How the three go-to-market strategies differ: **channel-only** (broad programs, no account
#   list), **ABM** (a tiered account list run by marketing) and **ABX** (the whole funnel: aligned
#   marketing, sales and customer success on one account view, plays triggered by signals,
#   customers on the list).
# - Why one run proves nothing: a simulated market, like a real one, has luck in it. We run each
#   strategy in several *worlds* (seeds) and report a mean with a **95% interval**.
# - Why comparing strategies *in the same worlds* (paired differences) gives much tighter answers.
# - Where ABX's advantage comes from, stage by stage.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.api import config_options, run
from sim.apps.lesson import Choice, Controls, Number, interval_table, metric_table, metric_value, shows
from sim.outputs.formats import format_difference
from sim.outputs.plots import OKABE_ITO, label_metric, use_style
from sim.sweep.analysis import mean_ci, paired_differences

use_style()

# %% [markdown]
# ## Settings
#
# Five worlds of 2,000 accounts over two years take about a minute. More worlds give narrower
# intervals. Choose with the menus and sliders, then run the cells below again.

# %%
settings = Controls(
    third=Choice("third strategy (beside channel and abm)", "abx", config_options("strategy")),
    worlds=Number("worlds (seeds)", 5, 2, 20),
    accounts=Number("accounts in the market", 2000, 500, 5000, 500),
    weeks=Number("weeks", 104, 26, 156, 26),
    budget=Number("marketing budget ($M a year)", 1.0, 0.25, 5.0, 0.25),
)
settings

# %%
STRATEGIES = list(dict.fromkeys(["channel", "abm", settings.third]))
WORLDS, N_ACCOUNTS, WEEKS = settings.worlds, settings.accounts, settings.weeks
BUDGET = settings.budget * 1e6  # USD/year: 1.0 is what the default vendor, sized to 2,000 accounts, spends

# %% [markdown]
# ## Run every strategy in every world
#
# Seed *s* is the same world for every strategy (the same accounts, buying windows and people):
# only what the vendor does differs.

# %%
rows = []
for seed in range(WORLDS):
    for strategy in STRATEGIES:
        res = run([f"strategy={strategy}", f"seed={seed}", f"market.n_accounts={N_ACCOUNTS}",
                   f"horizon_weeks={WEEKS}", f"vendor.marketing_budget_usd_year={BUDGET}",
                   "output.progress=false"])
        rows.append({"strategy": strategy, "world": seed, **res.summary})
runs = pd.DataFrame(rows)
print(f"{len(runs)} runs")

# %% [markdown]
# ## Mean and 95% interval per strategy

# %%
METRICS = ["pipeline_created_usd", "bookings_usd", "win_rate", "nrr", "cac_usd", "trust_index"]
interval_table(runs, METRICS, by="strategy")

# %%
fig, axes = plt.subplots(1, 4, figsize=(14, 3.6), layout="constrained")
for ax, metric in zip(axes, ["pipeline_created_usd", "bookings_usd", "win_rate", "nrr"], strict=True):
    stats = [mean_ci(runs[runs.strategy == s][metric]) for s in STRATEGIES]
    means = np.array([m for m, _, _ in stats])
    err = np.array([[m - lo for m, lo, _ in stats], [hi - m for m, _, hi in stats]])
    ax.bar(STRATEGIES, means, yerr=err, capsize=4, color=OKABE_ITO[: len(STRATEGIES)])
    label_metric(ax, metric)  # money in $M, rates in %
fig.suptitle("Strategies: mean and 95% interval over worlds")
plt.show()

# %% [markdown]
# ## Paired differences to ABM, in the same worlds
#
# Subtracting within each world removes the luck both strategies share. Compare the width of the
# paired interval with the unpaired one.

# %%
catalog = runs.rename(columns={"strategy": "strategy.name", "world": "world_id"})
diffs = paired_differences(catalog, ["pipeline_created_usd", "bookings_usd", "nrr"], baseline="abm")
kind = {"pipeline_created_usd": "usd", "bookings_usd": "usd", "nrr": "pct"}
pd.DataFrame({
    "strategy": diffs.strategy, "metric": diffs.metric.str.removesuffix("_usd").str.replace("_", " "),
    "difference to abm": [format_difference(v, kind[m]) for v, m in zip(diffs["diff"], diffs.metric, strict=True)],
    "paired 95% interval": [f"{format_difference(lo, kind[m])} to {format_difference(hi, kind[m])}"
                            for lo, hi, m in zip(diffs.paired_low, diffs.paired_high, diffs.metric, strict=True)],
    "unpaired 95% interval": [f"{format_difference(lo, kind[m])} to {format_difference(hi, kind[m])}"
                              for lo, hi, m in zip(diffs.unpaired_low, diffs.unpaired_high, diffs.metric,
                                                   strict=True)],
})

# %% [markdown]
# ## Where the difference comes from
#
# Follow the funnel: accounts reached, qualified, opportunities, wins, and what customers do
# after the sale.

# %%
FUNNEL = ["mqa_count", "opportunities", "win_rate", "avg_deal_usd", "sales_cycle_weeks", "new_logos",
          "expansion_arr_usd", "collisions_per_account", "spend_usd"]
metric_table(runs, FUNNEL, by="strategy")

# %% [markdown]
# The closing check: pairing within worlds should give narrower intervals than ignoring the
# pairing (half as wide or less is typical).

# %%
paired = diffs.paired_high - diffs.paired_low
unpaired = diffs.unpaired_high - diffs.unpaired_low
shows("comparing in the same worlds gives tighter answers", bool(np.median(paired / unpaired) < 1),
      f"the paired interval is {np.median(paired / unpaired):.0%} as wide as the unpaired one (median over the "
      f"{len(diffs)} differences); {settings.third} minus abm in bookings: "
      f"{metric_value('bookings_usd', diffs[diffs.metric == 'bookings_usd']['diff'].iloc[-1])} a run.")

# %% [markdown]
# ## Exercises
#
# 1. Which stage of the funnel explains most of ABX's extra pipeline: more opportunities, a
#    higher win rate or bigger deals?
# 2. Move *worlds* to 10. How much narrower do the intervals get? (Roughly 1/√n.)
# 3. Choose `abx_no_sales_alignment` as the third strategy. How much of ABX's lead over ABM
#    survives when sales works a different list?
# 4. Channel-only has the lowest pipeline, but look at its cost. Is there a budget at which it is
#    the better choice? (Move the *marketing budget* slider.)
