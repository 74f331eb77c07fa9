"""The regression baseline: summary metrics of a few fixed configs and seeds, committed in
``tests/baseline.json``, so that any change to what the model produces shows up as a reviewed diff.

``python -m sim.studies.baseline`` compares the current code with the baseline and lists every drift
(exit status 1 if any); ``python -m sim.studies.baseline --update`` rewrites the baseline on purpose, and
the change to ``tests/baseline.json`` is reviewed with the commit that caused it.
``tests/test_baseline.py`` fails on any drift beyond floating-point noise.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from sim.api import run
from sim.studies import CHECKOUT

BASELINE_PATH = CHECKOUT / "tests" / "baseline.json"
#: Relative and absolute tolerance: floating-point noise across BLAS builds, not model change.
RTOL, ATOL = 1e-7, 1e-9
_SMALL = ["market.n_accounts=1500", "horizon_weeks=52", "output.progress=false"]
_TIERS = ["strategy.tiering.n_one_to_one=10", "strategy.tiering.n_one_to_few=60",
          "strategy.tiering.n_one_to_many=400"]
#: The fixed cases: name -> overrides. Small (1,500 accounts, one year) so the check takes seconds.
CASES: dict[str, list[str]] = {
    "abx_seed0": ["strategy=abx", "seed=0", *_SMALL, *_TIERS],
    "abm_seed1": ["strategy=abm", "seed=1", *_SMALL, *_TIERS],
    "channel_seed2": ["strategy=channel", "seed=2", *_SMALL],
    "abx_theater_seed3": ["strategy=abx_theater", "seed=3", *_SMALL, *_TIERS],
    "reverse_abx_enterprise_seed4": ["strategy=reverse_abx", "market=enterprise_saas", "seed=4", *_SMALL, *_TIERS],
}


def current() -> dict[str, dict[str, float | None]]:
    """The summaries the code produces now, per case."""
    return {name: {k: None if math.isnan(v) else float(v) for k, v in run(overrides).summary.items()}
            for name, overrides in CASES.items()}  # an undefined value (NaN) is stored as null


def drift(baseline: dict[str, dict[str, float | None]], now: dict[str, dict[str, float | None]]) -> list[str]:
    """One line per difference: a case or metric added or removed, or a value that moved."""
    lines = []
    for case in sorted(set(baseline) | set(now)):
        if case not in now or case not in baseline:
            lines.append(f"{case}: case {'removed' if case not in now else 'added'}")
            continue
        old, new = baseline[case], now[case]
        for metric in sorted(set(old) | set(new)):
            if metric not in new or metric not in old:
                lines.append(f"{case}.{metric}: metric {'removed' if metric not in new else 'added'}")
            elif not _same(old[metric], new[metric]):
                lines.append(f"{case}.{metric}: {_shown(old[metric])} -> {_shown(new[metric])}")
    return lines


def _shown(value: float | None) -> str:
    return "null" if value is None else f"{value:.10g}"


def _same(a: float | None, b: float | None) -> bool:
    """Equal within floating-point noise, or both undefined (null)."""
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=RTOL,
                                                                                       abs_tol=ATOL))


def main(argv: list[str] | None = None) -> None:
    """Check the baseline (exit 1 on drift) or, with ``--update``, rewrite it."""
    parser = argparse.ArgumentParser(prog="python -m sim.studies.baseline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite tests/baseline.json from the current code")
    args = parser.parse_args(argv)
    now = current()
    if args.update:
        BASELINE_PATH.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"wrote {BASELINE_PATH} ({len(now)} cases); review the diff before committing")
        return
    lines = drift(json.loads(BASELINE_PATH.read_text()), now)
    print("\n".join(lines) if lines else f"no drift in {len(now)} cases")
    sys.exit(1 if lines else 0)


if __name__ == "__main__":
    main()
