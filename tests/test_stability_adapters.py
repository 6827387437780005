"""Verdicts are stable on every tracker's simulator: the scenario of ``test_stability``.

Per adapter, on its realistic backlog: ``check --apply``; at once again, which changes no
verdict and writes nothing; then a person fixes one item (gives an orphan a parent), and the
next run changes the verdicts of exactly that item and the goals above it (old and new),
nothing else; a last run writes nothing. (The real Redmine runs the same scenario in
``test_redmine_stability``; GitHub Projects in ``test_github_projects``.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Verdicts = dict[str, set[tuple[str, str, str]]]


def _verdicts(doc: dict[str, Any]) -> Verdicts:
    out: Verdicts = {}
    for finding in doc["findings"]:
        out.setdefault(finding["item"], set()).add(
            (finding["rule"], finding["message"], finding["evidence"])
        )
    return out


def _changed(before: Verdicts, after: Verdicts) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def _scenario(
    check: Callable[[], tuple[dict[str, Any], int]],
    fix: Callable[[], None],
    fixed: str,
    allowed: set[str],
) -> None:
    first, _ = check()
    assert first["errors"] == [], first["errors"]
    assert any(a["status"] == "applied" for a in first["actions"])
    second, writes = check()
    assert _verdicts(second) == _verdicts(first)
    assert writes == 0 and second["actions"] == [], second["actions"]
    fix()
    third, _ = check()
    changed = _changed(_verdicts(second), _verdicts(third))
    assert fixed in changed
    assert changed <= allowed, changed - allowed
    assert {a["item"] for a in third["actions"]} <= allowed, third["actions"]
    fourth, writes = check()
    assert _verdicts(fourth) == _verdicts(third)
    assert writes == 0 and fourth["actions"] == [], fourth["actions"]


def test_gitlab(tmp_path: Path) -> None:
    from .gitlab_sim import PROJECTS, GitLabSimulator, build
    from .gitlab_sim.harness import Project

    sim = GitLabSimulator().start()
    build(sim.world)
    try:
        project = Project(sim, tmp_path, list(PROJECTS))

        def check() -> tuple[dict[str, Any], int]:
            sim.reset_counts()
            _code, doc = project.check()
            return doc, int(sim.counts["write"])

        _scenario(
            check,
            lambda: sim.world.set_parent("acme/web#4", "acme&1"),
            "acme/web#4",
            {"acme/web#4", "acme&1"},
        )
    finally:
        sim.stop()
    assert sim.violations == [], sim.violations


def test_github(tmp_path: Path) -> None:
    from .github_sim import REPOS, GitHubSimulator, build
    from .github_sim.harness import Project

    sim = GitHubSimulator().start()
    build(sim.world)
    try:
        project = Project(sim, tmp_path, list(REPOS))
        writes: list[int] = []

        def check() -> tuple[dict[str, Any], int]:
            _code, doc = project.check()
            applied = sum(1 for a in doc["actions"] if a["status"] == "applied")
            writes.append(applied)
            return doc, applied

        _scenario(
            check,
            lambda: sim.world.set_parent("acme/web#4", "acme/web#1"),
            "acme/web#4",
            {"acme/web#4", "acme/web#1", "acme/roadmap#1"},
        )
    finally:
        sim.stop()
    assert sim.invalid_queries == [], sim.invalid_queries


def test_linear(tmp_path: Path) -> None:
    from .linear_sim import LinearSimulator, build
    from .linear_sim.harness import Project

    sim = LinearSimulator().start()
    build(sim.world)
    try:
        project = Project(sim, tmp_path)
        export = sim.world.project_by_name("CSV export")

        def check() -> tuple[dict[str, Any], int]:
            sim.reset_counts()
            _code, doc = project.check()
            return doc, int(sim.counts["write"])

        def fix() -> None:
            sim.world.get("ENG-3").project_id = export.id

        _scenario(check, fix, "ENG-3", {"ENG-3", f"project:{export.slug}"})
    finally:
        sim.stop()


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_jira(tmp_path: Path, flavor: str) -> None:
    from .jira_sim import SimState, realistic
    from .jira_sim.harness import run_check, simulator

    with simulator(realistic(SimState(flavor))) as sim:
        sim.state.forbidden.clear()

        def check() -> tuple[dict[str, Any], int]:
            sim.reset_counts()
            result = run_check(sim, tmp_path)
            return result.report, int(sim.writes)

        def fix() -> None:
            sim.state.issues["ACME-22"].parent = "ACME-10"

        _scenario(check, fix, "ACME-22", {"ACME-22", "ACME-10", "ACME-1"})
