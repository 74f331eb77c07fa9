"""What ``abx-sim`` imports before it runs anything: nothing it does not use (no timing here, only
which modules are loaded, each checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys


def loaded_after(code: str) -> set[str]:
    """The top-level packages loaded in a fresh interpreter after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_the_model_imports_mesa_without_scipy_or_networkx():
    loaded = loaded_after("from sim.core.model import ABXModel")
    assert "mesa" in loaded
    assert not loaded & {"scipy", "networkx"}


def test_mesa_grids_still_load_when_used():
    loaded = loaded_after(
        "import sim.core.model, mesa\n"
        "from mesa.discrete_space import OrthogonalMooreGrid\n"
        "import mesa.discrete_space.network\n"
        "assert mesa.space.MultiGrid and mesa.experimental.continuous_space.ContinuousSpace\n"
        "assert mesa.discrete_space.OrthogonalMooreGrid is OrthogonalMooreGrid")
    assert {"scipy", "networkx"} <= loaded
