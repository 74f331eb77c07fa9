"""The exogenous world: market generation, buying windows, research intent, member turnover.

Everything here draws only from the world's random processes (``market``, ``buying_windows``,
``research``, ``turnover``, ...; :mod:`sim.core.streams`) and never reads vendor state, so two
strategies run with the same seed face the same accounts, committees, buying windows and
turnover (common random numbers). Each weekly function draws arrays of a fixed shape for the
same reason.
"""

from __future__ import annotations

import numpy as np

from sim.core.compiled import jit
from sim.core.config import CHANNELS, ROLES, Channel, MarketConfig, VendorConfig
from sim.core.state import NEVER, Accounts, Members, Stage
from sim.core.streams import uniforms

EB, CHAMPION, TECH, USER, FINANCE, SECURITY = range(len(ROLES))


FIT_NOISE_SD = 0.35
"""Standard deviation of the error in the vendor's fit data when ``market.data_quality`` is 0 (it
shrinks linearly to 0 at data quality 1). Fixed: ``data_quality`` is the parameter."""
INFLUENCE_SIGMA = 0.3
"""Log-normal spread of a member's influence around their role's (``ROLE_INFLUENCE``) before it is
normalised per committee. Fixed: only the ordering of roles is asserted, no source sizes the spread."""
INSTALLED_ARR_SHARE = (0.6, 1.0)
"""Range (uniform) of an installed customer's ARR as a share of its ACV potential at week 0."""
INSTALLED_MAX_RENEWALS = 5
"""Most renewals an installed customer has behind it at week 0 (its tenure in contract terms is uniform
on 0..this): a base built over about five years, at the rate firms change provider (CAL-6.1). Fixed: it
sets where the run starts, not how customers behave."""
INSTALLED_ADOPTION_BETA = (6.0, 3.0)
"""Beta shape of installed customers' adoption at week 0 (mean 0.67): customers in place for a while."""
INSTALLED_AWARENESS = 0.8
"""Awareness of the vendor of an installed customer's members at week 0 (0-1)."""
INSTALLED_ENGAGEMENT = 0.3
"""Engagement of an installed customer's members at week 0 (0-1)."""
INSTALLED_OPINION = (0.3, 0.2)
"""Mean and standard deviation (normal, clipped to -1..1) of installed customers' members' opinion."""
INSTALLED_TRUST_BONUS = 0.1
"""Trust an installed customer's members have above ``buyers.trust_baseline`` at week 0 (trust tops
out at 1). Fixed, like the other initial values of the installed base: they set where the run
starts, not how buyers behave."""

def _role_reach(by_channel: dict[Channel, list[float]]) -> np.ndarray:
    """Reach multipliers by role (rows) and channel (columns): 1, except on the channels given (one
    value per role, in role order)."""
    reach = np.ones((len(ROLES), len(CHANNELS)), dtype=np.float32)
    for channel, per_role in by_channel.items():
        reach[:, channel] = per_role
    return reach


ROLE_BY_SEAT = np.array([EB, CHAMPION, TECH, USER, FINANCE, SECURITY, USER, TECH, USER, CHAMPION,
                         USER, TECH, FINANCE, USER, SECURITY, USER], dtype=np.int8)
"""Role of the k-th seat of a committee (role index, in the order of ``ROLES``): decision makers first,
then users and gatekeepers (Webster & Wind roles, CAL-1.12; up to four functions, CAL-1.3). Fixed, not a
parameter: the committee's composition is a structural assumption; its size (``committee_size_mean``)
is the parameter."""
ROLE_INFLUENCE = np.array([3.0, 2.0, 1.5, 0.7, 1.2, 1.0], dtype=np.float32)
"""Relative influence of each role in the decision (weights in role order, normalised per committee,
before a lognormal individual spread). Fixed, not a parameter: a modelling choice (the economic buyer
weighs most, users least) without a published per-role figure."""
ROLE_VETO = np.array([True, False, False, False, True, True])
"""Roles that can stall or veto a deal (in role order): economic buyer, finance/procurement,
security/legal. Fixed, not a parameter: which roles gatekeep is a structural assumption (CAL-1.12); the
veto's strength is the parameter ``veto_opinion``."""
ROLE_SKEPTICISM = np.array([0.05, -0.1, 0.05, 0.0, 0.1, 0.15], dtype=np.float32)
"""Skepticism offset of each role (added to the 0-1 trait, in role order): gatekeepers are harder to
impress, champions easier. Fixed, not a parameter: offsets around ``skepticism_mean``, which is the
parameter."""
ROLE_REACH = _role_reach({Channel.EXECUTIVE: [2.5, 1.2, 0.4, 0.1, 0.8, 0.3],
                          Channel.EVENTS: [0.6, 1.3, 1.3, 0.8, 0.5, 0.5]})
"""Reachability multiplier by role (rows) and channel (columns), 1 unless given: executives answer
executives, practitioners come to events. Fixed, not a parameter: relative reach of the roles on top of
``channel_reach``, which is the parameter."""
N_COMMITTEE_MIN = 2
"""Smallest buying committee (members): a committee has at least a decision maker and a champion.
Fixed, not a parameter: the floor of the size distribution whose mean ``committee_size_mean`` sets
(CAL-1.1, CAL-1.4)."""
N_COMMITTEE_MAX = 16
"""Largest buying committee (members; the seats ``ROLE_BY_SEAT`` lists). Fixed, not a parameter: a cap
on the size distribution whose mean ``committee_size_mean`` sets (CAL-1.1, CAL-1.3, CAL-1.4)."""
SKEPTICISM_CONCENTRATION = 6.0
"""Concentration (alpha + beta) of the Beta distribution of the skepticism trait: its standard
deviation is ``sqrt(mean * (1 - mean) / 7)``, 0.19 at the default mean 0.4. Fixed, not a parameter: the
spread of buyers around ``skepticism_mean`` (the parameter); no source gives it."""
INTENT_MEMORY = 0.7
"""Weight of last week's observed intent in the vendor's intent score (0-1; an exponential average with
a half-life of 1.9 weeks). Fixed, not a parameter: a smoothing convention of intent data; how much of the
research the vendor sees (its intent-data investment) is the lever."""


def weekly_probability(p_year: float) -> float:
    """Weekly probability with the same annual chance: 1 - (1 - p_year) ** (1 / 52)."""
    return 1.0 - (1.0 - p_year) ** (1.0 / 52.0)


def committee_sizes(segment: np.ndarray, mean_by_segment: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Committee size per account: ``N_COMMITTEE_MIN + Poisson(mean - N_COMMITTEE_MIN)``, capped to
    ``N_COMMITTEE_MIN``-``N_COMMITTEE_MAX`` (2-16 members; CAL-1.1, 1.3, 1.4)."""
    extra = rng.poisson(np.maximum(mean_by_segment[segment] - N_COMMITTEE_MIN, 0.0))
    return np.clip(N_COMMITTEE_MIN + extra, N_COMMITTEE_MIN, N_COMMITTEE_MAX).astype(np.int64)


def draw_reach(role: np.ndarray, channel_reach: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Whether each member can be reached on each channel, shape [C, M] (channel-major, so
    per-channel work runs over contiguous rows)."""
    reach = np.empty((len(channel_reach), len(role)), dtype=bool)
    # Row by row: the draws of rng.random(reach.shape), in a tenth of the memory.
    for c, share in enumerate(channel_reach):
        reach[c] = rng.random(len(role)) < np.clip(share * ROLE_REACH[role, c], 0.0, 1.0)
    return reach


def pack_channels(reach: np.ndarray) -> np.ndarray:
    """Per-channel flags [C, M] as one byte per member, bit ``c`` for channel ``c`` (up to 8 channels)."""
    assert len(reach) <= 8, "one byte holds eight channels"
    bits = np.zeros(reach.shape[1], dtype=np.uint8)
    for c, row in enumerate(reach):
        bits |= row.astype(np.uint8) << np.uint8(c)
    return bits


def unpack_channels(bits: np.ndarray, n_channels: int = len(CHANNELS)) -> np.ndarray:
    """The per-channel flags [C, M] packed by :func:`pack_channels`."""
    return ((bits[None, :] >> np.arange(n_channels, dtype=np.uint8)[:, None]) & 1).astype(bool)


def draw_skepticism(role: np.ndarray, mean: float, rng: np.random.Generator) -> np.ndarray:
    """Skepticism trait: ``Beta(k * mean, k * (1 - mean))`` with ``k = SKEPTICISM_CONCENTRATION`` (6),
    plus the role's offset ``ROLE_SKEPTICISM``, clipped to 0-1."""
    base = rng.beta(SKEPTICISM_CONCENTRATION * mean, SKEPTICISM_CONCENTRATION * (1.0 - mean),
                    len(role)).astype(np.float32)
    return np.clip(base + ROLE_SKEPTICISM[role], 0.0, 1.0)


def draw_churn_propensity(mean: np.ndarray, polarization: float, renewals: np.ndarray,
                          rng: np.random.Generator) -> np.ndarray:
    """Each account's churn propensity: ``Beta(a, b + renewals)`` with ``a = mean (1 - phi) / phi``
    and ``b = (1 - mean) (1 - phi) / phi``, where ``mean`` is its segment's ``churn_base_year`` and
    ``phi = 1 / (a + b + 1)`` the polarization (the shifted-beta-geometric model of CAL-3.6).

    A new customer draws from ``Beta(a, b)``; one that has already renewed ``renewals`` times is a
    survivor, and by Bayes' rule survivors' propensities are ``Beta(a, b + renewals)``: churn-prone
    accounts leave first, so a cohort's retention rises with its age although no account changes.
    At ``phi = 0`` every account has the mean. Clipped to 1e-6..1 - 1e-6 so its log-odds are finite.
    """
    mean = np.clip(mean, 1e-6, 1.0 - 1e-6)
    if polarization <= 0:
        return mean.astype(np.float32)
    scale = (1.0 - polarization) / polarization
    drawn = rng.beta(mean * scale, (1.0 - mean) * scale + renewals)
    return np.clip(drawn, 1e-6, 1.0 - 1e-6).astype(np.float32)


def draw_wallet(acv: np.ndarray, headroom_mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The most an account could spend per year: ``acv * (1 + Exponential(headroom_mean))``, USD/year.

    The first deal lands at most the ACV potential; the whitespace beyond it (more teams, units and
    products) is what expansions draw on. Its mean scales with the segment (``expansion_headroom``:
    bigger organisations have more room, CAL-3.7) and it varies across accounts.
    """
    return acv * (1.0 + headroom_mean * rng.standard_exponential(len(acv)))


def generate_market(m: MarketConfig, v: VendorConfig, rng: np.random.Generator) -> tuple[Accounts, Members]:
    """Draw the accounts, their committees and the installed base at week 0 (the ``market`` stream)."""
    n = m.n_accounts
    segment = rng.choice(3, size=n, p=np.asarray(m.segment_shares) / sum(m.segment_shares)).astype(np.int8)
    industry = rng.integers(0, m.n_industries, n).astype(np.int16)
    acv = np.asarray(m.acv_median_usd)[segment] * np.exp(m.acv_sigma * rng.standard_normal(n))
    fit_true = rng.beta(m.fit_beta[0], m.fit_beta[1], n).astype(np.float32)
    noise = FIT_NOISE_SD * (1.0 - m.data_quality) * rng.standard_normal(n)
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
    arr = np.where(customer, acv * rng.uniform(*INSTALLED_ARR_SHARE, n), 0.0)
    ti_contract_end = np.where(customer, rng.integers(1, contract + 1, n), NEVER)
    adoption = np.where(customer, rng.beta(*INSTALLED_ADOPTION_BETA, n), 0.0).astype(np.float32)

    n_members, f32 = int(size.sum()), np.float32  # member arrays are made float32 (a million accounts: 7M members)
    acct = np.repeat(np.arange(n, dtype=np.int64), size)
    seat = (np.arange(n_members) - m_start[acct]).astype(np.int8)  # at most N_COMMITTEE_MAX - 1
    role = ROLE_BY_SEAT[np.minimum(seat, len(ROLE_BY_SEAT) - 1)]
    raw_influence = ROLE_INFLUENCE[role] * np.exp(INFLUENCE_SIGMA * rng.standard_normal(n_members)).astype(np.float32)
    influence = (raw_influence / np.bincount(acct, raw_influence, n)[acct]).astype(np.float32)
    reach = draw_reach(role, np.asarray(v.channel_reach, dtype=np.float32), rng)
    skepticism = draw_skepticism(role, m.buyers.skepticism_mean, rng)
    is_cust = customer[acct]
    cc = m.customers
    renewals = np.where(customer, rng.integers(0, INSTALLED_MAX_RENEWALS + 1, n), 0)
    propensity = draw_churn_propensity(np.asarray(cc.churn_base_year)[segment], cc.churn_polarization, renewals, rng)
    wallet = draw_wallet(acv, np.asarray(cc.expansion_headroom)[segment], rng)

    accounts = Accounts.create(
        n, segment=segment, industry=industry, acv_potential=acv, fit_true=fit_true, fit_obs=fit_obs,
        wallet_usd=wallet, churn_propensity=propensity,
        m_start=m_start, m_count=size, reach_count=np.stack([np.bincount(acct, row, n) for row in reach]),
        in_market=in_market, ti_window_end=ti_window_end,
        stage=np.where(customer, Stage.CUSTOMER, Stage.TARGET), arr=arr, ti_contract_end=ti_contract_end,
        adoption=adoption, ti_customer=np.where(customer, 0, NEVER), renewals=renewals,
    )
    members = Members.create(
        n_members, acct=acct, seat=seat, role=role, influence=influence, veto=ROLE_VETO[role],
        reach=pack_channels(reach), skepticism=skepticism,
        awareness=np.where(is_cust, f32(INSTALLED_AWARENESS), f32(0)),
        engagement=np.where(is_cust, f32(INSTALLED_ENGAGEMENT), f32(0)),
        opinion=np.where(is_cust, np.clip(rng.normal(*INSTALLED_OPINION, n_members), -1, 1).astype(f32), f32(0)),
        trust=np.where(is_cust, f32(min(m.buyers.trust_baseline + INSTALLED_TRUST_BONUS, 1.0)),
                       f32(m.buyers.trust_baseline)),
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
                   coverage: float, memory: float = INTENT_MEMORY) -> np.ndarray:
    """Observed intent: exponential average of research the vendor's data saw,
    ``memory * intent_obs + (1 - memory) * seen`` (``memory`` defaults to ``INTENT_MEMORY``, 0.7).

    The vendor sees a research event with probability ``coverage`` (its intent-data investment).
    Drawing ``u_seen`` from its own stream, whatever the coverage, means more coverage sees a superset of events.
    """
    seen = researched & (u_seen < coverage)
    return (memory * intent_obs + (1.0 - memory) * seen).astype(np.float32)


def self_serve(researching: np.ndarray, acct: np.ndarray, rng: np.random.Generator, p_week: float) -> np.ndarray:
    """Members of researching, in-market accounts who find the vendor's content on their own
    (each member draws one uniform from ``rng`` whether or not the account researches, so the same
    member gets the same number in every strategy: common random numbers)."""
    out = np.empty(len(acct), dtype=bool)
    for slots, u in uniforms(rng, len(acct)):
        _below_in(u, p_week, researching, acct[slots], out[slots])
    return out


@jit
def _below_in(u, p, flagged, acct, out):  # type: ignore[no-untyped-def]
    """``out = flagged[acct] & (u < p)`` in one pass (no [M] gather and masks)."""
    for i in range(u.shape[0]):
        out[i] = u[i] < p and flagged[acct[i]]


def member_turnover(n_members: int, rng: np.random.Generator, p_week: float) -> np.ndarray:
    """Members who leave this week (each replaced by a newcomer in the same seat): one uniform per
    member, below ``p_week``. Their indices, ascending."""
    leavers = [_below(u, p_week, slots.start) for slots, u in uniforms(rng, n_members)]
    return np.concatenate([np.empty(0, np.int64), *leavers])


@jit
def _below(u, p, offset):  # type: ignore[no-untyped-def]
    """``offset + flatnonzero(u < p)`` in one pass."""
    out = np.empty(u.shape[0], np.int64)
    k = 0
    for i in range(u.shape[0]):
        if u[i] < p:
            out[k] = offset + i
            k += 1
    return out[:k].copy()
