"""What the workshop notebooks share: controls a reader changes without editing code, tables and
axes that read as people read numbers, and a closing check that says whether a lesson's claim
showed in this run.

>>> controls = Controls(strategy=Choice("strategy preset", "abx", ["abx", "abm"]),
...                     worlds=Number("worlds", 5, 1, 20))
>>> controls.strategy, controls.worlds
('abx', 5)
>>> metric_value("win_rate", 0.25), metric_value("bookings_usd", 2_500_000.0)
('25.0%', '$2.50M')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.core.metrics import SUMMARY
from sim.outputs.formats import ROWS, format_value, kind_of
from sim.sweep.analysis import mean_ci


@dataclass(frozen=True)
class Choice:
    """A menu: one of ``options``."""

    label: str
    default: str
    options: Sequence[str]

    def widget(self) -> Any:
        """The control (ipywidgets)."""
        import ipywidgets as w

        return w.Dropdown(description=self.label, options=list(self.options), value=self.default,
                          style={"description_width": "initial"})


@dataclass(frozen=True)
class Number:
    """A slider from ``lo`` to ``hi`` (whole numbers unless ``step`` is not)."""

    label: str
    default: float
    lo: float
    hi: float
    step: float = 1

    def widget(self) -> Any:
        """The control (ipywidgets), its value always shown beside it."""
        import ipywidgets as w

        whole = float(self.step).is_integer() and float(self.default).is_integer()
        kind = w.IntSlider if whole else w.FloatSlider
        return kind(description=self.label, value=self.default, min=self.lo, max=self.hi, step=self.step,
                    continuous_update=False, style={"description_width": "initial"},
                    layout={"width": "480px"})


class Controls:
    """Settings a reader changes with the mouse: shown as menus and sliders where the object is the
    cell's last line, read by the cells below as attributes (``controls.strategy``). Change one, then
    run the cells below again (Run > Run Selected Cell and All Below). Run without a screen (the
    tests), each has its default."""

    def __init__(self, **specs: Choice | Number) -> None:
        self._specs = specs
        self._widgets: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        specs = self.__dict__.get("_specs", {})
        if name not in specs:
            raise AttributeError(name)
        widget = self.__dict__["_widgets"].get(name)
        return widget.value if widget is not None else specs[name].default

    def _ipython_display_(self) -> None:
        import ipywidgets as w
        from IPython.display import display

        for name, spec in self._specs.items():
            self._widgets.setdefault(name, spec.widget())
        display(w.VBox(list(self._widgets.values())))


def metric_value(metric: str, value: float) -> str:
    """A summary metric's value as the reports write it: $K/$M, %, weeks."""
    row = ROWS.get(metric)
    kind = row.kind if row else kind_of(SUMMARY[metric].unit) if metric in SUMMARY else "num"
    return format_value(float(value), kind)


def metric_label(metric: str) -> str:
    """A summary metric's name as people read it (``pipeline created``)."""
    row = ROWS.get(metric)
    return row.label if row else metric.removesuffix("_usd").replace("_", " ")


def metric_table(frame: pd.DataFrame, metrics: Sequence[str], by: str) -> pd.DataFrame:
    """The mean of each metric per group of ``by``, formatted: one row per metric (by its label),
    one column per group, e.g. strategies side by side."""
    means = frame.groupby(by, sort=False)[list(metrics)].mean()
    return pd.DataFrame({group: [metric_value(m, means.loc[group, m]) for m in metrics] for group in means.index},
                        index=pd.Index([metric_label(m) for m in metrics], name="metric"))


def interval_table(frame: pd.DataFrame, metrics: Sequence[str], by: str) -> pd.DataFrame:
    """As :func:`metric_table`, each cell the mean and its 95% interval over the group's runs."""
    def cell(metric: str, values: pd.Series) -> str:
        mean, low, high = mean_ci(values)
        known = np.isfinite(low) and np.isfinite(high)
        span = f" [{metric_value(metric, low)}, {metric_value(metric, high)}]" if known else ""
        return metric_value(metric, mean) + span
    groups = list(dict.fromkeys(frame[by]))
    return pd.DataFrame({g: [cell(m, frame.loc[frame[by] == g, m]) for m in metrics] for g in groups},
                        index=pd.Index([metric_label(m) for m in metrics], name="metric"))


def shows(claim: str, holds: bool, evidence: str) -> bool:
    """The closing check of a lesson: print whether its claim showed in this run, with the numbers
    that say so (``Shown: ...`` or ``Not shown in this run: ...``), and return it."""
    print(f"{'Shown' if holds else 'Not shown in this run'}: {claim}\n  {evidence}")
    return holds
