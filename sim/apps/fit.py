"""``abx-sim-fit``: fit the model to a company, from its records or its figures.

``abx-sim-fit export RUN --out FOLDER`` writes a run's records as a CRM export (CSV);
``abx-sim-fit targets RECORDS --out FILE`` turns a run folder or a CRM export into a targets file,
with bootstrap standard errors; ``abx-sim-fit fit TARGETS --out DIR`` fits market parameters to it.
A mistake (a bad file, value or option) ends with one line and exit status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.api import ArgumentParser
from sim.core.params import ConfigError
from sim.outputs.files import atomic_write


def _run_records(folder: Path) -> tuple[Any, dict[str, Any]]:
    """A run folder's records, and its command-line values that describe the world (the given)."""
    from sim.fit.abc import given_overrides
    from sim.fit.records import WARMUP_WEEKS, Records, window

    needed = [folder / f"{name}.parquet" for name in ("opportunities", "revenue", "timeseries")]
    missing = [p.name for p in needed if not p.is_file()]
    if missing:
        raise ConfigError(f"{folder}: not a finished run with tables (no {missing[0]}; run with output.tables=true)")
    opps, revenue, ts = (pd.read_parquet(p) for p in needed)
    given: dict[str, Any] = {}
    overrides = folder / ".hydra" / "overrides.yaml"
    for line in (yaml.safe_load(overrides.read_text()) or []) if overrides.is_file() else []:
        key, _, value = str(line).partition("=")
        try:
            given_overrides({key: value})  # only world keys: not the seed, the horizon or Hydra's own
        except ConfigError:
            continue
        given[key] = yaml.safe_load(value)
    if len(ts) < WARMUP_WEEKS + 52:
        raise ConfigError(f"{folder}: a run of {len(ts)} weeks; its records start after {WARMUP_WEEKS} weeks of "
                          "warm-up and need a year more (horizon_weeks >= 78)")
    return window(Records(opps, revenue, len(ts)), WARMUP_WEEKS), given


def targets_command(args: Any) -> None:
    """Write a targets file from a run folder or a CRM export; say what could not be computed."""
    from sim.fit import records
    from sim.fit.abc import given_overrides
    from sim.fit.targets import targets_yaml

    source = Path(args.records)
    if source.is_dir():
        recs, given = _run_records(source)
    else:
        recs = records.read_csv(source, Path(args.revenue) if args.revenue else None, args.start, args.end)
        given = {}
    for item in args.given:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--given {item}: must be KEY=VALUE, e.g. market.n_accounts=2000")
        given[key] = yaml.safe_load(value)
    given_overrides(given)
    text, missing = targets_yaml(recs, given, args.boot, args.seed)
    out = Path(args.out)
    atomic_write(out, lambda p: p.write_text(text))
    print(f"{out}: {text.count('value:')} targets from {len(recs.opportunities):,} opportunities over "
          f"{recs.weeks} weeks")
    for line in missing:
        print(f"  not computed: {line}")


def export_command(args: Any) -> None:
    """Write a run folder's records as a CRM export (opportunities.csv, revenue.csv)."""
    from sim.fit.records import write_csv

    recs, _ = _run_records(Path(args.run))
    for path in write_csv(recs, Path(args.out)):
        print(path)


def fit_command(args: Any) -> None:
    """Fit, then print the posterior: median and 90% interval of each parameter, against its prior."""
    from sim.fit.abc import default_priors, parse_prior
    from sim.fit.fitting import FITTED_FILE, Settings, fit
    from sim.fit.targets import read_targets

    targets = read_targets(Path(args.targets))
    priors = [parse_prior(p) for p in args.param] if args.param else default_priors()
    settings = Settings(priors, args.population, args.generations, args.seed, args.workers)
    out = Path(args.out)
    info = fit(targets, settings, out, progress=sys.stderr.isatty())
    print(f"Fitted {len(priors)} parameters to {len(targets.targets)} targets: {info['simulations']:,} runs in "
          f"{info['seconds']:.0f} s, {info['generations']} generations of {settings.population} particles "
          f"(effective sample {info['effective_sample_size']:.0f})")
    print(f"  {'parameter':42s} {'median':>10s} {'90% interval':>22s} {'prior':>20s}")
    for p in priors:
        fitted = info["parameters"][p.key]
        lo, hi = fitted["interval_90"]
        print(f"  {p.key:42s} {fitted['median']:10.4g} {f'[{lo:.4g}, {hi:.4g}]':>22s} "
              f"{f'[{p.lo:.4g}, {p.hi:.4g}]':>20s}")
    for warning in info["warnings"]:
        print(f"  warning: {warning}")
    print(f"Report: {out / 'report.html'}\nPosterior: {out / 'posterior.parquet'}")
    print(f"Run the fitted market: abx-sim --config-dir {out} market=fitted"
          f"  ({out / FITTED_FILE})")


def parser() -> ArgumentParser:
    """The command line of ``abx-sim-fit``."""
    from sim.fit.fitting import Settings  # its defaults are the command's

    p = ArgumentParser(prog="abx-sim-fit", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export", help="a run's records as a CRM export (CSV)")
    e.add_argument("run", help="a run folder (written with output.tables=true)")
    e.add_argument("--out", required=True, help="folder for opportunities.csv and revenue.csv")
    t = sub.add_parser("targets", help="a targets file from a run folder or a CRM export")
    t.add_argument("records", help="a run folder, or opportunities.csv of a CRM export")
    t.add_argument("--revenue", help="revenue.csv of the export (changes of ARR: NRR, GRR, logo churn)")
    t.add_argument("--from", dest="start", help="first day the export covers (YYYY-MM-DD; default: earliest date)")
    t.add_argument("--to", dest="end", help="last day it covers (default: latest date)")
    t.add_argument("--given", action="append", default=[],
                   help="a value of your market taken as given, KEY=VALUE (repeatable), e.g. market.n_accounts=2000")
    t.add_argument("--boot", type=int, default=400, help="bootstrap resamples for the standard errors")
    t.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (>= 0)")
    t.add_argument("--out", required=True, help="the targets file to write (YAML)")
    f = sub.add_parser("fit", help="fit market parameters to a targets file")
    f.add_argument("targets", help="a targets file (YAML)")
    f.add_argument("--out", required=True, help="folder for the posterior, the fitted market and fit.db (resumable)")
    f.add_argument("--param", action="append", default=[],
                   help="a parameter to fit, KEY or KEY=LO:HI (repeatable; default: the four of sim.fit.abc)")
    f.add_argument("--population", type=int, default=Settings.population,
                   help="particles per generation (default: %(default)s)")
    f.add_argument("--generations", type=int, default=Settings.generations,
                   help="generations; the last is exact (default: %(default)s)")
    f.add_argument("--seed", type=int, default=0, help="seed of the fit and of the simulated world")
    f.add_argument("--workers", type=int, default=2, help="worker processes")
    return p


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    p = parser()
    args = p.parse_args(argv)
    for name in ("population", "generations", "workers", "boot"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            p.error(f"--{name} = {value}: must be a whole number >= 1")
    if getattr(args, "seed", 0) < 0:
        p.error(f"--seed = {args.seed}: must be a whole number >= 0")
    try:
        {"export": export_command, "targets": targets_command, "fit": fit_command}[args.command](args)
    except ConfigError as exc:
        print(f"abx-sim-fit: error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
