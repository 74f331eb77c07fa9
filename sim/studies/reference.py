"""The parameter reference (``docs/parameters.md``), generated from the config declarations.

``python -m sim.studies.reference > docs/parameters.md``; a test keeps the file in step with the code.
"""

from __future__ import annotations

from sim.core.config import CHANNELS, SEGMENTS, TIERS, Config
from sim.core.params import declared_fields
from sim.core.policies import REGISTRY

LIST_LABELS = {3: "per segment (" + ", ".join(SEGMENTS) + ")", 5: "per channel (" + ", ".join(CHANNELS) + ")",
               4: "per tier (" + ", ".join(TIERS) + ")"}


def _range(meta: dict) -> str:
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is None and hi is None:
        return ""
    return f"[{'' if lo is None else lo}, {'' if hi is None else hi}]"


def _rows(cls: type, prefix: str) -> list[str]:
    rows = []
    for key, f, default in declared_fields(cls, prefix):
        meta = dict(f.metadata)
        doc = meta.get("doc", "")
        if meta.get("length") and "per " not in doc and meta["length"] in LIST_LABELS:
            doc += f"; {LIST_LABELS[meta['length']]}"
        if meta.get("total") is not None:
            doc += f"; must add up to {meta['total']}"
        rows.append(f"| `{key}` | `{default}` | {meta.get('unit', '')} | {_range(meta)} | {doc} | "
                    f"{meta.get('source', '')} |")
    return rows


def parameters_markdown() -> str:
    """Every config key with its default, unit, allowed range, meaning and source."""
    head = ["| key | default | unit | range | meaning | source |", "|---|---|---|---|---|---|"]
    lines = ["# Parameter reference", "",
             "Generated from `sim/core/config.py` and `sim/core/policies/` by "
             "`python -m sim.studies.reference > docs/parameters.md`; "
             "do not edit. Defaults are the schema's; market presets in `configs/market/` override some of them. "
             "Sources are rows of `docs/sources.md`.", "", "## Run, market and vendor", "", *head]
    lines += [r for r in _rows(Config, "") if not r.startswith("| `strategy.")]
    for family, policies in REGISTRY.items():
        for name, cls in sorted(policies.items()):
            summary = (cls.__doc__ or "").strip().split("\n")[0]
            lines += ["", f"## Policy `strategy.{family}.policy: {name}`", "", summary, ""]
            own = f"| `strategy.{family}.policy`"
            rows = [r for r in _rows(cls.Params, f"strategy.{family}") if not r.startswith(own)]
            lines += [*head, *rows] if rows else ["No parameters."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(parameters_markdown(), end="")
