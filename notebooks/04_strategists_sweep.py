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

from sim.api import run
from sim.outputs.plots import OKABE_ITO, use_style
from sim.sweep.analysis import cart_rules, condition_frame, prim_box, sensitivity
from sim.sweep.designs import make_design
from sim.sweep.report import fmt

use_style()
pd.options.display.float_format = fmt  # 1,234,567 for money, 3 significant digits otherwise

# %% [markdown]
# ## Settings: the ranges to explore
#
# Two levers the vendor controls and three conditions it does not. Each design point is one
# *world* in which we run both ABX and ABM (common random numbers).

# %%
RANGES = {
    "vendor.marketing_budget_usd_year": [200_000, 2_000_000],     # lever: budget (USD/year)
    "strategy.orchestration.list_overlap": [0.05, 1.0],           # lever: sales works the same list
    "market.p_window_start_year": [0.1, 0.3],                     # condition: accounts entering a buying window
    "market.deals.competitor_strength": [0.0, 1.5],               # condition: competitors in deals
    "market.buyers.skepticism_mean": [0.2, 0.7],                  # condition: how skeptical buyers are
}
TRAJECTORIES = 4  # Morris: (parameters + 1) points per trajectory
SIZE = ["market.n_accounts=1000", "horizon_weeks=104", "output.progress=false"]

design = make_design("morris", RANGES, samples=TRAJECTORIES, seed=0)
print(f"{len(design.points)} design points x 2 strategies = {2 * len(design.points)} runs")

# %% [markdown]
# ## Run the sweep

# %%
rows = []
for point, values in enumerate(design.points):
    settings = [f"{name}={value:.6g}" for name, value in zip(design.names, values, strict=True)]
    for strategy in ("abx", "abm"):
        res = run([f"strategy={strategy}", f"seed={point}", *SIZE, *settings])
        rows.append({"strategy.name": strategy, "world_id": point, "sweep.point": point,
                     **dict(zip(design.names, values, strict=True)), **res.summary})
runs = pd.DataFrame(rows)
runs.groupby("strategy.name")[["pipeline_created_usd", "bookings_usd", "nrr"]].describe().T.round(2)

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
    ax.set_title(f"ABX {metric}: Morris μ*")
plt.show()

# %% [markdown]
# ## When does ABX fail?
#
# Here "fail" means ABX's customer base barely grows: its net revenue retention stays under 105%.
# PRIM finds a box of settings where that mostly holds; CART writes the same as a decision tree.
# A condition can also compare strategies in the same world, e.g.
# `"abx.bookings_usd < abm.bookings_usd"` (exercise 2).

# %%
CONDITION = "abx.nrr < 1.05"
x, y = condition_frame(runs, design.names, CONDITION)
print(f"'{CONDITION}' holds in {int(y.sum())} of {len(y)} worlds")
box = prim_box(x, y)
if box is None:
    print("It never holds in these ranges.")
else:
    for name, (low, high) in box.limits.items():
        print(f"  {low:.3g} <= {name} <= {high:.3g}")
    print(f"coverage {box.coverage:.0%}, density {box.density:.0%}")
print(cart_rules(x, y) if y.any() else "")

# %% [markdown]
# ## Exercises
#
# 1. Which matters more for ABX's pipeline in these ranges: the budget or sales alignment?
#    Which condition outside the vendor's control matters most?
# 2. Change `CONDITION` to `"abx.bookings_usd < abm.bookings_usd"`. In how many worlds does ABM
#    book more than ABX? What would have to change in the ranges for it to happen?
# 3. Add a range for `"strategy.orchestration.follow_up_rate": [0.3, 1.0]` and run again. Does it
#    change the ranking?
# 4. Raise `TRAJECTORIES` to 8. Do the confidence intervals of μ* shrink enough to change your
#    answer to question 1?
