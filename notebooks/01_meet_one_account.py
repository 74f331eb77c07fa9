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
# # 1 · Meet one account: a buying committee, week by week
#
# **What you will learn**
#
# - A B2B purchase is decided by a *buying committee*: several people with different roles,
#   influence and skepticism, and some of them can veto.
# - Each member has their own view of the vendor: **awareness**, **engagement**, **opinion** and
#   **trust**, and their own **fatigue**. Touches (ads, emails, events, sales calls) move these
#   numbers, with diminishing returns.
# - Why consensus is hard: a deal needs enough of the committee engaged *and* on side, and one
#   unconvinced veto-holder can stall it.
#
# Run the cells from top to bottom (Shift+Enter). Nothing here needs programming: choose the
# settings with the menus and sliders below, then run the cells after them again
# (Run > Run Selected Cell and All Below).

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.api import compose_config, config_options
from sim.apps.lesson import Choice, Controls, Number, shows
from sim.core.mechanisms import members as mem
from sim.core.model import ABXModel
from sim.core.validate import validate
from sim.outputs.plots import OKABE_ITO, use_style

use_style()  # the project's plot style and colour-blind-safe palette

# %% [markdown]
# ## Settings

# %%
settings = Controls(
    strategy=Choice("strategy", "abx", config_options("strategy")),  # try abm, channel or abx_theater
    tier=Choice("follow an account on the tier", "one_to_one", ["one_to_one", "one_to_few", "one_to_many",
                                                               "untargeted"]),
    accounts=Number("accounts in the market", 2000, 500, 5000, 500),
    weeks=Number("weeks", 52, 13, 156, 13),
    seed=Number("world (seed)", 1, 0, 20),
)
settings

# %%
STRATEGY, TIER, N_ACCOUNTS, WEEKS, SEED = (settings.strategy, settings.tier, settings.accounts, settings.weeks,
                                           settings.seed)

# %% [markdown]
# ## A market, and the vendor's most important account
#
# We build the model and run its first week, so the vendor has drawn up its target list. Then we
# pick the first account on the chosen tier (by default the **1:1 tier**: the vendor's most
# strategic accounts, each with its own program) and follow it.

# %%
cfg = compose_config([f"strategy={STRATEGY}", f"market.n_accounts={N_ACCOUNTS}", f"horizon_weeks={WEEKS}",
                      f"seed={SEED}", "output.progress=false"])
cfg.output.story_ids = list(range(N_ACCOUNTS))  # keep every account's story, so we can pick any
model = ABXModel(validate(cfg))
model.step()
tiers = model.account_table().tier
on_tier = tiers[tiers == TIER].index
ACCOUNT = int(on_tier[0]) if len(on_tier) else int(tiers.index[0])
account = model.account_agents[ACCOUNT]
print(f"Account {ACCOUNT}: {account.segment} company, tier {account.tier}, stage {account.stage}")
account.committee_table()[["role", "influence", "veto", "skepticism", "awareness", "opinion", "trust"]].round(2)

# %% [markdown]
# Each row is one person. `influence` says how much their opinion counts inside the committee,
# `veto` whether they can block a deal, `skepticism` how quickly they see through hollow
# personalization.
#
# ## What a touch does
#
# A touch gets through in proportion to the member's **receptivity**: trust raises it, fatigue
# lowers it. Below, the share of a touch that gets through for a member with average trust (0.5),
# as fatigue builds up.

# %%
b = model.cfg.market.buyers
fatigue = np.linspace(0, 1, 11)
through = mem.receptivity(np.full(11, 0.5), fatigue, b.trust_power, b.trust_baseline)
pd.DataFrame({"fatigue": fatigue, "share of the touch that gets through": through.round(2)})

# %% [markdown]
# And the personalization a touch *claims* against the research behind it: when the claim
# exceeds the research, the touch may be seen as **theater** (superficial personalization), which
# costs trust. Chance of being seen as theater for a member with average skepticism:

# %%
claim = np.linspace(0, 1, 6)
table = {f"research depth {d}": mem.p_superficial(claim, np.full(6, d), np.full(6, 0.4),
                                                   b.theater_sensitivity).round(2) for d in (0.0, 0.5, 1.0)}
pd.DataFrame(table, index=pd.Index(claim.round(1), name="claimed personalization"))

# %% [markdown]
# ## A year, week by week
#
# We now run the rest of the year and record the committee every week.

# %%
weeks = []
for _ in range(WEEKS - 1):
    model.step()
    table = account.committee_table()
    table["week"] = model.steps
    weeks.append(table)
history = pd.concat(weeks, ignore_index=True)

fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), layout="constrained", sharex=True)
for ax, column in zip(axes, ["awareness", "opinion", "trust"], strict=True):
    for k, (_, rows) in enumerate(history.groupby("member")):
        ax.plot(rows.week, rows[column], color=OKABE_ITO[k % len(OKABE_ITO)],
                label=f"{rows.role.iloc[0]}{' (veto)' if rows.veto.iloc[0] else ''}")
    ax.set(title=column, xlabel="week")
axes[0].set_ylabel("0-1 (opinion: -1 to 1)")
axes[2].legend(fontsize=8, loc="lower right")
fig.suptitle(f"Account {ACCOUNT}: its committee members over a year")
plt.show()

# %% [markdown]
# ## The account's story
#
# Everything that happened to this account, as the vendor's systems would log it: touches, stage
# changes, plays, deals.

# %%
story = account.story()
print(f"{len(story)} events; the stage changes and deals:")
story[story.kind != "touches"]

# %% [markdown]
# ## Why consensus is hard
#
# A deal moves when the committee is **engaged** (its *coverage*: the share of its influence
# engaged) and **on side** (its *support*: the influence-weighted opinion of the engaged). But every
# veto-holder counts on their own: one whose opinion is below the deals' veto threshold, or who was
# never engaged when the deal comes late in its cycle (the security review nobody prepared for),
# stalls it. First this account's veto-holders:

# %%
now = account.committee_table()
now["engaged"] = now.engagement >= b.engaged_threshold
print(f"coverage now: {account.coverage:.0%} of the committee's influence engaged; stage at week "
      f"{model.steps}: {account.stage}")
now[now.veto][["role", "influence", "engaged", "engagement", "opinion"]].round(2)

# %% [markdown]
# An unengaged veto-holder's opinion is only their prior view; it is the engagement column that
# says whether they were ever in the conversation. Now the whole market after the year: how often
# does a committee that looks fine *on average* hide a veto-holder who would stall the deal?

# %%
m, d = model.members, model.cfg.market.deals
engaged = m.engagement >= b.engaged_threshold
weight = np.bincount(m.acct, m.influence * engaged, model.n_accounts)
average = np.bincount(m.acct, m.influence * engaged * m.opinion, model.n_accounts) / np.maximum(weight, 1e-9)
looks_fine = (weight > 0) & (average > 0)  # engaged members, on side on average
blocking = m.veto & ((m.opinion < d.veto_opinion) | ~engaged)
blocked = np.bincount(m.acct, blocking, model.n_accounts) > 0
hidden = looks_fine & blocked
shows("an average hides the veto-holder who can stall a deal", hidden.sum() > 0,
      f"{looks_fine.sum():,} accounts have engaged members whose influence-weighted opinion is positive; in "
      f"{hidden.sum():,} of them ({hidden.sum() / max(looks_fine.sum(), 1):.0%}) a veto-holder is below the veto "
      f"threshold ({d.veto_opinion}) or was never engaged, and would stall a deal late in its cycle.")

# %% [markdown]
# ## Exercises
#
# 1. Choose the strategy `abx_theater` in the menu and run the cells below it again. What happens
#    to the members' trust? Which members lose it first (look at their skepticism)?
# 2. Follow an account on another tier (the *tier* menu at the top, then run the cells below it
#    again). How does its story differ from the 1:1 account's?
# 3. In the table of "what a touch does", how tired can a member be before a touch does only half
#    of what it does to a fresh one?
# 4. Find a week in the story where the stage went back (for example a stalled deal). What
#    happened just before?
