"""One random stream per random process: draws that one strategy makes never shift another's.

The paired comparison is the point of common random numbers: abm and abx run in the same worlds
(same seed and replication) must differ by less, run by run, than two independent samples would.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.api import run
from sim.core.streams import PROCESSES, Streams
from sim.sweep.analysis import paired_differences

METRICS = ["pipeline_created_usd", "bookings_usd", "nrr", "grr", "trust_index"]


def test_a_process_stream_depends_on_seed_replication_process_and_week_only():
    s = Streams(seed=11, replication=2)
    first = s.generator("renewals", week=5).random(4)
    assert np.array_equal(first, Streams(11, 2).generator("renewals", week=5).random(4))
    for other in (Streams(12, 2).generator("renewals", 5), Streams(11, 3).generator("renewals", 5),
                  s.generator("referrals", 5), s.generator("renewals", 6)):
        assert not np.array_equal(first, other.random(4))


def test_only_declared_processes_have_streams():
    with pytest.raises(KeyError, match="undeclared random process 'weather'"):
        Streams(0, 0).generator("weather")
    assert {"buying_windows", "touch_delivery", "deal_decisions", "renewals", "referrals"} <= set(PROCESSES)


SMALL = ["market.n_accounts=400", "horizon_weeks=30", "strategy.tiering.n_one_to_many=100",
         "strategy.tiering.n_one_to_few=20", "seed=5"]


def test_the_world_is_the_same_whatever_the_strategy_does():
    abm, abx = run([*SMALL, "strategy=abm"]), run([*SMALL, "strategy=abx"])
    # Buying windows, research and turnover draw from their own streams: identical worlds.
    assert abm.timeseries["window_starts"].tolist() == abx.timeseries["window_starts"].tolist()
    assert np.array_equal(abm.model.accounts.in_market, abx.model.accounts.in_market)
    assert np.array_equal(abm.model.members.ti_joined, abx.model.members.ti_joined)
    # ... while the strategies themselves differ.
    assert abm.summary["touches_per_member"] != abx.summary["touches_per_member"]


@pytest.mark.slow
def test_paired_intervals_are_narrower_than_unpaired_ones():
    """abm vs abx, 8 replications of 2,000 accounts over 104 weeks: for every metric, the paired 95%
    interval of the difference (same worlds) is narrower than the unpaired (Welch) one."""
    rows = []
    for strategy in ("abm", "abx"):
        for rep in range(8):
            res = run(["market.n_accounts=2000", "horizon_weeks=104", f"strategy={strategy}", "seed=0",
                       f"replication={rep}"])
            rows.append({"strategy.name": strategy, "world_id": rep, **{m: res.summary[m] for m in METRICS}})
    diffs = paired_differences(pd.DataFrame(rows), METRICS, baseline="abm").set_index("metric")
    paired = diffs.paired_high - diffs.paired_low
    unpaired = diffs.unpaired_high - diffs.unpaired_low
    print(pd.DataFrame({"paired": paired, "unpaired": unpaired, "ratio": paired / unpaired}).to_string())
    assert (paired < unpaired).all(), (paired / unpaired).to_dict()
