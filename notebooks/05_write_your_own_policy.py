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
# # 5 · Write your own policy
#
# **What you will learn**
#
# - How a strategy is put together: one **policy** from each of four families (tiering,
#   orchestration, personalization, measurement), each a small Python class.
# - How to write a new personalization policy in about a dozen lines, register it, and compare it
#   with the built-in presets in the same worlds.
#
# Our idea to test: **honest templates**. Template-based messages are cheap (research is done per
# cluster of accounts, at a tenth of the cost), but they claim more personalization than the
# research behind them, which buyers may see as theater. What if the template never claimed more
# than the research it has?

# %%
import numpy as np
import pandas as pd

from sim.api import compose_config, run
from sim.apps.lesson import metric_label, metric_table, metric_value, shows
from sim.core.policies import register
from sim.core.policies.personalization import Template
from sim.core.validate import validate
from sim.outputs.formats import format_difference
from sim.outputs.plots import use_style
from sim.sweep.analysis import mean_ci

use_style()

# %% [markdown]
# ## The built-in template policy
#
# A personalization policy answers one question per week: for accounts at each investment level,
# how deep is the research (`depth`) and how much personalization do the messages claim
# (`claim`)? Here is the template style's claim method:

# %%
import inspect

print(inspect.getsource(Template))

# %% [markdown]
# ## Our policy, in a dozen lines
#
# We inherit everything from the template style (its parameters, cost and role matching) and
# change one rule: the claim never exceeds the research depth actually done.

# %%
@register("honest_template", replace=True)
class HonestTemplate(Template):
    """Template messaging that never claims more personalization than its research supports."""

    def claim(self, level: np.ndarray, depth: np.ndarray) -> np.ndarray:
        """The template's usual claim, capped at the research depth behind it."""
        return np.minimum(super().claim(level, depth), depth)

# %% [markdown]
# ## Use it in a strategy
#
# Start from the ABX preset with template personalization, then switch the policy name to ours
# (its parameters are the template's, so nothing else changes).

# %%
SIZE = ["market.n_accounts=2000", "horizon_weeks=104", "vendor.marketing_budget_usd_year=1000000",
        "output.progress=false"]


def strategy_config(personalization: str, seed: int):
    """ABX with a given personalization policy (a built-in option or a registered name)."""
    builtin = personalization != "honest_template"
    cfg = compose_config(["strategy=abx", f"seed={seed}", *SIZE,
                          f"strategy/personalization={personalization if builtin else 'template'}"])
    cfg.strategy.personalization.policy = personalization
    return validate(cfg)


print(strategy_config("honest_template", 0).strategy.personalization)

# %% [markdown]
# ## Compare it with the presets, in the same worlds

# %%
WORLDS = 4
POLICIES = ["researched", "template", "honest_template", "ai_generated"]
rows = []
for seed in range(WORLDS):
    for policy in POLICIES:
        res = run(strategy_config(policy, seed))
        rows.append({"personalization": policy, "world": seed, **res.summary})
runs = pd.DataFrame(rows)

METRICS = ["pipeline_created_usd", "bookings_usd", "trust_index", "theater_share", "spend_usd", "roi"]
metric_table(runs, METRICS, by="personalization")

# %% [markdown]
# Paired in each world, honest templates against ordinary templates:

# %%
wide = runs.pivot(index="world", columns="personalization")
KINDS = {"pipeline_created_usd": "usd", "bookings_usd": "usd", "trust_index": "num", "theater_share": "pct",
         "spend_usd": "usd", "roi": "pct"}
cells = {}
for m in METRICS:
    mean, low, high = mean_ci(wide[m]["honest_template"] - wide[m]["template"])
    cells[metric_label(m)] = [format_difference(mean, KINDS[m]),
                              f"{format_difference(low, KINDS[m])} to {format_difference(high, KINDS[m])}"]
pd.DataFrame(cells, index=["honest minus template", "95% interval"]).T

# %% [markdown]
# The closing check: a template that never claims more than its research should be seen as theater
# less often than the ordinary template.

# %%
theater = runs.groupby("personalization").theater_share.mean()
shows("an honest template is seen as theater less often", bool(theater["honest_template"] < theater["template"]),
      f"touches seen as theater: {metric_value('theater_share', theater['template'])} with templates, "
      f"{metric_value('theater_share', theater['honest_template'])} with honest ones.")

# %% [markdown]
# ## Exercises
#
# 1. Is honesty worth it? Compare pipeline, trust and ROI of `honest_template` with `template`
#    and with fully `researched` personalization.
# 2. Write `half_honest`: the claim is halfway between the research depth and the template's
#    claim (`(depth + super().claim(level, depth)) / 2`). Register it and add it to `POLICIES`.
# 3. Policies in other families work the same way. Look at `sim/core/policies/orchestration.py`: which
#    method would you change to route plays to customers first?
# 4. To make your policy available from the command line, put the class in
#    `sim/core/policies/personalization.py` and add `configs/strategy/personalization/<name>.yaml`
#    (copy `template.yaml`); then `abx-sim strategy/personalization=<name>` runs it.
