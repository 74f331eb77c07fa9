"""``abx-sim``: the command-line entry point (a Hydra application).

Runs the composed config, writes the outputs into Hydra's run folder and prints a summary
table. A user mistake (a bad value, an unknown policy, an unwritable folder) ends with a
one-line error and exit status 2, never a traceback.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.api import checked, config_dir, register_schema, simulate
from sim.apps.preflight import fail, parse_command_line, preflight
from sim.core import guard
from sim.core.params import ConfigError
from sim.outputs.report import REPORT_FILE, run_title, summary_table
from sim.outputs.run import finish, write_results
from sim.sweep.job import sweep_job


def job(cfg: DictConfig) -> dict[str, str] | None:
    """One Hydra job: a single run (report on screen) or one run of a sweep (catalog row)."""
    hc = HydraConfig.get()
    if hc.mode == RunMode.MULTIRUN:
        return sweep_job(cfg, Path(hc.runtime.output_dir), Path(hc.sweep.dir), list(hc.overrides.task),
                         int(hc.job.num))
    try:
        config = checked(cfg)
    except ConfigError as exc:
        fail(str(exc))
    out = Path(hc.runtime.output_dir)
    start = time.perf_counter()
    res = simulate(config, progress=config.output.progress and sys.stderr.isatty())
    elapsed = time.perf_counter() - start
    try:
        write_results(res, out, figures=config.output.figures, tables=config.output.tables,
                      report=config.output.report)
        finish(out, res.summary)
    except OSError as exc:
        fail(f"cannot write outputs to {out}: {exc.strerror or exc}")
    print(summary_table(res.summary, f"{run_title(res)} ({elapsed:.1f} s)"))
    print(f"\nOutputs: {out.resolve()}")
    if config.output.report:
        print(f"Report:  {(out / REPORT_FILE).resolve()} (open in a browser)")
    return None


register_schema()  # at import too: sweep workers that import this module compose with the schemas


def hydra_main() -> None:
    """Let Hydra run :func:`job` (or print ``--help``) over the config folder :func:`~sim.api.config_dir`
    names now, with the policies registered now."""
    register_schema()
    hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="config")(job)()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: check the config, then let Hydra run the job (which reads
    ``sys.argv``; ``argv`` defaults to its arguments)."""
    args = sys.argv[1:] if argv is None else list(argv)
    opts = parse_command_line(args)  # a malformed command line or --config-path: refused before any folder is read
    try:  # the overrides (not a flag's argument, such as --info searchpath) and the config folders in play
        guard.check([*opts.overrides, *(["--config-dir", opts.config_dir] if opts.config_dir else [])], config_dir())
    except (FileNotFoundError, guard.UnsafeConfig) as exc:
        fail(str(exc))
    preflight(args)
    try:
        hydra_main()
    except KeyboardInterrupt:
        print("abx-sim: interrupted; finished runs are kept (a sweep continues where it stopped when "
              "run again with the same arguments and hydra.sweep.dir)", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
