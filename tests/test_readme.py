"""The README contract: the Quickstart's two commands, and every other command works as written
(those run with the slow tests: later commands read earlier ones' outputs)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
VENV_BIN = str(Path(sys.executable).parent)


def sections() -> dict[str, str]:
    parts = re.split(r"^## +(.+?)\s*$", README, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def commands(text: str) -> list[str]:
    return [line.strip() for block in blocks(text, "bash") for line in block.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_quickstart_has_exactly_two_bash_blocks_install_and_run_then_test():
    quick = sections()["Quickstart"]
    install_run, tests = blocks(quick, "bash")
    assert "python3 -m venv .venv" in install_run and 'pip install -e ".[dev]"' in install_run
    assert install_run.strip().endswith(".venv/bin/abx-sim")
    assert tests.strip() == ".venv/bin/python -m pytest"
    assert (ROOT / ".python-version").read_text().strip() == "3.12"


def test_ci_runs_the_readme_test_command_after_installing_from_scratch():
    ci = (ROOT / ".ci/run").read_text()
    test_command = blocks(sections()["Quickstart"], "bash")[1].strip()
    assert re.search(rf"^{re.escape(test_command)}$", ci, flags=re.M)
    assert "-m venv .venv" in ci and re.search(r'pip install .*-e "\.\[dev[,\]]', ci)


def test_the_readme_and_ci_run_the_slow_tests_the_quick_command_leaves_out():
    quick = sections()["Quickstart"]
    options = (ROOT / "pyproject.toml").read_text()
    assert re.search(r"""^addopts = .*-m 'not slow'""", options, flags=re.M) and '"slow: ' in options
    assert "`.venv/bin/python -m pytest -m slow`" in quick and '`.venv/bin/python -m pytest -m ""`' in quick
    assert re.search(r"^\.venv/bin/python -m pytest -m slow\b", (ROOT / ".ci/run").read_text(), flags=re.M)


OTHER_COMMANDS = [c for name, text in sections().items() if name != "Quickstart" for c in commands(text)]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """One folder for all README commands, run in README order (later ones read earlier outputs)."""
    return tmp_path_factory.mktemp("readme")


#: Commands that start a server: they must start and answer; tests/test_dashboard.py drives it.
SERVERS = ("abx-sim-dashboard",)


@pytest.mark.slow  # all of them, in README order: later commands read earlier ones' outputs
@pytest.mark.parametrize("command", OTHER_COMMANDS)
def test_every_other_readme_command_works_as_written(command, scratch):
    """Commands run in a scratch folder, in order, with the project's environment activated as
    the README says; the lint and type-check commands run from the repository root."""
    cwd = ROOT if command.startswith(("ruff", "mypy")) else scratch
    env = {**os.environ, "PATH": VENV_BIN + os.pathsep + os.environ["PATH"]}
    if command.startswith(SERVERS):
        serves_and_answers(command, cwd, env)
        return
    proc = subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{command}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr


def serves_and_answers(command: str, cwd: Path, env: dict[str, str]) -> None:
    """Start a server command, wait for its "serving on <url>" line, fetch the page, stop it."""
    server = subprocess.Popen(command, shell=True, cwd=cwd, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        line = server.stdout.readline() if server.stdout else ""
        url = re.search(r"serving on (http://\S+)", line)
        assert url, f"{command}: {line}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url.group(1), timeout=2) as page:
                    assert page.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, f"{command} did not answer"
                time.sleep(0.5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def test_the_python_example_runs():
    (code,) = blocks(README, "python")
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # our own documentation
    assert 0 <= namespace["res"].summary["win_rate"] <= 1


def test_links_in_the_readme_point_to_files_that_exist():
    for target in re.findall(r"\]\((?!https?://)([^)#]+)\)", README):
        assert (ROOT / target).exists(), target
    for path in re.findall(r"`((?:docs|configs|sim|experiments|notebooks)/[^`*<>]+?)`", README):
        assert (ROOT / path).exists(), path
