"""Does a fit find parameters it should? Recovery of known values, as a user would run it.

Each case draws true values from the middle half of each prior, simulates "a company" with them
(its own seed), derives targets from the run folder with the documented command
(``abx-sim-fit targets RUN``), fits, and records whether each true value lies in its 90% posterior
interval. Over many cases about 90% of them should (the interval's nominal coverage)::

    python -m sim.studies.recovery --cases 6 --accounts 500 --weeks 130 --population 40 --generations 4

prints one row per case and parameter and the coverage, with the fit times (measured: 23 of 24
true values in their 90% intervals, 945 runs a fit). The fit benchmark is one case at the
size a company would fit, with the command's defaults (4 parameters, 6 targets, 2,000 accounts;
measured: 1,190 s and 3,836 runs on two cores, all 4 true values covered)::

    python -m sim.studies.recovery --cases 1 --accounts 2000 --weeks 182 --population 100 --generations 8
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.api import ArgumentParser
from sim.fit.abc import Prior, default_priors
from sim.fit.fitting import Settings, fit
from sim.fit.targets import parse_targets, read_targets

#: The targets a recovery fits (six: the deal figures the default priors move, and retention).
TARGETS = ("win_rate", "no_decision_rate", "new_logos_per_year", "sales_cycle_weeks", "nrr", "grr")


def true_values(priors: list[Prior], case: int) -> dict[str, float]:
    """True values of case ``case``: uniform over the middle half of each prior (seeded by the case)."""
    rng = np.random.default_rng(np.random.SeedSequence(case, spawn_key=(1,)))
    return {p.key: float(p.lo + (p.hi - p.lo) * rng.uniform(0.25, 0.75)) for p in priors}


def recover(case: int, priors: list[Prior], settings: Settings, accounts: int, weeks: int,
            folder: Path) -> pd.DataFrame:
    """One case: simulate the company, take its targets with the documented command, fit, compare."""
    truth = true_values(priors, case)
    run_dir = folder / f"case{case}" / "company"
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "abx-sim"), f"market.n_accounts={accounts}", f"horizon_weeks={weeks}",
                    f"seed={1000 + case}", "output.figures=false", "output.report=false", "output.progress=false",
                    f"hydra.run.dir={run_dir}", *(f"{k}={v!r}" for k, v in truth.items())],
                   check=True, capture_output=True)
    targets_file = folder / f"case{case}" / "targets.yaml"
    subprocess.run([str(bin_dir / "abx-sim-fit"), "targets", str(run_dir), "--out", str(targets_file)],
                   check=True, capture_output=True)
    full = read_targets(targets_file)
    spec = {"weeks": full.weeks, "given": {k: v for k, v in full.given.items() if k not in truth},
            "targets": {n: {"value": t.value, "se": t.se} for n, t in full.targets.items() if n in TARGETS}}
    info = fit(parse_targets(spec), settings, folder / f"case{case}" / "fit", progress=False)
    rows = []
    for key, value in truth.items():
        lo, hi = info["parameters"][key]["interval_90"]
        rows.append({"case": case, "parameter": key, "truth": value, "median": info["parameters"][key]["median"],
                     "low": lo, "high": hi, "covered": lo <= value <= hi, "runs": info["simulations"],
                     "seconds": info["seconds"], "warnings": len(info["warnings"])})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    """Run the recovery cases and print each, then the coverage."""
    p = ArgumentParser(prog="python -m sim.studies.recovery", description=__doc__.split("\n")[0])
    p.add_argument("--cases", type=int, default=8)
    p.add_argument("--accounts", type=int, default=600)
    p.add_argument("--weeks", type=int, default=156)
    p.add_argument("--population", type=int, default=60)
    p.add_argument("--generations", type=int, default=5)
    p.add_argument("--out", default="recovery", help="folder for the cases' runs and fits")
    args = p.parse_args(argv)
    priors = default_priors()
    settings = Settings(priors, args.population, args.generations, seed=0, workers=2)
    started = time.perf_counter()
    table = pd.concat([recover(case, priors, settings, args.accounts, args.weeks, Path(args.out))
                       for case in range(args.cases)], ignore_index=True)
    pd.set_option("display.width", 160)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    by_parameter = table.groupby("parameter").covered.mean()
    coverage = ", ".join(f"{k.rsplit('.', 1)[-1]} {v:.0%}" for k, v in by_parameter.items())
    fits = table.drop_duplicates("case")
    print(f"\n90% intervals holding the truth: {table.covered.mean():.0%} of {len(table)} ({coverage}); "
          f"{fits.seconds.mean():.0f} s and {fits.runs.mean():,.0f} runs per fit; "
          f"{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
