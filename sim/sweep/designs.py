"""Sampling designs over declared parameter ranges (Latin hypercube, Sobol (Saltelli), Morris), and
worlds drawn from a fit's posterior.

Designs come from ``scipy.stats.qmc`` and SALib, never hand-written; the matching analyses are in
:mod:`sim.sweep.analysis`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

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


#: The file of a fit's posterior in its folder (written by sim.fit.fitting): one row per particle.
POSTERIOR_FILE = "posterior.parquet"


def posterior_file(path: str) -> Path:
    """The ``posterior.parquet`` a ``sweep.posterior`` names (a fit's folder, or the file itself)."""
    p = Path(path)
    return p / POSTERIOR_FILE if p.is_dir() else p


def read_posterior(path: str) -> pd.DataFrame:
    """A fit's posterior: a column per parameter and ``weight``; ValueError in one line if it is not one."""
    file = posterior_file(path)
    try:
        df = pd.read_parquet(file)
    except (OSError, ValueError) as exc:
        raise ValueError(f"sweep.posterior = {path!r}: no posterior to read ({type(exc).__name__}); give the "
                         "folder abx-sim-fit wrote or its posterior.parquet") from None
    w = df.get("weight")
    numeric = all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in df.dtypes)
    if w is None or len(df.columns) < 2 or not numeric or not np.isfinite(df.to_numpy(float)).all() \
            or (w < 0).any() or not w.sum() > 0:
        raise ValueError(f"sweep.posterior = {path!r}: must hold finite parameter columns and weights >= 0")
    return df


def posterior_design(path: str, samples: int, seed: int) -> Design:
    """``samples`` particles of a fit's posterior, drawn with replacement in proportion to their
    weights (one world each), by a generator seeded with ``seed``."""
    df = read_posterior(path)
    names = [c for c in df.columns if c != "weight"]
    w = df.weight.to_numpy(float)
    rows = np.random.default_rng(seed).choice(len(df), samples, p=w / w.sum())
    points = df[names].to_numpy(float)[rows]
    bounds = [(float(df[n].min()), float(df[n].max())) for n in names]
    return Design("posterior", names, bounds, points)


def make_design(kind: str, params: dict[str, list[float]], samples: int, seed: int, posterior: str = "") -> Design:
    """Sample ``kind`` ('lhs', 'sobol' or 'morris') over ``params`` (name -> [low, high]), or draw
    ``samples`` worlds from the fit ``posterior`` names (kind 'posterior').

    Sizes: LHS ``samples`` points; Sobol ``samples * (D + 2)`` (Saltelli, first and total order,
    ``samples`` should be a power of two); Morris ``samples * (D + 1)`` (trajectories).
    """
    if kind == "posterior":
        return posterior_design(posterior, samples, seed)
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
