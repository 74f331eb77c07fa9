"""The global-sensitivity pipeline end to end on a tiny Sobol sweep, and the published study."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.studies.sensitivity import OUTCOMES

ROOT = Path(__file__).parents[1]
ABX_SIM = shutil.which("abx-sim") or str(Path(sys.executable).with_name("abx-sim"))


@pytest.mark.slow
def test_a_small_sobol_sweep_yields_indices_with_intervals_a_figure_and_the_document(tmp_path):
    sweep = tmp_path / "sweep"
    proc = subprocess.run([ABX_SIM, "-m", "sweep=default_sobol", "sweep.samples=2", "market.n_accounts=300",
                           "horizon_weeks=8", f"hydra.sweep.dir={sweep}"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    figure = tmp_path / "sensitivity.png"
    proc = subprocess.run([sys.executable, "-m", "sim.studies.sensitivity", str(sweep), "--figure", str(figure)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert figure.read_bytes()[:4] == b"\x89PNG"
    params = yaml.safe_load((ROOT / "configs/sweep/default_sobol.yaml").read_text())["params"]
    for metric in OUTCOMES:
        section = proc.stdout.split(f"(`{metric}`)")[1]
        rows = re.findall(r"^\| `([\w.]+)` \| (-?[\d.]+) \[(-?[\d.]+), (-?[\d.]+)\]", section, flags=re.M)
        assert {r[0] for r in rows} == set(params)
        assert all(float(lo) <= float(st) <= float(hi) for _, st, lo, hi in rows)


def test_a_sweep_that_is_not_sobol_is_a_one_line_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sim.studies.sensitivity", str(tmp_path / "nothing")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_the_published_study_covers_the_design_with_the_command_that_reproduces_it():
    doc = (ROOT / "docs/sensitivity.md").read_text()
    design = yaml.safe_load((ROOT / "configs/sweep/default_sobol.yaml").read_text())
    runs = design["samples"] * (len(design["params"]) + 2)
    assert f"({runs} runs" in doc and "abx-sim -m sweep=default_sobol" in doc
    assert "python -m sim.studies.sensitivity sweeps/sensitivity > docs/sensitivity.md" in doc
    for name in design["params"]:
        assert doc.count(f"`{name}`") >= 1 + len(OUTCOMES)  # the ranges table and one row per outcome
    assert (ROOT / "docs/sensitivity.png").is_file()
