"""A fit finds parameters it should: known values recovered through the documented commands
(sim.studies.recovery): simulate a company, take its targets with `abx-sim-fit targets`, fit."""

from __future__ import annotations

import pytest

from sim.fit.abc import default_priors
from sim.fit.fitting import Settings
from sim.studies.recovery import recover, true_values


def test_true_values_lie_in_the_middle_half_of_each_prior():
    priors = default_priors()
    for case in range(20):
        truth = true_values(priors, case)
        for p in priors:
            assert p.lo + 0.25 * (p.hi - p.lo) <= truth[p.key] <= p.lo + 0.75 * (p.hi - p.lo)
    assert true_values(priors, 3) == true_values(priors, 3) != true_values(priors, 4)


@pytest.mark.slow  # two fits of four parameters to six targets: about three minutes
def test_most_true_values_lie_in_their_90_percent_intervals(tmp_path):
    priors = default_priors()
    settings = Settings(priors, population=30, generations=4, seed=0, workers=2)
    cases = [recover(case, priors, settings, accounts=400, weeks=104, folder=tmp_path) for case in (0, 1)]
    covered = sum(int(c.covered.sum()) for c in cases)
    # Nominal coverage is 90%: 6 or more of 8 has probability 0.96 if the intervals are honest.
    assert covered >= 6, [c[["parameter", "truth", "low", "high"]].to_dict("records") for c in cases]
