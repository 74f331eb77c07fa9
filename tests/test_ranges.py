"""Every documented range is safe: no value inside its declared range gives a negative amount, a NaN,
an infinity or a crash, and the books balance (a property test, with hypothesis).

Hypothesis draws a market preset, a strategy preset, every numeric market and vendor parameter and
every numeric parameter of the strategy's policies at once, each anywhere inside its declared range
(hypothesis tries the bounds themselves first and often, since limits are where formulas break),
runs a small market for a few weeks with its weekly checks of the books (``books.run_checked``:
state within bounds; accounts, deals, customers, ARR and committees conserved) and checks the run
summary. ``n_accounts``, ``n_industries`` and the tier sizes are drawn from small ranges of their own:
they set the test's cost.
"""

from __future__ import annotations

import dataclasses
import json
import math
from functools import cache

import numpy as np
import pytest
from books import run_checked
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import DictConfig, OmegaConf

from sim.api import compose_config, config_options
from sim.core.config import Config
from sim.core.metrics import undefined_reasons
from sim.core.model import ABXModel
from sim.core.params import declared_fields
from sim.core.policies import FAMILIES, REGISTRY
from sim.core.validate import validate
from sim.outputs.run import summary_json

#: A NaN or an overflow on the way is a defect even when the books end up sound.
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

#: Keys drawn from a small range instead of their full one: they set the test's cost.
SMALL_RANGES = {"market.n_accounts": (40, 250), "market.n_industries": (1, 20)}
WEEKS = (4, 26)
#: Shares of the summary that must lie in [0, 1].
SHARES = ("win_rate", "no_decision_rate", "grr", "logo_churn_rate", "theater_share", "committee_coverage",
          "in_market_share", "budget_delivered_share", "lead_follow_up_share")


@cache
def preset(market: str, strategy: str) -> DictConfig:
    """The composed presets (composing takes 0.1 s; each pair is composed once)."""
    return compose_config([f"market={market}", f"strategy={strategy}", "output.progress=false",
                           "output.story_accounts=2"])


def number(meta: dict, default: object) -> st.SearchStrategy:
    lo, hi = meta["lo"], meta["hi"]
    if isinstance(default, int) and not isinstance(default, bool):
        return st.integers(int(lo), int(hi))
    return st.floats(float(lo), float(hi), allow_nan=False, allow_infinity=False, allow_subnormal=False)


def value_of(meta: dict, default: object) -> st.SearchStrategy:
    """A value inside a field's declared range: a number, a list of them, or shares adding up."""
    if not isinstance(default, list):
        return number(meta, default)
    if meta["total"] is not None:
        raw = st.lists(st.floats(0.0, 1.0, allow_subnormal=False), min_size=len(default), max_size=len(default))
        return raw.filter(lambda xs: sum(xs) > 1e-3).map(lambda xs: [x / sum(xs) * meta["total"] for x in xs])
    return st.tuples(*[number(meta, d) for d in default]).map(list)


@st.composite
def configs(draw: st.DrawFn) -> Config:
    """A valid config: presets and every numeric parameter drawn inside its declared range."""
    cfg = preset(draw(st.sampled_from(config_options("market"))), draw(st.sampled_from(config_options("strategy"))))
    cfg = cfg.copy()
    OmegaConf.update(cfg, "seed", draw(st.integers(0, 2**63 - 1)))
    OmegaConf.update(cfg, "horizon_weeks", draw(st.integers(*WEEKS)))
    for key, f, default in declared_fields(Config):
        if not key.startswith(("market.", "vendor.")) or isinstance(default, bool | str):
            continue
        if key in SMALL_RANGES:
            OmegaConf.update(cfg, key, draw(st.integers(*SMALL_RANGES[key]), label=key))
        else:
            OmegaConf.update(cfg, key, draw(value_of(f.metadata, default), label=key))
    n = int(cfg.market.n_accounts)
    for family in FAMILIES:
        params = REGISTRY[family][str(cfg.strategy[family].policy)].Params
        for f in dataclasses.fields(params):
            key = f"strategy.{family}.{f.name}"
            if key.startswith("strategy.tiering.n_"):  # list sizes: small, and a third of the market at most
                OmegaConf.update(cfg, key, draw(st.integers(0, n // 3), label=key))
            elif f.metadata and f.type in ("int", "float"):
                OmegaConf.update(cfg, key, draw(number(f.metadata, f.default), label=key))
    return validate(cfg)


def check_run(config: Config) -> None:
    model = run_checked(ABXModel(config))  # bounds and conservation laws, every week
    a = model.accounts
    for name in ("arr", "opp_usd", "exp_usd", "won_usd", "wallet_usd", "acv_potential"):
        values = getattr(a, name)
        assert np.isfinite(values).all() and (values >= 0).all(), name
    ts = model.recorder.frame(model.steps)
    money = [c for c in ts.columns if c.endswith("_usd")]
    assert np.isfinite(ts.to_numpy(dtype=float)).all()
    assert (ts[money].to_numpy() >= 0).all(), ts[money].min()[ts[money].min() < 0]
    summary = model.summary()
    undefined = undefined_reasons(summary)  # only ratios with nothing to divide by, each with its reason
    assert all(math.isfinite(v) for k, v in summary.items() if k not in undefined)
    json.dumps(summary_json(summary), allow_nan=False)  # summary.json is standard JSON
    for share in set(SHARES) - set(undefined):
        assert 0 <= summary[share] <= 1 + 1e-9, (share, summary[share])
    assert summary["bookings_usd"] >= 0 and summary["arr_end_usd"] >= 0


#: The same examples on every machine and every run (no example database), however long a run takes.
COMMON = dict(deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=25, **COMMON)  # type: ignore[arg-type]
@given(configs())
def test_values_inside_their_ranges_keep_the_books_sound(config):
    check_run(config)


@pytest.mark.slow
@settings(max_examples=200, **COMMON)  # type: ignore[arg-type]
@given(configs())
def test_200_random_valid_configs_keep_the_books_sound(config):
    check_run(config)


def test_every_number_has_a_finite_declared_range():
    """A range test can only draw what is bounded: every numeric parameter declares both limits."""
    fields = [(key, f, default) for key, f, default in declared_fields(Config)]
    fields += [(f"strategy.{family}.{f.name}", f, f.default) for family in FAMILIES
               for cls in REGISTRY[family].values() for f in dataclasses.fields(cls.Params)]
    unbounded = [key for key, f, default in fields if f.metadata and f.type not in ("bool", "str", "list[str]")
                 and f.metadata.get("unit") != "[low, high]"
                 and (f.metadata["lo"] is None or f.metadata["hi"] is None)]
    assert not unbounded
