"""Benchmark: member-steps per second and peak memory across market sizes (not a timed test).

``python -m sim.studies.bench`` runs the default scenario (ABX, mid-market) for 156 weeks at 1,000,
10,000 and 50,000 accounts, each in a fresh single-threaded process (so peak memory and one-core
speed are measured cleanly), and prints a table. ``--sizes`` and ``--weeks`` change the grid,
``--json`` prints machine-readable rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

ONE_CORE = {var: "1" for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def tier_overrides(n_accounts: int) -> list[str]:
    """Default tier sizes (20 / 200 / 2,000 per 10,000 accounts) scaled to the market."""
    scale = n_accounts / 10_000
    return [f"strategy.tiering.n_one_to_one={max(1, round(20 * scale))}",
            f"strategy.tiering.n_one_to_few={max(1, round(200 * scale))}",
            f"strategy.tiering.n_one_to_many={max(1, round(2000 * scale))}"]


def measure(n_accounts: int, weeks: int, strategy: str, seed: int, market: str) -> dict[str, float]:
    """Build and run one model in this process; return timings and peak memory."""
    from sim.api import compose_config
    from sim.core.model import ABXModel
    from sim.core.validate import validate

    cfg = validate(compose_config([f"market={market}", f"market.n_accounts={n_accounts}", f"horizon_weeks={weeks}",
                                   f"strategy={strategy}", f"seed={seed}", *tier_overrides(n_accounts)]))
    t0 = time.perf_counter()
    model = ABXModel(cfg)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    member_steps = model.n_members * weeks
    return {
        "accounts": n_accounts, "members": model.n_members, "weeks": weeks,
        "init_s": t1 - t0, "run_s": t2 - t1,
        "member_steps_per_s": member_steps / (t2 - t1),
        "ms_per_week": 1000 * (t2 - t1) / weeks,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark grid and print the table."""
    parser = argparse.ArgumentParser(prog="python -m sim.studies.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000], help="accounts")
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--strategy", default="abx")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--market", default="midmarket_saas", help="market preset")
    parser.add_argument("--json", action="store_true", help="print one JSON row per size")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size here
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.weeks, args.strategy, args.seed, args.market)))
        return
    rows = []
    for size in args.sizes:
        cmd = [sys.executable, "-m", "sim.studies.bench", "--one", str(size), "--weeks", str(args.weeks),
               "--strategy", args.strategy, "--seed", str(args.seed), "--market", args.market]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, env={**os.environ, **ONE_CORE})
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return
    print(f"abx-sim benchmark: market={args.market}, strategy={args.strategy}, {args.weeks} weeks, "
          "one core (BLAS threads = 1)")
    print(f"{'accounts':>9} {'members':>9} {'init s':>8} {'run s':>8} {'ms/week':>8} {'member-steps/s':>15} "
          f"{'peak MB':>8}")
    for r in rows:
        print(f"{r['accounts']:>9,} {r['members']:>9,} {r['init_s']:>8.2f} {r['run_s']:>8.2f} {r['ms_per_week']:>8.1f} "
              f"{r['member_steps_per_s']:>15,.0f} {r['peak_rss_mb']:>8.0f}")
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        ratio = (last["run_s"] / first["run_s"]) / (last["members"] / first["members"])
        print(f"cost per member-step at {last['accounts']:,} accounts / at {first['accounts']:,}: {ratio:.2f} "
              "(1.00 = linear)")


if __name__ == "__main__":
    main()
