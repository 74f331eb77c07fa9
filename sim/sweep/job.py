"""One run of a sweep, as a Hydra job: skip it if done, else run it, write it, add its catalog row.

What a job costs besides its simulation is kept small (issue 14): the config is flattened once (run
id and catalog row), the model is freed by Python's collector rather than a full collection after
every run (which walked every object of the process, ~0.05 s), and the run's folder holds its outputs,
``run.json`` (the run id and the resolved config) and ``summary.json``, not Hydra's three job files
(the sweeper turns them off; the sweep's own ``multirun.yaml`` has the shared config).
"""

from __future__ import annotations

import gc
import logging
import os
import time
from pathlib import Path

from omegaconf import DictConfig

from sim.api import simulate
from sim.core.memory import BASE_BYTES, needed_bytes
from sim.core.validate import validate
from sim.outputs.files import temporaries
from sim.outputs.report import presets_for
from sim.outputs.run import SUMMARY_FILE, finish, is_finished, run_id_of, write_results
from sim.sweep import catalog

#: A run whose model is estimated above this many bytes (about 160,000 accounts) is collected
#: right after it: its model sits in reference cycles (agents <-> model), and two of that size
#: in one worker would break the memory check the sweep passed (one run per worker). At that
#: size the collection is a fraction of a percent of the run; below it Python's collector frees
#: the garbage on its own schedule, at most a few small models late.
COLLECT_ABOVE_BYTES = 128e6
#: Each run's log (Hydra's job log; the sweep's terminal shows its progress lines and warnings).
log = logging.getLogger(__name__)


def sweep_job(cfg: DictConfig, out: Path, sweep_dir: Path, overrides: list[str], job_num: int) -> dict[str, str]:
    """One run of a sweep: skip it if already finished, else run it and add its catalog row.

    Order: tables, then the catalog row, then ``summary.json`` (the finished mark), so a run
    killed half-way is redone on restart and its row replaced, never duplicated. A run that
    raises is recorded as failed, with its error, and the sweep goes on.
    """
    flat = catalog.flatten(cfg)
    run_id = catalog.digest(flat)
    if is_finished(out, run_id):
        log.info("run %d (%s): finished before, kept", job_num, run_id)
        return {"status": "skipped"}
    for leftover in [*out.glob(".*.tmp"), *temporaries(sweep_dir / "catalog" / f"{run_id}.parquet")]:
        leftover.unlink(missing_ok=True)  # half-written files of this job's killed attempt
    stale = run_id_of(out)
    if stale not in (None, run_id):  # this folder held a run of another config (a config file changed): redo it
        (sweep_dir / "catalog" / f"{stale}.parquet").unlink(missing_ok=True)
        (out / SUMMARY_FILE).unlink(missing_ok=True)
    run_dir = os.path.relpath(out, sweep_dir)  # relative or absolute sweep folders alike
    start = time.perf_counter()
    try:
        config = validate(cfg)
        began = time.perf_counter()
        res = simulate(config)
        simulated = time.perf_counter()
        report = config.output.reports_in_sweeps
        write_results(res, out, figures=config.output.figures_in_sweeps, tables=config.output.tables, report=report,
                      preset=presets_for(config) if report else None)
        written = time.perf_counter()
        summary = res.summary
        del res
        if needed_bytes(config) - BASE_BYTES > COLLECT_ABOVE_BYTES:
            gc.collect()
        data = catalog.row(flat, overrides, summary, status="ok",
                           runtime_s=simulated - start + time.perf_counter() - written,
                           simulate_s=simulated - began, write_s=written - simulated, run_dir=run_dir, job=job_num)
    except Exception as exc:  # recorded, not raised: one bad run must not stop a sweep
        data = catalog.row(flat, overrides, None, status="failed", error=f"{type(exc).__name__}: {exc}",
                           runtime_s=time.perf_counter() - start, run_dir=run_dir, job=job_num)
        catalog.write_row(sweep_dir / "catalog", data)
        log.warning("run %d (%s) failed: %s: %s", job_num, run_id, type(exc).__name__, exc)
        return {"status": "failed"}
    catalog.write_row(sweep_dir / "catalog", data)
    finish(out, summary, run_id, config=flat)
    log.info("run %d (%s): %s, simulated in %.2f s", job_num, run_id, " ".join(overrides), data["simulate_s"])
    return {"status": "ok"}
