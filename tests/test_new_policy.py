"""A new policy is one class plus one YAML file: no list anywhere else needs an edit.

Each test copies ``configs/`` to a temporary folder, adds ``strategy/personalization/whisper.yaml``
there and points the app at the copy with ``$ABX_SIM_CONFIG_DIR``; the fixture registers the
throwaway class and removes it afterwards, so other tests never see it. The help is printed by
``sim.apps.cli.main`` (what the ``abx-sim`` console script runs) in this process, because a
subprocess would not have the class: it lives only in this test, not in an importable module.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hydra.core.config_store import ConfigStore

from sim.api import CONFIG_DIR_ENV, compose_config, config_dir, config_options, run
from sim.apps import cli
from sim.apps.dashboard import choices, dashboard_config
from sim.core.params import ConfigError
from sim.core.policies import REGISTRY, Policy, register
from sim.core.policies.personalization import Generic
from sim.core.validate import validate

NAME = "whisper"
#: The new style's YAML file, written as a user would (compare ``configs/strategy/personalization/``).
YAML = f"""\
# personalization policy '{NAME}': generic messages with a faint personal claim (a test's throwaway).
defaults:
  - {NAME}_schema
  - _self_
policy: {NAME}
role_match_min_tier: 2
"""
SMALL = ["market.n_accounts=300", "horizon_weeks=8", "strategy.tiering.n_one_to_many=100",
         "strategy.tiering.n_one_to_few=20"]


@pytest.fixture
def configs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the config folder with the new style's YAML file, in force for the test."""
    folder = tmp_path / "configs"
    shutil.copytree(config_dir(), folder)
    (folder / "strategy" / "personalization" / f"{NAME}.yaml").write_text(YAML)
    monkeypatch.setenv(CONFIG_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def whisper(configs: Path) -> Iterator[type[Policy]]:
    """The new style's class, registered for the test only."""

    @register(NAME, replace=True)
    class Whisper(Generic):
        """Generic messages that claim a faint personalization at every level."""

        def claim(self, level: np.ndarray, depth: np.ndarray) -> np.ndarray:
            """A claim of 0.1 whatever the research."""
            return np.full(level.shape, 0.1, dtype=np.float32)

    yield Whisper
    del REGISTRY["personalization"][NAME]
    ConfigStore.instance().repo["strategy"]["personalization"].pop(f"{NAME}_schema.yaml", None)


def test_the_help_lists_the_new_style(whisper, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["abx-sim", "--help"])
    with pytest.raises(SystemExit) as done:  # Hydra exits after printing the help
        cli.main()
    assert done.value.code == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("strategy/personalization=OPTION")))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("    "))
    listed = {line.split()[0]: line for line in lines[start + 1:end]}
    assert "Generic messages that claim a faint personalization at every level" in listed[NAME]  # its docstring


def test_the_dashboard_offers_the_new_style_and_runs_it(whisper):
    assert NAME in choices()["personalization"]
    cfg = dashboard_config(personalization=NAME, n_accounts=300, horizon_weeks=8)
    assert cfg.strategy.personalization.policy == NAME


def test_validation_accepts_the_new_style_and_lists_it_when_rejecting_another(whisper):
    cfg = validate(compose_config([f"strategy/personalization={NAME}"]))
    assert cfg.strategy.personalization.policy == NAME and cfg.strategy.personalization.role_match_min_tier == 2
    with pytest.raises(ConfigError, match=rf"unknown personalization policy; registered: .*\b{NAME}\b"):
        validate(compose_config(["strategy.personalization.policy=bogus"]))


def test_a_run_uses_the_new_style(whisper):
    res = run([*SMALL, f"strategy/personalization={NAME}"])
    assert res.config.strategy.personalization.policy == NAME
    assert type(res.model.personalization) is whisper and len(res.timeseries) == 8


def test_the_yaml_file_alone_is_no_option_until_its_class_is_registered(configs):
    assert NAME not in config_options("strategy/personalization")
    assert "generic" in config_options("strategy/personalization")


def test_the_config_folder_must_hold_a_config_yaml(tmp_path, monkeypatch):
    monkeypatch.setenv(CONFIG_DIR_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="not a config folder"):
        config_dir()
