"""What ``abx-sim`` imports before it runs anything: nothing it does not use (no timing here, only
which modules are loaded, each checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import SMALL_TIERS

from sim.studies import CHECKOUT


def loaded_after(code: str) -> set[str]:
    """The modules loaded in a fresh interpreter after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_the_model_imports_mesa_without_scipy_or_networkx():
    loaded = loaded_after("from sim.core.model import ABXModel")
    assert "mesa" in loaded
    # numba imports the top-level scipy package to check its version (16 ms); nothing beneath it
    assert not loaded & {"scipy.spatial", "networkx"}


def test_abx_sim_imports_neither_matplotlib_nor_scipy_nor_networkx():
    # its figures are drawn by a helper process (sim.outputs.figure_worker) that imports matplotlib
    loaded = loaded_after("import sim.apps.cli")
    assert {"hydra", "mesa", "pandas"} <= loaded
    assert not loaded & {"matplotlib", "scipy.spatial", "networkx"}


def test_a_run_loads_its_compiled_loops_without_scipy_linalg():
    # numba's array maths asks scipy.linalg whether BLAS is there (sim.core.compiled answers instead)
    loaded = loaded_after("from sim.api import run\n"
                          "run(['market.n_accounts=300', 'horizon_weeks=4', 'output.progress=false'])\n"
                          "import numba.np.arraymath\n"
                          "assert numba.np.arraymath._HAVE_BLAS")
    assert "numba.np.arraymath" in loaded and "scipy.linalg" not in loaded


def test_mesa_names_its_loggers_as_ever_and_inspect_is_left_as_it_was():
    loaded_after("import inspect\n"
                 "stack, outer = inspect.stack, inspect.getouterframes\n"
                 "import sim.core.lean_mesa, mesa.model\n"
                 "assert mesa.model._mesa_logger.name == 'MESA.mesa.model'\n"
                 "assert inspect.stack is stack and inspect.getouterframes is outer")


def test_mesa_grids_still_load_when_used():
    loaded = loaded_after(
        "import sim.core.model, mesa\n"
        "from mesa.discrete_space import OrthogonalMooreGrid\n"
        "import mesa.discrete_space.network\n"
        "assert mesa.space.MultiGrid and mesa.experimental.continuous_space.ContinuousSpace\n"
        "assert mesa.discrete_space.OrthogonalMooreGrid is OrthogonalMooreGrid")
    assert {"scipy.spatial", "networkx"} <= loaded


def run_in_fresh_process(code: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc


COUNT_COMPOSES = """
import sys
import hydra._internal.hydra as h
compose, calls = h.Hydra.compose_config, []
h.Hydra.compose_config = lambda self, *a, **k: calls.append(k.get("run_mode")) or compose(self, *a, **k)
import sim.apps.cli as cli
sys.argv = ["abx-sim", *{args!r}]
cli.{entry}()
print("composed", len(calls))
"""


def test_a_single_run_composes_its_config_once_and_writes_what_hydras_main_writes(tmp_path):
    args = ["market.n_accounts=600", "horizon_weeks=6", *SMALL_TIERS]
    main = run_in_fresh_process(COUNT_COMPOSES.format(args=[*args, "hydra.run.dir=main"], entry="main"), tmp_path)
    # the pre-flight's, reused for the run, and the presets' alone, which the report compares the run
    # with (composed while the figures are drawn)
    assert main.stdout.splitlines()[-1] == "composed 2"
    hydra = run_in_fresh_process(COUNT_COMPOSES.format(args=[*args, "hydra.run.dir=hydra"], entry="hydra_main"),
                                 tmp_path)  # Hydra's own main on the same command line
    assert hydra.stdout.splitlines()[-1] == "composed 3"
    assert main.stdout.replace("main", "hydra").splitlines()[1:-1] == hydra.stdout.splitlines()[1:-1]
    files = sorted(p.relative_to(tmp_path / "main") for p in (tmp_path / "main").rglob("*"))
    assert files == sorted(p.relative_to(tmp_path / "hydra") for p in (tmp_path / "hydra").rglob("*"))
    for name in ("config.yaml", "overrides.yaml", "hydra.yaml"):
        assert (tmp_path / "main/.hydra" / name).read_text().replace("=main", "=hydra").replace(
            "dir: main", "dir: hydra").replace(str(tmp_path / "main"), str(tmp_path / "hydra")) == (
            tmp_path / "hydra/.hydra" / name).read_text()
    assert (tmp_path / "main/summary.json").read_text() == (tmp_path / "hydra/summary.json").read_text()


def test_a_sweep_composes_no_more_than_hydras_main_alone_and_writes_the_same(tmp_path):
    (tmp_path / "mine/market").mkdir(parents=True)  # an option file of the user's, found through --config-dir
    (tmp_path / "mine/market/mine.yaml").write_text((CHECKOUT / "configs/market/midmarket_saas.yaml").read_text())
    args = ["--config-dir", "mine", "-m", "replications=2", "market=mine", "market.n_accounts=300", "horizon_weeks=4"]
    main = run_in_fresh_process(COUNT_COMPOSES.format(args=[*args, "hydra.sweep.dir=main"], entry="main"), tmp_path)
    hydra = run_in_fresh_process(COUNT_COMPOSES.format(args=[*args, "hydra.sweep.dir=hydra"], entry="hydra_main"),
                                 tmp_path)  # Hydra's own main on the same command line, without the pre-flight
    # The pre-flight's composition takes the place of the one Hydra's main makes only to read hydra.mode.
    assert main.stdout.splitlines()[-1] == hydra.stdout.splitlines()[-1] == "composed 2"
    files = sorted(p.relative_to(tmp_path / "main") for p in (tmp_path / "main").rglob("*"))
    assert files == sorted(p.relative_to(tmp_path / "hydra") for p in (tmp_path / "hydra").rglob("*"))
    assert (tmp_path / "main/multirun.yaml").read_text().replace("=main", "=hydra").replace(
        "dir: main", "dir: hydra") == (tmp_path / "hydra/multirun.yaml").read_text()
    for summary in (tmp_path / "main").rglob("summary.json"):
        assert summary.read_text() == (tmp_path / "hydra" / summary.relative_to(tmp_path / "main")).read_text()
