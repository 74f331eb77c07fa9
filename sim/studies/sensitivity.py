"""Global sensitivity of the default scenario: ``docs/sensitivity.md`` from a Sobol sweep.

Reproduce (``samples * (parameters + 2)`` runs of the default scenario, about 3 s each on one
core; the document states the measured time)::

    abx-sim -m sweep=default_sobol hydra/launcher=joblib hydra.launcher.n_jobs=2 hydra.sweep.dir=sweeps/sensitivity
    python -m sim.studies.sensitivity sweeps/sensitivity > docs/sensitivity.md

The second command also draws ``docs/sensitivity.png``. Indices are Saltelli/Jansen estimates
from SALib (first-order S1 and total ST) with bootstrap 95% confidence intervals.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from omegaconf import OmegaConf

from sim.api import compose_config
from sim.core.config import field_metadata
from sim.outputs.plots import OKABE_ITO, save_figure, styled
from sim.studies import CHECKOUT
from sim.sweep import analysis, catalog
from sim.sweep.designs import Design
from sim.sweep.plan import design_from_manifest, read_manifest

OUTCOMES = {"pipeline_created_usd": "pipeline created", "nrr": "net revenue retention", "trust_index": "trust index"}
FIGURE = CHECKOUT / "docs" / "sensitivity.png"
#: Source checks of the parameters that matter most (written after reading the indices).
SOURCE_CHECKS: dict[str, str] = {
    "market.p_window_start_year": "drives pipeline (ST about 0.65). Source CAL-6.1 (Dawes, Ehrenberg-Bass "
        "Institute for the LinkedIn B2B Institute, 2021; reliability B): about 5% of accounts in market in a "
        "quarter and 20% in a year, from firms switching provider about every five years. Checked: the default "
        "0.20/year is the row's figure, and the model opens 5.2% of windows per quarter (docs/validation.md). "
        "Pipeline is first of all a question of how many accounts are buying, which no strategy controls.",
    "vendor.ae_open_opps": "second for pipeline (ST about 0.3). Source CAL-7.1 (Balderton, BenchSights, The "
        "Bridge Group; reliability C): sellers carry about 10-15 open opportunities at a $50K ACV and about 21 "
        "in enterprise, so the default 15 and the range 10-20 are the row's. At the default headcount AE "
        "capacity binds when sales qualifies: 22-30% of qualified accounts find no AE with room "
        "(opps_turned_away_share) and go back to nurture, so the parameter moves pipeline mostly by delaying it "
        "(with twice the AEs pipeline rises by only about 1%; experiment E4).",
    "market.customers.churn_health_logit": "drives NRR (ST about 0.55, S1 about 0.43). Unsourced as a slope: "
        "CAL-3.2, CAL-3.3 and CAL-3.6 fix the churn propensity of new customers and its spread, and the GRR "
        "they should produce (the model's 92-93% sits on CAL-3.3's and CAL-3.7's medians), while this "
        "parameter sets how far health moves churn around the propensity. Its range should be narrowed by a "
        "published health-to-churn relationship; until then NRR differences between strategies that work "
        "through health (CS plays) carry this uncertainty.",
    "market.customers.churn_polarization": "second for NRR (ST about 0.48, S1 about 0.13: it acts mostly "
        "through interactions, with health and with which accounts the vendor wins). Source CAL-3.6 (Fader "
        "and Hardie's shifted-beta-geometric model, reliability A): their two fitted cohorts have polarization "
        "0.18 and 0.35, the range explored here. A vendor's own renewal history pins it down (issue 15's "
        "fitting).",
    "market.buyers.trust_loss_theater": "drives trust (S1 about 0.87). Cited sources CAL-5.2 and CAL-5.3 "
        "(Gartner surveys, reliability B: 53% of customers experience personalization negatively; people are "
        "three times as likely to abandon brands that over-personalize). Checked: they support a strong, "
        "negative effect of hollow personalization, not a per-touch trust loss, so 0.08 is a modelling choice "
        "within them (theater lowers trust from about 0.53 to 0.43 in E4), as the calibration notes say for "
        "all CAL-5 rows (effects, not targets).",
    "market.buyers.skepticism_mean": "second for trust and third for NRR (ST about 0.42, mostly interaction). "
        "Unsourced as a number: CAL-5.6 (71% of B2B decision makers find less than half of thought leadership "
        "useful) motivates a skeptical population but does not give its mean.",
    "market.deals.p_holdout": "matters little for pipeline, NRR or trust (every ST below 0.07): it decides "
        "whether an opened opportunity ends in no decision, which changes bookings and CAC, not the pipeline "
        "created. It is fitted with win_logit_base to the win rate and the no-decision share (CAL-2.4, 2.5, "
        "2.8; docs/calibration-notes.md).",
}


def indices(sweep_dir: Path | str) -> tuple[Design, dict[str, pd.DataFrame], pd.DataFrame]:
    """The sweep's design, Sobol indices per outcome (sorted by total index) and the finished runs."""
    manifest = read_manifest(Path(sweep_dir))
    design = design_from_manifest(manifest)
    if design is None or design.kind != "sobol":
        raise ValueError(f"{sweep_dir} is not a Sobol sweep")
    table = catalog.load(sweep_dir)
    runs = table[table.status == "ok"]
    result = {metric: analysis.sensitivity(design, analysis.design_outcomes(runs, design, metric))
              .sort_values("ST", ascending=False).reset_index(drop=True) for metric in OUTCOMES}
    return design, result, runs


@styled
def figure(result: dict[str, pd.DataFrame], path: Path) -> Path:
    """Total and first-order indices with 95% intervals, one panel per outcome."""
    fig, axes = plt.subplots(1, len(result), figsize=(5 * len(result), 4.2), layout="constrained", sharey=True)
    order = result[next(iter(result))].parameter.tolist()[::-1]
    for ax, (metric, si) in zip(axes, result.items(), strict=True):
        si = si.set_index("parameter").loc[order]
        y = range(len(si))
        ax.barh([v + 0.2 for v in y], si.ST, 0.4, xerr=si.ST_conf, color=OKABE_ITO[0], label="total (ST)")
        ax.barh([v - 0.2 for v in y], si.S1, 0.4, xerr=si.S1_conf, color=OKABE_ITO[1], label="first order (S1)")
        ax.set_yticks(list(y), [p.split(".")[-1] for p in si.index])
        ax.set_title(OUTCOMES[metric])
        ax.set_xlabel("Sobol index (share of variance)")
        ax.axvline(0, color="0.3", lw=0.8)
    axes[0].legend(loc="lower right")
    fig.suptitle("Global sensitivity of the default scenario (mean, 95% interval)")
    return save_figure(fig, path)


def markdown(design: Design, result: dict[str, pd.DataFrame], runs: pd.DataFrame) -> str:
    """The sensitivity document (``runs``: the finished runs, for their number and measured time)."""
    n_runs = len(runs)
    minutes = float(runs.runtime_s.sum()) / 2 / 60  # two workers
    cfg = compose_config([])
    base_samples = len(design.points) // (len(design.names) + 2)
    lines = ["# Global sensitivity of the default scenario", "",
             "Which parameters drive ABX's pipeline, net revenue retention and buyer trust in the default "
             "scenario (ABX, mid-market SaaS market, 10,000 accounts, 156 weeks)? Sobol indices over "
             f"{len(design.names)} parameters, Saltelli design with {base_samples} base samples "
             f"({n_runs} runs, common random numbers: every point faces the same world). Each index is the share "
             "of the outcome's variance a parameter explains: first order (S1) on its own, total (ST) with all "
             "its interactions; intervals are SALib's bootstrap 95% intervals.", "",
             f"Reproduce (about {minutes:.0f} minutes on two cores, as measured for this document):", "", "```",
             "abx-sim -m sweep=default_sobol hydra/launcher=joblib hydra.launcher.n_jobs=2 "
             "hydra.sweep.dir=sweeps/sensitivity",
             "python -m sim.studies.sensitivity sweeps/sensitivity > docs/sensitivity.md", "```", "",
             "![Sobol indices](sensitivity.png)", "", "## Parameters and ranges", "",
             "| parameter | default | range explored | meaning | source |", "|---|---|---|---|---|"]
    for name, (lo, hi) in zip(design.names, design.bounds, strict=True):
        meta = field_metadata(name)
        lines.append(f"| `{name}` | {OmegaConf.select(cfg, name)} | {lo:g} - {hi:g} | {meta.get('doc', '')} | "
                     f"{meta.get('source', '') or '(assumption)'} |")
    lines += ["", "Reading the indices: S1 is what a parameter explains alone, ST with its interactions. Where "
              "the S1 add up to about 1 and each ST is close to its S1, the outcome is additive in the "
              "parameters. Where every ST is well above its S1 (NRR below), much of the variance is interaction "
              "or run-to-run noise: renewals are random draws, and changing any parameter changes which draws "
              "a customer gets, so that noise is credited to every parameter's total index.", ""]
    for metric, si in result.items():
        lines += ["", f"## {OUTCOMES[metric]} (`{metric}`)", "",
                  f"Sum of S1 {si.S1.sum():.2f}, sum of ST {si.ST.sum():.2f}.", "",
                  "| parameter | total ST [95% interval] | first order S1 [95% interval] |", "|---|---|---|"]
        lines += [f"| `{r.parameter}` | {r.ST:.3f} [{r.ST - r.ST_conf:.3f}, {r.ST + r.ST_conf:.3f}] | "
                  f"{r.S1:.3f} [{r.S1 - r.S1_conf:.3f}, {r.S1 + r.S1_conf:.3f}] |" for r in si.itertuples()]
    if SOURCE_CHECKS:
        lines += ["", "## The parameters that matter most, and their sources", "",
                  "Each was checked against the row of `docs/sources.md` it cites (or found to cite none).",
                  ""]
        lines += [f"- `{name}`: {text}" for name, text in SOURCE_CHECKS.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Print the sensitivity document for a Sobol sweep folder and draw its figure."""
    parser = argparse.ArgumentParser(prog="python -m sim.studies.sensitivity", description=__doc__.split("\n")[0])
    parser.add_argument("path", help="the sweep folder of `abx-sim -m sweep=default_sobol ...`")
    parser.add_argument("--figure", type=Path, default=FIGURE, help=f"where to draw the figure (default {FIGURE})")
    args = parser.parse_args(argv)
    try:
        design, result, runs = indices(args.path)
    except (FileNotFoundError, ValueError) as exc:
        print(f"python -m sim.studies.sensitivity: error: {exc}", file=sys.stderr)
        sys.exit(2)
    figure(result, args.figure)
    print(markdown(design, result, runs), end="")


if __name__ == "__main__":
    main()
