"""The results catalog: one Parquet file per run in ``<sweep>/catalog/``, read as one table.

Each run writes its own file under a name derived from its config, atomically, so several
workers or nodes can add to one catalog without locks and a rerun replaces rather than
duplicates. pandas (``pd.read_parquet(folder)``) and DuckDB
(``read_parquet('<folder>/*.parquet', union_by_name = true)``) read the folder directly.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from omegaconf import DictConfig, OmegaConf

import sim
from sim.core.diagnostics import FLAGS
from sim.core.metrics import SUMMARY
from sim.core.policies import FAMILIES
from sim.outputs.files import atomic_write

POLICY_PARAMS = tuple(f"strategy.{family}." for family in FAMILIES)


def flatten(cfg: DictConfig) -> dict[str, Any]:
    """The config as ``{dotted.key: value}`` (lists as JSON text), without Hydra's node."""
    data = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(data, dict)
    data.pop("hydra", None)
    out: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{prefix}{k}.")
        else:
            out[prefix[:-1]] = json.dumps(node) if isinstance(node, list) else node

    walk(data, "")
    return out


def digest(values: dict[str, Any]) -> str:
    """A short, stable hash of a flat config."""
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]


def row(flat: dict[str, Any], overrides: list[str], summary: dict[str, float] | None, *, status: str,
        error: str = "", runtime_s: float = 0.0, simulate_s: float = 0.0, write_s: float = 0.0, run_dir: str = "",
        job: int = -1) -> dict[str, Any]:
    """One catalog row of the run whose :func:`flatten`-ed config is ``flat``: run identity, the
    config values every run of a sweep shares, the swept values, all summary metrics (NaN for a
    failed run), runtime (validation, simulation and freeing the model), the simulation's share of
    it (what the sweep benchmark counts as model time), time spent writing the run's tables, and
    the package version."""
    swept = {o.split("=", 1)[0].lstrip("+~") for o in overrides}
    # Policy parameters differ between policies; keep only the ones this sweep sets explicitly,
    # so every row of a sweep has the same columns.
    config = {k: v for k, v in flat.items() if not k.startswith(POLICY_PARAMS) or k.endswith(".policy") or k in swept}
    world = {k: v for k, v in flat.items() if not k.startswith(("strategy.", "output."))}
    out: dict[str, Any] = {
        "run_id": digest(flat), "world_id": digest(world), "job": int(job), "status": status, "error": error,
        "runtime_s": float(runtime_s), "simulate_s": float(simulate_s), "write_s": float(write_s),
        "version": sim.__version__, "run_dir": run_dir,
        "overrides": " ".join(sorted(overrides)), **config,
    }
    for key in (*SUMMARY, *FLAGS):
        out[key] = float(summary[key]) if summary else np.nan
    return out


def write_row(catalog_dir: Path, data: dict[str, Any]) -> Path:
    """Write one row as ``<catalog_dir>/<run_id>.parquet``, atomically (replacing a previous try)."""
    catalog_dir.mkdir(parents=True, exist_ok=True)
    path = catalog_dir / f"{data['run_id']}.parquet"
    table = pa.Table.from_pylist([data])
    atomic_write(path, lambda p: pq.write_table(table, p))
    return path


def load(sweep_dir: Path | str) -> pd.DataFrame:
    """All rows of a sweep's catalog (``<sweep_dir>/catalog`` or the catalog folder itself), in
    job order."""
    folder = Path(sweep_dir)
    folder = folder / "catalog" if (folder / "catalog").is_dir() else folder
    files = sorted(folder.glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"no catalog rows in {folder}")
    try:  # one conversion to pandas for all rows, not one per row (half the time of reading a sweep's catalog)
        table = pa.concat_tables([pq.read_table(f) for f in files], promote_options="permissive").to_pandas()
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a column whose types Arrow cannot unify (text and numbers)
        table = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return table.sort_values("job", kind="stable").reset_index(drop=True)
