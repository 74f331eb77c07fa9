"""docs/ODD.md: the seven ODD elements, generated parts in step with the code, every parameter
described, and every function it names still there."""

from __future__ import annotations

import re

from sim.studies import odd

TEXT = odd.ODD_PATH.read_text()
ELEMENTS = ["Purpose and patterns", "Entities, state variables and scales", "Process overview and scheduling",
            "Design concepts", "Initialisation", "Input data", "Submodels"]


def test_the_seven_odd_elements_in_order():
    headings = re.findall(r"^## (\d)\. (.+)$", TEXT, flags=re.M)
    assert headings == [(str(i), name) for i, name in enumerate(ELEMENTS, start=1)]


def test_the_generated_parts_are_in_step_with_the_code():
    for path in odd.GENERATED_DOCS:
        text = path.read_text()
        assert odd.refresh(text) == text, f"run `python -m sim.studies.odd` to refresh {path.name}"
    assert set(re.findall(r"<!-- generated:(\w+) -->", TEXT)) == set(odd.BLOCKS)


def test_every_config_parameter_is_in_the_odd():
    missing = [key for key in odd.config_keys() + odd.policy_keys() if f"`{key}`" not in TEXT]
    assert not missing, f"parameters missing from docs/ODD.md: {missing}"
    assert len(odd.config_keys()) > 100


def test_every_function_the_odd_names_exists():
    named = re.findall(r"`(sim(?:\.\w+)+)`", TEXT)
    assert len(set(named)) > 60  # the submodels name their functions
    assert odd.unresolved(TEXT) == []


def test_the_checks_catch_a_missing_function_and_a_stale_block():
    assert odd.unresolved("`sim.core.mechanisms.members.respond_member` and `sim.core.mechanisms.members.gone`") == [
        "sim.core.mechanisms.members.gone"]
    assert odd.unresolved("`sim.no_such_module.f`") == ["sim.no_such_module.f"]
    stale = TEXT.replace("| `fit_true` |", "| `fit_truth` |", 1)
    assert stale != TEXT and odd.refresh(stale) == TEXT


def test_every_submodel_names_its_implementation_and_the_equations_it_uses():
    steps = [phase.run for phase in odd.PHASES] + [method for _, method in odd.BETWEEN]
    sections = re.split(r"^#### 7\.1\.\d+ ", TEXT, flags=re.M)[1:len(steps) + 1]
    assert len(sections) == len(steps)
    for section, function in zip(sections, steps, strict=True):
        assert f"Implemented by `{odd.qualname(function)}`." in section
    assert "1 - exp(-sensitivity * max(claim - depth, 0) * (REL_THEATER_NO_SKEPTICISM + skepticism))" in TEXT
