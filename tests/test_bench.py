"""The benchmark runs and reports every figure (its timings are not tested: no timed tests)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim.studies import bench


def test_the_references_report_rates_for_mesa_and_numpy():
    figures = bench.references(200, 2)
    assert figures["agents"] == 200
    assert all(figures[key] > 0 for key in ("mesa_agent_steps_per_s", "numpy_f64_steps_per_s",
                                            "numpy_f32_inplace_steps_per_s"))


def test_one_size_is_measured_in_a_fresh_process():
    row = bench.in_fresh_process(300, 4)
    assert row["accounts"] == 300 and row["weeks"] == 4 and row["members"] > 300
    assert row["member_steps_per_s"] == pytest.approx(row["members"] * 4 / row["run_s"])


@pytest.mark.slow
def test_the_quick_benchmark_prints_every_part():
    out = subprocess.run([sys.executable, "-m", "sim.studies.bench", "--quick", "--json"], check=True,
                         capture_output=True, text=True).stdout
    figures = json.loads(out)
    assert set(figures) == set(bench.PARTS)
    text = bench.report(figures)
    for heading in ("1. Model only", "2. Memory", "3. The Quickstart", "4. abx-sim sweep", "5. References"):
        assert heading in text
    assert "target" in text
