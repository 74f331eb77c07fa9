"""Hydra sweeper for abx-sim: Hydra's basic sweeper plus replications, designs, progress, report.

Selected by ``configs/config.yaml`` (``override hydra/sweeper: abx``). It expands the swept
overrides (``strategy=channel,abm,abx``) into their grid, crosses it with the design points of
``sweep.design`` and with ``replications``, launches the jobs in batches through whatever Hydra
launcher is configured (abx-sim's own by default, :mod:`hydra_plugins.abx_sweeper.launcher`; basic,
joblib, Ray), prints progress after each batch, and writes the sweep report at the end. Jobs whose
folder already holds a finished run of the same config are skipped by the job itself, so restarting
an interrupted sweep with the same ``hydra.sweep.dir`` runs only what is missing; a folder that
holds a different sweep is refused.
"""


import sys
import time
from dataclasses import dataclass
from pathlib import Path

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

from hydra_plugins.abx_sweeper.job_configs import ReusingConfigLoader
from hydra_plugins.abx_sweeper.workers import stop_joblib_workers
from sim.outputs import figure_worker
from sim.sweep.report_worker import ReportWorker


@dataclass
class ABXSweeperConf:
    """Sweeper settings: jobs per launch batch (progress is reported between batches)."""

    _target_: str = "hydra_plugins.abx_sweeper.abx_sweeper.ABXSweeper"
    max_batch_size: int | None = 32
    params: dict[str, str] | None = None


ConfigStore.instance().store(group="hydra/sweeper", name="abx", node=ABXSweeperConf, provider="abx-sim")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def _one_job_at_a_time(launcher: object) -> bool:
    """Whether the launcher runs one job at a time in this process (Hydra's basic launcher, ours or
    joblib with one job), leaving a core to the report's helper. Beside two joblib workers starting
    up, the helper's warm-up (~1 s of CPU) took their time and saved none."""
    name = type(launcher).__name__
    return (name == "BasicLauncher" or (name == "ABXLauncher" and getattr(launcher, "workers", 0) == 1)
            or (name == "JoblibLauncher" and getattr(launcher, "joblib", {}).get("n_jobs") == 1))


def _prepare_report() -> None:
    """Import the report's modules (matplotlib and all: 0.36 s) and render a first figure (fonts, PNG
    encoder) while workers run the sweep's last batch, not after it: a 32-run sweep on two forked
    workers took 11.15 s instead of 11.51 s with the imports, 11.47 s instead of 11.69 s with the
    figure too (best of three each, interleaved). Imports start threads (a BLAS pool), so no fork may
    follow: last batch only."""
    try:
        import sim.sweep.report  # noqa: F401

        figure_worker.warm_up()
    except Exception:  # the report, written after the runs, says why it cannot be
        pass


class ABXSweeper(BasicSweeper):
    """Grid x design x replications, launched in batches with progress and a final report.

    Only status counts outlive a batch: a 10,000-run sweep keeps no run's results in memory
    (every run's outputs are on disk, in its folder and its catalog row).
    """

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        """Set up the launcher with a config loader that composes each shape of job once
        (:mod:`hydra_plugins.abx_sweeper.job_configs`), whichever launcher it is."""
        reusing = HydraContext(config_loader=ReusingConfigLoader(hydra_context.config_loader),  # type: ignore[arg-type]
                               callbacks=hydra_context.callbacks)
        super().setup(hydra_context=reusing, task_function=task_function, config=config)

    def sweep(self, arguments: list[str]) -> dict[str, int]:
        """Run the whole sweep; return how many runs finished, failed or were already done."""
        from sim.sweep.designs import make_design
        from sim.sweep.plan import expand, manifest, read_manifest, sweep_difference, write_manifest

        assert self.config is not None and self.launcher is not None and self.hydra_context is not None
        cfg = self.config
        # The command line was checked before Hydra started (sim/apps/preflight.py): every swept value,
        # the batch size, the workers, the design's ranges, the baseline, the condition and the folder.
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        grid = self.split_arguments(parser.parse_overrides([*self._parse_config(), *arguments]), None)[0]
        s = cfg.sweep
        design = None
        if s.design != "grid":
            params = OmegaConf.to_container(s.params)
            assert isinstance(params, dict)
            design = make_design(s.design, params, s.samples, s.seed, s.posterior)
        integer_keys = {k for k in (design.names if design else []) if isinstance(OmegaConf.select(cfg, k), int)}
        jobs = expand(grid, cfg.replications, design, integer_keys)

        sweep_dir = Path(cfg.hydra.sweep.dir)
        wanted = manifest(design=design, replications=cfg.replications, n_jobs=len(jobs), arguments=arguments,
                          baseline=s.baseline, condition=s.condition)
        held = read_manifest(sweep_dir)
        difference = sweep_difference(held, wanted) if held else ""
        if difference:  # one folder, one sweep: resuming is safe, mixing two sweeps is not
            print(f"abx-sim: error: hydra.sweep.dir={sweep_dir} holds a different sweep ({difference}); "
                  "use a new folder", file=sys.stderr)
            sys.exit(2)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(cfg, sweep_dir / "multirun.yaml")
        write_manifest(sweep_dir, wanted)

        # No .hydra/ folder per run (three YAML files, ~15 ms a job): multirun.yaml holds the shared
        # config and each run's run.json its resolved config (sim/sweep/job.py). Every launcher composes a
        # job from the master config's Hydra overrides, so the setting goes there.
        cfg.hydra.overrides.hydra.append("hydra.output_subdir=null")
        batch_size = self.max_batch_size or len(jobs)
        counts = {"ok": 0, "failed": 0, "skipped": 0}
        start = time.perf_counter()
        print(f"abx-sim sweep: {len(jobs)} runs into {sweep_dir}", file=sys.stderr)
        # The report's imports and figure warmed up on a spare core meanwhile (sim/sweep/report_worker.py).
        worker = ReportWorker() if _one_job_at_a_time(self.launcher) and figure_worker.helps() else None
        try:
            for first in range(0, len(jobs), batch_size):
                if worker is None and first + batch_size >= len(jobs) and hasattr(self.launcher, "meanwhile"):
                    self.launcher.meanwhile = _prepare_report  # while forked workers run the last batch
                results = self.launcher.launch(jobs[first:first + batch_size], initial_job_idx=first)
                for r in results:
                    status = r.return_value.get("status", "ok") if isinstance(r.return_value, dict) else "ok"
                    counts[status] = counts.get(status, 0) + 1
                done = first + len(results)  # the results (configs and all) are dropped batch by batch
                elapsed = time.perf_counter() - start
                computed = max(done - counts["skipped"], 1)
                eta = elapsed / computed * (len(jobs) - done)
                print(f"abx-sim sweep: {done}/{len(jobs)} runs done ({counts['failed']} failed, "
                      f"{counts['skipped']} already done), {_clock(elapsed)} elapsed, ETA {_clock(eta)}",
                      file=sys.stderr)
            self._report(sweep_dir, worker)
        finally:  # also when interrupted: no worker outlives the sweep
            stop_joblib_workers()
            if worker is not None:
                worker.close()
        if counts["failed"]:
            print(f"abx-sim sweep: {counts['failed']} of {len(jobs)} runs failed; their errors are in the catalog "
                  f"and {sweep_dir / 'report.md'}", file=sys.stderr)
            sys.exit(1)
        return counts

    @staticmethod
    def _report(sweep_dir: Path, worker: ReportWorker | None) -> None:
        try:
            if worker is None:
                from sim.sweep.report import write_report

                path = write_report(sweep_dir)
            else:
                path = worker.report(sweep_dir)
        except Exception as exc:  # the runs are safe in the catalog; say why the report is missing
            print(f"abx-sim sweep: no report ({type(exc).__name__}: {exc}); "
                  f"retry with: abx-sim-report {sweep_dir}", file=sys.stderr)
        else:
            print(f"abx-sim sweep: report {path}", file=sys.stderr)
