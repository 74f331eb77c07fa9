"""Targets: the figures a company knows about itself, each with its uncertainty, and how records give them.

A targets file (YAML) holds ``targets`` (figures with a standard error or a 90% interval, which the
fit must reproduce) and ``given`` (config values taken as they are: market size, segment mix,
teams, budget). :data:`STATISTICS` defines every figure once, as a function of the records
(:mod:`sim.fit.records`), so a company's export and each simulated run are reduced alike; their
uncertainty from an export is a bootstrap over its opportunities and customers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.core.params import ConfigError
from sim.fit.records import Records

#: Weeks of the retention window (NRR, GRR and logo churn over the last twelve months of the records).
RETENTION_WEEKS = 52
#: z of a two-sided 90% interval: a target given as ``interval: [lo, hi]`` has ``se = (hi - lo) / (2 z)``.
Z90 = 1.6448536269514722


@dataclass(frozen=True)
class Statistic:
    """One figure a company can state: unit, meaning, and how the records give it (NaN: undefined)."""

    unit: str
    doc: str
    compute: Callable[[Records], float]
    needs_revenue: bool = False


def _decided(r: Records) -> pd.DataFrame:
    return r.opportunities[r.opportunities.outcome.isin(("won", "lost", "no_decision"))]


def _won(r: Records) -> pd.DataFrame:
    return r.opportunities[r.opportunities.outcome == "won"]


def _share(part: pd.Series) -> float:
    return float(part.mean()) if len(part) else math.nan


def _arr_at(revenue: pd.DataFrame, week: int) -> pd.Series:
    """Each account's ARR at the start of ``week``: after its last change before it, else before its first."""
    arr = revenue.groupby("account", sort=False).arr_before_usd.first()
    last = revenue[revenue.week < week].groupby("account", sort=False).arr_after_usd.last()
    arr.loc[last.index] = last
    return arr


def _retention(r: Records) -> tuple[np.ndarray, np.ndarray]:
    """ARR of the customers at the start of the last :data:`RETENTION_WEEKS` weeks, then and at the end."""
    if r.revenue is None or r.weeks < RETENTION_WEEKS:
        return np.zeros(0), np.zeros(0)
    start, end = _arr_at(r.revenue, r.weeks - RETENTION_WEEKS), _arr_at(r.revenue, r.weeks)
    cohort = (start > 0).to_numpy()
    return start.to_numpy()[cohort], end.to_numpy()[cohort]


def retention(start: np.ndarray, end: np.ndarray) -> dict[str, float]:
    """NRR, GRR and logo churn of a cohort from each customer's ARR at its start and at the end."""
    if not len(start):
        return {"nrr": math.nan, "grr": math.nan, "logo_churn_rate": math.nan}
    base = start.sum()
    return {"nrr": float(end.sum() / base), "grr": float(np.minimum(end, start).sum() / base),
            "logo_churn_rate": float((end <= 0).mean())}


def _retained(name: str) -> Callable[[Records], float]:
    return lambda r: retention(*_retention(r))[name]


STATISTICS: dict[str, Statistic] = {
    "win_rate": Statistic("share", "won / decided new-logo opportunities (won, lost or no decision)",
                          lambda r: _share(_decided(r).outcome == "won")),
    "no_decision_rate": Statistic("share", "no decision / decided new-logo opportunities",
                                  lambda r: _share(_decided(r).outcome == "no_decision")),
    "sales_cycle_weeks": Statistic("weeks", "mean weeks from opened to won, over won opportunities",
                                   lambda r: _share(_won(r).closed_week - _won(r).created_week)),
    "avg_deal_usd": Statistic("USD/year", "mean first-year ACV of won new-logo opportunities",
                              lambda r: _share(_won(r).amount_usd)),
    "new_logos_per_year": Statistic("accounts/year", "new-logo opportunities won per 52 weeks",
                                    lambda r: len(_won(r)) * 52.0 / r.weeks),
    "pipeline_per_quarter_usd": Statistic("USD/quarter", "amount of new-logo opportunities opened per 13 weeks",
                                          lambda r: float(r.opportunities.amount_usd[r.opportunities.created_week >= 0]
                                                          .sum()) * 13.0 / r.weeks),
    "nrr": Statistic("ratio", "net revenue retention of the customers at the start of the last 52 weeks",
                     _retained("nrr"), needs_revenue=True),
    "grr": Statistic("ratio", "gross revenue retention of the same customers (expansion excluded)",
                     _retained("grr"), needs_revenue=True),
    "logo_churn_rate": Statistic("share", "share of those customers lost by the end", _retained("logo_churn_rate"),
                                 needs_revenue=True),
}


def statistics(records: Records, names: list[str] | None = None) -> dict[str, float]:
    """The figures ``names`` (all of :data:`STATISTICS` by default) of ``records``; NaN where undefined."""
    return {name: STATISTICS[name].compute(records) for name in names or STATISTICS}


def bootstrap(records: Records, n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Every statistic over ``n`` Poisson bootstrap resamples (one row each): each opportunity, and
    each customer of the retention cohort, appears a Poisson(1) number of times, so counts and
    rates (new logos a year, pipeline a quarter) vary as the records' own counts would."""
    rng = np.random.default_rng(seed)
    o = records.opportunities
    deals = [name for name, st in STATISTICS.items() if not st.needs_revenue]
    start, end = _retention(records)
    rows = []
    for _ in range(n):
        resampled = Records(o.iloc[np.repeat(np.arange(len(o)), rng.poisson(1.0, len(o)))], None, records.weeks)
        cohort = np.repeat(np.arange(len(start)), rng.poisson(1.0, len(start)))
        rows.append(statistics(resampled, deals) | retention(start[cohort], end[cohort]))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------ the file
@dataclass(frozen=True)
class Target:
    """A figure to reproduce: its value and standard error (from ``se`` or a 90% ``interval``)."""

    value: float
    se: float


@dataclass(frozen=True)
class Targets:
    """A targets file: the figures to fit, the config values given, the weeks the figures cover."""

    targets: dict[str, Target]
    given: dict[str, Any]
    weeks: int


def _number(where: str, value: Any, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{where} = {value!r}: must be a finite number")
    if positive and value <= 0:
        raise ConfigError(f"{where} = {value!r}: must be > 0")
    return float(value)


def parse_target(name: str, spec: Any) -> Target:
    """One entry of ``targets:``: ``{value: V, se: S}`` or ``{value: V, interval: [LO, HI]}`` (90%)."""
    where = f"targets.{name}"
    if name not in STATISTICS:
        raise ConfigError(f"{where}: unknown target; allowed: {', '.join(STATISTICS)}")
    if not isinstance(spec, dict) or "value" not in spec or len(set(spec) & {"se", "interval"}) != 1 \
            or set(spec) - {"value", "se", "interval"}:
        raise ConfigError(f"{where} = {spec!r}: must be {{value: V, se: S}} or {{value: V, interval: [LO, HI]}}")
    value = _number(f"{where}.value", spec["value"])
    if "se" in spec:
        return Target(value, _number(f"{where}.se", spec["se"], positive=True))
    interval = spec["interval"]
    if not isinstance(interval, list) or len(interval) != 2:
        raise ConfigError(f"{where}.interval = {interval!r}: must be [LO, HI], a 90% interval")
    lo, hi = (_number(f"{where}.interval", v) for v in interval)
    if not lo <= value <= hi or lo == hi:
        raise ConfigError(f"{where}.interval = {interval!r}: must satisfy LO <= value ({value}) <= HI, LO < HI")
    return Target(value, (hi - lo) / (2 * Z90))


def parse_targets(data: Any, where: str = "targets file") -> Targets:
    """A targets file's content (see :func:`read_targets`); :class:`ConfigError` names the bad key."""
    if not isinstance(data, dict) or set(data) - {"targets", "given", "weeks"} or not data.get("targets"):
        raise ConfigError(f"{where}: must be a mapping with targets: (required), given: and weeks:")
    if not isinstance(data["targets"], dict):
        raise ConfigError(f"targets = {data['targets']!r}: must map target names to {{value: ..., se: ...}}")
    given = data.get("given") or {}
    if not isinstance(given, dict) or not all(isinstance(k, str) for k in given):
        raise ConfigError(f"given = {given!r}: must map config keys (e.g. market.n_accounts) to values")
    weeks = data.get("weeks", 156)
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 52 <= weeks <= 2600:
        raise ConfigError(f"weeks = {weeks!r}: must be a whole number of weeks in [52, 2600]")
    return Targets({name: parse_target(str(name), spec) for name, spec in data["targets"].items()}, given, weeks)


def read_targets(path: Path) -> Targets:
    """Read and check a targets file (YAML); a mistake raises :class:`ConfigError` in one line."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    return parse_targets(data, str(path))


def targets_yaml(records: Records, given: dict[str, Any], n_boot: int = 400, seed: int = 0) -> tuple[str, list[str]]:
    """A targets file from records: each statistic with its bootstrap standard error; and the
    statistics that could not be computed, with why."""
    values = statistics(records)
    spread = bootstrap(records, n_boot, seed).std(ddof=1)
    targets, missing = {}, []
    for name, value in values.items():
        st = STATISTICS[name]
        if st.needs_revenue and records.revenue is None:
            missing.append(f"{name}: needs revenue.csv (changes of ARR)")
        elif math.isnan(value):
            missing.append(f"{name}: undefined in these records ({st.doc})")
        elif not spread[name] > 0:
            missing.append(f"{name}: no spread over bootstrap resamples (too few records)")
        else:
            targets[name] = {"value": _round(value), "se": _round(float(spread[name]))}
    head = (f"# Targets from records of {records.weeks} weeks: each value with its bootstrap standard error "
            f"({n_boot} resamples).\n# Fit with: abx-sim-fit fit THIS_FILE --out DIR\n")
    body = yaml.safe_dump({"weeks": records.weeks, "given": given, "targets": targets}, sort_keys=False)
    return head + body, missing


def _round(x: float) -> float:
    """Four significant digits (a target is a measurement, not a float's last bits)."""
    return float(f"{x:.4g}")
