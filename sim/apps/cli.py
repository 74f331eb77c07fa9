"""``abx-sim``: the command-line entry point (a Hydra application).

Runs the composed config, writes the outputs into Hydra's run folder and prints a summary
table. A user mistake (a bad value, an unknown policy, an unwritable folder) ends with a
one-line error and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import logging
import os
import signal
import sys
import time
from functools import partial
from pathlib import Path

import hydra
from hydra import version
from hydra._internal.callbacks import Callbacks
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.hydra import Hydra
from hydra._internal.utils import create_automatic_config_search_path, run_and_report
from hydra.core.config_search_path import SearchPathQuery
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import configure_log, run_job
from hydra.types import HydraContext, RunMode
from omegaconf import DictConfig

from sim.api import Preset, checked, config_dir, register_schema, simulate, with_strategy
from sim.apps.preflight import JOB_NAME, Composed, fail, parse_command_line, preflight, printing, single_run
from sim.core import guard
from sim.core.config import Config
from sim.core.params import ConfigError
from sim.outputs import figure_worker
from sim.outputs.compare import comparison_table, differences, verdict
from sim.outputs.figure_worker import FigureWorker
from sim.outputs.report import REPORT_FILE, presets_for, run_title, summary_table
from sim.outputs.run import finish, write_results
from sim.sweep.job import sweep_job

#: The run's log: Hydra writes it to the run folder's ``cli.log`` (its terminal shows warnings only).
log = logging.getLogger(__name__)


def job(cfg: DictConfig, config: Config | None = None, worker: FigureWorker | None = None,
        baseline: Config | None = None) -> dict[str, str] | None:
    """One Hydra job: a single run (report on screen) or one run of a sweep (catalog row).

    ``config`` is ``cfg`` validated already (by the pre-flight), or ``None`` to validate it here;
    ``worker``, a helper process to draw a single run's figures (the caller stops it), or ``None``
    to draw them here; ``baseline``, the config of ``output.compare`` (made here if ``None``).
    """
    hc = HydraConfig.get()
    quiet_terminal()
    if hc.mode == RunMode.MULTIRUN:
        return sweep_job(cfg, Path(hc.runtime.output_dir), Path(hc.sweep.dir), list(hc.overrides.task),
                         int(hc.job.num))
    if config is None:
        try:
            config = checked(cfg)
        except ConfigError as exc:
            fail(str(exc))
    if baseline is None and config.output.compare:
        try:
            baseline = with_strategy(config, config.output.compare)
        except ConfigError as exc:
            fail(str(exc))
    out = Path(hc.runtime.output_dir)
    log.info("run %s: %s", out, " ".join(hc.overrides.task) or "the defaults")
    start = time.perf_counter()
    show = config.output.progress and sys.stderr.isatty()
    res = simulate(config, progress=show)
    elapsed = time.perf_counter() - start
    log.info("simulated %d weeks of %s accounts (%s members) in %.2f s", config.horizon_weeks,
             f"{config.market.n_accounts:,}", f"{res.model.n_members:,}", elapsed)
    base = simulate(baseline, progress=show) if baseline is not None else None
    if base is not None:
        log.info("simulated the baseline %s on the same world in %.2f s", base.config.strategy.name,
                 time.perf_counter() - start - elapsed)
    def preset() -> Preset | str:  # what the run changed from its presets (a --config-dir market is found there)
        extra = [Path(s.path.removeprefix("file://")) for s in hc.runtime.config_sources
                 if s.provider == "command-line"]
        if not (hc.overrides.task or extra) and hc.job.config_name == "config":
            return Preset(config, config.market.n_accounts)  # the presets as they stand (composing costs 0.1 s)
        found = presets_for(config, extra)
        if isinstance(found, str):
            log.warning("the report cannot list what the run changed: %s", found)
        return found

    try:
        written = write_results(res, out, figures=config.output.figures, tables=config.output.tables,
                                report=config.output.report, worker=worker, preset=preset, baseline=base,
                                export=config.output.export)
        written.append(finish(out, res.summary))
    except OSError as exc:
        log.error("cannot write outputs to %s: %s", out, exc)
        fail(f"cannot write outputs to {out}: {exc.strerror or exc}")
    log.info("wrote %s", ", ".join(path.name for path in written))
    table = summary_table(res.summary, f"{run_title(res)} ({elapsed:.1f} s)")
    log.info("summary\n%s", table)
    print(table)
    if base is not None:
        diffs = differences(res.summary, base.summary)
        comparison = comparison_table(diffs, config.strategy.name, base.config.strategy.name)
        log.info("comparison\n%s", comparison)
        print("\n" + comparison)
        print("\n" + verdict(diffs, config.strategy.name, base.config.strategy.name))
    print(f"\nOutputs: {out.resolve()}")
    if config.output.report:
        print(f"Report:  {(out / REPORT_FILE).resolve()} (open in a browser)")
    return None


def quiet_terminal() -> None:
    """Let Hydra's job log (the run folder's ``cli.log``) keep everything and its terminal handler
    show warnings only: the terminal has the printed summary. (Set here: the config may name no
    logging handlers, :mod:`sim.core.guard`.)"""
    for handler in logging.getLogger().handlers:
        if type(handler) is logging.StreamHandler:
            handler.setLevel(logging.WARNING)


register_schema()  # at import too: sweep workers that import this module compose with the schemas


def hydra_main() -> None:
    """Let Hydra run :func:`job` (or print ``--help``) over the config folder :func:`~sim.api.config_dir`
    names now, with the policies registered now."""
    register_schema()
    hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="config")(job)()


def run_composed(composed: Composed, worker: FigureWorker | None = None) -> None:
    """Run :func:`job` on the config the pre-flight composed and validated, as Hydra's main runs one
    (``Hydra.run``: Hydra's logging, the run folder with ``.hydra/`` and the job's log, Hydra's error
    report), without composing it twice more and validating it again (0.25 s of a default run);
    ``worker`` draws the figures, if given."""
    cfg = composed.cfg
    configure_log(cfg.hydra.hydra_logging, cfg.hydra.verbose)
    loader = ConfigLoaderImpl(config_search_path=create_automatic_config_search_path(None, None, str(config_dir())))
    context = HydraContext(config_loader=loader, callbacks=Callbacks(cfg))
    name = cfg.hydra.job.config_name

    def launch() -> None:
        context.callbacks.on_run_start(config=cfg, config_name=name)
        ret = run_job(task_function=partial(job, config=composed.config, worker=worker, baseline=composed.baseline),
                      config=cfg,
                      job_dir_key="hydra.run.dir", job_subdir_key=None, hydra_context=context)
        context.callbacks.on_run_end(config=cfg, config_name=name, job_return=ret)
        _ = ret.return_value  # raises the job's exception, for run_and_report to show as Hydra does

    run_and_report(launch)


def run_sweep(opts: argparse.Namespace) -> None:
    """Let Hydra run a sweep (``-m``, as :func:`parse_command_line` read it) as its main does
    (``hydra._internal.utils._run_hydra``), without composing the whole config once more only to
    read its ``hydra.mode`` (0.27 s of every sweep): the command line says it is a multirun."""
    version.setbase("1.3")  # as hydra.main(version_base="1.3") in hydra_main
    register_schema()
    search_path = create_automatic_config_search_path(None, None, str(config_dir()))
    if opts.config_dir is not None:  # as Hydra's main adds --config-dir (the pre-flight checked it exists)
        search_path.prepend(provider="command-line", path=f"file://{os.path.abspath(opts.config_dir)}",
                            anchor=SearchPathQuery(provider="schema"))
    app = run_and_report(lambda: Hydra.create_main_hydra2(task_name=JOB_NAME, config_search_path=search_path))
    try:
        run_and_report(lambda: app.multirun(config_name=opts.config_name or "config", task_function=job,
                                            overrides=[*opts.overrides, "hydra.mode=MULTIRUN"]))
    finally:
        GlobalHydra.instance().clear()


def remember_interrupts() -> list[int]:
    """Have Ctrl-C (SIGINT) raise ``KeyboardInterrupt`` as usual and also be noted in the list
    returned; a SIGINT the parent process ignores stays ignored (nothing is noted then)."""
    received: list[int] = []

    def interrupted(signum: int, frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, interrupted)
    return received


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: check the config, then run it (a single run or a sweep, from
    ``argv``, which defaults to ``sys.argv``'s arguments) or let Hydra's main print what is asked
    (it reads ``sys.argv``)."""
    # At exit Python collects every object (~200,000: numpy, pandas, Hydra, the model) only to find
    # them all alive: 0.15 s after a run, 0.3-0.5 s after a sweep (the compositions, the sweep's
    # report). Every file is closed by then (written atomically), so they are exempted, once per process.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    args = sys.argv[1:] if argv is None else list(argv)
    opts = parse_command_line(args)  # a malformed command line or --config-path: refused before any folder is read
    try:  # the overrides (not a flag's argument, such as --info searchpath) and the config folders in play
        guard.check([*opts.overrides, *(["--config-dir", opts.config_dir] if opts.config_dir else [])], config_dir())
    except (FileNotFoundError, guard.UnsafeConfig) as exc:
        fail(str(exc))
    # A single run's figures are drawn by a helper process that gets matplotlib ready on another
    # core meanwhile; started before the pre-flight so that it is ready even when the model is quick.
    worker = FigureWorker() if single_run(opts) and figure_worker.helps() else None
    previous_handler = signal.getsignal(signal.SIGINT)
    interrupts = remember_interrupts()
    try:
        composed = preflight(opts)
        if composed is None and opts.multirun and not (opts.run or opts.resolve or printing(opts)):
            run_sweep(opts)
        elif composed is None:  # a command that prints: Hydra's main reads the command line
            hydra_main()
        else:
            run_composed(composed, worker if composed.config.output.figures else None)
    except (KeyboardInterrupt, SystemExit) as exc:
        # A Ctrl-C that lands inside OmegaConf can leave a node half-set and surface as another
        # exception, which Hydra reports and turns into exit status 1: still an interruption.
        if isinstance(exc, SystemExit) and not interrupts:
            raise
        print("abx-sim: interrupted; finished runs are kept (a sweep continues where it stopped when "
              "run again with the same arguments and hydra.sweep.dir)", file=sys.stderr)
        sys.exit(130)
    finally:
        if previous_handler is not None:  # as it was, for the next call in this process
            signal.signal(signal.SIGINT, previous_handler)
        if worker is not None:
            worker.close()


if __name__ == "__main__":
    main()
