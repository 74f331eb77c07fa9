"""Sweep benchmark: what the sweep machinery costs per run, and what a second worker buys.

``python -m sim.sweep.bench`` times sweeps of default-scenario runs (ABX, 10,000 accounts, 156
weeks) of two sizes with Hydra's basic launcher and with the joblib launcher on two workers.
The difference between the two sizes gives the cost of one more run, free of the fixed costs
(start-up, the final report); the machinery's overhead is that cost beyond the run's own
simulation time, and the two-worker throughput is the ratio of the per-run costs.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim.sweep import catalog

ABX_SIM = shutil.which("abx-sim") or str(Path(sys.executable).with_name("abx-sim"))
JOBLIB = ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]


def timed_sweep(folder: Path, runs: int, extra: list[str]) -> tuple[float, float]:
    """Run one sweep; return (wall seconds, mean simulation seconds per run)."""
    start = time.perf_counter()
    subprocess.run([ABX_SIM, "-m", "strategy=abx", f"replications={runs}", f"hydra.sweep.dir={folder}", *extra],
                   check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    return wall, float(catalog.load(folder).runtime_s.mean())


def per_run(tmp: Path, name: str, small: int, large: int, extra: list[str]) -> dict[str, float]:
    """Wall times of the two sweep sizes, and the per-run cost and fixed cost they imply."""
    wall_small, _ = timed_sweep(tmp / f"{name}-small", small, extra)
    wall_large, sim_s = timed_sweep(tmp / f"{name}-large", large, extra)
    slope = (wall_large - wall_small) / (large - small)
    return {"small": wall_small, "large": wall_large, "per_run": slope, "fixed": wall_small - small * slope,
            "sim": sim_s}


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m sim.sweep.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=4, help="runs in the small sweep")
    parser.add_argument("--large", type=int, default=16, help="runs in the large sweep")
    parser.add_argument("--tables", action="store_true", help="also write per-run Parquet tables")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides, e.g. market.n_accounts=2000")
    args = parser.parse_args(argv)
    extra = [f"output.tables={str(args.tables).lower()}", *args.overrides]
    with tempfile.TemporaryDirectory() as tmp:
        basic = per_run(Path(tmp), "basic", args.small, args.large, extra)
        joblib = per_run(Path(tmp), "joblib", args.small, args.large, [*extra, *JOBLIB])
    print(f"abx-sim sweep benchmark: default scenario (ABX), sweeps of {args.small} and {args.large} runs, "
          f"tables {'on' if args.tables else 'off'}")
    for name, r in (("basic", basic), ("joblib x2", joblib)):
        print(f"  {name:9}: wall {r['small']:6.1f} s / {r['large']:6.1f} s; {r['per_run']:.2f} s per extra run, "
              f"fixed {r['fixed']:.1f} s; mean simulation {r['sim']:.2f} s per run")
    print(f"  machinery overhead per run (basic): {100 * (basic['per_run'] - basic['sim']) / basic['sim']:.1f}% of "
          "the simulation time")
    print(f"  two workers: {basic['large'] / joblib['large']:.2f}x the throughput of one on the {args.large}-run "
          f"sweep (fixed costs included), {basic['per_run'] / joblib['per_run']:.2f}x per extra run")


if __name__ == "__main__":
    main()
