"""The maintained summary issue: one issue, edited in place, never judged, never doubled."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from trackerguard.cli import main

from .github_sim import REPOS, GitHubSimulator, build
from .github_sim.harness import Project

SUMMARY = "[actions]\nsummary_issue = true\ngrace_hours = 0\n"


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _summaries(config: Path) -> list[dict[str, Any]]:
    backlog = json.loads((config.parent / "backlog.json").read_text())
    return [i for i in backlog["items"] if "trackerguard:summary" in (i.get("labels") or [])]


def test_apply_keeps_one_summary_item_with_report_and_trend(
    make_project: Callable[..., Path],
) -> None:
    config = make_project(config=SUMMARY)
    first = run("check", "--config", str(config), "--apply", "--format", "json")
    doc = json.loads(first.stdout)
    assert doc["summary_issue"] == {"key": "TRACKERGUARD-SUMMARY", "url": "", "status": "created"}
    assert doc["summary"]["items"] == 4  # the summary did not exist while judging
    [summary] = _summaries(config)
    assert summary["labels"] == ["trackerguard:summary", "trackerguard:skip"]
    assert "xychart-beta" in summary["description"]
    assert "## trackerguard report (file, applied)" in summary["description"]

    second = json.loads(run("check", "--config", str(config), "--apply", "--format", "json").stdout)
    # Five items now exist and all are judged; the summary itself is exempt, never a finding.
    assert second["summary"]["items"] == 5 and second["summary"]["exempt"] == 1
    assert not [f for f in second["findings"] if f["item"] == "TRACKERGUARD-SUMMARY"]
    assert second["summary_issue"]["status"] == "updated"  # the trend gained a point
    [summary] = _summaries(config)  # edited in place: still one
    assert summary["description"].count("xychart-beta") == 1


def test_summary_is_written_only_by_full_applied_scans(make_project: Callable[..., Path]) -> None:
    config = make_project(config=SUMMARY)
    dry = json.loads(run("check", "--config", str(config), "--format", "json").stdout)
    assert "summary issue: not written in a dry run (use --apply)" in dry["notes"]
    keyed = run("check", "S-1", "--config", str(config), "--apply", "--format", "json")
    assert (
        "summary issue: written by full scans only (this run read a slice)"
        in json.loads(keyed.stdout)["notes"]
    )
    assert _summaries(config) == []


def test_summary_body_is_cut_to_fit_an_issue(make_project: Callable[..., Path]) -> None:
    from trackerguard.summary_issue import MAX_BODY

    items: list[dict[str, Any]] = [
        {"key": f"W-{n}", "type": "Story", "title": f"Orphan task number {n}", "status": "To Do"}
        for n in range(1, 2001)
    ]
    config = make_project(backlog={"items": items}, config=SUMMARY)
    doc = json.loads(run("check", "--config", str(config), "--apply", "--format", "json").stdout)
    assert doc["summary"]["items"] == 2000 and doc["summary_issue"]["status"] == "created"
    [summary] = _summaries(config)
    assert len(summary["description"]) <= MAX_BODY
    assert "longer than an issue can hold" in summary["description"]


# -- on a real adapter: GitHub against the simulator -------------------------------------------
@pytest.fixture
def github(tmp_path: Path) -> Iterator[tuple[GitHubSimulator, Project]]:
    sim = GitHubSimulator().start()
    build(sim.world)
    try:
        yield sim, Project(sim, tmp_path, list(REPOS), top=SUMMARY)
    finally:
        sim.stop()
    assert sim.invalid_queries == [], sim.invalid_queries


def _github_summaries(sim: GitHubSimulator) -> list[Any]:
    return [
        issue
        for issue in sim.world.repo("acme/web").issues.values()
        if "trackerguard:summary" in issue.labels
    ]


def test_github_summary_issue_is_created_once_then_edited_in_place(
    github: tuple[GitHubSimulator, Project],
) -> None:
    sim, project = github
    _, first = project.check()
    created = first["summary_issue"]
    assert created["status"] == "created" and created["key"].startswith("acme/web#")
    assert created["url"].endswith("/acme/web/issues/" + created["key"].split("#")[1])
    [issue] = _github_summaries(sim)
    assert issue.labels == ["trackerguard:summary", "trackerguard:skip"]
    assert "xychart-beta" in issue.body and "## trackerguard report (github, applied)" in issue.body
    items_before = first["summary"]["items"]

    _, second = project.check()
    assert second["summary_issue"]["key"] == created["key"]  # found again by its label
    assert second["summary_issue"]["status"] == "updated"
    assert len(_github_summaries(sim)) == 1
    # The summary issue is read like any issue, exempt by its skip label, never a finding.
    assert second["summary"]["items"] == items_before + 1
    assert not [f for f in second["findings"] if f["item"] == created["key"]]


def test_github_waiver_line_in_a_persons_comment_waives_the_finding(
    github: tuple[GitHubSimulator, Project],
) -> None:
    sim, project = github
    issue = sim.world.get("acme/web#4")
    assert issue is not None
    issue.labels.append("trackerguard:waiver")
    sim.world.comment(
        "acme/web",
        4,
        'Agreed in triage.\ntrackerguard-waiver: TG101 owner=@alice expires=2099-01-31 reason="spike"',
        "alice",
    )
    _, doc = project.check(apply=False)
    [waived] = [f for f in doc["findings"] if f["item"] == "acme/web#4" and f["rule"] == "TG101"]
    assert waived["waived"] == {
        "owner": "@alice",
        "reason": "spike",
        "expires": "2099-01-31",
        "source": "acme/web#4 (comment)",
    }
    others = [f for f in doc["findings"] if f["rule"] == "TG101" and f["item"] == "acme/web#5"]
    assert others and others[0].get("waived") is None


# -- GitLab against the simulator ------------------------------------------------------------
def test_gitlab_summary_issue_and_a_waiver_in_a_persons_note(tmp_path: Path) -> None:
    from .gitlab_sim import ORPHANS, PROJECTS, GitLabSimulator
    from .gitlab_sim import build as build_gitlab
    from .gitlab_sim.harness import Project as GitLabProject

    sim = GitLabSimulator().start()
    build_gitlab(sim.world)
    try:
        orphan = sorted(ORPHANS)[0]
        issue = sim.world.get(orphan)
        assert issue is not None
        issue.labels.append("trackerguard:waiver")
        sim.world.note(
            orphan, 'trackerguard-waiver: * owner=@li expires=2099-06-30 reason="pilot"', "li"
        )
        project = GitLabProject(sim, tmp_path, list(PROJECTS), top=SUMMARY)
        _, first = project.check()
        waived = [f for f in first["findings"] if f["item"] == orphan]
        assert waived and all(f["waived"]["owner"] == "@li" for f in waived)
        created = first["summary_issue"]
        assert created["status"] == "created"
        assert created["key"].startswith(PROJECTS[0] + "#")
        summaries = [
            i
            for p in sim.world.projects.values()
            for i in p.issues.values()
            if "trackerguard:summary" in i.labels
        ]
        assert len(summaries) == 1 and "xychart-beta" in (summaries[0].description or "")
        assert set(summaries[0].labels) == {"trackerguard:summary", "trackerguard:skip"}
        _, second = project.check()
        assert second["summary_issue"]["key"] == created["key"]
        assert second["summary_issue"]["status"] == "updated"
        assert not [f for f in second["findings"] if f["item"] == created["key"]]
    finally:
        sim.stop()
    assert sim.violations == [], sim.violations
