"""Fitting to a company (sim.fit): records, targets, the fit's reproducibility and its command line."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.api import run
from sim.apps import fit as cli
from sim.core.params import ConfigError
from sim.fit import abc, checks, records, targets
from sim.fit.fitting import Settings, fit, read_info, read_posterior


@pytest.fixture(scope="module")
def recs():
    return records.from_results(run(["market.n_accounts=1200", "horizon_weeks=104", "seed=3",
                                     "output.story_accounts=0"]))


def test_a_crm_export_reads_back_to_the_same_figures(recs, tmp_path):
    opps, revenue = records.write_csv(recs, tmp_path)
    end = str((records.RUN_START + pd.Timedelta(days=7 * recs.weeks - 1)).date())
    back = records.read_csv(opps, revenue, "2024-01-01", end)
    assert back.weeks == recs.weeks
    ours, theirs = targets.statistics(recs), targets.statistics(back)
    assert set(ours) == set(targets.STATISTICS)
    for name, value in ours.items():
        assert theirs[name] == pytest.approx(value, rel=1e-6), name  # amounts are rounded to cents


def test_bootstrap_error_of_a_share_matches_the_binomial_formula(recs):
    decided = recs.opportunities[recs.opportunities.outcome != "open"]
    p = (decided.outcome == "won").mean()
    analytic = math.sqrt(p * (1 - p) / len(decided))  # a share of n independent outcomes
    boot = targets.bootstrap(recs, n=400, seed=1)
    # A Poisson bootstrap: the decided count varies too, so within 20% of the formula.
    assert boot.win_rate.std(ddof=1) == pytest.approx(analytic, rel=0.2)
    assert boot.nrr.std(ddof=1) > 0


@pytest.mark.parametrize("row, column, value, message", [
    (0, "outcome", "closed won", "must be one of won, lost, no_decision, open"),
    (1, "amount_usd", "-5", "must be a number >= 0"),
    (2, "created", "03/04/2024", "must be a date YYYY-MM-DD"),
])
def test_a_bad_export_row_is_named(recs, tmp_path, row, column, value, message):
    opps, _ = records.write_csv(recs, tmp_path)
    df = pd.read_csv(opps, dtype=str, keep_default_na=False)
    df.loc[row, column] = value
    df.to_csv(opps, index=False)
    with pytest.raises(ConfigError, match=f"row {row + 2}, {column} = '{value}': {message}"):
        records.read_csv(opps)


@pytest.mark.parametrize("spec, message", [
    ({"targets": {"win_rat": {"value": 0.2, "se": 0.02}}}, "targets.win_rat: unknown target; allowed: win_rate"),
    ({"targets": {"nrr": {"value": 1.1}}}, "targets.nrr = .*must be {value: V, se: S}"),
    ({"targets": {"nrr": {"value": 1.1, "se": 0}}}, r"targets.nrr.se = 0: must be > 0"),
    ({"targets": {"nrr": {"value": 1.3, "interval": [1.0, 1.2]}}}, "LO <= value"),
    ({"targets": {"grr": {"value": 0.9, "se": 0.02}}, "weeks": 10}, "weeks = 10: must be a whole number"),
    ({"targets": {"grr": {"value": 0.9, "se": 0.02}}, "given": {"hydra.run.dir": "/"}},
     "given.hydra.run.dir: not a market or vendor parameter"),
    ({"targets": {"grr": {"value": 0.9, "se": 0.02}}, "given": {"seed": 4}}, "given.seed: not a market or vendor"),
    ({"targets": {"grr": {"value": 0.9, "se": 0.02}}, "given": {"market.name": "${oc.env:HOME}"}},
     "must be a value, not an interpolation"),
])
def test_a_bad_targets_file_gets_one_line_naming_the_key(spec, message):
    with pytest.raises(ConfigError, match=message):
        abc.given_overrides(targets.parse_targets(spec).given)


def test_an_interval_is_read_as_90_percent():
    t = targets.parse_target("nrr", {"value": 1.05, "interval": [1.0, 1.1]})
    assert t.se == pytest.approx(0.1 / (2 * 1.6449), rel=1e-4)


@pytest.mark.parametrize("spec, message", [
    ("market.deals.p_holdout=0.3:0.1", "must satisfy 0 <= LO < HI <= 1"),
    ("market.segment_shares", "only a single real number"),
    ("vendor.n_ae", "only a single real number"),
    ("horizon_weeks", "not a market or vendor parameter"),
    ("hydra.job.chdir", "not a market or vendor parameter"),
    ("market.deals.competitor_strength=-inf:1", "the range must satisfy"),
])
def test_a_bad_prior_is_refused(spec, message):
    with pytest.raises(ConfigError, match=message):
        abc.parse_prior(spec)


def test_the_command_line_refuses_a_bad_targets_file_with_status_2(tmp_path, capsys):
    bad = tmp_path / "t.yaml"
    bad.write_text("targets: {win_rate: {value: 2, se: x}}\n")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["fit", str(bad), "--out", str(tmp_path / "fit")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["abx-sim-fit: error: targets.win_rate.se = 'x': must be a finite number"]
    assert not (tmp_path / "fit").exists()


TINY = {"weeks": 52, "given": {"market.n_accounts": 250},
        "targets": {"win_rate": {"value": 0.22, "se": 0.05}, "no_decision_rate": {"value": 0.45, "se": 0.06}}}


def tiny_fit(folder, workers):
    settings = Settings([abc.parse_prior("market.deals.p_holdout=0.05:0.3"),
                         abc.parse_prior("market.deals.competitor_strength=-1:1.5")],
                        population=12, generations=2, seed=5, workers=workers)
    return fit(targets.parse_targets(TINY), settings, folder, progress=False)


def test_a_fit_is_the_same_on_one_worker_or_two_and_resumes_without_rework(tmp_path):
    one, two = tiny_fit(tmp_path / "one", 1), tiny_fit(tmp_path / "two", 2)
    assert one["simulations"] == two["simulations"] > 24
    pd.testing.assert_frame_equal(read_posterior(tmp_path / "one"), read_posterior(tmp_path / "two"))
    posterior = read_posterior(tmp_path / "one")
    assert len(posterior) == 12 and posterior.weight.sum() == pytest.approx(1.0)
    assert posterior["market.deals.p_holdout"].between(0.05, 0.3).all()
    again = tiny_fit(tmp_path / "one", 1)  # everything is in fit.db: no generation is run again
    assert again["resumed"] and again["simulations"] == one["simulations"]
    fitted = yaml.safe_load((tmp_path / "one" / "market" / "fitted.yaml").read_text())
    assert fitted["market"]["n_accounts"] == 250 and fitted["market"]["name"] == "fitted"
    info = read_info(tmp_path / "one")
    assert fitted["market"]["deals"]["p_holdout"] == pytest.approx(
        info["parameters"]["market.deals.p_holdout"]["median"], rel=1e-3)
    assert set(info["targets"]) == {"win_rate", "no_decision_rate"}
    assert all(t["reproduced"] for t in info["targets"].values())  # plausible targets: nothing called out
    assert (tmp_path / "one" / "report.html").stat().st_size > 10_000
    assert np.isfinite(fitted["vendor"]["n_ae"])


@pytest.mark.slow  # a third fit: about 25 s
def test_contradictory_targets_are_called_out_not_compromised(tmp_path):
    # A win rate and a no-decision share of 85% each: no market decides more than all of its deals.
    spec = {**TINY, "given": {"market.n_accounts": 400},
            "targets": {"win_rate": {"value": 0.85, "se": 0.02}, "no_decision_rate": {"value": 0.85, "se": 0.02}}}
    settings = Settings([abc.parse_prior("market.deals.p_holdout=0.05:0.3"),
                         abc.parse_prior("market.deals.competitor_strength=-1:1.5")],
                        population=12, generations=2, seed=5, workers=2)
    info = fit(targets.parse_targets(spec), settings, tmp_path, progress=False)
    flagged = [name for name, t in info["targets"].items() if not t["reproduced"]]
    assert flagged and any("does not reproduce this target" in w for w in info["warnings"])


def test_the_schedule_counts_generations_from_the_start_of_the_fit(monkeypatch):
    import pyabc

    seen = {}
    monkeypatch.setattr(pyabc.Temperature, "initialize", lambda self, t, d, r, last, a: seen.update(t=t, last=last))
    abc.temperature_schedule().initialize(4, None, None, 4, {})  # resumed at generation 4 with 4 to go
    assert seen == {"t": 4, "last": 8}  # pyabc's schemes compare t with the fit's last generation, 8


def test_an_interrupted_fit_resumes_and_another_fit_in_its_folder_is_refused(tmp_path, monkeypatch):
    settings = Settings([abc.parse_prior("market.deals.p_holdout=0.05:0.3")], population=8, generations=3, seed=2,
                        workers=1)
    seeded = abc.seeded_sampler

    def interrupted(seed, pool_map, progress):
        def stop_in_the_second_generation(t, accepted):
            if t == 1:
                raise KeyboardInterrupt
            progress(t, accepted)
        return seeded(seed, pool_map, stop_in_the_second_generation)

    monkeypatch.setattr(abc, "seeded_sampler", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fit(targets.parse_targets(TINY), settings, tmp_path, progress=False)
    monkeypatch.setattr(abc, "seeded_sampler", seeded)
    info = fit(targets.parse_targets(TINY), settings, tmp_path, progress=False)
    import pyabc

    temperatures = pyabc.History(f"sqlite:///{tmp_path / 'fit.db'}").get_all_populations().set_index("t").epsilon
    assert info["resumed"] and temperatures[0] > 1.0 == temperatures.iloc[-1]  # resumed to the exact temperature
    other = Settings(settings.priors, population=9, generations=3, seed=2, workers=1)
    with pytest.raises(ConfigError, match="holds a different fit \\(population differs\\); use a new folder"):
        fit(targets.parse_targets(TINY), other, tmp_path, progress=False)


def test_the_bootstrap_lets_counts_vary_as_counts_do(recs):
    won = (recs.opportunities.outcome == "won").sum()
    boot = targets.bootstrap(recs, n=400, seed=2)
    poisson = np.sqrt(won) * 52 / recs.weeks  # new logos a year: a Poisson count's error
    assert boot.new_logos_per_year.std(ddof=1) == pytest.approx(poisson, rel=0.2)


def test_the_records_of_a_run_start_after_its_warm_up(recs):
    assert recs.weeks == 104 - records.WARMUP_WEEKS
    o = recs.opportunities
    assert (o.closed_week.between(0, recs.weeks - 1) | (o.closed_week == -1)).all()
    assert (o.created_week < 0).any()  # deals already open when the records start
    assert recs.revenue.week.between(0, recs.weeks - 1).all()


def test_a_list_given_reaches_the_simulated_world():
    spec = {**TINY, "given": {"market.n_accounts": 250, "market.segment_shares": [0.5, 0.4, 0.1]}}
    sim = abc.Simulator(targets.parse_targets(spec), [abc.parse_prior("market.deals.p_holdout")], seed=0)
    assert list(sim.base.market.segment_shares) == [0.5, 0.4, 0.1]
    assert sim.base.horizon_weeks == records.WARMUP_WEEKS + 52


def test_a_posterior_resting_on_few_particles_is_flagged():
    assert checks.effective_sample(np.ones(100)) == pytest.approx(100)
    lopsided = np.r_[np.full(99, 0.01), 10.0]  # one particle carries nearly all the weight
    assert checks.effective_sample(lopsided) == pytest.approx(1.2, abs=0.05)
    assert checks.warnings({}, {}, effective=80, population=100) == []
    (warning,) = checks.warnings({}, {}, effective=7, population=100)
    assert "effective sample of 7 of 100" in warning and "--population" in warning
