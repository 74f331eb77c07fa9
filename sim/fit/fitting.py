"""A fit from start to files: run noise, ABC-SMC with progress, the posterior, its checks and a market config.

Writes into the output folder:

- ``fit.db``: pyabc's history (a fit stopped part-way resumes from its last finished generation);
- ``posterior.parquet``: one row per particle of the last generation, parameter values and weight;
- ``predictive.parquet``: the posterior's predictions (:mod:`sim.fit.checks`);
- ``report.html``: targets against predictions, the posterior, what the fit cannot claim;
- ``market/fitted.yaml``: the simulated world at the posterior medians, a market preset
  (``abx-sim --config-dir DIR market=fitted``);
- ``fit.json``: the settings, the noise model, the checks and what the fit measured.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from omegaconf import OmegaConf
from tqdm import tqdm

from sim.core.config import Config
from sim.fit import abc, checks
from sim.fit.report import write_fit_report
from sim.fit.targets import Targets
from sim.outputs.files import atomic_write, write_json
from sim.sweep import designs
from sim.sweep.designs import POSTERIOR_FILE

PREDICTIVE_FILE = "predictive.parquet"
FITTED_FILE = Path("market") / "fitted.yaml"
FIT_FILE = "fit.json"


@dataclass(frozen=True)
class Settings:
    """How to fit: priors, particles per generation, generations, seed, worker processes."""

    priors: list[abc.Prior]
    population: int = 100
    generations: int = 8
    seed: int = 0
    workers: int = 2


def fit(targets: Targets, settings: Settings, out: Path, progress: bool = True) -> dict[str, Any]:
    """Fit ``settings.priors`` to ``targets``; write the files this module lists into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    import pyabc  # noqa: F401  (its loggers exist once it is imported)

    for name in [n for n in logging.root.manager.loggerDict if n.startswith("ABC")]:
        logging.getLogger(name).setLevel(logging.WARNING)  # the progress bar and fit.json say what its log would
    sim = abc.Simulator(targets, settings.priors, settings.seed)
    started = time.perf_counter()
    with abc.worker_map(settings.workers) as pool_map:
        sd_run = abc.run_noise(sim, settings.priors, pool_map)
        se = np.array([t.se for t in targets.targets.values()])
        sd = np.sqrt(se ** 2 + sd_run ** 2)
        bar = tqdm(total=settings.population, unit="particle", disable=not progress, leave=False)

        def tick(t: int, accepted: int) -> None:
            if accepted == 1:
                bar.reset()
                bar.set_description(f"generation {t + 1} of {settings.generations}" if t >= 0 else "calibrating")
            bar.update(1)

        sampler = abc.seeded_sampler(settings.seed, pool_map, tick)
        smc = abc.build_abc(abc.FitModel(sim, targets, sd), settings.priors, settings.population, sampler)
        request = {"targets": {n: [t.value, t.se] for n, t in targets.targets.items()}, "given": targets.given,
                   "weeks": targets.weeks, "priors": {p.key: [p.lo, p.hi] for p in settings.priors},
                   "population": settings.population, "generations": settings.generations, "seed": settings.seed}
        resumed = abc.open_history(smc, out / "fit.db", targets, request)
        history = smc.history
        done = history.max_t + 1 if resumed else 0
        # A fit ends at its last generation, or earlier when the temperature reached 1 (exact already).
        if done < settings.generations and not (resumed and history.get_all_populations().epsilon.iloc[-1] <= 1):
            history = smc.run(max_nr_populations=settings.generations - done)
        bar.close()
        particles, weights = history.get_distribution(m=0, t=history.max_t)
        posterior = particles.reset_index(drop=True)[[p.key for p in settings.priors]]
        posterior["weight"] = weights / weights.sum()
        predicted = checks.predictive(posterior, sim, settings.seed, pool_map)
    atomic_write(out / POSTERIOR_FILE, lambda path: posterior.to_parquet(path, index=False))
    atomic_write(out / PREDICTIVE_FILE, lambda path: predicted.to_parquet(path, index=False))
    priors = {p.key: (p.lo, p.hi) for p in settings.priors}
    params = checks.identification(posterior, priors)
    effective = checks.effective_sample(posterior.weight.to_numpy())
    targets_checked = checks.target_checks({n: (t.value, t.se) for n, t in targets.targets.items()}, predicted)
    write_fitted(out / FITTED_FILE, sim.base, {key: p["median"] for key, p in params.items()})
    info = {
        "targets": {name: {"value": t.value, "se": t.se, "sd_run": float(s_run), "sd": float(s),
                           **targets_checked[name]}
                    for (name, t), s_run, s in zip(targets.targets.items(), sd_run, sd, strict=True)},
        "parameters": {key: {"prior": list(priors[key]), **p} for key, p in params.items()},
        "warnings": checks.warnings(targets_checked, params, effective, settings.population),
        "given": targets.given, "weeks": targets.weeks,
        "population": settings.population, "generations": int(history.max_t + 1), "seed": settings.seed,
        "workers": settings.workers, "simulations": int(history.total_nr_simulations),
        "seconds": round(time.perf_counter() - started, 1), "resumed": resumed,
        "effective_sample_size": effective,
    }
    write_json(out / FIT_FILE, info)
    write_fit_report(out, info, posterior, predicted)
    return info


def write_fitted(path: Path, base: Config, centre: dict[str, float]) -> None:
    """A market preset (market and vendor) of the world the fit simulated, with the fitted parameters
    at ``centre``: self-contained, whatever preset and given values it started from."""
    cfg = abc.with_values(base, {key: float(f"{value:.4g}") for key, value in centre.items()})
    cfg.market.name = "fitted"
    tree = {"market": OmegaConf.to_container(OmegaConf.structured(cfg.market)),
            "vendor": OmegaConf.to_container(OmegaConf.structured(cfg.vendor))}
    head = ("# @package _global_\n"
            "# A market fitted by abx-sim-fit: the world the fit simulated, at the posterior medians of\n"
            f"# {', '.join(centre)}.\n# Run it with: abx-sim --config-dir {path.parent.parent} market=fitted\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda p: p.write_text(head + yaml.safe_dump(tree, sort_keys=False)))


def read_posterior(folder: Path) -> pd.DataFrame:
    """A fit's posterior: one row per particle, the parameters and ``weight`` (adding up to 1)."""
    return designs.read_posterior(str(folder))


def read_info(folder: Path) -> dict[str, Any]:
    """A fit's ``fit.json``."""
    return dict(json.loads((folder / FIT_FILE).read_text()))
