"""Sweep benchmark: what the sweep machinery costs beside the model, and what a second worker buys.

``python -m sim.sweep.bench`` (or :func:`figures`, which the project benchmark calls) runs sweeps
of default-scenario runs (ABX, 2,000 accounts, 156 weeks unless told otherwise) with ``abx-sim -m``,
each as a user would, and reads the model's own time of every run from the catalog
(``simulate_s``). It reports:

- **overhead**: (sweep wall time - sum of the runs' model times) / sum of model times, for the
  whole sweep (start-up, pre-flight, report included) with the default launcher (abx-sim's, one
  job at a time in the sweep's process), and per extra run (from two sweep sizes, free of the
  fixed costs);
- **speedup**: wall time of the sweep with one worker over that with two (abx-sim's launcher,
  ``hydra.launcher.n_jobs``: workers forked from the sweep's process);
- **ceiling**: what two cores give the model itself on this machine: the time of a run alone
  over its time with a second run beside it in another process. A shared or throttled machine
  (2 vCPUs on one physical core) caps the speedup there, whatever the sweep machinery does.
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
WORKERS = "hydra.launcher.n_jobs={n}"
_MODEL_RUN = """
import sys, time
from sim.api import checked, compose_config, simulate
config = checked(compose_config(sys.argv[1:]))
simulate(config)  # warm: imports and caches, as in a sweep's later runs
start = time.perf_counter()
simulate(config)
print(time.perf_counter() - start)
"""


def timed_sweep(folder: Path, runs: int, extra: list[str]) -> tuple[float, float]:
    """Run one sweep; return (wall seconds, summed model seconds of its runs)."""
    start = time.perf_counter()
    subprocess.run([ABX_SIM, "-m", "strategy=abx", f"replications={runs}", f"hydra.sweep.dir={folder}", *extra],
                   check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    return wall, float(catalog.load(folder).simulate_s.sum())


def parallel_ceiling(overrides: list[str]) -> float:
    """A run's model time alone over its time with another run beside it (1 = no slowdown)."""
    command = [sys.executable, "-c", _MODEL_RUN, *overrides]
    alone = float(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    pair = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    together = [float(p.communicate()[0]) for p in pair]
    return alone / max(together)


def figures(accounts: int = 2000, weeks: int = 156, runs: int = 32, small: int = 4,
            extra: list[str] | None = None) -> dict[str, float]:
    """Time the sweeps and return the figures (keys as printed by :func:`main`)."""
    overrides = [f"market.n_accounts={accounts}", f"horizon_weeks={weeks}", *(extra or [])]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wall_small, model_small = timed_sweep(folder / "default-small", small, overrides)
        wall, model = timed_sweep(folder / "default", runs, overrides)
        wall_2, model_2 = timed_sweep(folder / "workers-2", runs, [*overrides, WORKERS.format(n=2)])
    ceiling = parallel_ceiling(overrides)
    # What each extra run costs outside the model: the difference of the two sweep sizes, free of fixed costs.
    extra_runs_overhead = (wall - wall_small) - (model - model_small)
    return {
        "accounts": accounts, "weeks": weeks, "runs": runs, "model_s_per_run": model / runs,
        "wall_s": wall, "model_s": model, "overhead_pct": 100 * (wall - model) / model,
        "overhead_per_run_pct": 100 * extra_runs_overhead / (model - model_small),
        "fixed_s": (wall - model) - runs * extra_runs_overhead / (runs - small),
        # the default launcher runs one job at a time (hydra.launcher.n_jobs=1): the one-worker sweep
        "wall_1_worker_s": wall, "wall_2_workers_s": wall_2, "speedup_2_workers": wall / wall_2,
        "model_slowdown_2_workers": (model_2 / model), "parallel_ceiling": 2 * ceiling,
    }


def report(f: dict[str, float]) -> str:
    """The figures as printed lines."""
    return "\n".join([
        f"abx-sim sweep benchmark: ABX, {f['accounts']:.0f} accounts x {f['weeks']:.0f} weeks, "
        f"{f['runs']:.0f}-run sweeps, model {f['model_s_per_run']:.2f} s per run",
        f"  overhead outside the model (default launcher): {f['overhead_pct']:.1f}% of model time for the whole sweep "
        f"({f['wall_s']:.1f} s wall, {f['model_s']:.1f} s model), {f['overhead_per_run_pct']:.1f}% per extra run, "
        f"fixed {f['fixed_s']:.1f} s (start-up, pre-flight, report)",
        f"  two workers: {f['speedup_2_workers']:.2f}x one ({f['wall_1_worker_s']:.1f} s -> "
        f"{f['wall_2_workers_s']:.1f} s); each run's model {f['model_slowdown_2_workers']:.2f}x slower beside "
        f"another; two model processes on this machine: {f['parallel_ceiling']:.2f}x one (the ceiling)",
    ])


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m sim.sweep.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=2000, help="market.n_accounts")
    parser.add_argument("--weeks", type=int, default=156, help="horizon_weeks")
    parser.add_argument("--runs", type=int, default=32, help="runs in each sweep")
    parser.add_argument("--small", type=int, default=4, help="runs in the small sweep (for the per-run overhead)")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides, e.g. output.tables=false")
    args = parser.parse_args(argv)
    print(report(figures(args.accounts, args.weeks, args.runs, args.small, args.overrides)))


if __name__ == "__main__":
    main()
