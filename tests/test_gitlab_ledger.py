"""Scan ledger on GitLab: an issue listing that drops, shortens or repeats pages, or holds an
entry without a key, is named in ``errors[]`` and exits 3 (issue 11, "bad input").

The simulator's :class:`~tests.gitlab_sim.ListingFault` bends the offset-paged issue lists
(``X-Total``, ``X-Next-Page``) the ways a server or proxy can.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .gitlab_sim import GitLabSimulator, ListingFault
from .gitlab_sim.harness import Project

PROJECT = "acme/web"
TOTAL = 230  # five pages of 50


@pytest.fixture
def sim() -> Iterator[GitLabSimulator]:
    simulator = GitLabSimulator().start()
    for i in range(TOTAL):
        simulator.world.issue(PROJECT, f"Task {i}", issue_type="task", description="why " * 20)
    try:
        yield simulator
    finally:
        simulator.stop()
    assert simulator.violations == [], simulator.violations


@pytest.fixture
def project(sim: GitLabSimulator, tmp_path: Path) -> Project:
    return Project(sim, tmp_path, [PROJECT], gitlab={"page_size": 50, "closed_days": 0})


def check(project: Project) -> tuple[int, dict[str, Any]]:
    return project.check("--fail-on", "never", apply=False)


def test_an_honest_listing_is_complete(project: Project) -> None:
    code, doc = check(project)
    assert code == 0, doc["errors"]
    assert doc["summary"]["items"] == TOTAL and doc["summary"]["partial"] is False


def test_entries_left_out_of_pages_are_a_named_shortfall(
    sim: GitLabSimulator, project: Project
) -> None:
    sim.listing_fault = ListingFault(drop={f"{PROJECT}#3", f"{PROJECT}#150"})
    code, doc = check(project)
    assert code == 3
    assert doc["summary"]["partial"] is True
    assert doc["summary"]["items"] == TOTAL - 2
    (error,) = doc["errors"]
    assert error["item"] == "(scan)"
    assert f"{PROJECT}: listing opened issues" in error["message"]
    assert f"announced {TOTAL} items but only {TOTAL - 2}" in error["message"]


def test_a_listing_that_stops_early_is_a_named_shortfall(
    sim: GitLabSimulator, project: Project
) -> None:
    sim.listing_fault = ListingFault(stop_after=3)
    code, doc = check(project)
    assert code == 3
    assert doc["summary"]["items"] == 150
    assert f"{TOTAL - 150} were never read" in doc["errors"][0]["message"]


def test_a_repeating_next_page_is_named(sim: GitLabSimulator, project: Project) -> None:
    sim.listing_fault = ListingFault(repeat_from=2)
    code, doc = check(project)
    assert code == 3
    assert doc["summary"]["items"] == 100
    found = [e["message"] for e in doc["errors"]]
    assert any("named page 2 as the next page again after 100 items" in m for m in found), found


def test_an_entry_without_a_key_is_named_by_its_id(sim: GitLabSimulator, project: Project) -> None:
    victim = sim.world.projects[PROJECT].issues[77]
    sim.listing_fault = ListingFault(keyless={victim.key})
    code, doc = check(project)
    assert code == 3
    assert doc["summary"]["items"] == TOTAL - 1
    (error,) = doc["errors"]
    assert error["item"] == str(victim.id)
    assert "without a readable key" in error["message"]


def test_without_announced_totals_the_listing_is_still_complete(
    sim: GitLabSimulator, project: Project
) -> None:
    """Above 10,000 rows GitLab sends no ``X-Total``: paging must rest on ``X-Next-Page``."""
    sim.totals_up_to = 100
    code, doc = check(project)
    assert code == 0, doc["errors"]
    assert doc["summary"]["items"] == TOTAL
