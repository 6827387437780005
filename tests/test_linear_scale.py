"""Scale: a 2,500-issue Linear team judged completely against the strict simulator (issue 11
point 3): several shortened pages of issues and projects, reads close to the minimum."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from .linear_sim import LinearSimulator
from .linear_sim.backlog import STATES
from .linear_sim.harness import Project
from .linear_sim.resolvers import SHORT_PAGE

TOTAL = 2500
PROJECTS = 40  # more than one shortened page of projects
WHY = "Customers wait two days for exports, which costs us renewals every quarter."


@pytest.fixture
def sim() -> Iterator[LinearSimulator]:
    simulator = LinearSimulator().start()
    world = simulator.world
    team = world.team("ENG", "Engineering", STATES)
    projects = [
        world.project(f"Goal {n}", [team], ("In Progress", "started"), description=WHY)
        for n in range(PROJECTS)
    ]
    for i in range(TOTAL):
        world.issue(team, f"Task {i}", WHY, "Todo", project_id=projects[i % PROJECTS].id)
    try:
        yield simulator
    finally:
        simulator.stop()
    assert simulator.invalid_queries == [], simulator.invalid_queries


def test_every_issue_of_a_big_team_is_judged_at_close_to_minimum_reads(
    sim: LinearSimulator, tmp_path: Path
) -> None:
    project = Project(sim, tmp_path, ["ENG"], linear={"initiatives": False})
    code, doc = project.check("--fail-on", "never", apply=False)
    assert code in (0, 1), doc["errors"][:5]
    assert doc["summary"]["items"] == TOTAL + PROJECTS
    assert doc["errors"] == [] and doc["summary"]["partial"] is False
    # Minimum: the shortened pages of issues and of projects, the viewer, the teams.
    minimum = math.ceil(TOTAL / SHORT_PAGE) + math.ceil(PROJECTS / SHORT_PAGE) + 2
    reads = sim.counts["total"]
    print(f"linear scale: {reads} reads, minimum {minimum}, {dict(sim.counts)}")
    assert minimum <= reads <= math.ceil(1.1 * minimum), (reads, minimum, dict(sim.counts))


def test_a_goal_with_more_children_than_one_page_is_judged_on_all_of_them(
    tmp_path: Path,
) -> None:
    """A project whose first 100 issues are cancelled and whose live work comes after: read
    only the first page and it looks like a goal with nothing live (TG201)."""
    simulator = LinearSimulator().start()
    try:
        world = simulator.world
        team = world.team("ENG", "Engineering", STATES)
        goal = world.project("Big goal", [team], ("In Progress", "started"), description=WHY)
        for i in range(100):
            world.issue(team, f"Dropped {i}", WHY, "Canceled", project_id=goal.id)
        for i in range(30):
            world.issue(team, f"Live {i}", WHY, "Todo", project_id=goal.id)
        project = Project(simulator, tmp_path, ["ENG"], linear={"initiatives": False})
        key = f"project:{goal.slug}"
        code, doc = project.check("--fail-on", "never", key, apply=False)
        assert code in (0, 1), doc["errors"]
        assert doc["summary"]["items"] == 1
        rules = {f["rule"] for f in doc["findings"] if f["item"] == key}
        assert "TG201" not in rules, doc["findings"]
        # The rest was read through the paged root listing (shortened pages of SHORT_PAGE).
        pages = [q for q in simulator.queries if "query TrackerguardIssues" in q]
        assert len(pages) == math.ceil(130 / SHORT_PAGE)
        assert simulator.invalid_queries == []
    finally:
        simulator.stop()
