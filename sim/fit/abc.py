"""Fitting market parameters to a company's targets: exact ABC-SMC (pyabc) under a stated noise model.

The statistical model, in words: a target is the model's figure at the parameters plus noise, normal
with the variance of the target's standard error and of the model's own run-to-run spread added
(``var = se_target**2 + sd_run**2``; ``sd_run`` is measured before the fit, over
:data:`RUN_NOISE_RUNS` replications at the priors' centre). Every simulation faces the same world
(one seed: common random numbers, so two parameter sets are compared on the same draws), and the
run noise enters through ``sd_run``. pyabc's stochastic acceptor with a temperature schedule that
ends at 1 samples the exact posterior of that model (Wilkinson 2013; Schaelte & Hasenauer 2020),
not a tolerance-widened one; priors are uniform over the ranges given.

Reproducible: every task of every generation draws from ``SeedSequence(seed, spawn_key=(t, i))``
(:class:`SeededSampler`), so the same targets and seed give the same posterior on one worker or two.
Resumable: the generations are stored in ``fit.db`` (SQLite) as they finish.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import multiprocessing
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.api import checked, compose_config, simulate
from sim.core.config import Config, field_metadata
from sim.core.params import ConfigError
from sim.fit.records import WARMUP_WEEKS, from_results
from sim.fit.targets import Targets, statistics

if TYPE_CHECKING:
    import pyabc

#: Market parameters fitted when the user names none: the influential, weakly sourced ones
#: (docs/sensitivity.md), each over about twice the sensitivity study's range: how many accounts
#: buy (pipeline, new logos), how often committees keep the status quo, how strong the competition
#: is (win rate) and how far health moves churn (NRR, GRR).
DEFAULT_PRIORS: dict[str, tuple[float, float]] = {
    "market.p_window_start_year": (0.08, 0.40),
    "market.deals.p_holdout": (0.04, 0.30),
    "market.deals.competitor_strength": (-1.5, 2.0),
    "market.customers.churn_health_logit": (1.0, 8.0),
}
#: What a fit was asked for, beside its history: a folder resumes only the same fit.
REQUEST_FILE = "fit_request.json"
#: Replications at the priors' centre that measure the model's own run-to-run spread of each target.
RUN_NOISE_RUNS = 8
#: Where a simulated figure is undefined (no deal closed, no customer to retain) it counts as this
#: many standard deviations away: such a parameter set is as good as impossible.
UNDEFINED_Z = 1e3


@dataclass(frozen=True)
class Prior:
    """A uniform prior over ``[lo, hi]`` of a config key."""

    key: str
    lo: float
    hi: float


def parse_prior(spec: str) -> Prior:
    """``KEY`` (the range the parameter reference declares) or ``KEY=LO:HI``."""
    key, _, bounds = spec.partition("=")
    try:
        meta = field_metadata(key)
        if not key.startswith(("market.", "vendor.")):
            raise KeyError(key)
    except KeyError:
        raise ConfigError(f"--param {key}: not a market or vendor parameter (see docs/parameters.md)") from None
    if meta["length"] is not None or not isinstance(meta["default"], float):
        raise ConfigError(f"--param {key}: only a single real number can be fitted (not a whole number, list or flag)")
    if bounds:
        try:
            lo, hi = (float(x) for x in bounds.split(":"))
        except ValueError:
            raise ConfigError(f"--param {spec}: the range must be LO:HI, two numbers") from None
    elif meta["lo"] is not None and meta["hi"] is not None:
        lo, hi = float(meta["lo"]), float(meta["hi"])
    else:
        raise ConfigError(f"--param {key}: the reference declares no closed range; give one as {key}=LO:HI")
    allowed_lo = -math.inf if meta["lo"] is None else meta["lo"]
    allowed_hi = math.inf if meta["hi"] is None else meta["hi"]
    if not (math.isfinite(lo) and math.isfinite(hi) and allowed_lo <= lo < hi <= allowed_hi):
        raise ConfigError(f"--param {spec}: the range must satisfy {meta['lo']} <= LO < HI <= {meta['hi']}")
    return Prior(key, lo, hi)


def default_priors() -> list[Prior]:
    """The priors of :data:`DEFAULT_PRIORS`."""
    return [Prior(key, lo, hi) for key, (lo, hi) in DEFAULT_PRIORS.items()]


def given_overrides(given: dict[str, Any]) -> list[str]:
    """The targets file's ``given`` as config overrides. Only presets (``market``, ``strategy``) and
    declared market and vendor keys are taken: a targets file cannot reach Hydra, code, or the seed."""
    out = []
    for key, value in given.items():
        if "${" in str(value):  # an interpolation would read the environment or other keys
            raise ConfigError(f"given.{key} = {value!r}: must be a value, not an interpolation")
        if key in ("market", "strategy"):
            if not isinstance(value, str) or not value.replace("_", "").isalnum():
                raise ConfigError(f"given.{key} = {value!r}: must be the name of a preset")
        else:
            try:
                field_metadata(key)
                if not key.startswith(("market.", "vendor.")):
                    raise KeyError(key)
            except KeyError:
                raise ConfigError(f"given.{key}: not a market or vendor parameter (see docs/parameters.md)") from None
        out.append(f"{key}={json.dumps(value) if isinstance(value, list) else value}")
    return out


class Simulator:
    """The model as the fit sees it: parameter values in, the targets' figures out (one run each)."""

    def __init__(self, targets: Targets, priors: list[Prior], seed: int) -> None:
        # The records start after a warm-up, as a company's do (sim.fit.records.WARMUP_WEEKS).
        overrides = [*given_overrides(targets.given), f"horizon_weeks={WARMUP_WEEKS + targets.weeks}",
                     "output.story_accounts=0"]
        # Composed and validated once: a run changes only the fitted values (and is checked again as a
        # typed Config, ~1 ms, where composing and validating text costs ~0.07 s, a tenth of a run).
        self.base = checked(compose_config(overrides))
        self.keys = [p.key for p in priors]
        self.names = list(targets.targets)
        self.seed = seed

    def __call__(self, theta: dict[str, float], seed: int | None = None) -> dict[str, float]:
        """The targets' figures of one run at ``theta`` (with the fit's seed unless ``seed`` is given)."""
        cfg = with_values(self.base, {key: float(theta[key]) for key in self.keys})
        cfg.seed = self.seed if seed is None else seed
        return statistics(from_results(simulate(checked(cfg))), self.names)


def with_values(cfg: Config, values: dict[str, float]) -> Config:
    """A copy of ``cfg`` with the dotted keys of ``values`` set (checked again when it is run)."""
    cfg = copy.deepcopy(cfg)
    for key, value in values.items():
        *path, leaf = key.split(".")
        setattr(functools.reduce(getattr, path, cfg), leaf, value)
    return cfg


def run_noise(sim: Simulator, priors: list[Prior], pool_map: Callable = map) -> np.ndarray:
    """Standard deviation of each target over :data:`RUN_NOISE_RUNS` seeds at the priors' centre."""
    centre = {p.key: (p.lo + p.hi) / 2 for p in priors}
    runs = list(pool_map(functools.partial(_at_seed, sim, centre), range(1, RUN_NOISE_RUNS + 1)))
    values = np.array([[r[name] for name in sim.names] for r in runs])
    return np.nan_to_num(np.nanstd(values, axis=0, ddof=1))


def _at_seed(sim: Simulator, theta: dict[str, float], seed: int) -> dict[str, float]:
    return sim(theta, seed=sim.seed + seed)


@dataclass
class FitModel:
    """pyabc's view of the simulator: parameters in, figures with undefined ones far away out."""

    sim: Simulator
    targets: Targets
    sd: np.ndarray  # the noise model's standard deviation per target

    def __call__(self, theta: dict[str, float]) -> dict[str, float]:
        """The figures of one run at ``theta``."""
        out = self.sim(theta)
        for (name, target), sd in zip(self.targets.targets.items(), self.sd, strict=True):
            if not math.isfinite(out[name]):
                out[name] = target.value + UNDEFINED_Z * sd
        return out


def _seeded_task(unpickle: Callable, simulate_one: bytes, new_sample: Callable, seed: int,
                 task: tuple[int, int]) -> tuple[Any, int]:
    """One accepted particle of generation ``task[0]``, drawn from its own seeded stream."""
    t, i = task
    entropy = np.random.SeedSequence(seed, spawn_key=(t + 2, i)).generate_state(2)  # t is -1 for calibration
    # pyabc draws from numpy's and Python's global generators inside a task; seeding them here, per
    # task, is what makes its draws reproducible (they are used by nothing else in this process).
    np.random.seed(int(entropy[0]))  # noqa: NPY002 (pyabc's own generator, see above)
    random.seed(int(entropy[1]))
    sample_one, sample = unpickle(simulate_one), new_sample()
    evaluations = 0
    while True:
        particle = sample_one()
        evaluations += 1
        sample.append(particle)
        if particle.accepted:
            return sample, evaluations


def seeded_sampler(seed: int, pool_map: Callable, progress: Callable[[int, int], None]) -> pyabc.sampler.Sampler:
    """A pyabc sampler whose every task is seeded from ``SeedSequence(seed, spawn_key=(t, i))`` and
    mapped in order by ``pool_map``; ``progress(t, accepted)`` is told as particles come in."""
    from pyabc.sampler import MappingSampler

    class SeededSampler(MappingSampler):
        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                    ana_vars=None):  # type: ignore[no-untyped-def]
            task = functools.partial(_seeded_task, self.unpickle, self.pickle(simulate_one), self.sample_factory, seed)
            sample, evaluations = self._create_empty_sample(), 0
            for k, (part, count) in enumerate(pool_map(task, [(t, i) for i in range(n)])):
                sample += part
                evaluations += count
                progress(t, k + 1)
            self.nr_evaluations_ = evaluations
            return sample

    return SeededSampler()


@contextmanager
def worker_map(n_workers: int) -> Iterator[Callable]:
    """An ordered ``imap`` over ``n_workers`` forked processes (the built-in ``map`` for one), stopped after."""
    if n_workers <= 1:
        yield map
        return
    with multiprocessing.get_context("fork").Pool(n_workers) as pool:
        yield functools.partial(pool.imap, chunksize=1)


def build_abc(model: FitModel, priors: list[Prior], population: int,
              sampler: pyabc.sampler.Sampler) -> pyabc.ABCSMC:
    """ABC-SMC with uniform priors, a normal noise kernel and a temperature that reaches 1 at the last generation
    ``run(max_nr_populations=...)`` allows."""
    import pyabc

    prior = pyabc.Distribution(**{p.key: pyabc.RV("uniform", p.lo, p.hi - p.lo) for p in priors})
    names = list(model.targets.targets)
    kernel = pyabc.IndependentNormalKernel(var=list(model.sd ** 2), keys=names)

    return pyabc.ABCSMC(model, prior, kernel, population_size=population, sampler=sampler, eps=temperature_schedule(),
                        acceptor=pyabc.StochasticAcceptor())


def temperature_schedule() -> pyabc.Temperature:
    """pyabc's temperature schedule, exact (1) at the fit's last generation, and told which that is.

    ``ABCSMC.run`` passes the schedule the generations *left*, while its schemes compare that with
    the absolute generation: a resumed fit would jump to the final temperature at once. This one
    adds the generation it starts at.
    """
    import pyabc

    class Schedule(pyabc.Temperature):
        def initialize(self, t, get_weighted_distances, get_all_records, max_nr_populations,
                       acceptor_config):  # type: ignore[no-untyped-def]
            super().initialize(t, get_weighted_distances, get_all_records, t + max_nr_populations, acceptor_config)

    return Schedule(enforce_exact_final_temperature=True)


def observed(targets: Targets) -> dict[str, float]:
    """The targets' values, as pyabc's observed summary statistics."""
    return {name: t.value for name, t in targets.targets.items()}


def open_history(abc: pyabc.ABCSMC, db: Path, targets: Targets, request: dict[str, Any]) -> bool:
    """Start a new fit in ``db``, or resume the one stored there (True if resumed): only if it was
    asked for with the same ``request`` (targets, priors, settings), recorded beside it, else
    :class:`ConfigError` (a folder's fit is never reused for another one)."""
    url = f"sqlite:///{db.resolve()}"
    stored = db.with_name(REQUEST_FILE)
    asked = json.loads(json.dumps(request))  # as it reads back from disk
    if db.exists():
        held = json.loads(stored.read_text()) if stored.is_file() else {}
        differs = next((key for key in sorted(set(held) | set(asked)) if held.get(key) != asked.get(key)), None)
        if differs is not None:
            raise ConfigError(f"{db.parent}: holds a different fit ({differs} differs); use a new folder")
        abc.load(url, 1, observed(targets))
        # The temperatures of the stored generations, which the schedule's next step starts from.
        populations = abc.history.get_all_populations()
        abc.eps.temperatures.update({int(r.t): float(r.epsilon) for r in populations.itertuples() if r.t >= 0})
        return True
    db.parent.mkdir(parents=True, exist_ok=True)
    stored.write_text(json.dumps(asked, indent=1))
    abc.new(url, observed(targets))
    return False
