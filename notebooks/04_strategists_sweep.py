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
# # 4 · The strategist's sweep: what matters, and when does ABX fail?
#
# **What you will learn**
#
# - **Sensitivity analysis**: vary several settings at once, in a designed pattern, and measure
#   which of them move the outcome (the Morris method: elementary effects, μ*).
# - **Scenario discovery**: run many futures and ask the model *where* a bad outcome happens
#   ("when does ABX do worse than ABM?"), as rules a strategist can read (PRIM boxes and a
#   decision tree).
# - The difference between levers the vendor controls (budget, alignment) and conditions it does
#   not (the market's buying activity, competitors).

# %%
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FuncFormatter

from sim.api import run
from sim.apps.lesson import Choice, Controls, Number, metric_label, metric_value, shows
from sim.outputs.plots import OKABE_ITO, use_style
from sim.sweep.analysis import cart_rules, condition_frame, prim_box, sensitivity
from sim.sweep.designs import make_design

use_style()

# %% [markdown]
# ## Settings: the ranges to explore
#
# Two levers the vendor controls and three conditions it does not. Each design point is one
# *world* in which we run both ABX and ABM (common random numbers).

# %%
settings = Controls(
    trajectories=Number("Morris trajectories", 4, 2, 12),
    condition=Choice("when does ABX fail? condition", "abx.nrr < 1.05",
                     ["abx.nrr < 1.05", "abx.bookings_usd < abm.bookings_usd",
                      "abx.pipeline_created_usd < abm.pipeline_created_usd", "abx.trust_index < abm.trust_index"]),
)
settings

# %%
RANGES = {
    "vendor.marketing_budget_usd_year": [200_000, 2_000_000],     # lever: budget (USD/year)
    "strategy.orchestration.list_overlap": [0.05, 1.0],           # lever: sales works the same list
    "market.p_window_start_year": [0.1, 0.3],                     # condition: accounts entering a buying window
    "market.deals.competitor_strength": [0.0, 1.5],               # condition: competitors in deals
    "market.buyers.skepticism_mean": [0.2, 0.7],                  # condition: how skeptical buyers are
}
TRAJECTORIES = settings.trajectories  # Morris: (parameters + 1) points per trajectory
SIZE = ["market.n_accounts=1000", "horizon_weeks=104", "output.progress=false"]

design = make_design("morris", RANGES, samples=TRAJECTORIES, seed=0)
print(f"{len(design.points)} design points x 2 strategies = {2 * len(design.points)} runs")

# %% [markdown]
# ## Run the sweep

# %%
rows = []
for point, values in enumerate(design.points):
    overrides = [f"{name}={value:.6g}" for name, value in zip(design.names, values, strict=True)]
    for strategy in ("abx", "abm"):
        res = run([f"strategy={strategy}", f"seed={point}", *SIZE, *overrides])
        rows.append({"strategy.name": strategy, "world_id": point, "sweep.point": point,
                     **dict(zip(design.names, values, strict=True)), **res.summary})
runs = pd.DataFrame(rows)
OUTCOMES = ["pipeline_created_usd", "bookings_usd", "nrr"]
pd.DataFrame({strategy: [f"{metric_value(m, group[m].mean())} (from {metric_value(m, group[m].min())} to "
                         f"{metric_value(m, group[m].max())})" for m in OUTCOMES]
              for strategy, group in runs.groupby("strategy.name", sort=False)},
             index=pd.Index([metric_label(m) for m in OUTCOMES], name="mean over the worlds (range)"))

# %% [markdown]
# ## Which settings drive ABX's pipeline and retention?
#
# μ* is the average size of the change in the outcome when one setting moves across its range
# (with its confidence interval); a large σ means the effect depends on the other settings.

# %%
abx = runs[runs["strategy.name"] == "abx"].sort_values("sweep.point")
fig, axes = plt.subplots(1, 2, figsize=(13, 3.8), layout="constrained")
for ax, metric in zip(axes, ["pipeline_created_usd", "nrr"], strict=True):
    si = sensitivity(design, abx[metric].to_numpy()).sort_values("mu_star")
    ax.barh(si.parameter.str.split(".").str[-1], si.mu_star, xerr=si.mu_star_conf, color=OKABE_ITO[0])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _, m=metric: metric_value(m, v)))
    ax.set_title(f"ABX {metric_label(metric)}: Morris μ*")
plt.show()

# %% [markdown]
# ## When does ABX fail?
#
# Here "fail" means ABX's customer base barely grows: its net revenue retention stays under 105%.
# PRIM finds a box of settings where that mostly holds; CART writes the same as a decision tree.
# A condition can also compare strategies in the same world, e.g.
# `"abx.bookings_usd < abm.bookings_usd"` (exercise 2).

# %%
CONDITION = settings.condition


def setting(name: str, value: float) -> str:
    """A setting's value as people read it (money for the budget)."""
    return metric_value("spend_usd", value) if name.endswith("_usd_year") else f"{value:.3g}"


x, y = condition_frame(runs, design.names, CONDITION)
print(f"'{CONDITION}' holds in {int(y.sum())} of {len(y)} worlds ({y.mean():.0%})")
box = prim_box(x, y)
if box is None:
    print("It never holds in these ranges.")
else:
    for name, (low, high) in box.limits.items():
        print(f"  {setting(name, low)} <= {name} <= {setting(name, high)}")
    print(f"coverage {box.coverage:.0%}, density {box.density:.0%}")
print(cart_rules(x, y) if y.any() else "")

# %% [markdown]
# The closing check: inside PRIM's box the condition should hold far more often than across all
# the worlds, or the box explains nothing.

# %%
shows("scenario discovery finds the settings where ABX fails", box is not None and box.density > y.mean(),
      f"the condition holds in {y.mean():.0%} of all worlds and in "
      f"{'no box' if box is None else f'{box.density:.0%} of the worlds inside the box'}.")

# %% [markdown]
# ## Exercises
#
# 1. Which matters more for ABX's pipeline in these ranges: the budget or sales alignment?
#    Which condition outside the vendor's control matters most?
# 2. Choose the condition `abx.bookings_usd < abm.bookings_usd` in the menu. In how many worlds
#    does ABM book more than ABX? What would have to change in the ranges for it to happen?
# 3. Add a range for `"strategy.orchestration.follow_up_rate": [0.3, 1.0]` and run again. Does it
#    change the ranking?
# 4. Move *Morris trajectories* to 8. Do the confidence intervals of μ* shrink enough to change
#    your answer to question 1?
