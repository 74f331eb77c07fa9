"""Defaults sized to the market: config interpolations that scale a figure stated for a 10,000-account
market to the market a run simulates (``${abx_tier:...}``, ``${abx_sized:...}``)."""

from __future__ import annotations

from omegaconf import OmegaConf


def default_tier_size(size_at_10k: int, n_accounts: int) -> int:
    """Default size of a tier: its size in a 10,000-account market (CAL-4.9), scaled down in
    proportion for smaller markets and never scaled up (1:1 lists stay 10-50 accounts anywhere).

    Config files use it as ``${abx_tier:20,${market.n_accounts}}``.

    >>> default_tier_size(2000, 300), default_tier_size(2000, 50_000)
    (60, 2000)
    """
    return min(int(size_at_10k), round(int(size_at_10k) * int(n_accounts) / 10_000))


OmegaConf.register_new_resolver("abx_tier", default_tier_size, replace=True)


def sized_to_market(value: float, sized_for: int, n_accounts: int) -> float:
    """A vendor figure (budget or headcount) stated for a market of ``sized_for`` accounts, scaled in
    proportion to a market of ``n_accounts``: a vendor selling into a fifth of the market has a
    fifth of the budget and team. Headcounts (given as integers) round to whole people and keep at
    least one when the figure has any.

    Market presets use it as ``${abx_sized:8,10000,${market.n_accounts}}``; an explicit value
    (``vendor.n_sdr=3``) replaces it.

    >>> sized_to_market(8, 10_000, 2_000), sized_to_market(8, 10_000, 100), sized_to_market(5e6, 10_000, 2_000)
    (2, 1, 1000000.0)
    """
    scaled = value * int(n_accounts) / int(sized_for)
    if isinstance(value, int):
        return max(round(scaled), 1 if value > 0 else 0)
    return float(scaled)


OmegaConf.register_new_resolver("abx_sized", sized_to_market, replace=True)
