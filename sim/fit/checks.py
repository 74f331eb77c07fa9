"""What a fit can and cannot claim: the posterior's predictions against the targets, and identification.

The posterior predictive draws :data:`PREDICTIVE_RUNS` particles by weight and runs each in a world
of its own (a fresh seed), so a prediction carries both parameter uncertainty and run noise. A
target the fitted model cannot reach is flagged rather than silently compromised: its distance
from the predictions, ``z = (target - mean) / sqrt(var_predicted + se**2)``, beyond
:data:`CONTRADICTION_Z` means the targets pull the parameters apart (or the model lacks the
mechanism). A parameter whose 90% interval still spans most of its prior is not identified by
these targets (:data:`UNIDENTIFIED_SHARE`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

#: Particles drawn from the posterior (each in a fresh world) for the predictions.
PREDICTIVE_RUNS = 24
#: |z| beyond which a target is called out as not reproduced together with the others (a normal
#: tail of 0.3%: with nine targets, a false alarm in about one fit of 40).
CONTRADICTION_Z = 3.0
#: Share of its prior range a parameter's 90% posterior interval may span before it is reported as
#: not identified by the targets (a uniform prior's 90% interval spans 0.9 of it).
UNIDENTIFIED_SHARE = 0.7
#: A posterior whose effective sample is below this share of its particles is flagged as rough.
MIN_EFFECTIVE_SHARE = 0.25
#: Spawn key of the predictive draws' stream (apart from the fit's tasks, which use (t + 2, i)).
PREDICTIVE_STREAM = 0


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The ``q`` quantile of values ``x`` with weights ``w`` (the smallest x whose cumulative weight reaches q)."""
    order = np.argsort(x, kind="stable")
    cumulative = np.cumsum(w[order]) / w.sum()
    return float(x[order][min(int(np.searchsorted(cumulative, q)), len(x) - 1)])


def predictive(posterior: pd.DataFrame, simulate: Callable[[dict[str, float], int], dict[str, float]],
               seed: int, pool_map: Callable = map) -> pd.DataFrame:
    """Figures of :data:`PREDICTIVE_RUNS` particles drawn by weight, each run with seed ``seed + 1 + k``:
    one row per run, the particle's values then its figures."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(PREDICTIVE_STREAM,)))
    rows = rng.choice(len(posterior), PREDICTIVE_RUNS, p=posterior.weight.to_numpy())
    params = [c for c in posterior.columns if c != "weight"]
    thetas = [posterior.iloc[r][params].astype(float).to_dict() for r in rows]
    figures = list(pool_map(_run, [(simulate, theta, seed + 1 + k) for k, theta in enumerate(thetas)]))
    return pd.concat([pd.DataFrame(thetas), pd.DataFrame(figures)], axis=1)


def _run(job: tuple[Callable, dict[str, float], int]) -> dict[str, float]:
    simulate, theta, seed = job
    return simulate(theta, seed)


def target_checks(targets: dict[str, tuple[float, float]], predicted: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per target (value, se): the predictions' median and 90% interval, ``z`` and whether it is reproduced."""
    out: dict[str, dict[str, Any]] = {}
    for name, (value, se) in targets.items():
        runs = predicted[name].to_numpy(dtype=float)
        runs = runs[np.isfinite(runs)]
        if len(runs) < 2:  # the fitted model hardly ever defines this figure: nothing to compare (null in fit.json)
            out[name] = {"median": None, "interval_90": [None, None], "z": None, "reproduced": False}
            continue
        z = (value - runs.mean()) / math.sqrt(runs.var(ddof=1) + se ** 2)
        out[name] = {"median": float(np.median(runs)), "interval_90": [float(np.quantile(runs, 0.05)),
                                                                       float(np.quantile(runs, 0.95))],
                     "z": float(z), "reproduced": bool(abs(z) <= CONTRADICTION_Z)}
    return out


def identification(posterior: pd.DataFrame, priors: dict[str, tuple[float, float]]) -> dict[str, dict[str, Any]]:
    """Per parameter: median, 90% interval, the share of the prior range it spans, and whether it is identified."""
    w = posterior.weight.to_numpy()
    out = {}
    for key, (lo, hi) in priors.items():
        x = posterior[key].to_numpy(dtype=float)
        q05, q50, q95 = (weighted_quantile(x, w, q) for q in (0.05, 0.5, 0.95))
        share = (q95 - q05) / (hi - lo)
        out[key] = {"median": q50, "interval_90": [q05, q95], "prior_share": share,
                    "identified": bool(share <= UNIDENTIFIED_SHARE)}
    return out


def effective_sample(weights: np.ndarray) -> float:
    """Kish's effective sample size of weighted particles: ``(sum w)^2 / sum w^2`` (n when all are equal)."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w ** 2).sum())


def warnings(checks: dict[str, dict[str, Any]], params: dict[str, dict[str, Any]],
             effective: float | None = None, population: int | None = None) -> list[str]:
    """Plain sentences for what the fit cannot claim (empty when the targets are reproduced, identify
    everything, and the posterior rests on enough particles: an effective sample of at least
    :data:`MIN_EFFECTIVE_SHARE` of the population)."""
    out = [f"{name}: the fitted model does not reproduce this target together with the others "
           + (f"(z = {c['z']:+.1f})" if c["z"] is not None else "(its runs leave the figure undefined)")
           + "; the targets contradict one another, or the model lacks what makes this figure"
           for name, c in checks.items() if not c["reproduced"]]
    out += [f"{key}: not identified by these targets (its 90% interval spans {p['prior_share']:.0%} of the "
            "prior range); its value is the prior's, not your data's" for key, p in params.items()
            if not p["identified"]]
    if effective is not None and population and effective < MIN_EFFECTIVE_SHARE * population:
        out.append(f"the posterior rests on few particles: an effective sample of {effective:.0f} of {population} "
                   "(a few carry most of the weight), so its intervals are rough; fit again with a larger "
                   "--population or another --seed and compare")
    return out
