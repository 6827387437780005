"""Scale: a 2,500-issue GitHub repository judged completely against the strict simulator
(issue 11 point 3): every listed issue judged, goals outside the scanned repository read in
batches, a goal with more sub-issues than one page, reads close to the minimum."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from .github_sim import GitHubSimulator, generate
from .github_sim.harness import Project
from .github_sim.resolvers import SHORT_PAGE

REPO = "acme/web"
TOTAL = 2500
OUTSIDE_GOALS = 12


@pytest.fixture
def sim() -> Iterator[GitHubSimulator]:
    simulator = GitHubSimulator().start()
    world = simulator.world
    generate(world, TOTAL, [REPO])
    # Goals outside the scan: the first epics' parents move to an unscanned roadmap repo.
    epics = [i for i in world.repos[REPO].issues.values() if i.type == "Epic"]
    for n, epic in enumerate(epics[:OUTSIDE_GOALS]):
        goal = world.issue("acme/roadmap", f"Roadmap goal {n}", type="Initiative").key
        world.set_parent(epic.key, goal)
    try:
        yield simulator
    finally:
        simulator.stop()
    assert simulator.invalid_queries == [], simulator.invalid_queries


def test_every_issue_of_a_big_repository_is_judged_at_close_to_minimum_reads(
    sim: GitHubSimulator, tmp_path: Path
) -> None:
    project = Project(sim, tmp_path, [REPO])
    code, doc = project.check("--fail-on", "never", apply=False)
    assert code == 0, doc["errors"][:5]
    assert doc["summary"]["items"] == TOTAL
    assert doc["errors"] == [] and doc["summary"]["partial"] is False
    # Minimum: the open listing's pages (shortened by the strict simulator; the closed
    # listing's empty first page rides in the same requests), one batch for the goals outside
    # the repository, one GET /user for the bot's login.
    minimum = math.ceil(TOTAL / SHORT_PAGE) + 1 + 1
    reads = sim.counts["total"]
    assert sim.counts["write"] == 0
    assert minimum <= reads <= math.ceil(1.05 * minimum), (reads, minimum, sim.counts)
