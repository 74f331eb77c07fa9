"""abx-sim's launcher: a sweep's jobs in this process, or on this machine's cores in forked workers.

Selected by ``configs/config.yaml`` (``override hydra/launcher: abx``); ``hydra.launcher.n_jobs=2``
runs two jobs at a time (-1: one per core). It does what Hydra's basic and joblib launchers do for
a job, minus what costs and serves no one here (issue 14):

- workers are forked from this process once it has imported everything and composed each shape
  of job, so they start in milliseconds; joblib's loky workers are fresh interpreters that import
  the model, Hydra and pandas again (1.5-2.8 s each, on cores the runs need) and receive the
  pickled master config and loader with every job;
- a job's config is not deep-copied twice (:func:`hydra.core.utils.run_job` copies it for the
  task and its Hydra node for the job's return value: ~9 ms a job, nobody reads the copies in a
  sweep): the config built for the job loses its Hydra node, which :class:`HydraConfig` holds.

Everything a job sees is as under Hydra's launchers: its config, ``HydraConfig`` (output folder,
job number, overrides), its log file (``cli.log``) and Hydra's callbacks (with any configured, or
``hydra.job.chdir``, the job goes through ``run_job`` itself). Results do not depend on the number of workers: a job is
its config and seed.
"""

# No ``from __future__ import annotations``: Hydra's plugin scan runs this module before it is in
# sys.modules, where dataclasses look string annotations up.
import concurrent.futures
import multiprocessing
import os
import signal
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import JobReturn, JobStatus, configure_log, env_override, run_job, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf, open_dict, read_write


@dataclass
class ABXLauncherConf:
    """Launcher settings: jobs run at a time (1: in this process; -1: one per core)."""

    _target_: str = "hydra_plugins.abx_sweeper.launcher.ABXLauncher"
    n_jobs: int = 1


ConfigStore.instance().store(group="hydra/launcher", name="abx", node=ABXLauncherConf, provider="abx-sim")

#: The launcher whose batch the forked workers run: they inherit it (config, loader, task), so a
#: job is sent to a worker as its number and overrides only.
_RUNNING: "ABXLauncher | None" = None


class ABXLauncher(Launcher):
    """Runs a batch of jobs one at a time here, or ``n_jobs`` at a time in forked workers."""

    def __init__(self, n_jobs: int = 1) -> None:
        self.n_jobs = n_jobs
        #: Called here once a batch's workers are forked, while they run it: work this process would
        #: otherwise do alone after the batch costs the workers less than it would add after them
        #: (the sweeper prepares its report during its last batch). Never called before a fork.
        self.meanwhile: Callable[[], None] | None = None
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.task_function: TaskFunction | None = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        """Keep what the jobs need (as every Hydra launcher does)."""
        self.config = config
        self.hydra_context = hydra_context
        self.task_function = task_function

    @property
    def workers(self) -> int:
        """Jobs run at a time."""
        return (os.cpu_count() or 1) if self.n_jobs == -1 else max(self.n_jobs, 1)

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        """Run the batch; return its jobs' results in job order."""
        global _RUNNING
        assert self.config is not None and self.hydra_context is not None
        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        Path(str(self.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        numbered = [(initial_job_idx + i, list(overrides)) for i, overrides in enumerate(job_overrides)]
        workers = min(self.workers, len(numbered))
        if workers <= 1:
            results = [self.run(idx, overrides) for idx, overrides in numbered]
            # Hydra's logging again after the batch, not after every job (the next job sets its own)
            configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
            return results
        prepare = getattr(self.hydra_context.config_loader, "prepare", None)
        if prepare is not None:  # each shape of job composed once, here, not once in every worker
            prepare(self.config, [overrides for _, overrides in numbered])
        _RUNNING = self
        try:
            with warnings.catch_warnings():
                # Python 3.12 warns about any fork of a process with threads. Ours are OpenBLAS's idle
                # pool and pyarrow's jemalloc background thread: both re-initialise in the child
                # (pthread_atfork) and hold no Python lock; every other fork-unsafe thing (a report
                # helper, loky) is not running beside two or more workers.
                warnings.filterwarnings("ignore", r"This process .* is multi-threaded", DeprecationWarning)
                pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
                # Forked here, all at once (fork pools do not spawn on demand), before its manager thread.
                futures = [pool.submit(_run_in_worker, idx, overrides) for idx, overrides in numbered]
            try:
                if self.meanwhile is not None:
                    self.meanwhile()
                return [future.result() for future in futures]
            finally:  # interrupted or a worker lost: nothing left queued, no worker left running
                pool.shutdown(wait=True, cancel_futures=True)
        finally:
            _RUNNING = None

    def run(self, idx: int, overrides: list[str]) -> JobReturn:
        """One job, as Hydra's launchers run it, without the copies of its config."""
        assert self.config is not None and self.hydra_context is not None and self.task_function is not None
        with _interrupts_held():
            config = self.hydra_context.config_loader.load_sweep_config(self.config, overrides)
            with open_dict(config):
                config.hydra.job.id = idx
                config.hydra.job.num = idx
        if self.hydra_context.callbacks.callbacks or config.hydra.job.chdir:  # what run_job does besides
            ret = run_job(hydra_context=self.hydra_context, task_function=self.task_function, config=config,
                          job_dir_key="hydra.sweep.dir", job_subdir_key="hydra.sweep.subdir")
            ret.cfg = ret.hydra_cfg = None  # not kept (nor sent back from a worker) by the sweeper
            return ret
        hydra_config = HydraConfig.instance()
        launcher_hydra_config = hydra_config.cfg  # put back after the job, as run_job does
        hydra_config.set_config(config)  # a copy of the Hydra node: what the job reads, and ${hydra:...} resolves
        output_dir = os.path.abspath(os.path.join(str(config.hydra.sweep.dir), str(config.hydra.sweep.subdir)))
        held: DictConfig = hydra_config.cfg  # type: ignore[assignment]  # typed HydraConf, held as a DictConfig
        for node in (config.hydra.runtime, held.hydra.runtime):  # set in both, not copied again
            with read_write(node), open_dict(node):
                node.output_dir = output_dir
        ret = JobReturn(overrides=list(OmegaConf.to_container(config.hydra.overrides.task)),  # type: ignore[arg-type]
                        working_dir=os.getcwd(), task_name=str(config.hydra.job.name))
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        configure_log(config.hydra.job_logging, config.hydra.verbose)  # the job's cli.log
        env_set = OmegaConf.to_container(config.hydra.job.env_set)
        with read_write(held.hydra.sweep):  # resolved while the config it may point into has
            OmegaConf.resolve(held.hydra.sweep)  # a Hydra node (hydra.sweep.dir=out/${hydra.job.name})
        with read_write(config), open_dict(config):
            del config["hydra"]  # the task's config, as run_job gives it (this config is the job's own)
        with env_override(env_set):  # type: ignore[arg-type]
            try:
                ret.return_value = self.task_function(config)
                ret.status = JobStatus.COMPLETED
            except Exception as exc:  # as run_job: the sweeper sees it in the job's result
                ret.return_value = exc
                ret.status = JobStatus.FAILED
        hydra_config.cfg = launcher_hydra_config
        return ret


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C back while a job's config is built, then deliver it: one that lands inside
    OmegaConf leaves a node half-set, and surfaces as an AttributeError with Hydra's traceback
    instead of an interruption (seen in 1 sweep in 10 interrupted a few ms after a run). A handler
    that is not Python's (SIGINT ignored, or not the main thread) is left alone."""
    handler = signal.getsignal(signal.SIGINT)
    if not callable(handler) or threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[tuple[int, FrameType | None]] = []
    signal.signal(signal.SIGINT, lambda signum, frame: pending.append((signum, frame)))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
        if pending:
            handler(*pending[0])  # raises KeyboardInterrupt, as the signal would have


def _run_in_worker(idx: int, overrides: list[str]) -> JobReturn:
    """A job in a forked worker, run by the launcher it inherited."""
    assert _RUNNING is not None
    return _RUNNING.run(idx, overrides)
