"""Pattern-oriented validation: the default scenario against several published patterns at once.

Pattern-oriented modelling (Grimm et al. 2005, "Pattern-oriented modeling of agent-based complex
systems", Science 310) judges a model by how many independent patterns it reproduces
*simultaneously*, with one set of parameters. Here the patterns are the quantitative ranges of
the calibration table (:data:`sim.studies.calibrate.TARGETS`) plus qualitative patterns that compare the
default strategy with a variant in the same worlds. Every replication (seed) runs every pattern;
each pattern gets a mean with a 95% interval, the share of replications in which it holds, and a
verdict; each replication gets the number of patterns it reproduces jointly.

``python -m sim.studies.validation --seeds 10 > docs/validation.md`` writes the document;
``tests/test_validation.py`` checks that the verdicts are the documented ones (:data:`MISSES`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.api import Results, run
from sim.studies.calibrate import TARGETS, interval


@dataclass(frozen=True)
class Contrast:
    """A qualitative pattern: the sign of a metric's difference between a variant and the default
    strategy in the same world (``sign`` -1: the variant is lower)."""

    row: str
    label: str
    variant: list[str]
    value: Callable[[Results], float]
    sign: int
    fmt: str = "{:+.3f}"


CONTRASTS = [
    Contrast("CAL-5.2, 5.3", "claimed but unresearched personalization costs trust (theater minus default trust)",
             ["strategy=abx_theater"], lambda r: r.summary["trust_index"], -1),
    Contrast("CAL-5.2, 5.6", "hollow personalization is seen through (theater minus default theater share)",
             ["strategy=abx_theater"], lambda r: r.summary["theater_share"], +1),
    Contrast("CAL-4.8", "misaligned sales loses pipeline (misaligned minus default pipeline, USD)",
             ["strategy=abx_no_sales_alignment"], lambda r: r.summary["pipeline_created_usd"], -1, "{:+,.0f}"),
]

#: Patterns the default scenario is known not to reproduce, and why (see docs/calibration-notes.md).
MISSES = {
    "MQA -> opportunity (share of MQAs)": "The metric now counts only opportunities opened on an MQA (it "
                                          "used to divide every opportunity, intent- and inbound-sourced "
                                          "too, by the MQAs). Sales qualifies only accounts inside a buying "
                                          "window (deals.p_qualify), and most MQAs engage outside one, so "
                                          "about 17% convert; CAL-2.1's funnel counts hand-raisers, who are "
                                          "mostly in market.",
    "mid-market GRR": "GRR comes out at about 92-93%, above CAL-3.2's mid-market 80-90% but where CAL-3.3 (KBCM, "
                      "median gross dollar churn about 8%) and CAL-3.7 (SaaS Capital, median gross retention "
                      "90-93%) put it: the sources disagree. The installed base is mature, so the churn-prone "
                      "have already left (CAL-3.6), and health stays up because CS hires to its book "
                      "(vendor.csm_hire_to_book); with a fixed CS headcount GRR falls.",
    "upsell share of new contract value": "ABX keeps CS in the motion: expansion-ready customers get an "
                                          "expansion play (at most every 26 weeks) on top of expansion at "
                                          "renewal, each drawing on the account's whitespace, so upsell is "
                                          "about 41% of new contract value, above KBCM's 16% (2015) and 37% "
                                          "(2018) medians, which describe firms that mostly run no such "
                                          "plays.",
    "1:1 marketing spend per account per year (USD)": "The outcomes measurement policy moves budget off the "
                                                      "1:1 tier, which returns the least per dollar within "
                                                      "three years (experiment E3); with "
                                                      "strategy/measurement=fixed ABX spends about $36K per "
                                                      "1:1 account, as ABM does.",
}


@dataclass
class Pattern:
    """One pattern's replicated values, published range (or sign) and verdict."""

    row: str
    label: str
    published: str
    values: list[float]
    holds: list[bool]  # per replication
    fmt: str
    overall: bool  # the mean in the range, or a paired difference's whole interval on the predicted side

    @property
    def verdict(self) -> str:
        """``holds`` or ``misses``."""
        return "holds" if self.overall else "misses"


def evaluate(seeds: int, strategy: str = "abx", overrides: tuple[str, ...] = ()) -> list[Pattern]:
    """Run the default scenario and each contrast's variant for ``seeds`` worlds; every pattern."""
    base = [run([f"strategy={strategy}", f"seed={s}", "output.progress=false", *overrides]) for s in range(seeds)]
    patterns = []
    for t in TARGETS:
        values = [t.value(r) for r in base]
        patterns.append(Pattern(t.row, t.label, f"{t.fmt.format(t.lo)} - {t.fmt.format(t.hi)}", values,
                                [t.lo <= v <= t.hi for v in values], t.fmt, t.lo <= float(np.mean(values)) <= t.hi))
    variants: dict[tuple[str, ...], list[Results]] = {}
    for c in CONTRASTS:
        key = tuple(c.variant)
        if key not in variants:
            variants[key] = [run([*c.variant, f"seed={s}", "output.progress=false", *overrides]) for s in range(seeds)]
        diffs = [c.value(v) - c.value(b) for v, b in zip(variants[key], base, strict=True)]
        _, lo, hi = interval(diffs)
        patterns.append(Pattern(c.row, c.label, "< 0" if c.sign < 0 else "> 0", diffs,
                                [bool(np.sign(d) == c.sign) for d in diffs], c.fmt, hi < 0 if c.sign < 0 else lo > 0))
    return patterns


def joint_counts(patterns: list[Pattern]) -> list[int]:
    """Per replication, how many patterns it reproduces at once."""
    return [int(sum(p.holds[i] for p in patterns)) for i in range(len(patterns[0].values))]


def markdown(patterns: list[Pattern], seeds: int) -> str:
    """The validation document."""
    joint = joint_counts(patterns)
    held = [p for p in patterns if p.verdict == "holds"]
    lines = ["# Pattern-oriented validation", "",
             "The default scenario (ABX in the mid-market SaaS market, 10,000 accounts, 156 weeks) against "
             f"{len(patterns)} published patterns at once, over {seeds} replications (seeds 0-{seeds - 1}; "
             "qualitative patterns paired with a variant in the same worlds). Generated by "
             f"`python -m sim.studies.validation --seeds {seeds} > docs/validation.md`; `tests/test_validation.py` "
             "checks the verdicts. Rows cite `docs/sources.md`.", "",
             f"**{len(held)} of {len(patterns)} patterns hold** (mean inside the range, or the 95% interval of "
             "a paired difference on the predicted side). Each replication reproduces "
             f"{min(joint)}-{max(joint)} patterns simultaneously (mean {np.mean(joint):.1f}).", "",
             "| row | pattern | published | model: mean [95% interval] | replications where it holds | verdict |",
             "|---|---|---|---|---|---|"]
    for p in patterns:
        mean, lo, hi = interval(p.values)
        f = p.fmt.format
        lines.append(f"| {p.row} | {p.label} | {p.published} | {f(mean)} [{f(lo)}, {f(hi)}] | "
                     f"{sum(p.holds)}/{len(p.holds)} | {'✓ holds' if p.verdict == 'holds' else '✗ misses'} |")
    lines += ["", "## Why the misses miss", ""]
    lines += [f"- **{p.label}** ({p.row}): {MISSES.get(p.label, 'not yet explained.')}"
              for p in patterns if p.verdict == "misses"]
    lines += ["", "Patterns hold or miss with one parameter set: none was tuned to a single pattern. Per-strategy "
              "calibration (channel-only and ABM too) is in `docs/calibration.md`; the notes on each miss are in "
              "`docs/calibration-notes.md`.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print the validation document."""
    parser = argparse.ArgumentParser(prog="python -m sim.studies.validation", description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. horizon_weeks=104")
    args = parser.parse_args(argv)
    print(markdown(evaluate(args.seeds, overrides=tuple(args.overrides)), args.seeds), end="")


if __name__ == "__main__":
    main()
