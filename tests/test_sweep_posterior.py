"""Sweeps whose worlds are drawn from a fit's posterior, and the split of their spread into
parameter uncertainty and run noise (sim.sweep.designs, sim.sweep.analysis.uncertainty_split)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_sweep import sweep

from sim.sweep import analysis, catalog
from sim.sweep.designs import make_design


@pytest.fixture
def posterior(tmp_path):
    df = pd.DataFrame({"market.deals.p_holdout": [0.1, 0.2, 0.3], "market.p_window_start_year": [0.15, 0.2, 0.25],
                       "weight": [0.0, 0.25, 0.75]})
    df.to_parquet(tmp_path / "posterior.parquet", index=False)
    return tmp_path


def test_worlds_are_drawn_in_proportion_to_the_weights(posterior):
    design = make_design("posterior", {}, 4000, seed=3, posterior=str(posterior))
    assert design.names == ["market.deals.p_holdout", "market.p_window_start_year"]
    holdout = design.points[:, 0]
    assert not (holdout == 0.1).any()  # weight 0: never drawn
    share = (holdout == 0.3).mean()  # binomial, n = 4000: sd 0.007
    assert share == pytest.approx(0.75, abs=0.03)
    again = make_design("posterior", {}, 4000, seed=3, posterior=str(posterior / "posterior.parquet"))
    assert np.array_equal(design.points, again.points)


def test_the_split_recovers_known_parameter_and_noise_variance():
    rng = np.random.default_rng(0)
    points, reps = 400, 4
    world = rng.normal(0, 1.0, points)  # parameter uncertainty: variance 1
    # Run noise: a replication's draws are the same in every world (common random numbers; variance
    # of these four, 3.0) plus each run's own (variance 0.5): 3.5 in all.
    shared = np.array([1.5, -1.5, 1.5, -1.5])
    values = world[:, None] + shared[None, :] + rng.normal(0, np.sqrt(0.5), (points, reps))
    frame = pd.DataFrame({"point": np.repeat(np.arange(points), reps), "replication": np.tile(np.arange(reps), points),
                          "value": values.ravel()})
    split = analysis.uncertainty_split(frame)
    # 1 / 4.5 = 0.22 within about 0.04 (400 worlds); a one-way split, blind to the shared draws, gives 0.07.
    assert split["parameter_share"] == pytest.approx(1 / 4.5, abs=0.04)
    assert split["sd"] == pytest.approx(np.sqrt(4.5), rel=0.1)
    one_rep = frame[frame.replication == 0]
    assert np.isnan(analysis.uncertainty_split(one_rep)["parameter_share"])  # no replications: no split


def test_a_posterior_with_a_parameter_a_design_cannot_sample_is_refused(tmp_path):
    pd.DataFrame({"seed": [1.0, 2.0], "weight": [0.5, 0.5]}).to_parquet(tmp_path / "posterior.parquet")
    proc = sweep("sweep.design=posterior", f"sweep.posterior={tmp_path}", "market.n_accounts=300",
                 f"hydra.sweep.dir={tmp_path / 'sw'}", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "seed is not a parameter a design may sample" in proc.stderr and not (tmp_path / "sw").exists()


@pytest.mark.slow
def test_a_posterior_sweep_reports_how_much_spread_is_parameter_uncertainty(posterior, tmp_path):
    folder = tmp_path / "sw"
    proc = sweep("sweep.design=posterior", f"sweep.posterior={posterior}", "sweep.samples=3", "replications=2",
                 "strategy=abx,abm", "market.n_accounts=400", "horizon_weeks=30", f"hydra.sweep.dir={folder}",
                 cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = catalog.load(folder)
    assert len(table) == 3 * 2 * 2 and set(table["market.deals.p_holdout"]) <= {0.2, 0.3}
    report = (folder / "report.md").read_text()
    assert "## Parameter uncertainty and run noise" in report and "| abm - abx |" in report
