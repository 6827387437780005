"""Governance on a real adapter: waivers by query, ``diff`` (one read, no writes) and the
history trend, with the GitHub adapter against the simulator (schema-validated GraphQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from .github_sim import REPOS, GitHubSimulator, build
from .github_sim.harness import Project

ORPHANS = {"acme/web#4", "acme/web#5", "acme/web#9"}


@pytest.fixture
def sim() -> Iterator[GitHubSimulator]:
    simulator = GitHubSimulator().start()
    build(simulator.world)
    try:
        yield simulator
    finally:
        simulator.stop()
    assert simulator.invalid_queries == [], simulator.invalid_queries


def test_query_waiver_resolved_by_a_github_search(sim: GitHubSimulator, tmp_path: Path) -> None:
    top = (
        "[[waivers]]\n"
        'query = "repo:acme/web is:issue"\n'
        'rules = ["TG101"]\nowner = "@ana"\nreason = "web triage pending"\n'
        'expires = "2099-01-31"\n'
    )
    api_orphan = sim.world.issue("acme/api", "Rotate the API keys", type="Task").key
    project = Project(sim, tmp_path, list(REPOS), top=top)
    _, doc = project.check(apply=False)
    tg101 = {f["item"]: f for f in doc["findings"] if f["rule"] == "TG101"}
    assert tg101.keys() >= ORPHANS
    assert all(tg101[key]["waived"]["owner"] == "@ana" for key in ORPHANS)
    assert tg101[api_orphan].get("waived") is None  # outside the query: not waived
    others = [f for f in doc["findings"] if f["rule"] != "TG101"]
    assert others and all(f.get("waived") is None for f in others)  # other rules: not waived
    assert doc["summary"]["waived"] == len(tg101) - 1


def test_diff_reads_github_once_and_never_writes(sim: GitHubSimulator, tmp_path: Path) -> None:
    project = Project(sim, tmp_path, list(REPOS))
    sim.reset_counts()
    project.check(apply=False)
    one_check = sim.counts["graphql"] + sim.counts["rest_read"]
    proposal = tmp_path / "proposal.toml"
    proposal.write_text(project.write().read_text() + "\n[rules.TG101]\nenabled = false\n")
    sim.reset_counts()
    code, out, err = project.run("diff", "--against", str(proposal), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert {f["item"] for f in doc["resolved"] if f["rule"] == "TG101"} >= ORPHANS
    assert doc["newly_found"] == [] and doc["newly_blocked"] == []
    assert sim.writes == []
    assert sim.counts["graphql"] + sim.counts["rest_read"] <= one_check  # one read, not two


def test_history_of_github_scans(sim: GitHubSimulator, tmp_path: Path) -> None:
    project = Project(sim, tmp_path, list(REPOS))
    project.check()
    # A person links one orphan to the roadmap's epic: coverage of work serving a goal rises.
    sim.world.set_parent("acme/web#4", "acme/web#2")
    project.check()
    code, out, err = project.run("report", "--history", "--format", "json")
    assert code == 0, err
    points = json.loads(out)["points"]
    assert len(points) == 2 and all(p["kind"] == "full" for p in points)
    first, last = (p["coverage"]["work_serving_goal"] for p in points)
    assert last > first
    assert points[1]["by_rule"].get("TG101", 0) == points[0]["by_rule"]["TG101"] - 1
