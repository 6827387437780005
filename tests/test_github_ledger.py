"""Scan ledger on GitHub: a listing that drops, shortens or repeats is named, never a
shorter report presented as complete (issue 11, "bad input").

The simulator's :class:`~tests.github_sim.ListingFault` makes the repository-issue and search
connections misbehave the ways a tracker (or a proxy) can: entries left out while
``totalCount`` counts them, ``hasNextPage`` false too early, a cursor that comes back, a null
node. Each run must exit 3 with the affected listing or item in ``errors[]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .github_sim import GitHubSimulator, ListingFault, generate
from .github_sim.harness import Project
from .github_sim.resolvers import SHORT_PAGE

REPO = "acme/web"
TOTAL = 230  # pages of 50 asked for, shortened by the strict simulator to SHORT_PAGE


@pytest.fixture
def sim() -> Iterator[GitHubSimulator]:
    simulator = GitHubSimulator().start()
    generate(simulator.world, TOTAL, [REPO])
    try:
        yield simulator
    finally:
        simulator.stop()
    assert simulator.invalid_queries == [], simulator.invalid_queries


@pytest.fixture
def project(sim: GitHubSimulator, tmp_path: Path) -> Project:
    return Project(sim, tmp_path, [REPO], github={"page_size": 50})


def check(project: Project, *extra: str) -> tuple[int, dict[str, Any]]:
    return project.check("--fail-on", "never", *extra, apply=False)


def messages(doc: dict[str, Any]) -> dict[str, str]:
    return {e["item"]: e["message"] for e in doc["errors"]}


def test_an_honest_listing_is_complete(project: Project) -> None:
    code, doc = check(project)
    assert code == 0, doc["errors"]
    assert doc["summary"]["items"] == TOTAL
    assert doc["summary"]["partial"] is False


def test_entries_left_out_of_pages_are_a_named_shortfall(
    sim: GitHubSimulator, project: Project
) -> None:
    sim.listing_fault = ListingFault(drop={f"{REPO}#7", f"{REPO}#120", f"{REPO}#199"})
    code, doc = check(project)
    assert code == 3
    assert doc["summary"]["partial"] is True
    assert doc["summary"]["items"] == TOTAL - 3
    message = messages(doc)["(scan)"]
    assert f"{REPO}: listing open issues" in message
    assert f"announced {TOTAL} items but only {TOTAL - 3}" in message


def test_a_listing_that_stops_early_is_a_named_shortfall(
    sim: GitHubSimulator, project: Project
) -> None:
    sim.listing_fault = ListingFault(stop_after=2)
    code, doc = check(project)
    assert code == 3
    assert doc["summary"]["items"] == 2 * SHORT_PAGE
    assert f"{TOTAL - 2 * SHORT_PAGE} were never read" in messages(doc)["(scan)"]


def test_a_repeating_cursor_is_named_and_paging_stops(
    sim: GitHubSimulator, project: Project
) -> None:
    sim.listing_fault = ListingFault(repeat_from=2)
    code, doc = check(project)
    assert code == 3
    assert doc["summary"]["partial"] is True
    found = [e["message"] for e in doc["errors"]]
    assert any("same page cursor twice" in m for m in found), found
    # It stopped at the repetition instead of looping or re-reading the same page forever.
    assert sim.counts["graphql"] < 10


def test_a_null_search_entry_is_named(sim: GitHubSimulator, project: Project) -> None:
    sim.listing_fault = ListingFault(null={f"{REPO}#42"})
    code, doc = check(project, "--query", f"repo:{REPO} is:open")
    assert code == 3
    assert doc["summary"]["items"] == TOTAL - 1
    (error,) = doc["errors"]  # named once: as the entry, not again as a shortfall
    at = 42 - SHORT_PAGE  # #42 is on the second (shortened) page
    assert f"without a readable key (entry {at} of its page)" in error["message"]


def test_sub_issues_beyond_the_first_page_are_read(sim: GitHubSimulator, tmp_path: Path) -> None:
    world = sim.world
    goal = world.issue("acme/roadmap", "Big epic", type="Epic").key
    for i in range(130):
        world.issue("acme/roadmap", f"Child {i}", type="Task", parent=goal)
    project = Project(sim, tmp_path, [REPO], github={"page_size": 50})
    code, doc = check(project, goal)
    assert code == 0, doc["errors"]
    assert doc["summary"]["items"] == 1
    subs = [q for q in sim.queries if "TrackerguardSubIssues" in q]
    assert len(subs) == -(-(130 - SHORT_PAGE) // SHORT_PAGE)  # every further page, once
