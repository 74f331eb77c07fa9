"""Sampling designs over declared parameter ranges: Latin hypercube, Sobol (Saltelli), Morris.

Designs come from ``scipy.stats.qmc`` and SALib, never hand-written; the matching analyses are in
:mod:`sim.sweep.analysis`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MORRIS_LEVELS = 4


@dataclass(frozen=True)
class Design:
    """A design: parameter names, their bounds, and the sample matrix (rows = points)."""

    kind: str
    names: list[str]
    bounds: list[tuple[float, float]]
    points: np.ndarray  # [n_points, n_params]

    def problem(self) -> dict:
        """The SALib problem dictionary."""
        return {"num_vars": len(self.names), "names": list(self.names), "bounds": [list(b) for b in self.bounds]}


def make_design(kind: str, params: dict[str, list[float]], samples: int, seed: int) -> Design:
    """Sample ``kind`` ('lhs', 'sobol' or 'morris') over ``params`` (name -> [low, high]).

    Sizes: LHS ``samples`` points; Sobol ``samples * (D + 2)`` (Saltelli, first and total order,
    ``samples`` should be a power of two); Morris ``samples * (D + 1)`` (trajectories).
    """
    names = list(params)
    bounds = [(float(lo), float(hi)) for lo, hi in params.values()]
    if not names:
        raise ValueError(f"sweep.design = {kind!r} needs sweep.params (parameter ranges)")
    problem = {"num_vars": len(names), "names": names, "bounds": [list(b) for b in bounds]}
    # Imported here: SALib and SciPy's qmc take seconds to import and plain grids never need them.
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample
    from scipy.stats import qmc

    if kind == "lhs":
        unit = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(seed)).random(samples)
        points = qmc.scale(unit, [b[0] for b in bounds], [b[1] for b in bounds])
    elif kind == "sobol":
        points = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    elif kind == "morris":
        points = morris_sample.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
    else:
        raise ValueError(f"unknown design {kind!r}")
    return Design(kind, names, bounds, np.asarray(points, dtype=float))
