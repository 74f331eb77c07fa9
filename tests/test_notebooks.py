"""The workshop notebooks: paired with their plain-text twins, free of outputs, shaped as lessons,
and every one executed top to bottom (in a scratch folder) within the three minutes a workshop
allows."""

from __future__ import annotations

import re
import time
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
WORKSHOP_SECONDS = 180  # each notebook must run on a laptop in under three minutes
WITH_FIGURES = {"01", "02", "04", "06"}
#: Lessons for people who do not program: their settings are menus and sliders (sim.apps.lesson.Controls).
WITH_CONTROLS = {"01", "02", "03", "04"}
#: A number as a program prints it, not as people read it: 7.65e+06, 0.23456789.
RAW_NUMBER = re.compile(r"\d\.\d+e[+-]\d\d|\d\.\d{6,}")


def test_there_are_six_numbered_notebooks_each_paired_with_its_plain_text_twin():
    assert [p.stem[:2] for p in SOURCES] == ["01", "02", "03", "04", "05", "06"]
    assert sorted(NOTEBOOKS.glob("*.ipynb")) == [p.with_suffix(".ipynb") for p in SOURCES]
    for source in SOURCES:
        text, notebook = jupytext.read(source), jupytext.read(source.with_suffix(".ipynb"))
        assert [(c.cell_type, c.source) for c in text.cells] == [(c.cell_type, c.source) for c in notebook.cells], (
            f"{source.name} and its .ipynb differ: run `jupytext --sync notebooks/*.ipynb`")


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_a_notebook_is_committed_without_outputs_and_reads_as_a_lesson(source):
    notebook = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "clear the outputs before committing"
    first, last = notebook.cells[0], notebook.cells[-1]
    assert first.cell_type == "markdown" and "**What you will learn**" in first.source
    assert last.cell_type == "markdown" and last.source.startswith("## Exercises")
    assert notebook.metadata.kernelspec.name == "python3"
    closing = code[-1].source
    assert "shows(" in closing, "the last code cell checks that the lesson's claim showed (sim.apps.lesson.shows)"
    if source.stem[:2] in WITH_CONTROLS:
        assert any("Controls(" in c.source for c in code), "settings are controls, not code to edit"


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_a_notebook_runs_top_to_bottom_within_a_workshop_slot(source, tmp_path):
    notebook = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    client = NotebookClient(notebook, timeout=WORKSHOP_SECONDS, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, with the cell and its traceback, if a cell fails
    seconds = time.perf_counter() - start
    assert seconds < WORKSHOP_SECONDS, f"{source.name} took {seconds:.0f} s"
    shown = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    if source.stem[:2] in WITH_FIGURES:
        assert any("image/png" in o.get("data", {}) for o in shown), "no figure shown"
    closing = [o.get("text", "") for o in [c for c in notebook.cells if c.cell_type == "code"][-1].outputs]
    assert "".join(closing).startswith("Shown: "), f"the lesson's claim did not show: {''.join(closing)}"
    texts = [o.get("text", "") + o.get("data", {}).get("text/html", "") for o in shown]
    raw = [m.group() for t in texts for m in RAW_NUMBER.finditer(t)]
    assert not raw, f"numbers printed for programs, not people: {raw[:5]}"
    assert not list(tmp_path.iterdir()), "a notebook must not leave files behind"
