"""Scan ledger on Linear: a listing whose cursor repeats or goes missing while
``hasNextPage`` says more is named in ``errors[]`` and exits 3 (issue 11, "bad input").

Linear's connections announce no total and its nodes are non-null with a non-null
``identifier``, so the shape of the paging is what can go wrong (see
docs/decisions/0011-spec-minimum-simulators.md); an entry whose identifier does not parse
is named by the adapter's ``_listed`` check.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .linear_sim import LinearSimulator, ListingFault
from .linear_sim.backlog import STATES
from .linear_sim.harness import Project
from .linear_sim.resolvers import SHORT_PAGE

TOTAL = 230  # several pages


@pytest.fixture
def sim() -> Iterator[LinearSimulator]:
    simulator = LinearSimulator().start()
    team = simulator.world.team("ENG", "Engineering", STATES)
    for i in range(TOTAL):
        simulator.world.issue(team, f"Task {i}", "Because customers asked " * 4, "Todo")
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def project(sim: LinearSimulator, tmp_path: Path) -> Project:
    return Project(sim, tmp_path, ["ENG"], linear={"page_size": 50})


def check(project: Project) -> tuple[int, dict[str, Any]]:
    return project.check("--fail-on", "never", apply=False)


def test_an_honest_listing_is_complete(project: Project) -> None:
    code, doc = check(project)
    assert code == 0, doc["errors"]
    assert doc["summary"]["items"] == TOTAL and doc["summary"]["partial"] is False


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        # Pages of 50 asked for, shortened to SHORT_PAGE by the strict simulator.
        (ListingFault(repeat_from=2), f"the same page cursor twice after {3 * SHORT_PAGE}"),
        (ListingFault(no_cursor_from=3), f"no cursor after {4 * SHORT_PAGE} entries"),
    ],
)
def test_a_broken_cursor_is_named_and_exits_3(
    sim: LinearSimulator, project: Project, fault: ListingFault, said: str
) -> None:
    sim.listing_fault = fault
    code, doc = check(project)
    assert code == 3
    assert doc["summary"]["partial"] is True
    (error,) = doc["errors"]
    assert "listing issues" in error["message"] and said in error["message"], error
