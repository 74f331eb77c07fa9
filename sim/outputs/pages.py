"""HTML pages from templates (Jinja2, ``sim/outputs/templates``): every report of the project (run,
sweep, fit) extends one page layout and style, with its values escaped."""

from __future__ import annotations

import base64
import io
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2
    from matplotlib.figure import Figure


@cache
def environment() -> jinja2.Environment:
    """The templates, every value escaped, a missing one an error (not an empty cell)."""
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("sim.outputs", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(template: str, **context: Any) -> str:
    """The page ``template`` filled with ``context`` (and the project's version)."""
    from sim import __version__

    return environment().get_template(template).render(version=__version__, **context)


def png_source(png: Path | bytes) -> str:
    """A PNG file (or its bytes) as a ``data:`` address, so a page holds its figures."""
    data = png if isinstance(png, bytes) else Path(png).read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def figure_source(fig: Figure) -> str:
    """A matplotlib figure as a ``data:`` address (closed after)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return png_source(buffer.getvalue())
