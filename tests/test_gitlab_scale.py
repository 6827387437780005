"""Scale: a 2,500-issue GitLab project judged completely against the simulator (issue 11
point 3): pages of 100 on ``X-Next-Page``, group epics outside the scanned project read in
batches, reads close to the minimum."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from .gitlab_sim import GitLabSimulator
from .gitlab_sim.harness import Project

PROJECT = "acme/web"
TOTAL = 2500
EPICS = 10
WHY = "## Why\nCustomers wait two days for exports, which costs us renewals every quarter.\n"


@pytest.fixture
def sim() -> Iterator[GitLabSimulator]:
    simulator = GitLabSimulator().start()
    world = simulator.world
    later = date.today() + timedelta(days=90)
    for n in range(EPICS):
        world.epic("acme", f"Goal {n}", due=later, description=WHY + "## Success criteria\n- x\n")
    for i in range(TOTAL):
        world.issue(
            PROJECT,
            f"Task {i}",
            issue_type="task",
            assignees=["ana"],
            parent=f"acme&{1 + i % EPICS}",
            description=WHY,
        )
    try:
        yield simulator
    finally:
        simulator.stop()
    assert simulator.violations == [], simulator.violations


def test_every_issue_of_a_big_project_is_judged_at_close_to_minimum_reads(
    sim: GitLabSimulator, tmp_path: Path
) -> None:
    project = Project(sim, tmp_path, [PROJECT])
    code, doc = project.check("--fail-on", "never", apply=False)
    assert code in (0, 1), doc["errors"][:5]
    assert doc["summary"]["items"] == TOTAL
    assert doc["errors"] == [] and doc["summary"]["partial"] is False
    pages = math.ceil(TOTAL / 100)
    # Minimum: the open listing's pages, one parent (work item hierarchy) query per page,
    # the closed listing's one page, the epics outside the project in one listing, the user.
    minimum = 2 * pages + 1 + 1 + 1
    reads = sim.counts["total"]
    print(f"gitlab scale: {reads} reads, minimum {minimum}, {dict(sim.counts)}")
    assert sim.counts["write"] == 0
    assert minimum <= reads <= math.ceil(1.1 * minimum), (reads, minimum, dict(sim.counts))
