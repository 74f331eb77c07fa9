"""What the workshop notebooks share: controls a reader changes without editing code, tables and
axes that read as people read numbers, and a closing check that says whether a lesson's claim
showed in this run.

>>> controls = Controls(strategy=Choice("strategy preset", "abx", ["abx", "abm"]),
...                     worlds=Number("worlds", 5, 1, 20))
>>> controls.strategy, controls.worlds
('abx', 5)

The metrics' formats are :mod:`sim.outputs.formats`' (``metric_value``, ``metric_label``), re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.outputs.formats import metric_label, metric_value
from sim.sweep.analysis import mean_ci
from sim.sweep.report import with_interval

__all__ = ["Choice", "Controls", "Number", "interval_table", "metric_label", "metric_table", "metric_value", "shows"]


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


def metric_table(frame: pd.DataFrame, metrics: Sequence[str], by: str) -> pd.DataFrame:
    """The mean of each metric per group of ``by``, formatted: one row per metric (by its label),
    one column per group, e.g. strategies side by side."""
    means = frame.groupby(by, sort=False)[list(metrics)].mean()
    return pd.DataFrame({group: [metric_value(m, means.loc[group, m]) for m in metrics] for group in means.index},
                        index=pd.Index([metric_label(m) for m in metrics], name="metric"))


def interval_table(frame: pd.DataFrame, metrics: Sequence[str], by: str) -> pd.DataFrame:
    """As :func:`metric_table`, each cell the mean and its 95% interval over the group's runs."""
    groups = list(dict.fromkeys(frame[by]))
    cells = {g: [with_interval(m, *mean_ci(frame.loc[frame[by] == g, m])) for m in metrics] for g in groups}
    return pd.DataFrame(cells, index=pd.Index([metric_label(m) for m in metrics], name="metric"))


def shows(claim: str, holds: bool, evidence: str) -> bool:
    """The closing check of a lesson: print whether its claim showed in this run, with the numbers
    that say so (``Shown: ...`` or ``Not shown in this run: ...``), and return it."""
    print(f"{'Shown' if holds else 'Not shown in this run'}: {claim}\n  {evidence}")
    return holds
