"""Every bad input gets one line naming the key, the value and what is allowed; exit status 2, no
traceback, nothing written (issue 13).

One table drives the command line (single runs and sweeps), config files in a config folder, the
sweep report, the experiment runner, calibration and the Python API. The commands run in this
process (their ``main``), from an empty temporary folder, so the whole table takes seconds;
``test_the_console_scripts_behave_as_the_table_says`` runs a sample of it through the installed
scripts to keep the two ways honest.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from sim.api import CONFIG_DIR_ENV, config_dir, run
from sim.core.params import ConfigError

SWEEP = ["-m", "strategy=abm,abx", "market.n_accounts=300", "horizon_weeks=4"]
MARKET, LHS = "market/midmarket_saas.yaml", "sweep/market_lhs.yaml"


def edit(path: str, old: str, new: str) -> str:
    """The setup of a case whose config folder is a copy of ``configs/`` with ``old`` replaced by
    ``new`` (once) in the file ``path``."""
    return f"edit:{path}|{old}|{new}"


@dataclass(frozen=True)
class Case:
    """A bad input: the command, its arguments, what the one line must say, and an optional setup
    (``setup(folder)`` prepares files and returns extra environment variables)."""

    command: str
    args: tuple[str, ...]
    says: str
    setup: str = ""


def cli(*args: str, says: str, setup: str = "") -> Case:
    return Case("abx-sim", args, says, setup)


# ----------------------------------------------------------------------------------- the table
CASES: dict[str, Case] = {
    # single runs: values out of range, of the wrong type, or not finite
    "negative accounts": cli("market.n_accounts=-5", says="market.n_accounts = -5: must lie in [1, 5000000]"),
    "zero accounts": cli("market.n_accounts=0", says="market.n_accounts = 0: must lie in [1, 5000000]"),
    "too many accounts": cli("market.n_accounts=5000001", says="market.n_accounts = 5000001: must lie in"),
    "text for a number": cli("market.n_accounts=abc", says="market.n_accounts"),
    "fraction for a count": cli("market.n_accounts=1.5", says="market.n_accounts"),
    "huge count": cli("market.n_accounts=1e308", says="market.n_accounts"),
    "zero horizon": cli("horizon_weeks=0", says="horizon_weeks = 0: must lie in [1, 2600]"),
    "negative horizon": cli("horizon_weeks=-1", says="horizon_weeks = -1"),
    "horizon of a century": cli("horizon_weeks=5200", says="horizon_weeks = 5200: must lie in [1, 2600]"),
    "negative seed": cli("seed=-1", says="seed = -1: must lie in"),
    "seed beyond 64 bits": cli("seed=99999999999999999999", says="seed = 99999999999999999999: must lie in"),
    "negative replication": cli("replication=-1", says="replication = -1: must lie in"),
    "negative AEs": cli("vendor.n_ae=-1", says="vendor.n_ae = -1: must lie in"),
    "budget 1e308": cli("vendor.marketing_budget_usd_year=1e308", says="vendor.marketing_budget_usd_year = 1e+308"),
    "negative budget": cli("vendor.marketing_budget_usd_year=-1", says="vendor.marketing_budget_usd_year = -1"),
    "NaN budget": cli("vendor.marketing_budget_usd_year=nan", says="vendor.marketing_budget_usd_year = nan: "
                      "must be a finite number"),
    "infinite budget": cli("vendor.marketing_budget_usd_year=inf", says="must be a finite number"),
    "negative salary": cli("vendor.salary_usd_year=[1,2,3,-4]", says="vendor.salary_usd_year"),
    "huge ACV": cli("market.acv_median_usd=[1e300,1e300,1e300]", says="market.acv_median_usd"),
    "huge channel cost": cli("vendor.channel_cost_usd=[1e300,1,1,1,1]", says="vendor.channel_cost_usd"),
    "probability above 1": cli("market.buyers.p_turnover_year=1.5", says="must lie in [0, 1]"),
    "negative probability": cli("market.deals.p_holdout=-0.1", says="market.deals.p_holdout = -0.1"),
    "shares not adding up": cli("market.segment_shares=[0.5,0.6,0.1]", says="must add up to 1.0"),
    "too few shares": cli("market.segment_shares=[0.5,0.5]", says="market.segment_shares = [0.5, 0.5]: must be a "
                          "list of 3 numbers"),
    "text for a list": cli("market.segment_shares=abc", says="market.segment_shares"),
    "list of text": cli("market.committee_size_mean=[a,b,c]", says="market.committee_size_mean"),
    "cycle too long": cli("market.deals.cycle_weeks=[1,2,999]", says="market.deals.cycle_weeks"),
    "contract too short": cli("market.customers.contract_weeks=1", says="market.customers.contract_weeks = 1"),
    "tier larger than the market": cli("strategy.tiering.n_one_to_many=20000", says="more than market.n_accounts"),
    "negative tier": cli("strategy.tiering.n_one_to_one=-3", says="strategy.tiering.n_one_to_one = -3"),
    "policy parameter out of range": cli("strategy.personalization.research_cost_share=7",
                                         says="strategy.personalization.research_cost_share = 7"),
    "unknown policy": cli("strategy.tiering.policy=bogus", says="unknown tiering policy"),
    "unknown strategy": cli("strategy=bogus", says="strategy=bogus: no such option; available: abm, abx"),
    "unknown market": cli("market=mars", says="market=mars: no such option"),
    "unknown policy option": cli("strategy/personalization=bogus", says="available: ai_generated, generic"),
    "unknown policy key": cli("strategy.orchestration.nonsense=3", says="strategy.orchestration.nonsense: "
                              "unknown key"),
    "unknown key": cli("nonexistent=1", says="nonexistent: unknown key"),
    "unknown nested key": cli("market.nonexistent=1", says="market.nonexistent: unknown key"),
    "unknown key added": cli("+market.nonexistent=1", says="market.nonexistent: unknown key"),
    "unknown top-level key added": cli("+nonexistent=1", says="nonexistent: unknown key"),
    "a number for a flag": cli("output.report=2", says="output.report = 2: must be true or false"),
    "a word for a flag": cli("output.figures=maybe", says="output.figures"),
    "empty value": cli("market.n_accounts=", says="market.n_accounts"),
    "no key": cli("=5", says="=5"),
    "no value": cli("market.n_accounts", says="market.n_accounts"),
    "unbalanced bracket": cli("market.segment_shares=[0.2,0.7", says="market.segment_shares"),
    "deleting a required key": cli("~horizon_weeks", says="horizon_weeks"),
    "deleting the market": cli("~market", says="market"),
    "an environment variable for a number": cli("horizon_weeks=${oc.env:HOME}", says="horizon_weeks"),
    "a missing interpolation": cli("horizon_weeks=${nothing}", says="horizon_weeks"),
    "negative story accounts": cli("output.story_accounts=-1", says="output.story_accounts = -1"),
    "story of a missing account": cli("output.story_ids=[999999]", says="output.story_ids"),
    "unknown design in a run": cli("sweep.design=bogus", says="sweep.design = 'bogus': must be one of"),
    "design point below -1": cli("sweep.point=-2", says="sweep.point = -2"),
    "run folder that is a file": cli("hydra.run.dir=a_file", says="cannot write outputs", setup="file"),
    "run folder nobody can write": cli("hydra.run.dir=/proc/abx-sim-cannot-write-here", says="cannot write outputs"),
    "a run that does not fit in memory": cli("market.n_accounts=5000000", says="of memory", setup="small-machine"),
    "a sweep whose workers do not fit in memory": cli("-m", "seed=1,2", "market.n_accounts=200000", "horizon_weeks=4",
                                                      "hydra/launcher=joblib", "hydra.launcher.n_jobs=8",
                                                      says="a sweep with 8 workers needs about", setup="small-machine"),
    "a sweep that does not fit in memory": cli("-m", "market.n_accounts=300,5000000", "horizon_weeks=4",
                                               says="of memory", setup="small-machine"),
    # overrides and files that would run code, or reach outside their folders
    "a callback": cli("+hydra.callbacks.x._target_=os.system", says="'callbacks' is not allowed"),
    "a target": cli("+market._target_=builtins.print", says="'_target_' is not allowed"),
    "a partial": cli("+x._partial_=true", says="'_partial_' is not allowed"),
    "a logging handler": cli("+hydra.job_logging.handlers.x.class=logging.FileHandler",
                             says="'handlers' is not allowed"),
    "a search path": cli("hydra.searchpath=[file:///tmp]", says="'searchpath' is not allowed"),
    "a callbacks group": cli("+hydra/callbacks=x", says="'callbacks' is not allowed"),
    "a config dir with a callback": cli("--config-dir", "evil", says="'callbacks' is not allowed", setup="evil"),
    "a config path": cli("-cp", "{tmp}/evil", says="/evil: not supported; use --config-dir",
                         setup="evil"),
    "a config dir that is missing": cli("--config-dir", "nowhere", says="--config-dir nowhere: no such folder"),
    "a config dir whose market is bad": cli("--config-dir", "extra", "market=bad", says="market.n_accounts = -3",
                                            setup="extra"),
    "an unknown config name": cli("--config-name", "nothing", says="--config-name nothing"),
    "a callback inside a value": cli("+hydra={callbacks:{x:{_target_:builtins.print}}}",
                                     says="hydra: not a Hydra setting abx-sim takes"),
    "a target inside a value": cli("+market={_target_:os.getcwd}", says="market._target_: '_target_' is not allowed"),
    "a rerun of a pickle": cli("--experimental-rerun", "x.pickle", says="--experimental-rerun: not supported"),
    "the config of a bad option": cli("--cfg", "job", "strategy=bogus", says="strategy=bogus: no such option"),
    "help for a missing config": cli("--help", "--config-name", "nothing", says="--config-name nothing"),
    "multirun by override": cli("hydra.mode=MULTIRUN", says="hydra.mode: not a Hydra setting"),
    "a Hydra job name": cli("hydra.job.name=a/b", says="hydra.job.name: not a Hydra setting"),
    "an unresolvable run folder": cli("hydra.run.dir=${oc.env:ABX_SIM_NOPE}", says="hydra.run.dir: "),
    "null for a number": cli("market.n_accounts=null", says="market.n_accounts = null: needs a value"),
    "null for a group": cli("strategy=null", says="strategy = null: needs a value"),
    "a character the grammar cannot read": cli("hydra.run.dir=~/x", says="cannot read '~' at character 15"),
    "a flag inside a mapping": cli("output={report:2}", says="output.report = 2: must be true or false"),
    # config files (a copy of configs/ with one file changed, chosen with ABX_SIM_CONFIG_DIR)
    "malformed YAML": cli(says="cannot read this config file", setup="file:market/midmarket_saas.yaml:market: ["),
    "NaN in a file": cli(says="market.data_quality = nan: must be a finite number",
                         setup=edit(MARKET, "installed_base_share: 0.06", "data_quality: .nan")),
    "text in a file": cli(says="market.n_accounts", setup=edit(MARKET, "n_accounts: 10000", "n_accounts: many")),
    "unknown key in a file": cli(says="market.colour: unknown key",
                                 setup=edit(MARKET, "n_accounts: 10000", "colour: blue")),
    "out of range in a file": cli(says="market.p_window_start_year = 1.2",
                                  setup=edit(MARKET, "p_window_start_year: 0.2", "p_window_start_year: 1.2")),
    "unknown policy in a file": cli(says="unknown orchestration policy",
                                    setup=edit("strategy/orchestration/signal.yaml", "policy: signal",
                                               "policy: psychic")),
    "callbacks in a market file": cli(says="'callbacks' is not allowed",
                                      setup=edit(MARKET, "market:\n", "hydra:\n  callbacks:\n    x: "
                                                 "{_target_: os.system}\nmarket:\n")),
    "a target in a strategy file": cli(says="'_target_' is not allowed",
                                       setup=edit("strategy/abx.yaml", "name: abx", "name: abx\n_target_: os.getcwd")),
    "a defaults entry outside the folder": cli(says="not allowed", setup=edit("strategy/abx.yaml", "defaults:\n",
                                                                              "defaults:\n  - /hydra/callbacks: x\n")),
    "a config folder without config.yaml": cli(says=f"{CONFIG_DIR_ENV}=", setup="empty"),
    # sweeps: every job's config is checked before any starts
    "a sweep with an unknown strategy": cli(*SWEEP[:1], "strategy=abm,bogus", *SWEEP[2:],
                                            says="strategy=bogus: no such option"),
    "a sweep with an unknown key": cli(*SWEEP, "nonexistent=1", says="nonexistent: unknown key"),
    "a sweep with a bad value": cli(*SWEEP, "vendor.n_ae=-1", says="vendor.n_ae = -1"),
    "a sweep with one bad swept value": cli("-m", "market.n_accounts=300,-5", "horizon_weeks=4",
                                            says="market.n_accounts = -5"),
    "a sweep with a bad range": cli("-m", "market.n_accounts=range(0,2)", "horizon_weeks=4",
                                    says="market.n_accounts = 0"),
    "a sweep with a bad swept type": cli("-m", "horizon_weeks=4,x", "market.n_accounts=300",
                                         says="horizon_weeks"),
    "a sweep with a tier too large in one cell": cli("-m", "market.n_accounts=300,100",
                                                     "strategy.tiering.n_one_to_many=200", "horizon_weeks=4",
                                                     says="more than market.n_accounts"),
    "several values without -m": cli("strategy=abm,abx", says="strategy=abm,abx: several values make a sweep; add -m"),
    "a range without -m": cli("seed=range(3)", says="seed=range(3): several values make a sweep"),
    "an interval sweep": cli("-m", "seed=interval(0,1)", says="seed=interval(0,1): interval(...) is a continuous"),
    "an empty range": cli("-m", "seed=range(5,1)", says="seed=range(5,1): sweeps no value"),
    "a condition too long": cli(*SWEEP, "sweep.condition='" + "nrr+" * 300 + "nrr<2'", says="at most 1000 characters"),
    "no replications": cli(*SWEEP, "replications=0", says="replications = 0: must lie in"),
    "a batch of -1": cli(*SWEEP, "hydra.sweeper.max_batch_size=-1", says="hydra.sweeper.max_batch_size = -1"),
    "a batch of 0": cli(*SWEEP, "hydra.sweeper.max_batch_size=0", says="hydra.sweeper.max_batch_size = 0"),
    "no workers": cli(*SWEEP, "hydra/launcher=joblib", "hydra.launcher.n_jobs=0", says="hydra.launcher.n_jobs = 0"),
    "an unknown launcher": cli(*SWEEP, "hydra/launcher=bogus", says="hydra/launcher=bogus: no such option"),
    "a sweep folder that is a file": cli(*SWEEP, "hydra.sweep.dir=a_file", says="cannot write outputs",
                                         setup="file"),
    "a sweep folder nobody can write": cli(*SWEEP, "hydra.sweep.dir=/proc/abx-sim-no", says="cannot write outputs"),
    "no samples": cli(*SWEEP, "sweep=market_lhs", "sweep.samples=0", says="sweep.samples = 0: must lie in"),
    "a design without parameters": cli(*SWEEP, "sweep.design=lhs", says="sweep.params: a lhs design needs"),
    "inverted bounds": cli(*SWEEP, "sweep=market_lhs", says="sweep.params.market.data_quality = [0.95, 0.4]: must "
                           "be [low, high]", setup=edit(LHS, "[0.4, 0.95]", "[0.95, 0.4]")),
    "bounds beyond the declared range": cli(*SWEEP, "sweep=market_lhs", setup=edit(LHS, "[0.4, 0.95]", "[0.5, 2.0]"),
                                            says="sweep.params.market.data_quality = [0.5, 2.0]: must lie in [0, 1]"),
    "a design over an unknown key": cli(*SWEEP, "sweep=market_lhs", says="sweep.params.market.colour: no such",
                                        setup=edit(LHS, "params:\n", "params:\n  market.colour: [0, 1]\n")),
    "a design over a flag": cli(*SWEEP, "sweep=market_lhs", says="sweep.params.output.report: no such parameter",
                                setup=edit(LHS, "params:\n", "params:\n  output.report: [0, 1]\n")),
    "a design over a list": cli(*SWEEP, "sweep=market_lhs", says="sweep.params.market.segment_shares: no such",
                                setup=edit(LHS, "params:\n", "params:\n  market.segment_shares: [0, 1]\n")),
    "a design over a seed": cli(*SWEEP, "sweep=market_lhs", says="sweep.params.seed: no such parameter",
                                setup=edit(LHS, "params:\n", "params:\n  seed: [0, 10]\n")),
    "a range added on the command line": cli(*SWEEP, "sweep=market_lhs", "+sweep.params.market.colour=[0,1]",
                                             says="sweep.params.market.colour"),
    "an unparsable condition": cli(*SWEEP, "sweep.condition='nrr <'", says="condition 'nrr <'"),
    "a condition that calls code": cli(*SWEEP, "sweep.condition='__import__(\"os\").getcwd() == 1'",
                                       says="is not allowed; use metric names"),
    "a condition on an unknown metric": cli(*SWEEP, "sweep.condition='npr < 1'", says="no metric or input named"),
    "an unknown baseline": cli(*SWEEP, "sweep.baseline=bogus", says="sweep.baseline = 'bogus': the sweep runs"),
    # the sweep report
    "report of a missing folder": Case("abx-sim-report", ("nowhere",), "nowhere"),
    "report of an empty folder": Case("abx-sim-report", (".",), "no catalog rows"),
    "report of a file": Case("abx-sim-report", ("a_file",), "a_file", setup="file"),
    "report with an unknown baseline": Case("abx-sim-report", ("sweep", "--baseline", "bogus"),
                                            "--baseline bogus: the sweep ran", setup="sweep"),
    "report with an unparsable condition": Case("abx-sim-report", ("sweep", "--condition", "nrr <"),
                                                "condition 'nrr <'", setup="sweep"),
    "report with a condition that calls code": Case("abx-sim-report", ("sweep", "--condition", "nrr.__class__ < 1"),
                                                    "no metric or input named 'nrr.__class__'", setup="sweep"),
    "report with an unknown metric": Case("abx-sim-report", ("sweep", "--condition", "npr < 1"),
                                          "no metric or input named 'npr'", setup="sweep"),
    "a received folder whose condition calls code": Case("abx-sim-report", ("sweep",), "no metric or input named",
                                                         setup="sweep:condition:nrr.__class__ < 1"),
    "a received folder with a broken manifest": Case("abx-sim-report", ("sweep",), "sweep.json",
                                                     setup="sweep:broken"),
    "a received folder with a number for its condition": Case("abx-sim-report", ("sweep",), "condition = 5: must be",
                                                             setup="sweep:set:condition=5"),
    "a received folder with a broken design": Case("abx-sim-report", ("sweep",), "names, bounds and points do not read",
                                                   setup='sweep:set:design="lhs"'),
    "report with an unknown option": Case("abx-sim-report", ("sweep", "--colour"), "--colour", setup="sweep"),
    # experiments
    "an experiment outside experiments/": Case("abx-sim-experiment", ("../../x",), "no experiment '../../x'"),
    "an unknown experiment": Case("abx-sim-experiment", ("bogus",), "no experiment 'bogus'"),
    "an experiment by path": Case("abx-sim-experiment", ("experiments/e1_strategies",), "no experiment"),
    "no workers for an experiment": Case("abx-sim-experiment", ("e1_strategies", "--jobs", "0", "--out", "out"),
                                         "--jobs 0: must lie in [1, 256]"),
    "too many workers for an experiment": Case("abx-sim-experiment", ("e1_strategies", "--jobs", "99999999999"),
                                               "--jobs 99999999999: must lie in [1, 256]"),
    "text for workers": Case("abx-sim-experiment", ("e1_strategies", "--jobs", "two"), "--jobs"),
    "an experiment output that is a file": Case("abx-sim-experiment", ("e1_strategies", "--out", "a_file"),
                                                "cannot write to a_file", setup="file"),
    "analyse-only with nothing to analyse": Case("abx-sim-experiment", ("e1_strategies", "--analyse-only", "--out",
                                                                        "out"), "no finished runs in out"),
    # calibration
    "calibration with no seeds": Case("calibrate", ("--seeds", "0"), "--seeds 0: must be at least 1"),
    "calibration with an unknown strategy": Case("calibrate", ("--strategies", "bogus"), "strategy=bogus"),
    "calibration with a bad override": Case("calibrate", ("horizon_weeks=0",), "horizon_weeks = 0"),
}


# ------------------------------------------------------------------------------------ the setups
def prepare(setup: str, folder: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """Make the files a case needs in ``folder``; return the environment variables it sets."""
    kind, _, rest = setup.partition(":")
    if kind == "file":
        if rest:  # a copy of the config folder with one file replaced by this text
            path, _, text = rest.partition(":")
            tree = _copy_configs(folder)
            (tree / path).write_text(text)
            return {CONFIG_DIR_ENV: str(tree)}
        (folder / "a_file").write_text("not a folder\n")
    elif kind == "edit":  # a copy of the config folder with one line of one file changed
        path, old, new = rest.split("|", 2)
        tree = _copy_configs(folder)
        text = (tree / path).read_text()
        assert old in text, (path, old)
        (tree / path).write_text(text.replace(old, new, 1))
        return {CONFIG_DIR_ENV: str(tree)}
    elif kind == "empty":
        (folder / "empty").mkdir()
        return {CONFIG_DIR_ENV: str(folder / "empty")}
    elif kind == "evil":
        (folder / "evil").mkdir()
        (folder / "evil" / "config.yaml").write_text("hydra:\n  callbacks:\n    x:\n      _target_: os.getcwd\n")
    elif kind == "extra":
        (folder / "extra" / "market").mkdir(parents=True)
        (folder / "extra" / "market" / "bad.yaml").write_text("# @package _global_\nmarket:\n  n_accounts: -3\n")
    elif kind == "sweep":
        _copy_sweep(request.getfixturevalue("finished_sweep"), folder / "sweep", rest)
    elif kind == "small-machine":  # a machine with 1 GB free, whatever this one has
        return {"ABX_SIM_MEMORY_BYTES": "1e9"}
    return {}


def _copy_configs(folder: Path) -> Path:
    tree = folder / "configs"
    if not tree.exists():
        shutil.copytree(config_dir(), tree)
    return tree


@pytest.fixture(scope="session")
def finished_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small finished sweep folder, made once per session (cases copy it, then tamper with it)."""
    from sim.apps.cli import main as abx_sim

    made = tmp_path_factory.mktemp("finished")
    _in_process(abx_sim, "abx-sim", [*SWEEP, f"hydra.sweep.dir={made / 'sweep'}"], made, {}, strict=True)
    return made / "sweep"


def _copy_sweep(source: Path, target: Path, change: str) -> None:
    """A copy of a finished sweep folder, optionally tampered with."""
    shutil.copytree(source, target)
    manifest = target / "sweep.json"
    if change == "broken":
        manifest.write_text("{not json")
    elif change.startswith("set:"):  # a manifest key set to a JSON value
        key, _, value = change.removeprefix("set:").partition("=")
        data = json.loads(manifest.read_text())
        data[key] = json.loads(value)
        manifest.write_text(json.dumps(data))
    elif change.startswith("condition:"):
        data = json.loads(manifest.read_text())
        data["condition"] = change.removeprefix("condition:")
        manifest.write_text(json.dumps(data))


# ---------------------------------------------------------------------------------- the runners
def _mains() -> dict[str, Callable[[list[str]], None]]:
    from sim.apps.cli import main as abx_sim
    from sim.studies.calibrate import main as calibrate
    from sim.studies.experiments import main as experiment
    from sim.sweep.report import main as report

    return {"abx-sim": abx_sim, "abx-sim-report": report, "abx-sim-experiment": experiment, "calibrate": calibrate}


def _in_process(main: Callable[[list[str]], None], prog: str, argv: list[str], cwd: Path, env: dict[str, str],
                strict: bool = False) -> tuple[int, str]:
    """Run a command's ``main`` here, as its console script would: (exit status, standard error)."""
    import contextlib
    import io
    import os

    saved = (os.getcwd(), sys.argv, {k: os.environ.get(k) for k in env})
    err = io.StringIO()
    os.chdir(cwd)
    sys.argv = [prog, *argv]
    os.environ.update(env)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)  # as Python exits
        if isinstance(exc.code, str):
            err.write(exc.code + "\n")
    finally:
        os.chdir(saved[0])
        sys.argv = saved[1]
        for k, v in saved[2].items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if strict:
        assert code == 0, err.getvalue()
    return code, err.getvalue()


def _files(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*")}


def _check(case: Case, code: int, err: str) -> None:
    assert code == 2, f"exit {code}: {err[-1500:]}"
    assert "Traceback" not in err and err.count("\n") == 1, err[-1500:]
    assert re.match(r"[\w .-]+: error: ", err), err
    says = case.says.replace("{tmp}", "")
    assert says in err, err


@pytest.mark.parametrize("name", list(CASES))
def test_a_bad_input_gets_one_line_exit_2_and_writes_nothing(name, tmp_path, request):
    case = CASES[name]
    env = prepare(case.setup, tmp_path, request)
    before = _files(tmp_path)
    args = [a.replace("{tmp}", str(tmp_path)) for a in case.args]
    code, err = _in_process(_mains()[case.command], case.command, args, tmp_path, env)
    _check(case, code, err)
    assert _files(tmp_path) == before  # nothing written, nothing touched


# ----------------------------------------------------------------------------------------- API
API_CASES: dict[str, tuple[object, str]] = {
    "overrides with a bad value": (["market.n_accounts=-5"], "market.n_accounts = -5"),
    "overrides with an unknown strategy": (["strategy=bogus"], "strategy=bogus: no such option"),
    "overrides with an unknown key": (["nonexistent=1"], "nonexistent: unknown key"),
    "a string instead of a list": ("market.n_accounts=5", "must be a list of key=value strings"),
    "a number instead of overrides": (42, "must be a list of key=value strings"),
    "overrides that would run code": (["+hydra.callbacks.x._target_=os.system"], "'callbacks' is not allowed"),
}


@pytest.mark.parametrize("name", list(API_CASES))
def test_the_api_refuses_bad_overrides_in_one_line(name):
    given, says = API_CASES[name]
    with pytest.raises(ConfigError) as exc:
        run(given)  # type: ignore[arg-type]
    assert says in str(exc.value) and "\n" not in str(exc.value)


CONFIG_CASES: dict[str, tuple[Callable, str]] = {
    "negative accounts": (lambda c: replace(c, market=replace(c.market, n_accounts=-5)), "market.n_accounts = -5"),
    "a fraction of an account": (lambda c: replace(c, market=replace(c.market, n_accounts=1500.5)),
                                 "market.n_accounts = 1500.5: must be a whole number"),
    "NaN budget": (lambda c: replace(c, vendor=replace(c.vendor, marketing_budget_usd_year=float("nan"))),
                   "vendor.marketing_budget_usd_year = nan: must be a finite number"),
    "text for a number": (lambda c: replace(c, horizon_weeks="52"), "horizon_weeks = '52': must be a"),
    "a numpy number": (lambda c: replace(c, horizon_weeks=__import__("numpy").int64(4)),
                       "horizon_weeks = 4: must be a Python number, not numpy's int64"),
    "a section replaced by None": (lambda c: replace(c, market=None), "market = None: must be a MarketConfig"),
    "a tier too large": (lambda c: replace(c, market=replace(c.market, n_accounts=50)), "more than market.n_accounts"),
    "a policy parameter out of range": (
        lambda c: replace(c, strategy=replace(c.strategy, personalization=replace(
            c.strategy.personalization, research_cost_share=7.0))),
        "strategy.personalization.research_cost_share = 7.0"),
}


@pytest.mark.parametrize("name", list(CONFIG_CASES))
def test_the_api_validates_config_objects_too(name, small_config):
    change, says = CONFIG_CASES[name]
    with pytest.raises(ConfigError) as exc:
        run(change(small_config()))
    assert says in str(exc.value) and "\n" not in str(exc.value)


def test_the_table_is_large_and_covers_every_command():
    assert len(CASES) + len(API_CASES) + len(CONFIG_CASES) >= 100
    assert {c.command for c in CASES.values()} == set(_mains())


# -------------------------------------------------------------------- the console scripts agree
SAMPLE = ["negative accounts", "unknown strategy", "unknown key added", "NaN in a file", "a callback",
          "a config dir whose market is bad", "a sweep with one bad swept value", "no workers",
          "bounds beyond the declared range", "report with an unknown baseline", "an experiment outside experiments/"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SAMPLE)
def test_the_console_scripts_behave_as_the_table_says(name, tmp_path, request):
    import os

    case = CASES[name]
    env = prepare(case.setup, tmp_path, request)
    before = _files(tmp_path)
    script = shutil.which(case.command) or str(Path(sys.executable).with_name(case.command))
    args = [a.replace("{tmp}", str(tmp_path)) for a in case.args]
    proc = subprocess.run([script, *args], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})
    _check(case, proc.returncode, proc.stderr)
    assert _files(tmp_path) == before
