"""Studies of the model: calibration, validation, regression baseline, sensitivity, experiments,
benchmarks, and the generated ODD and parameter reference."""

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
"""The source checkout the studies read and write: ``docs/``, ``experiments/``, ``tests/``."""
