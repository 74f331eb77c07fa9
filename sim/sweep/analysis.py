"""Analysis of sweep results: tables of inputs and outcomes in, statistics out.

Confidence intervals (Student t), paired differences under common random numbers, Sobol and
Morris indices (SALib), and scenario discovery (PRIM from ema_workbench, CART from
scikit-learn). Nothing here imports the model.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Student t quantiles from scipy.special (what scipy.stats.t.ppf calls): scipy.stats takes ~0.5 s to
# import, a fixed cost of every sweep's report (issue 14); scipy.special a fifth of that.
from scipy.special import stdtrit

from sim.sweep.condition import evaluate
from sim.sweep.condition import names as condition_names
from sim.sweep.designs import Design


def mean_ci(values: np.ndarray | pd.Series, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and the two ends of its Student-t confidence interval (NaNs dropped)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return np.nan, np.nan, np.nan
    mean = float(x.mean())
    if len(x) < 2:
        return mean, np.nan, np.nan
    half = float(stdtrit(len(x) - 1, 0.5 + level / 2) * x.std(ddof=1) / np.sqrt(len(x)))
    return mean, mean - half, mean + half


def strategy_table(runs: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Per strategy and metric: n, mean and 95% interval over the finished runs."""
    rows = []
    for strategy, group in runs.groupby("strategy.name", sort=False):
        for metric in metrics:
            mean, lo, hi = mean_ci(group[metric])
            rows.append({"strategy": strategy, "metric": metric, "n": int(group[metric].notna().sum()),
                         "mean": mean, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def paired_differences(runs: pd.DataFrame, metrics: list[str], baseline: str) -> pd.DataFrame:
    """Difference of each strategy to ``baseline``, per metric: paired and unpaired intervals.

    Pairs are runs in the same world (``world_id``: same config but for the strategy, same
    replication), which common random numbers make comparable run by run. The unpaired interval
    (Welch) ignores the pairing, to show what the pairing buys.
    """
    base = runs[runs["strategy.name"] == baseline].set_index("world_id")
    rows = []
    for strategy, group in runs.groupby("strategy.name", sort=False):
        if strategy == baseline:
            continue
        other = group.set_index("world_id")
        common = other.index.intersection(base.index)
        for metric in metrics:
            diff = other.loc[common, metric] - base.loc[common, metric]
            mean, lo, hi = mean_ci(diff)
            a, b = other[metric].dropna(), base[metric].dropna()
            welch_half = np.nan
            if len(a) > 1 and len(b) > 1:
                va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
                se = np.sqrt(va + vb)
                dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if se > 0 else 1
                welch_half = float(stdtrit(dof, 0.975) * se)
            rows.append({"strategy": strategy, "baseline": baseline, "metric": metric, "pairs": len(common),
                         "diff": mean, "paired_low": lo, "paired_high": hi,
                         "unpaired_low": float(a.mean() - b.mean() - welch_half),
                         "unpaired_high": float(a.mean() - b.mean() + welch_half)})
    return pd.DataFrame(rows)


def uncertainty_split(values: pd.DataFrame) -> dict[str, float]:
    """Variance of an outcome over worlds drawn from a posterior (``point``) and replications, split
    by a two-way analysis of variance (world x replication, one run per cell).

    A sweep gives replication ``r`` of every world the same random streams (common random numbers),
    so chance has a part shared across worlds (the replication's) and a part of each run: both are
    run noise. Parameter uncertainty is the worlds' variance, ``(MS_world - MS_error) / R``, at least
    0. ``values``: columns point, replication, value; worlds missing a replication are left out.
    """
    table = values.pivot_table(index="point", columns="replication", values="value", aggfunc="mean").dropna()
    y = table.to_numpy(dtype=float)
    n_points, n_reps = y.shape if y.ndim == 2 else (0, 0)
    mean = float(values["value"].mean())
    if n_points < 2 or n_reps < 2:
        return {"mean": mean, "sd": math.nan, "parameter_share": math.nan}
    grand = y.mean()
    world, replication = y.mean(axis=1), y.mean(axis=0)
    ms_world = n_reps * ((world - grand) ** 2).sum() / (n_points - 1)
    ms_rep = n_points * ((replication - grand) ** 2).sum() / (n_reps - 1)
    ms_error = ((y - world[:, None] - replication[None, :] + grand) ** 2).sum() / ((n_points - 1) * (n_reps - 1))
    parameter = max((ms_world - ms_error) / n_reps, 0.0)
    noise = ms_error + max((ms_rep - ms_error) / n_points, 0.0)
    total = parameter + noise
    return {"mean": mean, "sd": math.sqrt(total), "parameter_share": parameter / total if total > 0 else math.nan}


def design_outcomes(runs: pd.DataFrame, design: Design, metric: str) -> np.ndarray:
    """The metric per design point (mean over replications), in design order; NaN if missing."""
    by_point = runs.groupby("sweep.point")[metric].mean()
    return by_point.reindex(range(len(design.points))).to_numpy(dtype=float)


def sensitivity(design: Design, y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Sobol first-order and total indices, or Morris mu* and sigma, with confidence intervals."""
    if np.isnan(y).any():
        raise ValueError(f"{int(np.isnan(y).sum())} design points have no finished run")
    from SALib.analyze import morris as morris_analyze  # imported on use: SALib is slow to import
    from SALib.analyze import sobol as sobol_analyze

    problem = design.problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if design.kind == "sobol":
            si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
            return pd.DataFrame({"parameter": design.names, "S1": si["S1"], "S1_conf": si["S1_conf"],
                                 "ST": si["ST"], "ST_conf": si["ST_conf"]})
        if design.kind == "morris":
            si = morris_analyze.analyze(problem, design.points, y, seed=seed)
            return pd.DataFrame({"parameter": design.names, "mu_star": si["mu_star"],
                                 "mu_star_conf": si["mu_star_conf"], "sigma": si["sigma"]})
    raise ValueError(f"no sensitivity analysis for a {design.kind} design")


def condition_frame(runs: pd.DataFrame, inputs: list[str], condition: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Inputs and the boolean outcome of ``condition`` (:mod:`sim.sweep.condition`; never evaluated as code).

    A plain condition (``nrr < 1.0``) is evaluated per run. One that names strategies
    (``abx.pipeline_created_usd < abm.pipeline_created_usd``) is evaluated per world: the runs of
    each strategy in the same world and replication side by side.
    """
    strategies = set(runs["strategy.name"])
    cross = [name.split(".", 1) for name in condition_names(condition) if name.split(".", 1)[0] in strategies]
    if not cross:
        frame = runs.dropna(subset=inputs)
        return frame[inputs].reset_index(drop=True), evaluate(condition, _columns(frame, condition))
    metrics = sorted({metric for _, metric in cross})
    wide = runs.pivot_table(index="world_id", columns="strategy.name", values=metrics, aggfunc="first")
    wide.columns = [f"{s}.{m}" for m, s in wide.columns]
    first = runs.drop_duplicates("world_id").set_index("world_id")[inputs]
    wide = wide.join(first).dropna()
    return wide[inputs].reset_index(drop=True), evaluate(condition, _columns(wide, condition))


def _columns(frame: pd.DataFrame, condition: str) -> Callable[[str], np.ndarray]:
    """Lookup of a condition's names in ``frame``'s columns (unknown names: one-line ``ValueError``)."""

    def column(name: str) -> np.ndarray:
        if name not in frame.columns:
            raise ValueError(f"condition {condition!r}: no metric or input named {name!r}")
        return frame[name].to_numpy()

    return column


@dataclass
class Box:
    """A PRIM box: the restrictions (parameter -> (low, high)), its coverage and density."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float


def prim_box(x: pd.DataFrame, y: np.ndarray, min_density: float = 0.8) -> Box | None:
    """A PRIM box (ema_workbench) from the peeling trajectory: among boxes with at least
    ``min_density`` density, the one with the best balance of coverage and density (their
    harmonic mean); None when no case meets the condition."""
    if not y.any():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        box = prim.Prim(x.astype(float), y.astype(int)).find_box()
    if box is None:
        return None
    trajectory = box.peeling_trajectory
    dense = trajectory[trajectory.density >= min_density]
    balance = 2 * dense.coverage * dense.density / (dense.coverage + dense.density)
    i = int(balance.idxmax()) if len(dense) else int(trajectory.density.idxmax())
    box.select(i)
    lims = box.box_lim
    full = x.min(), x.max()
    limits = {c: (float(lims[c][0]), float(lims[c][1])) for c in x.columns
              if lims[c][0] > full[0][c] + 1e-12 or lims[c][1] < full[1][c] - 1e-12}
    row = trajectory.loc[i]
    return Box(limits, float(row.coverage), float(row.density), float(row.mass))


def cart_rules(x: pd.DataFrame, y: np.ndarray, max_depth: int = 3, seed: int = 0) -> str:
    """A shallow classification tree (scikit-learn CART) for the condition, as readable rules."""
    from sklearn.tree import DecisionTreeClassifier, export_text

    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=max(2, len(y) // 20), random_state=seed)
    tree.fit(x.to_numpy(dtype=float), y)
    return export_text(tree, feature_names=list(x.columns), class_names=["false", "true"], show_weights=True)
