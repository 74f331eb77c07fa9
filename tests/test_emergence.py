"""Patterns that emerge from accounts that differ (``sim.studies.emergence``, ``docs/emergence.md``)."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.studies import CHECKOUT
from sim.studies.emergence import (
    Observed,
    churn_by_renewal,
    main,
    no_decision_by_size,
    observe,
    referral_demand,
)
from sim.sweep.analysis import mean_ci

#: A mid-sized market, so each pattern rests on hundreds of deals and renewals per run.
MARKET = ("market.n_accounts=4000", "market.installed_base_share=0.15")


def pooled(seeds: range) -> Observed:
    runs = [observe(["strategy=abx", f"seed={s}", *MARKET]) for s in seeds]
    return Observed(*(pd.concat([getattr(o, f) for o in runs], ignore_index=True)
                      for f in ("deals", "renewals", "segments")))


@pytest.mark.slow
def test_bigger_committees_decide_less_and_the_churn_prone_leave_first():
    obs = pooled(range(2))
    nd = no_decision_by_size(obs)
    assert len(obs.deals) > 500
    # Smallest against largest committees: the holdout mechanism compounds per member (CAL-1.13).
    assert nd["11-16"] - nd["2-4"] > 0.10, nd
    churn = churn_by_renewal(obs)
    assert len(obs.renewals) > 1000
    # Selection by propensity: later renewals churn less than the first (CAL-3.6).
    assert churn["1"] - churn["4+"] > 0.03, churn


@pytest.mark.slow
def test_referrals_alone_bring_new_logos_when_marketing_is_off():
    # The default market: at 3,000 accounts the gain (+6 logos) is within the noise of 4 seeds.
    runs = referral_demand(4, [])
    per = runs.pivot(index="seed", columns="variant")
    assert (per["referral_leads"]["without referrals"] == 0).all()
    assert (per["referral_leads"]["with referrals"] > 0).all()
    gain = per["new_logos"]["with referrals"] - per["new_logos"]["without referrals"]
    assert mean_ci(gain)[1] > 0, gain.tolist()  # the 95% interval of the paired gain is above zero


def test_the_study_writes_its_document_and_figure(tmp_path, capsys):
    main(["--seeds", "2", "--figure", str(tmp_path / "f.png"), "market.n_accounts=400", "horizon_weeks=60"])
    text = capsys.readouterr().out
    for section in ("No decision by committee size", "Churn by renewal number", "NRR by segment",
                    "Referrals create demand with marketing off"):
        assert f"## {section}" in text
    assert (tmp_path / "f.png").stat().st_size > 10_000


def test_the_committed_document_says_how_to_reproduce_it():
    doc = (CHECKOUT / "docs/emergence.md").read_text()
    assert "python -m sim.studies.emergence --seeds 5 > docs/emergence.md" in doc
    assert (CHECKOUT / "docs/emergence.png").is_file()
