"""abx-sim's launcher (hydra_plugins/abx_sweeper/launcher.py): jobs here or in forked workers."""

from __future__ import annotations

import copy
import multiprocessing
import os
import signal
import subprocess
import time
import warnings
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra._internal.callbacks import Callbacks
from hydra.core.hydra_config import HydraConfig
from hydra.types import HydraContext
from omegaconf import DictConfig, OmegaConf
from test_sweep import ABX_SIM, _session_members

from hydra_plugins.abx_sweeper.launcher import ABXLauncher
from sim.api import config_dir, register_schema


class _Loader:
    """A config loader that gives every job a copy of the master config (what the launcher asks of
    Hydra's), so the launcher is tested without a sweep."""

    def load_sweep_config(self, master: DictConfig, overrides: list[str]) -> DictConfig:
        config = copy.deepcopy(master)
        OmegaConf.set_readonly(config.hydra, False)  # as Hydra's loader gives it
        config.hydra.overrides.task = overrides
        return config


def _launcher(tmp_path: Path, n_jobs: int) -> ABXLauncher:
    register_schema()
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3", job_name="cli"):
        master = compose("config", [f"hydra.sweep.dir={tmp_path}", "hydra/job_logging=none",
                                    "hydra/hydra_logging=none"], return_hydra_config=True)
    HydraConfig.instance().set_config(master)
    launcher = ABXLauncher(n_jobs=n_jobs)
    launcher.setup(hydra_context=HydraContext(config_loader=_Loader(), callbacks=Callbacks()),  # type: ignore[arg-type]
                   task_function=lambda cfg: (os.getpid(), HydraConfig.get().job.num, "hydra" in cfg,
                                              HydraConfig.get().runtime.output_dir),
                   config=master)
    return launcher


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_jobs_run_in_order_here_or_in_forked_workers_that_are_gone_after(tmp_path, n_jobs):
    launcher = _launcher(tmp_path, n_jobs)
    workers_meanwhile: list[int] = []
    launcher.meanwhile = lambda: workers_meanwhile.append(len(multiprocessing.active_children()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = launcher.launch([[f"replication={i}"] for i in range(6)], initial_job_idx=10)
    pids, numbers, with_hydra, folders = zip(*(r.return_value for r in results), strict=True)
    assert list(numbers) == list(range(10, 16)) and not any(with_hydra)  # the task's config has no Hydra node
    assert [Path(f).name for f in folders] == [f"{i}_abx" for i in range(10, 16)]
    assert all(Path(f).is_dir() for f in folders)
    assert [r.overrides for r in results] == [[f"replication={i}"] for i in range(6)]
    if n_jobs == 1:
        assert set(pids) == {os.getpid()} and workers_meanwhile == []  # nothing runs beside this process
    else:  # two workers, forked from here, both used, and this process's own work done while they ran
        assert os.getpid() not in pids and len(set(pids)) == 2 and workers_meanwhile == [2]
    assert multiprocessing.active_children() == []
    assert not [w for w in caught if "multi-threaded" in str(w.message)]  # the fork's warning, explained and silenced


def test_a_job_that_raises_fails_alone(tmp_path):
    launcher = _launcher(tmp_path, 2)
    launcher.task_function = lambda cfg: 1 / (HydraConfig.get().job.num - 1)
    results = launcher.launch([["replication=0"], ["replication=1"], ["replication=2"]], initial_job_idx=0)
    assert [r.status.name for r in results] == ["COMPLETED", "FAILED", "COMPLETED"]
    assert isinstance(results[1]._return_value, ZeroDivisionError)


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads /proc")
@pytest.mark.parametrize("interrupted", [False, True])
def test_no_forked_worker_outlives_a_sweep(tmp_path, interrupted):
    """The sweep runs in a session of its own, which every process it starts inherits: none may be
    left in it once abx-sim has returned, finished or interrupted (Ctrl-C reaches the whole group)."""
    folder = tmp_path / "forked"
    proc = subprocess.Popen([ABX_SIM, "-m", "strategy=abm,abx", "replications=3", "market.n_accounts=300",
                             "horizon_weeks=4" if not interrupted else "horizon_weeks=400",
                             f"hydra.sweep.dir={folder}", "hydra.launcher.n_jobs=2"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,  # CI may start us with SIGINT ignored: restore the default
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    if interrupted:
        deadline = time.time() + 300
        while len(_session_members(proc.pid)) < 3 and time.time() < deadline:  # abx-sim and its two workers
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == (130 if interrupted else 0), stderr[-3000:]
    assert _session_members(proc.pid) == []
