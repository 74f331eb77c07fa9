"""Benchmark: every speed and memory figure of abx-sim in one run (not a timed test).

``python -m sim.studies.bench`` measures, on this machine:

1. **model speed**: member-steps per second of the default scenario (ABX, mid-market) for 156
   weeks at 1,000 to 200,000 accounts, each in a fresh single-threaded process, and how the cost
   per member-step grows with the market (1.00 = linear);
2. **memory**: the peak resident memory of a run at 1,000,000 accounts (a few weeks: the weekly
   working set does not grow with the horizon);
3. **a default run**: the wall time of the Quickstart's ``abx-sim``, the whole process (imports,
   composing, the model, writing, figures, report), once as the first run on a machine (compiling
   the model's loops) and then as every later run;
4. **sweeps**: what the sweep machinery costs beside the model and what a second worker buys
   (:func:`sim.sweep.bench.figures`);
5. **references**, timed in this process: a trivial one-object-per-agent Mesa model and the same
   trivial rule as numpy array code (float64, and float32 in place). abx-sim's week does about
   ten times the trivial rule's work per member.

``--quick`` runs every part at toy sizes (the test that the benchmark runs); ``--json`` prints the
figures as one JSON object; ``--only`` picks parts.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ONE_CORE = {var: "1" for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")}
PARTS = ("model", "memory", "run", "sweep", "references")
#: Targets of issue 14, printed beside the figures.
TARGETS = {"member_steps_per_s": 10e6, "memory_mb": 1e9 / 2**20, "run_s": 3.0, "overhead_pct": 10.0,  # 1 GB in MiB
           "speedup_2_workers": 1.8}


def tier_overrides(n_accounts: int) -> list[str]:
    """Tier sizes of 20 / 200 / 2,000 per 10,000 accounts, scaled to the market in both directions (the
    defaults never grow past their 10,000-account sizes): a bigger market then does the same work per
    account, so member-steps per second compare across sizes."""
    scale = n_accounts / 10_000
    return [f"strategy.tiering.n_one_to_one={max(1, round(20 * scale))}",
            f"strategy.tiering.n_one_to_few={max(1, round(200 * scale))}",
            f"strategy.tiering.n_one_to_many={max(1, round(2000 * scale))}"]


def measure(n_accounts: int, weeks: int) -> dict[str, float]:
    """Build and run one model of the default scenario (ABX, mid-market, seed 0) in this process;
    return timings and peak memory. The compiled
    loops are loaded first (a tiny run), as in any run after the first on a machine."""
    from sim.api import compose_config
    from sim.core.model import ABXModel
    from sim.core.validate import validate

    def config(n: int, horizon: int) -> Any:
        return validate(compose_config(["market=midmarket_saas", f"market.n_accounts={n}", f"horizon_weeks={horizon}",
                                        "strategy=abx", "seed=0", *tier_overrides(n)]))

    ABXModel(config(200, 2)).run()
    cfg = config(n_accounts, weeks)
    t0 = time.perf_counter()
    model = ABXModel(cfg)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    return {
        "accounts": n_accounts, "members": model.n_members, "weeks": weeks, "init_s": t1 - t0, "run_s": t2 - t1,
        "member_steps_per_s": model.n_members * weeks / (t2 - t1), "ms_per_week": 1000 * (t2 - t1) / weeks,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def in_fresh_process(n_accounts: int, weeks: int) -> dict[str, float]:
    """:func:`measure` in a fresh single-threaded Python (clean peak memory, one core)."""
    cmd = [sys.executable, "-m", "sim.studies.bench", "--one", str(n_accounts), "--weeks", str(weeks)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env={**os.environ, **ONE_CORE})
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def default_run(repeats: int, overrides: list[str]) -> dict[str, float]:
    """Wall time of ``abx-sim`` (the Quickstart's main job) as a process in an empty folder: the
    first run on a machine (numba's cache empty, so the compiled loops are compiled) and the best of
    ``repeats`` later runs; also the time to import the command line."""
    exe = Path(sys.executable).with_name("abx-sim")
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for first in [True] + [False] * repeats:
            env = {**os.environ, "NUMBA_CACHE_DIR": str(Path(tmp) / "numba")} if first else None
            start = time.perf_counter()
            subprocess.run([str(exe), *overrides], cwd=tmp, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sim.apps.cli"], check=True)
    return {"run_s": min(times[1:]), "first_run_s": times[0], "import_s": time.perf_counter() - start}


def references(n: int, steps: int) -> dict[str, float]:
    """Agent-steps per second of a trivial rule (``x = 0.9 x + 0.1``, one number per agent) as a
    Mesa model with one Python object per agent and as numpy arrays (float64; float32 in place)."""
    import mesa

    class Trivial(mesa.Agent):
        def __init__(self, model: mesa.Model) -> None:
            super().__init__(model)
            self.x = 0.0

        def step(self) -> None:
            self.x = 0.9 * self.x + 0.1

    model = mesa.Model(rng=0)
    Trivial.create_agents(model, n)
    start = time.perf_counter()
    for _ in range(steps):
        model.agents.do("step")
    mesa_rate = n * steps / (time.perf_counter() - start)
    x64 = np.zeros(n)
    start = time.perf_counter()
    for _ in range(steps * 10):
        x64 = 0.9 * x64 + 0.1
    numpy_rate = n * steps * 10 / (time.perf_counter() - start)
    x32 = np.zeros(n, np.float32)
    start = time.perf_counter()
    for _ in range(steps * 10):
        x32 *= np.float32(0.9)
        x32 += np.float32(0.1)
    return {"agents": n, "mesa_agent_steps_per_s": mesa_rate, "numpy_f64_steps_per_s": numpy_rate,
            "numpy_f32_inplace_steps_per_s": n * steps * 10 / (time.perf_counter() - start)}


def run_parts(parts: tuple[str, ...], quick: bool, sizes: list[int], weeks: int) -> dict[str, Any]:
    """Measure the chosen parts; return their figures."""
    from sim.sweep import bench as sweep_bench

    small = ["market.n_accounts=300", "horizon_weeks=8"] if quick else []  # the default tiers shrink with it
    figures: dict[str, Any] = {}
    if "model" in parts:
        figures["model"] = [in_fresh_process(size, weeks) for size in sizes]
    if "memory" in parts:
        figures["memory"] = in_fresh_process(5_000 if quick else 1_000_000, 2 if quick else 6)
    if "run" in parts:
        figures["run"] = default_run(1 if quick else 3, [*small, "output.progress=false"])
    if "sweep" in parts:
        figures["sweep"] = (sweep_bench.figures(accounts=300, weeks=8, runs=4, small=2) if quick
                            else sweep_bench.figures())
    if "references" in parts:
        figures["references"] = references(1_000 if quick else 67_600, 3 if quick else 20)
    return figures


def _mark(value: float, target: float, at_most: bool = False) -> str:
    met = value <= target if at_most else value >= target
    return f"(target {'<=' if at_most else '>='} {target:,.4g}: {'met' if met else 'NOT met'})"


def report(f: dict[str, Any]) -> str:
    """The figures as printed lines."""
    from sim.sweep import bench as sweep_bench

    lines = [f"abx-sim benchmark on {os.cpu_count()} cores (model and memory on one core, BLAS and numba threads = 1)"]
    if "model" in f:
        lines += ["", f"1. Model only: default scenario (ABX, mid-market), {f['model'][0]['weeks']} weeks",
                  f"{'accounts':>10} {'members':>10} {'init s':>7} {'run s':>7} {'ms/week':>8} {'member-steps/s':>15}"]
        for r in f["model"]:
            lines.append(f"{r['accounts']:>10,} {r['members']:>10,} {r['init_s']:>7.2f} {r['run_s']:>7.2f} "
                         f"{r['ms_per_week']:>8.1f} {r['member_steps_per_s']:>15,.0f}  "
                         + _mark(r["member_steps_per_s"], TARGETS["member_steps_per_s"]))
        first, last = f["model"][0], f["model"][-1]
        if last["members"] > first["members"]:
            ratio = (last["run_s"] / last["members"]) / (first["run_s"] / first["members"])
            lines.append(f"cost per member-step at {last['accounts']:,} accounts / at {first['accounts']:,}: "
                         f"{ratio:.2f} (1.00 = linear, below 1 = cheaper per member in a bigger market)")
    if "memory" in f:
        m = f["memory"]
        lines += ["", f"2. Memory: peak {m['peak_rss_mb']:,.0f} MiB at {m['accounts']:,} accounts "
                  f"({m['members']:,} members, {m['weeks']} weeks)  "
                  + _mark(m["peak_rss_mb"], TARGETS["memory_mb"], at_most=True)]
    if "run" in f:
        lines += ["", f"3. The Quickstart's abx-sim, whole process: {f['run']['run_s']:.2f} s  "
                  + _mark(f["run"]["run_s"], TARGETS["run_s"], at_most=True)
                  + f"; importing the command line: {f['run']['import_s']:.2f} s; the first run on a machine, "
                  f"compiling the model's loops: {f['run']['first_run_s']:.1f} s"]
    if "sweep" in f:
        s = f["sweep"]
        lines += ["", "4. " + sweep_bench.report(s).replace("\n", "\n   "),
                  f"   overhead {_mark(s['overhead_pct'], TARGETS['overhead_pct'], at_most=True)}, "
                  f"two workers {_mark(s['speedup_2_workers'], TARGETS['speedup_2_workers'])}"]
    if "references" in f:
        r = f["references"]
        lines += ["", f"5. References, x = 0.9 x + 0.1 for {r['agents']:,} agents, in this process:",
                  f"   Mesa, one Python object per agent: {r['mesa_agent_steps_per_s']:>14,.0f} agent-steps/s",
                  f"   numpy float64:                     {r['numpy_f64_steps_per_s']:>14,.0f} agent-steps/s",
                  f"   numpy float32 in place:            {r['numpy_f32_inplace_steps_per_s']:>14,.0f} agent-steps/s"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m sim.studies.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000, 200_000], help="accounts")
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS), help="the parts to run")
    parser.add_argument("--quick", action="store_true", help="every part at toy sizes (checks that it runs)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size here
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.weeks)))
        return
    sizes, weeks = ([500], 8) if args.quick else (args.sizes, args.weeks)
    figures = run_parts(tuple(args.only), args.quick, sizes, weeks)
    print(json.dumps(figures) if args.json else report(figures))


if __name__ == "__main__":
    main()
