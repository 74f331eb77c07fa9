"""``abx-sim``: the command-line entry point (a Hydra application).

Runs the composed config, writes the outputs into Hydra's run folder and prints a summary
table. A user mistake (a bad value, an unknown policy, an unwritable folder) ends with a
one-line error and exit status 2, never a traceback.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.api import config_dir, register_schema, simulate
from sim.config import ConfigError, validate
from sim.outputs import write_results

#: (summary key, label, format) rows of the printed table, by section.
TABLE = {
    "Pipeline": [("pipeline_created_usd", "pipeline created", "usd"), ("opportunities", "opportunities", "int"),
                 ("mqa_count", "MQAs", "int"), ("win_rate", "win rate", "pct"),
                 ("no_decision_rate", "no-decision rate", "pct"), ("sales_cycle_weeks", "sales cycle", "weeks"),
                 ("avg_deal_usd", "average deal", "usd"), ("time_to_pipeline_weeks", "signal to pipeline", "weeks"),
                 ("committee_coverage", "committee coverage", "pct")],
    "Revenue": [("bookings_usd", "bookings", "usd"), ("new_logos", "new logos", "int"),
                ("arr_start_usd", "ARR at start", "usd"), ("arr_end_usd", "ARR at end", "usd"),
                ("nrr", "NRR (last 12 months)", "pct"), ("grr", "GRR (last 12 months)", "pct"),
                ("logo_churn_rate", "logo churn (last 12 months)", "pct"),
                ("expansion_arr_usd", "expansion ARR", "usd")],
    "Cost": [("spend_usd", "go-to-market spend", "usd"), ("cac_usd", "CAC per new logo", "usd"),
             ("cac_payback_months", "CAC payback", "months"), ("roi", "ROI (first-year gross profit)", "pct")],
    "Buyer experience": [("collisions_per_account", "collisions per account", "num"),
                         ("trust_index", "trust index (0-1)", "num"), ("theater_share", "touches seen as theater", "pct"),
                         ("touches_per_member", "touches per member", "num")],
    "Channel metrics": [("mql_count", "MQLs", "int"), ("ctr", "ad CTR", "pct")],
}


def _format(value: float, kind: str) -> str:
    if kind == "usd":
        for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if abs(value) >= div:
                return f"${value / div:,.2f}{suffix}"
        return f"${value:,.0f}"
    return {"int": f"{value:,.0f}", "pct": f"{100 * value:.1f}%", "weeks": f"{value:.1f} weeks",
            "months": f"{value:.1f} months", "num": f"{value:.3f}"}[kind]


def summary_table(summary: dict[str, float], title: str) -> str:
    """The summary as a readable, aligned text table."""
    lines = [title, "=" * len(title)]
    for section, rows in TABLE.items():
        lines.append(f"{section}")
        lines += [f"  {label:<32}{_format(summary[key], kind):>16}" for key, label, kind in rows]
    return "\n".join(lines)


def fail(message: str) -> None:
    """Report a user mistake in one line and exit with status 2."""
    print(f"abx-sim: error: {message}", file=sys.stderr)
    sys.exit(2)


def run_job(cfg: DictConfig) -> None:
    """Validate, run, write and report one job."""
    try:
        config = validate(cfg)
    except ConfigError as exc:
        fail(str(exc))
    out = Path(HydraConfig.get().runtime.output_dir)
    start = time.perf_counter()
    res = simulate(config, progress=config.output.progress and sys.stderr.isatty())
    elapsed = time.perf_counter() - start
    try:
        write_results(res, out, figures=config.output.figures)
    except OSError as exc:
        fail(f"cannot write outputs to {out}: {exc.strerror or exc}")
    c = config
    title = (f"abx-sim: strategy={c.strategy.name} market={c.market.name} accounts={c.market.n_accounts:,} "
             f"members={res.model.n_members:,} weeks={c.horizon_weeks} seed={c.seed} ({elapsed:.1f} s)")
    print(summary_table(res.summary, title))
    print(f"\nOutputs: {out.resolve()}")


register_schema()
_hydra_main = hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="config")(run_job)


def main() -> None:
    """Console-script entry point: run Hydra, turning folder errors into one-line messages."""
    try:
        _hydra_main()
    except OSError as exc:  # Hydra could not create the run folder
        fail(f"cannot write outputs: {exc.strerror or exc}: {getattr(exc, 'filename', '')}")


if __name__ == "__main__":
    main()
