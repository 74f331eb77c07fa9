"""Patterns that emerge from accounts that differ: ``docs/emergence.md`` and ``docs/emergence.png``.

None of the four patterns below is set by a parameter of its own; each comes out of a mechanism
acting on accounts that differ, and each is read here from outside the model, week by week:

1. **No decision by committee size.** Every member can hold the group to the status quo
   (:func:`sim.core.mechanisms.deals.p_nobody_holds_out`), so bigger committees decide less often
   (CAL-1.13, CAL-2.8).
2. **Churn by renewal number.** Each customer carries its own churn propensity
   (:func:`sim.core.mechanisms.market.draw_churn_propensity`); the churn-prone leave first, so a
   cohort's churn falls with every renewal survived although no account changes (CAL-3.6).
3. **NRR by segment.** Expansion draws on each account's whitespace, which is larger for bigger
   organisations (:func:`sim.core.mechanisms.market.draw_wallet`; CAL-3.7).
4. **Referrals create demand.** With marketing switched off, referrals from advocates engage peer
   committees and bring leads; the run with referrals is compared with the same worlds without.

Reproduce (about two minutes)::

    python -m sim.studies.emergence --seeds 5 > docs/emergence.md
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.api import compose_config, run
from sim.core.config import SEGMENTS
from sim.core.model import ABXModel
from sim.core.state import Outcome, Stage
from sim.core.validate import validate
from sim.outputs.plots import OKABE_ITO, save_figure, styled
from sim.studies import CHECKOUT
from sim.sweep.analysis import mean_ci
from sim.sweep.report import markdown_table

FIGURE = CHECKOUT / "docs" / "emergence.png"
#: Committee-size bands of the no-decision panel (members, inclusive).
SIZE_BANDS = ((2, 4), (5, 6), (7, 8), (9, 10), (11, 16))
#: Renewal numbers shown (the last band collects every later renewal).
MAX_RENEWAL = 4
#: Marketing switched off: no program budget, no marketers, no intent data; sales and CS remain.
NO_MARKETING = ("vendor.marketing_budget_usd_year=0", "vendor.n_marketers=0", "vendor.intent_data_usd_year=0",
                "market.installed_base_share=0.15")


@dataclass
class Observed:
    """What one run shows: its decided deals, its renewals and its ARR by segment."""

    deals: pd.DataFrame  # committee_size, no_decision (one row per decided new-logo deal)
    renewals: pd.DataFrame  # renewal (how many renewals the customer had survived before), churned
    segments: pd.DataFrame  # segment, arr_start (52 weeks before the end), arr_end, of that cohort


def observe(overrides: Sequence[str]) -> Observed:
    """Run one config week by week and record every decided deal and every renewal."""
    model = ABXModel(validate(compose_config(list(overrides))))
    a = model.accounts
    deals, renewals = [], []
    for w in range(model.cfg.horizon_weeks):
        before, customer = a.renewals.copy(), a.stage >= Stage.ONBOARDING
        model.step()
        closed = np.flatnonzero(a.ti_close == w)
        deals.append(pd.DataFrame({"committee_size": a.m_count[closed],
                                   "no_decision": a.outcome[closed] == Outcome.NO_DECISION}))
        churned = customer & (a.ti_churn == w)
        renewed = customer & (a.renewals > before)
        due = np.flatnonzero(churned | renewed)
        renewals.append(pd.DataFrame({"renewal": before[due], "churned": churned[due]}))
    cohort_start = model.cohort_arr.astype(float)  # the model's own NRR cohort
    cohort = cohort_start > 0
    segments = pd.DataFrame({"segment": np.asarray(SEGMENTS)[a.segment[cohort]], "arr_start": cohort_start[cohort],
                             "arr_end": a.arr[cohort].astype(float)})
    return Observed(pd.concat(deals, ignore_index=True), pd.concat(renewals, ignore_index=True), segments)


def no_decision_by_size(obs: Observed) -> dict[str, float]:
    """Share of decided deals ending in no decision, per committee-size band."""
    d = obs.deals
    out = {}
    for lo, hi in SIZE_BANDS:
        band = d[(d.committee_size >= lo) & (d.committee_size <= hi)]
        out[f"{lo}-{hi}"] = float(band.no_decision.mean()) if len(band) else np.nan
    return out


def churn_by_renewal(obs: Observed) -> dict[str, float]:
    """Share of contracts churned at each renewal (1 = the first), later ones pooled."""
    r = obs.renewals.assign(n=np.minimum(obs.renewals.renewal + 1, MAX_RENEWAL))
    return {(f"{n}" if n < MAX_RENEWAL else f"{n}+"): float(g.churned.mean()) for n, g in r.groupby("n")}


def nrr_by_segment(obs: Observed) -> dict[str, float]:
    """Net revenue retention of the cohort that was a customer 52 weeks before the end, per segment."""
    g = obs.segments.groupby("segment")
    return {s: float(g.arr_end.sum()[s] / g.arr_start.sum()[s]) for s in SEGMENTS if s in g.groups}


def referral_demand(seeds: int, extra: Sequence[str]) -> pd.DataFrame:
    """New logos and referral leads with marketing off, with and without referrals, per seed."""
    rows = []
    for seed in range(seeds):
        for label, off in (("with referrals", []), ("without referrals", ["market.customers.p_referral_week=0"])):
            s = run([*NO_MARKETING, *off, f"seed={seed}", *extra]).summary
            rows.append({"seed": seed, "variant": label, "new_logos": s["new_logos"],
                         "referral_leads": s["referral_leads"], "pipeline_created_usd": s["pipeline_created_usd"]})
    return pd.DataFrame(rows)


def summarise(per_seed: list[dict[str, float]]) -> pd.DataFrame:
    """Mean and 95% interval over seeds of each key."""
    frame = pd.DataFrame(per_seed)
    return pd.DataFrame([(k, *mean_ci(frame[k])) for k in frame.columns], columns=["key", "mean", "low", "high"])


@styled
def figure(panels: dict[str, pd.DataFrame], referrals: pd.DataFrame, path: Path) -> Path:
    """Four panels: one per pattern, means with 95% intervals over seeds."""
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.8), layout="constrained")
    titles = {"no_decision": ("No decision by committee size", "committee members", "share of decided deals"),
              "churn": ("Churn by renewal number", "renewal", "share of contracts churned"),
              "nrr": ("NRR by segment", "segment", "net revenue retention")}
    for ax, (key, t) in zip(axes, titles.items(), strict=False):
        d = panels[key]
        ax.bar(d.key, d["mean"], yerr=np.vstack([d["mean"] - d.low, d.high - d["mean"]]), capsize=3,
               color=OKABE_ITO[0])
        ax.set(title=t[0], xlabel=t[1], ylabel=t[2])
    axes[2].axhline(1.0, color="0.3", lw=0.8, ls="--")
    per = referrals.groupby("variant", sort=False).new_logos
    stats = [mean_ci(per.get_group(v)) for v in per.groups]
    axes[3].bar(list(per.groups), [s[0] for s in stats], color=[OKABE_ITO[2], OKABE_ITO[3]],
                yerr=np.array([[s[0] - s[1], s[2] - s[0]] for s in stats]).T, capsize=3)
    axes[3].set(title="Marketing off: new logos", ylabel="new logos over the run")
    fig.suptitle("Patterns that emerge from accounts that differ (mean, 95% interval over seeds)")
    return save_figure(fig, path)


def percent_table(frame: pd.DataFrame, head: str, fmt: str = "{:.1%}") -> str:
    """A summarised frame as Markdown: key, mean [95% interval]."""
    cells = [fmt.format(r["mean"]) + (f" [{fmt.format(r.low)}, {fmt.format(r.high)}]" if np.isfinite(r.low) else "")
             for _, r in frame.iterrows()]
    return markdown_table(pd.DataFrame({head: frame.key, "mean [95% interval]": cells}))


def markdown(panels: dict[str, pd.DataFrame], referrals: pd.DataFrame, seeds: int, extra: Sequence[str]) -> str:
    """The emergence document."""
    per = referrals.pivot(index="seed", columns="variant")
    gain = per["new_logos"]["with referrals"] - per["new_logos"]["without referrals"]
    g = mean_ci(gain)
    size = " ".join(extra) if extra else "the default scenario (ABX, mid-market SaaS, 10,000 accounts, 156 weeks)"
    lines = ["# Patterns that emerge from accounts that differ", "",
             f"Generated by `python -m sim.studies.emergence --seeds {seeds} > docs/emergence.md`; do not edit. "
             f"Runs: {size}, seeds 0-{seeds - 1}; each run is read week by week from outside the model. "
             "None of these patterns has a parameter of its own: each comes out of a mechanism acting on "
             "accounts that differ (see the module docstring of `sim/studies/emergence.py` and "
             "`docs/sources.md`).", "", "![Emergent patterns](emergence.png)", "",
             "## No decision by committee size (CAL-1.13, CAL-2.8)", "",
             "Every member can hold the group to the status quo, so the share of decided deals that end in no "
             "decision rises with the committee's size.", "",
             percent_table(panels["no_decision"], "committee members"), "",
             "## Churn by renewal number (CAL-3.6)", "",
             "Each customer has its own churn propensity; those most likely to leave leave first, so churn "
             "falls with every renewal a cohort survives, although no customer changes.", "",
             percent_table(panels["churn"], "renewal"), "",
             "## NRR by segment (CAL-3.7)", "",
             "Bigger organisations have more whitespace (seats, teams, products) to expand into.", "",
             percent_table(panels["nrr"], "segment"), "",
             "## Referrals create demand with marketing off", "",
             f"Marketing switched off ({', '.join(f'`{o}`' for o in NO_MARKETING)}); sales and customer "
             "success keep working. The same worlds with and without referrals "
             "(`market.customers.p_referral_week` at its default against 0):", ""]
    table = referrals.groupby("variant", sort=False)[["new_logos", "referral_leads"]].mean().reset_index()
    lines += [markdown_table(table.round(1)), "",
              f"Referrals add {g[0]:.1f} new logos [{g[1]:.1f}, {g[2]:.1f}] (paired by seed).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print the emergence document and draw its figure."""
    parser = argparse.ArgumentParser(prog="python -m sim.studies.emergence", description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--figure", type=Path, default=FIGURE, help=f"where to draw the figure (default {FIGURE})")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. market.n_accounts=2000")
    args = parser.parse_args(argv)
    runs = [observe(["strategy=abx", f"seed={s}", *args.overrides]) for s in range(args.seeds)]
    panels = {"no_decision": summarise([no_decision_by_size(o) for o in runs]),
              "churn": summarise([churn_by_renewal(o) for o in runs]),
              "nrr": summarise([nrr_by_segment(o) for o in runs])}
    referrals = referral_demand(args.seeds, args.overrides)
    figure(panels, referrals, args.figure)
    print(markdown(panels, referrals, args.seeds, args.overrides), end="")


if __name__ == "__main__":
    main()
