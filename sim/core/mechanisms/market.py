"""The exogenous world: market generation, buying windows, research intent, member turnover.

Everything here draws only from the *world* random stream and never reads vendor state, so two
strategies run with the same seed face the same accounts, committees, buying windows and
turnover (common random numbers). Each weekly function draws arrays of a fixed shape for the
same reason.
"""

from __future__ import annotations

import numpy as np

from sim.core.config import CHANNELS, ROLES, Channel, MarketConfig, VendorConfig
from sim.core.state import NEVER, Accounts, Members, Stage

EB, CHAMPION, TECH, USER, FINANCE, SECURITY = range(len(ROLES))

#: Role of the k-th seat of a committee: decision makers first, then users and gatekeepers
#: (Webster & Wind roles, CAL-1.12; up to four functions, CAL-1.3).
ROLE_BY_SEAT = np.array([EB, CHAMPION, TECH, USER, FINANCE, SECURITY, USER, TECH, USER, CHAMPION,
                         USER, TECH, FINANCE, USER, SECURITY, USER], dtype=np.int8)
#: Relative influence of each role in the decision (normalised per committee).
ROLE_INFLUENCE = np.array([3.0, 2.0, 1.5, 0.7, 1.2, 1.0], dtype=np.float32)
#: Roles that can stall or veto a deal: economic buyer, finance/procurement, security/legal.
ROLE_VETO = np.array([True, False, False, False, True, True])
#: Extra skepticism of each role (gatekeepers are harder to impress).
ROLE_SKEPTICISM = np.array([0.05, -0.1, 0.05, 0.0, 0.1, 0.15], dtype=np.float32)
#: Reachability multiplier by role (rows) and channel (columns): executives answer executives.
ROLE_REACH = np.ones((len(ROLES), len(CHANNELS)), dtype=np.float32)
ROLE_REACH[:, Channel.EXECUTIVE] = [2.5, 1.2, 0.4, 0.1, 0.8, 0.3]
ROLE_REACH[:, Channel.EVENTS] = [0.6, 1.3, 1.3, 0.8, 0.5, 0.5]


def weekly_probability(p_year: float) -> float:
    """Weekly probability with the same annual chance: 1 - (1 - p_year) ** (1 / 52)."""
    return 1.0 - (1.0 - p_year) ** (1.0 / 52.0)


def committee_sizes(segment: np.ndarray, mean_by_segment: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Committee size per account: 2 + Poisson(mean - 2), capped to 2-16 (CAL-1.1, 1.3, 1.4)."""
    extra = rng.poisson(np.maximum(mean_by_segment[segment] - 2.0, 0.0))
    return np.clip(2 + extra, 2, 16).astype(np.int64)


def draw_reach(role: np.ndarray, channel_reach: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Whether each member can be reached on each channel, shape [C, M] (channel-major, so
    per-channel work runs over contiguous rows)."""
    p = np.clip(channel_reach[:, None] * ROLE_REACH[role].T, 0.0, 1.0)
    return rng.random(p.shape) < p


def draw_skepticism(role: np.ndarray, mean: float, rng: np.random.Generator) -> np.ndarray:
    """Skepticism trait: Beta(6 mean, 6 (1 - mean)) plus a role offset, clipped to 0-1."""
    base = rng.beta(6.0 * mean, 6.0 * (1.0 - mean), len(role)).astype(np.float32)
    return np.clip(base + ROLE_SKEPTICISM[role], 0.0, 1.0)


def generate_market(m: MarketConfig, v: VendorConfig, rng: np.random.Generator) -> tuple[Accounts, Members]:
    """Draw the accounts, their committees and the installed base at week 0 (world stream)."""
    n = m.n_accounts
    segment = rng.choice(3, size=n, p=np.asarray(m.segment_shares) / sum(m.segment_shares)).astype(np.int8)
    industry = rng.integers(0, m.n_industries, n).astype(np.int16)
    acv = np.asarray(m.acv_median_usd)[segment] * np.exp(m.acv_sigma * rng.standard_normal(n))
    fit_true = rng.beta(m.fit_beta[0], m.fit_beta[1], n).astype(np.float32)
    noise = 0.35 * (1.0 - m.data_quality) * rng.standard_normal(n)
    fit_obs = np.clip(fit_true + noise, 0.0, 1.0).astype(np.float32)
    size = committee_sizes(segment, np.asarray(m.committee_size_mean), rng)
    m_start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)

    # Buying windows in steady state: share in market = p_start * mean length.
    p_start = weekly_probability(m.p_window_start_year)
    mean_len = np.asarray(m.window_weeks_mean)[segment]
    in_market = rng.random(n) < np.minimum(p_start * mean_len, 1.0)
    ti_window_end = np.where(in_market, rng.integers(1, np.maximum(mean_len, 2).astype(int) + 1), NEVER)

    # Installed base, biased toward good fit.
    p_cust = np.clip(m.installed_base_share * fit_true / max(float(fit_true.mean()), 1e-9), 0, 1)
    customer = rng.random(n) < p_cust
    contract = m.customers.contract_weeks
    arr = np.where(customer, acv * rng.uniform(0.6, 1.0, n), 0.0)
    ti_contract_end = np.where(customer, rng.integers(1, contract + 1, n), NEVER)
    adoption = np.where(customer, rng.beta(6.0, 3.0, n), 0.0).astype(np.float32)

    n_members = int(size.sum())
    acct = np.repeat(np.arange(n, dtype=np.int32), size)
    seat = np.arange(n_members) - m_start[acct]
    role = ROLE_BY_SEAT[np.minimum(seat, len(ROLE_BY_SEAT) - 1)]
    raw_influence = ROLE_INFLUENCE[role] * np.exp(0.3 * rng.standard_normal(n_members)).astype(np.float32)
    influence = (raw_influence / np.bincount(acct, raw_influence, n)[acct]).astype(np.float32)
    reach = draw_reach(role, np.asarray(v.channel_reach, dtype=np.float32), rng)
    skepticism = draw_skepticism(role, m.buyers.skepticism_mean, rng)
    is_cust = customer[acct]

    accounts = Accounts.create(
        n, segment=segment, industry=industry, acv_potential=acv, fit_true=fit_true, fit_obs=fit_obs,
        m_start=m_start, m_count=size, in_market=in_market, ti_window_end=ti_window_end,
        stage=np.where(customer, Stage.CUSTOMER, Stage.TARGET), arr=arr, ti_contract_end=ti_contract_end,
        adoption=adoption, ti_customer=np.where(customer, 0, NEVER),
    )
    members = Members.create(
        n_members, acct=acct, seat=seat, role=role, influence=influence, veto=ROLE_VETO[role], reach=reach,
        skepticism=skepticism,
        awareness=np.where(is_cust, 0.8, 0.0),
        engagement=np.where(is_cust, 0.3, 0.0),
        opinion=np.where(is_cust, np.clip(rng.normal(0.3, 0.2, n_members), -1, 1), 0.0),
        trust=np.where(is_cust, m.buyers.trust_baseline + 0.1, m.buyers.trust_baseline),
    )
    return accounts, members


def update_buying_windows(
    in_market: np.ndarray, ti_window_end: np.ndarray, mean_len: np.ndarray, week: int,
    p_start_week: float, u_start: np.ndarray, u_len: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Close windows that end this week and open new ones (CAL-6.1, CAL-2.6).

    A window opens with ``p_start_week``; its length is geometric with mean ``mean_len`` weeks.
    Returns (in_market, ti_window_end, opened).
    """
    closing = in_market & (ti_window_end <= week)
    opened = ~in_market & (u_start < p_start_week)
    length = 1 + np.floor(np.log(np.maximum(u_len, 1e-12)) / np.log1p(-1.0 / np.maximum(mean_len, 1.0 + 1e-9)))
    in_market = (in_market & ~closing) | opened
    ti_window_end = np.where(opened, week + length.astype(np.int32), ti_window_end)
    return in_market, ti_window_end.astype(np.int32), opened


def research_intent(in_market: np.ndarray, u: np.ndarray, p_research: float, p_false: float) -> np.ndarray:
    """Whether each account researches the category this week (true intent or spurious noise)."""
    return u < np.where(in_market, p_research, p_false)


def observe_intent(intent_obs: np.ndarray, researched: np.ndarray, u_seen: np.ndarray,
                   coverage: float, memory: float = 0.7) -> np.ndarray:
    """Observed intent: exponential average (weight ``memory``) of research the vendor's data saw.

    The vendor sees a research event with probability ``coverage`` (its intent-data investment).
    Drawing ``u_seen`` from the world stream means more coverage sees a superset of events.
    """
    seen = researched & (u_seen < coverage)
    return (memory * intent_obs + (1.0 - memory) * seen).astype(np.float32)


def self_serve(researching: np.ndarray, acct: np.ndarray, u: np.ndarray, p_week: float) -> np.ndarray:
    """Members of researching, in-market accounts who find the vendor's content on their own."""
    return researching[acct] & (u < p_week)


def member_turnover(u: np.ndarray, p_week: float) -> np.ndarray:
    """Members who leave this week (each replaced by a newcomer in the same seat)."""
    return u < p_week
