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

from sim.api import run
from sim.outputs.plots import OKABE_ITO, use_style
from sim.sweep.analysis import mean_ci, paired_differences
from sim.sweep.report import fmt

use_style()
pd.options.display.float_format = fmt  # 1,234,567 for money, 3 significant digits otherwise

# %% [markdown]
# ## Settings
#
# Five worlds of 2,000 accounts over two years take about a minute. More worlds give narrower
# intervals.

# %%
STRATEGIES = ["channel", "abm", "abx"]
WORLDS = 5
N_ACCOUNTS = 2000
WEEKS = 104
BUDGET = 1_000_000  # marketing budget, USD/year: what the default vendor, sized to 2,000 accounts, spends

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
METRICS = {"pipeline_created_usd": "pipeline created (USD)", "bookings_usd": "bookings (USD)",
           "win_rate": "win rate", "nrr": "net revenue retention", "cac_usd": "CAC per new logo (USD)",
           "trust_index": "trust index (0-1)"}


def interval(values: pd.Series) -> str:
    mean, low, high = mean_ci(values)
    return f"{mean:,.3g} [{low:,.3g}, {high:,.3g}]"


table = runs.groupby("strategy", sort=False)[list(METRICS)].agg(interval).rename(columns=METRICS)
table.T

# %%
fig, axes = plt.subplots(1, 4, figsize=(14, 3.6), layout="constrained")
for ax, metric in zip(axes, ["pipeline_created_usd", "bookings_usd", "win_rate", "nrr"], strict=True):
    stats = [mean_ci(runs[runs.strategy == s][metric]) for s in STRATEGIES]
    means = np.array([m for m, _, _ in stats])
    err = np.array([[m - lo for m, lo, _ in stats], [hi - m for m, _, hi in stats]])
    ax.bar(STRATEGIES, means, yerr=err, capsize=4, color=OKABE_ITO[: len(STRATEGIES)])
    ax.set_title(METRICS[metric])
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
diffs["paired width"] = diffs.paired_high - diffs.paired_low
diffs["unpaired width"] = diffs.unpaired_high - diffs.unpaired_low
diffs[["strategy", "metric", "diff", "paired_low", "paired_high", "paired width", "unpaired width"]].round(3)

# %% [markdown]
# ## Where the difference comes from
#
# Follow the funnel: accounts reached, qualified, opportunities, wins, and what customers do
# after the sale.

# %%
FUNNEL = {"mqa_count": "MQAs", "opportunities": "opportunities", "win_rate": "win rate",
          "avg_deal_usd": "average deal (USD)", "sales_cycle_weeks": "sales cycle (weeks)",
          "new_logos": "new logos", "expansion_arr_usd": "expansion ARR (USD)",
          "collisions_per_account": "collisions per account", "spend_usd": "spend (USD)"}
runs.groupby("strategy", sort=False)[list(FUNNEL)].mean().rename(columns=FUNNEL).T.round(3)

# %% [markdown]
# ## Exercises
#
# 1. Which stage of the funnel explains most of ABX's extra pipeline: more opportunities, a
#    higher win rate or bigger deals?
# 2. Set `WORLDS = 10`. How much narrower do the intervals get? (Roughly 1/√n.)
# 3. Add `"abx_no_sales_alignment"` to `STRATEGIES`. How much of ABX's lead over ABM survives
#    when sales works a different list?
# 4. Channel-only has the lowest pipeline, but look at its cost. Is there a budget at which it is
#    the better choice? (Hint: change `BUDGET`.)
