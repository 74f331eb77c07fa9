"""Config validation: every preset composes and validates; every bad input names its key."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import small_overrides

from sim.api import compose_config, config_dir
from sim.core.config import Config
from sim.core.params import ConfigError
from sim.core.policies import REGISTRY
from sim.core.validate import validate

CONFIGS = config_dir()
MARKETS = sorted(p.stem for p in (CONFIGS / "market").glob("*.yaml"))
STRATEGY_PRESETS = sorted(p.stem for p in (CONFIGS / "strategy").glob("*.yaml"))


@pytest.mark.parametrize("market", MARKETS)
@pytest.mark.parametrize("strategy", STRATEGY_PRESETS)
def test_every_market_and_strategy_preset_validates(market, strategy):
    cfg = validate(compose_config([f"market={market}", f"strategy={strategy}"]))
    assert isinstance(cfg, Config) and cfg.market.name == market and cfg.strategy.name == strategy


def test_public_interface_keys_exist_under_their_names():
    cfg = compose_config(["seed=7", "horizon_weeks=104", "market=enterprise_saas", "market.n_accounts=20000",
                          "strategy=abm"])
    assert (cfg.seed, cfg.horizon_weeks, cfg.market.name, cfg.market.n_accounts, cfg.strategy.name) == (
        7, 104, "enterprise_saas", 20000, "abm")
    assert {"smb_saas", "midmarket_saas", "enterprise_saas"} <= set(MARKETS)
    assert {"channel", "abm", "abx"} <= set(STRATEGY_PRESETS)
    default = compose_config()
    assert (default.market.name, default.strategy.name, default.horizon_weeks) == ("midmarket_saas", "abx", 156)


def test_every_registered_policy_has_a_config_file_and_every_file_a_registered_policy():
    """A policy's own file has its name; other files in the group are variants of a registered policy."""
    for family, policies in REGISTRY.items():
        files = {p.stem: compose_config([f"strategy/{family}={p.stem}"]).strategy[family].policy
                 for p in (CONFIGS / "strategy" / family).glob("*.yaml")}
        assert set(policies) <= set(files), family
        assert set(files.values()) <= set(policies), family


@pytest.mark.parametrize(("override", "key", "hint"), [
    ("market.n_accounts=-5", "market.n_accounts", "must lie in [1, 5000000] (accounts)"),
    ("vendor.n_ae=-1", "vendor.n_ae", "must lie in [0, 100000]"),
    ("market.buyers.p_turnover_year=1.5", "market.buyers.p_turnover_year", "[0, 1]"),
    ("market.p_window_start_year=-0.1", "market.p_window_start_year", "[0, 1]"),
    ("market.segment_shares=[0.5,0.6,0.1]", "market.segment_shares", "add up to 1.0"),
    ("market.committee_size_mean=[4,7]", "market.committee_size_mean", "list of 3"),
    ("strategy.tiering.n_one_to_many=20000", "strategy.tiering", "more than market.n_accounts"),
    ("strategy.tiering.policy=bogus", "strategy.tiering.policy", "registered: none, tiered"),
    ("strategy.orchestration.policy=os.system", "strategy.orchestration.policy", "registered"),
    ("strategy.personalization.depth_by_tier=[0,0.2,1.4,1]", "strategy.personalization.depth_by_tier", "[0, 1]"),
    ("vendor.marketing_budget_usd_year=nan", "vendor.marketing_budget_usd_year", "finite"),
    ("vendor.marketing_budget_usd_year=inf", "vendor.marketing_budget_usd_year", "finite"),
])
def test_bad_values_are_rejected_with_the_key_the_value_and_what_is_allowed(override, key, hint):
    with pytest.raises(ConfigError) as err:
        validate(compose_config([override]))
    message = str(err.value)
    assert message.startswith(key) and hint in message and "\n" not in message


def test_policy_parameters_are_typed_and_unknown_ones_rejected_by_hydra():
    with pytest.raises(Exception, match="nonsense"):
        compose_config(["strategy.orchestration.nonsense=1"])
    with pytest.raises(Exception, match="list_overlap"):
        compose_config(["strategy=abm", "strategy.orchestration.list_overlap=lots"])


def test_switching_a_policy_switches_its_parameters():
    cfg = validate(compose_config(["strategy/orchestration=siloed"]))
    assert cfg.strategy.orchestration.policy == "siloed" and hasattr(cfg.strategy.orchestration, "list_overlap")


def test_small_overrides_are_valid_for_every_strategy():
    for strategy in ("channel", "abm", "abx"):
        validate(compose_config(small_overrides(strategy)))


def test_market_configs_cite_calibration_rows():
    for path in (CONFIGS / "market").glob("*.yaml"):
        assert "CAL-" in Path(path).read_text(), path


def test_default_tier_sizes_shrink_with_a_small_market_but_never_grow():
    small = validate(compose_config(["market.n_accounts=300"])).strategy.tiering
    assert (small.n_one_to_one, small.n_one_to_few, small.n_one_to_many) == (1, 6, 60)
    large = validate(compose_config(["market.n_accounts=50000"])).strategy.tiering
    assert (large.n_one_to_one, large.n_one_to_few, large.n_one_to_many) == (20, 200, 2000)
