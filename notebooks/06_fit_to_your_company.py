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
# # 6 · Fit the model to your company
#
# **What you will learn**
#
# - How a company's own records (a CRM export of opportunities and ARR changes) become **targets**:
#   figures such as win rate and NRR, each with its uncertainty.
# - How **ABC-SMC** finds the parameter values that reproduce those targets, and how uncertain they
#   stay (a posterior, not a single answer); what the fit's checks say it cannot claim.
# - How to compare strategies **in your fitted world**, with the calibration's uncertainty carried
#   through, and how much of a strategy difference is parameter uncertainty and how much run noise.
#
# We play a company whose true parameters we know, so we can see whether the fit finds them.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import yaml
from matplotlib.ticker import FuncFormatter

from sim.api import run
from sim.apps.lesson import metric_value, shows
from sim.fit import abc, records, targets
from sim.fit.fitting import Settings, fit, read_posterior
from sim.fit.targets import STATISTICS
from sim.outputs.formats import format_value, kind_of
from sim.outputs.plots import OKABE_ITO, use_style
from sim.sweep.analysis import uncertainty_split
from sim.sweep.designs import make_design

use_style()
WORK = tempfile.TemporaryDirectory()  # the fit's files; removed at the end

# %% [markdown]
# ## Your company's records
#
# Our company sells into a market of 400 accounts and faces **strong competitors**
# (`competitor_strength` 0.8 on the logit of winning; the default market has 0). Its CRM holds a
# year and a half of opportunities and every change of a customer's ARR (a run's records start after
# 26 weeks of warm-up): exactly what `abx-sim-fit export` writes from a run, and what a Salesforce
# or HubSpot report can be mapped onto.

# %%
TRUTH = {"market.deals.competitor_strength": 0.8, "market.deals.p_holdout": 0.14}
company = run(["market.n_accounts=400", "horizon_weeks=104", "seed=21", "output.progress=false",
               *(f"{key}={value}" for key, value in TRUTH.items())])
recs = records.from_results(company)
recs.opportunities.head().assign(amount_usd=lambda d: d.amount_usd.map(lambda v: metric_value("avg_deal_usd", v)))

# %% [markdown]
# ## Targets: the figures, each with its uncertainty
#
# The same code reduces a CRM export and every simulated run to figures, so they always mean the
# same thing. The standard errors come from a bootstrap: resample the opportunities (and the
# customers) and see how much each figure moves. We fit to the sales figures here.

# %%
text, missing = targets.targets_yaml(recs, {"market.n_accounts": 400}, n_boot=200)
spec = yaml.safe_load(text)
spec["targets"] = {k: v for k, v in spec["targets"].items() if k in ("win_rate", "no_decision_rate",
                                                                      "new_logos_per_year", "sales_cycle_weeks")}
company_targets = targets.parse_targets(spec)


def target_value(name: str, value: float) -> str:
    """A target's figure as people read it ($K, %, weeks)."""
    return format_value(float(value), kind_of(STATISTICS[name].unit))


pd.DataFrame({name: {"value": target_value(name, t.value), "standard error": target_value(name, t.se),
                     "meaning": STATISTICS[name].doc} for name, t in company_targets.targets.items()}).T

# %% [markdown]
# ## Fit
#
# Two parameters, with uniform priors over wide ranges: how strong the competition is, and how
# often a committee member holds the group to the status quo. ABC-SMC proposes parameter sets,
# simulates each, and keeps them in proportion to how well they reproduce the targets, over a few
# generations that sharpen step by step. Small settings keep this to a minute; a real fit uses the
# command `abx-sim-fit fit` with more particles and generations.

# %%
priors = [abc.parse_prior("market.deals.competitor_strength=-1:2"), abc.parse_prior("market.deals.p_holdout=0.04:0.3")]
out = Path(WORK.name) / "fit"
info = fit(company_targets, Settings(priors, population=15, generations=3, seed=1, workers=2), out, progress=False)
print(f"{info['simulations']} simulated runs in {info['seconds']:.0f} s")
pd.DataFrame({key: {"median": f"{p['median']:.3g}", "90% interval": f"{p['interval_90'][0]:.3g} to "
                    f"{p['interval_90'][1]:.3g}", "share of the prior": f"{p['prior_share']:.0%}",
                    "identified": "yes" if p["identified"] else "no"} for key, p in info["parameters"].items()}).T

# %% [markdown]
# Where did the truth land? Each panel is the posterior (weighted particles) over the prior's range,
# with the true value as a line.

# %%
posterior = read_posterior(out)
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
for ax, prior in zip(axes, priors, strict=True):
    ax.hist(posterior[prior.key], bins=12, range=(prior.lo, prior.hi), weights=posterior.weight, color=OKABE_ITO[0])
    ax.axvline(TRUTH[prior.key], color=OKABE_ITO[3], lw=2, label="truth")
    ax.set_title(prior.key.rsplit(".", 1)[-1])
    ax.set_yticks([])
axes[0].legend()
plt.show()

# %% [markdown]
# ## What the fit cannot claim
#
# The fit checks itself: the posterior's predictions (particles run in fresh worlds) against each
# target. A target far from them (|z| > 3) is called out, and so is a parameter the targets do not
# pin down. An empty list means neither happened.

# %%
print(info["warnings"] or "no warnings")
pd.DataFrame({name: {"your value": target_value(name, t["value"]), "predicted": target_value(name, t["median"]),
                     "90% of predictions": f"{target_value(name, t['interval_90'][0])} to "
                                           f"{target_value(name, t['interval_90'][1])}",
                     "z": "n/a" if t["z"] is None else f"{t['z']:+.1f}",
                     "reproduced": "yes" if t["reproduced"] else "no"}
              for name, t in info["targets"].items()}).T

# %% [markdown]
# ## ABX or ABM, in your world
#
# Now the strategist's question. We draw four worlds from the posterior and run both strategies in
# each, twice (two replications: two runs of chance in the same world). The difference ABX − ABM
# then has two sources of spread: which world is the true one (parameter uncertainty) and chance
# (run noise).

# %%
worlds = make_design("posterior", {}, samples=4, seed=0, posterior=str(out))
rows = []
for point, values in enumerate(worlds.points):
    settings = [f"{name}={value:.6g}" for name, value in zip(worlds.names, values, strict=True)]
    for replication in range(2):
        pair = {s: run([f"strategy={s}", "market.n_accounts=400", "horizon_weeks=104", "output.progress=false",
                        f"replication={replication}", *settings]).summary for s in ("abx", "abm")}
        rows.append({"point": point, "replication": replication,
                     "value": pair["abx"]["bookings_usd"] - pair["abm"]["bookings_usd"]})
difference = pd.DataFrame(rows)
split = uncertainty_split(difference)
print(f"ABX - ABM bookings: {metric_value('bookings_usd', split['mean'])} on average, spread "
      f"{metric_value('bookings_usd', split['sd'])}; {split['parameter_share']:.0%} of the spread is parameter "
      "uncertainty, the rest run noise")

# %%
fig, ax = plt.subplots(figsize=(6, 3))
ax.scatter(difference.point, difference.value, color=OKABE_ITO[0])
ax.axhline(0, color="black", lw=0.8)
ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: metric_value("bookings_usd", v)))
ax.set_xlabel("world drawn from the posterior")
ax.set_ylabel("ABX − ABM bookings")
ax.set_xticks(range(len(worlds.points)))
plt.show()

# %% [markdown]
# The closing check: the fit should have found the company we made, its true values inside the
# 90% intervals.

# %%
inside = {key: p["interval_90"][0] <= TRUTH[key] <= p["interval_90"][1] for key, p in info["parameters"].items()}
shows("the fit finds the company's true parameters", all(inside.values()),
      "; ".join(f"{key.rsplit('.', 1)[-1]}: truth {TRUTH[key]}, 90% interval {p['interval_90'][0]:.3g} to "
                f"{p['interval_90'][1]:.3g}" for key, p in info["parameters"].items()))
WORK.cleanup()

# %% [markdown]
# ## Exercises
#
# 1. Did the 90% intervals hold the true values? Raise `population` to 30 and `generations` to 5:
#    do they narrow? Does the truth stay inside?
# 2. Add `"nrr"` and `"grr"` to the targets and `market.customers.churn_health_logit=1:8` to the
#    priors. Is the new parameter identified by them, or does the fit warn?
# 3. Give the fit contradictory targets: set the win rate's value to 0.8. What do the checks say?
# 4. With more worlds (`samples=8`), does the share of the ABX − ABM spread that is parameter
#    uncertainty change? What would you need to narrow it: more replications, or better targets?
