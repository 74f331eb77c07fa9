"""The compiled loops compute what their numpy forms (or their per-member mechanism) compute, bit
for bit, whatever the chunk size."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import SMALL_TIERS

from sim.api import compose_config
from sim.core import compiled, per_account
from sim.core.config import BuyerConfig
from sim.core.mechanisms import delivery
from sim.core.mechanisms import members as mem
from sim.core.model import ABXModel
from sim.core.streams import uniforms

B = BuyerConfig()

N = 300


def members(seed: int, sort: bool) -> tuple[np.ndarray, np.ndarray]:
    """Account index and float32 weights of 3,000 members (contiguous committees, or shuffled)."""
    rng = np.random.default_rng(seed)
    acct = rng.integers(0, N - 10, 3000)  # the last accounts have no members
    acct = np.sort(acct) if sort else acct
    return acct, rng.uniform(0, 3, 3000).astype(np.float32)


@pytest.mark.parametrize("sort", [True, False])
def test_flags_are_any_member_flagged(sort):
    acct, w = members(2, sort)
    flags = w > 2.5
    assert np.array_equal(per_account.any_of(acct, flags, N), np.bincount(acct, flags, N) > 0)
    assert not per_account.any_of(acct, flags, N)[N - 10:].any()


def test_members_of_accounts_are_their_committees_in_order():
    counts = np.array([3, 0, 2, 4])
    starts = np.cumsum(counts) - counts
    mask = np.array([True, True, False, True])
    assert per_account.members(mask, starts, counts).tolist() == [0, 1, 2, 5, 6, 7, 8]
    assert per_account.members(np.zeros(4, bool), starts, counts).tolist() == []


# ------------------------------------------------------------------------------ touch delivery
def touch_setup(n: int = 20_000, claim: float = 0.0):
    """``n`` one-member accounts reached on ads and email only, no sales, no self-service."""
    rate = np.zeros((n, 5), np.float32)
    rate[:, 0], rate[:, 1] = 0.2, 0.3  # 0.5 touches a week
    reach = np.full(n, 0b00011, np.uint8)  # ads and email
    no_key_contact = np.full(n, 5, np.int8)  # seats past the economic buyer and the champion
    sales = delivery.SalesReach(no_key_contact, np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, np.float32), 1.0)
    seen = delivery.Perception(np.full(n, claim, np.float32), np.zeros(n, np.float32), np.full(n, 0.5, np.float32), 4.0)
    return rate, reach, np.arange(n), sales, np.zeros(n, bool), seen


def draw(setup, seed=0):
    rate, reach, acct, sales, self_serve, seen = setup
    return delivery.draw_touches(rate, reach, acct, sales, self_serve, seen, np.array([0.25, 0.5, 1.5, 1, 2]),
                                 np.random.default_rng(seed), np.random.default_rng(seed + 1))


def test_touches_are_poisson_draws_in_member_order_with_the_planned_mean():
    setup = touch_setup()
    idx, count, effect, ads, theater = draw(setup)
    full = np.zeros(20_000)
    full[idx] = count
    # The same draws numpy makes for the members with a positive rate, in member order.
    assert np.array_equal(full, np.random.default_rng(0).poisson(np.full(20_000, 0.5, np.float32)))
    assert full.mean() == pytest.approx(0.5, abs=0.02) and full.var() == pytest.approx(0.5, abs=0.03)  # se ~0.005
    assert np.allclose(effect, (0.2 * 0.25 + 0.3 * 0.5) / 0.5) and np.allclose(ads, 0.4)
    assert not theater.any()  # nothing claimed, nothing superficial


def test_touch_counts_are_numpys_poisson_draws_on_both_sides_of_its_switch_of_method():
    rate, reach, acct, sales, self_serve, seen = touch_setup(n=6_000)
    means = np.random.default_rng(11).choice([0.0, 0.05, 0.5, 3.0, 9.99, 10.0, 14.0], 6_000).astype(np.float32)
    rate[:, 0], rate[:, 1] = means, 0.0  # ads only: each member's mean is its account's ads rate
    idx, count, *_ = draw((rate, reach, acct, sales, self_serve, seen), seed=12)
    full = np.zeros(6_000)
    full[idx] = count
    assert np.array_equal(full, np.random.default_rng(12).poisson(means))
    assert full[means >= 10].mean() > 10 > full[means < 10].mean()  # both methods drew


def test_theater_is_a_binomial_share_of_marketing_touches_and_self_service_is_one_touch():
    rate, reach, acct, sales, self_serve, seen = touch_setup(claim=0.5)
    self_serve[:100], rate[:100] = True, 0.0  # found content on their own, nothing planned
    idx, count, _, _, theater = draw((rate, reach, acct, sales, self_serve, seen), seed=3)
    organic = idx < 100
    assert np.array_equal(idx[organic], np.arange(100)) and (count[organic] == 1).all()
    assert not theater[organic].any() and (theater <= count).all()
    p = 1 - np.exp(-4.0 * 0.5 * (0.5 + 0.5))  # p_superficial: claim 0.5, depth 0, skepticism 0.5
    paid = ~organic
    assert theater[paid].sum() / count[paid].sum() == pytest.approx(p, abs=0.02)


def test_theater_is_numpys_binomial_draw_where_the_chance_is_positive():
    rng = np.random.default_rng(13)
    acct = np.repeat(np.arange(200), 5)
    idx = np.sort(rng.choice(1000, 600, replace=False))
    count = rng.choice([1, 3, 12, 39, 90, 200], 600).astype(np.float32)
    share = rng.choice([0.0, 0.4, 1.0], 600).astype(np.float32)
    claim, depth = rng.uniform(0, 1, 200).astype(np.float32), rng.uniform(0, 1, 200).astype(np.float32)
    skepticism = rng.uniform(0, 1, 1000).astype(np.float32)
    sens = np.float32(4.0)
    theater = mem.theater_draws(idx, count, share, acct, claim, depth, skepticism, sens, np.random.default_rng(14))
    p = np.array([mem.p_superficial(claim[acct[i]], depth[acct[i]], skepticism[i], sens) for i in idx],
                 np.float32) * share
    hit = p > 0
    assert 0 < hit.sum() < 600 and not theater[~hit].any()
    # numpy inverts the distribution up to n * min(p, 1 - p) = 30, beyond uses BTPE: both are drawn here
    expected = count * np.minimum(p, 1 - p)
    assert (expected[hit] > 30).sum() > 10 and (expected[hit] < 30).sum() > 10
    assert np.array_equal(theater[hit], np.random.default_rng(14).binomial(count[hit].astype(np.int64), p[hit]))


def test_touches_drawn_in_chunks_are_the_touches_drawn_at_once(monkeypatch):
    setup = touch_setup(claim=0.5)
    whole = draw(setup, seed=5)
    monkeypatch.setattr(compiled, "MEMBER_CHUNK", 7_000)  # three chunks, the last one short
    chunked = draw(setup, seed=5)
    assert all(np.array_equal(a, b) for a, b in zip(whole, chunked, strict=True))


def test_committee_loops_are_their_numpy_forms_bit_for_bit():
    acct, influence = members(7, sort=True)
    rng = np.random.default_rng(8)
    opinion = rng.uniform(-1, 1, len(acct)).astype(np.float32)
    engagement = rng.uniform(0, 1, len(acct)).astype(np.float32)
    engagement[::50] = np.float32(0.7)  # exactly at the threshold (0.7 rounds down in float32)
    w = influence * (np.float32(0.2) + engagement)
    mean = np.divide(np.bincount(acct, w * opinion, N), np.bincount(acct, w, N), out=np.zeros(N),
                     where=np.bincount(acct, w, N) > 0)
    spread = (opinion + np.minimum(0.3, 1.0) * (mean[acct] - opinion)).astype(np.float32)
    assert np.array_equal(mem.spread_opinion(opinion, engagement, influence, acct, N, 0.3), spread)
    engaged = influence * (engagement >= 0.7).astype(np.float32)
    cover = np.bincount(acct, engaged, N)
    support = np.divide(np.bincount(acct, engaged * opinion, N), cover, out=np.zeros(N), where=cover > 0)
    coverage, got = mem.committee_view(engagement, opinion, influence, acct, N, 0.7)
    assert np.array_equal(coverage, np.clip(cover, 0, 1).astype(np.float32))
    assert np.array_equal(got, support.astype(np.float32))


def test_touches_land_on_the_touched_members_only_as_each_member_responds():
    acct, _ = members(9, sort=True)
    rng = np.random.default_rng(10)
    m = len(acct)
    state = [rng.uniform(0, 1, m).astype(np.float32) for _ in range(5)]
    before = [x.copy() for x in state]
    idx = np.sort(rng.choice(m, 700, replace=False))
    touches = rng.integers(1, 5, 700).astype(np.float32)
    theater = np.minimum(rng.integers(0, 3, 700), touches).astype(np.float32)
    effect, ads = rng.uniform(0.2, 2, 700).astype(np.float32), rng.uniform(0, 0.5, 700).astype(np.float32)
    fit, rel = rng.uniform(0, 1, N).astype(np.float32), rng.uniform(0, 1, N).astype(np.float32)
    attention, collisions = rng.choice([1.0, 1.5], N).astype(np.float32), rng.integers(0, 3, N)
    p = mem.response_params(B)
    clicks, new_mql = mem.respond_touched(idx, touches, theater, effect, ads, acct, *state, fit, rel, attention,
                                          collisions, np.float32(0.01), p)
    untouched = np.setdiff1d(np.arange(m), idx)
    assert all(np.array_equal(x[untouched], y[untouched]) for x, y in zip(state, before, strict=True))
    for j in range(0, len(idx), 37):
        i, a = idx[j], acct[idx[j]]
        *new, recept = mem.respond_member(*(x[i] for x in before), fit[a], touches[j], theater[j],
                                          effect[j] * attention[a], rel[a], np.float32(collisions[a]), p)
        assert [x[i] for x in state] == new
        assert clicks[j] == touches[j] * ads[j] * np.float32(0.01) * rel[a] * recept
        assert new_mql[j] == (before[1][i] < p.engaged_threshold <= state[1][i])
    assert new_mql.any() and not new_mql.all()


def test_committee_means_are_their_numpy_form_bit_for_bit():
    acct, influence = members(15, sort=True)
    counts = np.bincount(acct, minlength=N)
    starts = np.cumsum(counts) - counts
    rng = np.random.default_rng(16)
    opinion, trust = rng.uniform(-1, 1, len(acct)).astype(np.float32), rng.uniform(0, 1, len(acct)).astype(np.float32)
    influence[acct == 3] = 0  # a committee without weight: mean 0
    accounts = np.array([0, 3, 7, 120, N - 5])  # the last has no members
    got = mem.committee_means(accounts, starts, counts, influence, (opinion, trust))
    w = np.bincount(acct, influence, N)
    for values, row in zip((opinion, trust), got, strict=True):
        expected = np.divide(np.bincount(acct, influence * values, N), w, out=np.zeros(N), where=w > 0)
        assert np.array_equal(row, expected[accounts])
    assert got[:, 1].tolist() == [0, 0] and got[:, 4].tolist() == [0, 0]


def test_a_loop_that_cannot_be_cached_is_compiled_anyway():
    namespace: dict = {}
    exec("def twice(x):\n    return 2 * x\n", namespace)  # no source file: numba has nowhere to cache it
    with pytest.warns(UserWarning, match="cannot cache"):
        twice = compiled.jit(namespace["twice"])
    assert twice(21) == 42


def test_uniforms_in_chunks_are_one_draw(monkeypatch):
    monkeypatch.setattr(compiled, "MEMBER_CHUNK", 3)
    parts = list(uniforms(np.random.default_rng(4), 10))
    assert [s.stop - s.start for s, _ in parts] == [3, 3, 3, 1]
    assert np.array_equal(np.concatenate([u for _, u in parts]), np.random.default_rng(4).random(10))


def test_a_model_run_in_small_chunks_is_the_same_run(monkeypatch):
    def run() -> tuple[dict, np.ndarray]:
        model = ABXModel(compose_config(["market.n_accounts=800", "horizon_weeks=12", *SMALL_TIERS]))
        model.run()
        return model.summary(), model.members.trust.copy()

    whole, trust = run()
    monkeypatch.setattr(compiled, "MEMBER_CHUNK", 97)  # chunks of odd sizes, cutting committees
    chunked, chunked_trust = run()
    assert np.array_equal(trust, chunked_trust)
    assert whole.keys() == chunked.keys()
    assert all(whole[k] == chunked[k] or (np.isnan(whole[k]) and np.isnan(chunked[k])) for k in whole)
