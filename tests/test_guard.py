"""Configs hold values, never code (``sim.core.guard``): the exploits of issue 13 tried again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim.api import config_dir
from sim.core.guard import UnsafeConfig, check, config_dirs, forbidden_part

ABX_SIM = str(Path(sys.executable).with_name("abx-sim"))
EXPERIMENT = str(Path(sys.executable).with_name("abx-sim-experiment"))
SMALL = ["market.n_accounts=200", "horizon_weeks=2", "output.figures=false", "output.report=false"]


def abx_sim(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ABX_SIM, *args], capture_output=True, text=True, cwd=cwd, timeout=300,
                          env={**os.environ, **env})


def refused(proc: subprocess.CompletedProcess[str], word: str) -> bool:
    """Exit 2, one line naming the forbidden key, no traceback."""
    err = proc.stderr.strip()
    return proc.returncode == 2 and len(err.splitlines()) == 1 and word in err and "Traceback" not in err


def test_the_projects_own_config_tree_names_no_forbidden_key():
    check([], config_dir())  # raises UnsafeConfig otherwise


@pytest.mark.parametrize(("key", "bad"), [
    ("+hydra.callbacks.x._target_", "callbacks"), ("market._target_", "_target_"),
    ("hydra/callbacks", "callbacks"), ("hydra.job_logging.handlers.f.class", "handlers"),
    ("hydra.job_logging.formatters.f.()", "()"), ("hydra.searchpath", "searchpath"),
    ("~hydra.callbacks", "callbacks"), ("market.n_accounts", None), ("hydra.sweep.dir", None),
    ("strategy.personalization.claim_by_tier", None),
])
def test_forbidden_names_are_found_in_any_key_path(key, bad):
    assert forbidden_part(key) == bad


def test_config_dirs_follow_hydras_config_dir_flags(tmp_path):
    assert config_dirs(["--config-dir", "a", "-cd=b", "seed=1"], tmp_path) == [tmp_path, Path("a"), Path("b")]


def test_a_callback_on_the_command_line_runs_nothing_and_writes_nothing(tmp_path):
    marker = tmp_path / "pwned"
    exploit = ["+hydra.callbacks.x._target_=builtins.open", f"+hydra.callbacks.x.file={marker}",
               "+hydra.callbacks.x.mode=w"]
    for args in (exploit + SMALL, ["-m", *exploit, *SMALL, "seed=1,2"]):
        proc = abx_sim(args, tmp_path)
        assert refused(proc, "callbacks"), proc.stderr[-1000:]
        assert not marker.exists() and not (tmp_path / "outputs").exists() and not (tmp_path / "multirun").exists()


@pytest.mark.parametrize("override", [
    "hydra.job_logging.handlers.file.class=logging.FileHandler",
    "hydra.searchpath=[file:///tmp]",
    "+market._target_=os.system",
])
def test_logging_handlers_search_paths_and_targets_are_refused(override, tmp_path):
    assert refused(abx_sim([override, *SMALL], tmp_path), forbidden_part(override.partition("=")[0]) or "?")


def test_a_market_file_with_a_hydra_callbacks_block_is_refused(tmp_path):
    tree = tmp_path / "configs"
    shutil.copytree(config_dir(), tree)
    marker = tmp_path / "pwned"
    (tree / "market" / "evil.yaml").write_text(
        "# @package _global_\nhydra:\n  callbacks:\n    x:\n      _target_: builtins.open\n"
        f"      file: {marker}\n      mode: w\n")
    proc = abx_sim(["market=midmarket_saas", *SMALL], tmp_path, ABX_SIM_CONFIG_DIR=str(tree))
    assert refused(proc, "evil.yaml") and "callbacks" in proc.stderr and not marker.exists()


def test_a_config_dir_added_on_the_command_line_is_checked_too(tmp_path):
    extra = tmp_path / "extra" / "strategy"
    extra.mkdir(parents=True)
    (extra / "sneaky.yaml").write_text("defaults:\n  - override /hydra/callbacks: anything\n")
    proc = abx_sim(["--config-dir", str(tmp_path / "extra"), *SMALL], tmp_path)
    assert refused(proc, "sneaky.yaml")


def test_an_unreadable_config_file_is_one_line(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("a: [1, 2\n")
    with pytest.raises(UnsafeConfig, match="cannot read this config file"):
        check([], tmp_path)


@pytest.mark.parametrize("name", ["../../etc", "e1_strategies/../e8_measurement", "/tmp"])
def test_experiments_are_chosen_by_name_from_the_registry(name, tmp_path):
    proc = subprocess.run([EXPERIMENT, name, "--analyse-only", "--out", str(tmp_path)], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode != 0 and "no experiment" in proc.stderr and "Traceback" not in proc.stderr
