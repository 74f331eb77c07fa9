"""Every documented range is safe: no market or vendor value inside its declared range gives a
negative amount, a NaN or a crash.

The property test draws every numeric market and vendor parameter at once, uniformly inside its
declared range (with the bounds themselves drawn often, since limits are where formulas break),
runs a small market, and checks the run's books. The run is short (30 weeks) and the market
small: ``n_accounts`` and ``n_industries`` are drawn from small ranges of their own.
"""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim.api import compose_config
from sim.core.config import Config
from sim.core.model import ABXModel
from sim.core.params import declared_fields
from sim.core.state import Stage
from sim.core.validate import validate

#: A NaN or an overflow on the way is a defect even when the books end up sound.
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

#: Keys drawn from a small range instead of their full one: they set the test's cost.
SMALL_RANGES = {"market.n_accounts": (50, 400), "market.n_industries": (1, 20)}
UNBOUNDED_SCALE = 10.0  # a parameter with no upper bound is drawn up to this multiple of its default
P_BOUND = 0.25  # chance a number is drawn exactly at one of its bounds


def _draw_number(lo: float | None, hi: float | None, default: float, is_int: bool, rng: np.random.Generator) -> float:
    lo = 0.0 if lo is None else lo
    hi = max(lo + 1.0, UNBOUNDED_SCALE * abs(default)) if hi is None else hi
    u = rng.random()
    x = lo if u < P_BOUND / 2 else hi if u < P_BOUND else rng.uniform(lo, hi)
    return round(x) if is_int else float(x)


def draw_config(seed: int) -> Config:
    """A config with every numeric market and vendor parameter drawn inside its declared range."""
    rng = np.random.default_rng(seed)
    cfg = compose_config([f"seed={seed}", "horizon_weeks=30", "output.progress=false", "output.story_accounts=2"])
    for key, f, default in declared_fields(Config):
        if not key.startswith(("market.", "vendor.")) or isinstance(default, bool | str):
            continue
        meta = f.metadata
        if key in SMALL_RANGES:
            value: object = int(rng.integers(*SMALL_RANGES[key]))
        elif isinstance(default, list):
            if meta["total"] is not None:
                value = (rng.dirichlet(np.ones(len(default))) * meta["total"]).tolist()
            else:
                value = [_draw_number(meta["lo"], meta["hi"], d, isinstance(d, int), rng) for d in default]
        elif isinstance(default, int | float):
            value = _draw_number(meta["lo"], meta["hi"], default, isinstance(default, int), rng)
        else:
            continue
        OmegaConf.update(cfg, key, value)
    return validate(cfg)


@pytest.mark.parametrize("seed", range(12))
def test_any_values_inside_the_documented_ranges_keep_the_books_sound(seed):
    model = ABXModel(draw_config(seed))
    model.run()
    a, m = model.accounts, model.members
    for name in ("arr", "opp_usd", "exp_usd", "won_usd", "wallet_usd", "acv_potential"):
        values = getattr(a, name)
        assert np.isfinite(values).all() and (values >= 0).all(), name
    customer = a.stage >= Stage.ONBOARDING
    assert (a.arr[~customer] == 0).all()
    for name in ("awareness", "engagement", "trust", "fatigue"):
        values = getattr(m, name)
        assert np.isfinite(values).all() and (values >= 0).all() and (values <= 1).all(), name
    assert (np.abs(m.opinion) <= 1).all()
    summary = model.summary()
    bad = {k: v for k, v in summary.items() if not np.isfinite(v)}
    assert not bad
    ts = model.recorder.frame(model.steps)
    money = [c for c in ts.columns if c.endswith("_usd")]
    assert (ts[money].to_numpy() >= 0).all(), ts[money].min()[ts[money].min() < 0]
