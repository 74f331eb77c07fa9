"""The regression baseline: the fixed cases still produce the committed summaries."""

from __future__ import annotations

import json

from sim.studies.baseline import BASELINE_PATH, CASES, current, drift


def test_the_fixed_cases_produce_the_committed_summaries():
    baseline = json.loads(BASELINE_PATH.read_text())
    assert set(baseline) == set(CASES)
    lines = drift(baseline, current())
    assert not lines, ("unexplained drift from tests/baseline.json (if intended, run `python -m sim.studies.baseline "
                       "--update` and commit the reviewed diff):\n" + "\n".join(lines))


def test_drift_reports_moved_added_and_removed_values():
    old = {"a": {"x": 1.0, "y": 2.0}, "gone": {"x": 0.0}}
    new = {"a": {"x": 1.0 + 1e-12, "y": 2.5, "z": 0.0}, "new": {"x": 0.0}}
    assert drift(old, new) == ["a.y: 2 -> 2.5", "a.z: metric added", "gone: case removed", "new: case added"]
