"""End-to-end: ``trackerguard check --tracker gitlab --apply`` against the GitLab simulator.

The backlog (``gitlab_sim/backlog.py``) spans two scanned projects plus group epics outside
the scan; parents come from the work item hierarchy (GraphQL) and the REST ``epic`` field.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trackerguard.adapter import MARKER

from .gitlab_sim import BOT, ORPHANS, PROJECTS, TOKEN, Fault, GitLabSimulator, build
from .gitlab_sim.harness import Project
from .gitlab_sim.state import Note


@pytest.fixture
def sim() -> Iterator[GitLabSimulator]:
    simulator = GitLabSimulator().start()
    build(simulator.world)
    try:
        yield simulator
    finally:
        simulator.stop()
    assert simulator.violations == [], simulator.violations


@pytest.fixture
def project(sim: GitLabSimulator, tmp_path: Path) -> Project:
    return Project(sim, tmp_path, list(PROJECTS))


def findings(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["rule"], f["item"]) for f in doc["findings"] if f["confidence"] == "high"}


def bot_notes(sim: GitLabSimulator, key: str) -> list[Note]:
    notes: list[Note] = sim.world.bot_notes(key, MARKER)
    return notes


def labels(sim: GitLabSimulator, key: str) -> list[str]:
    issue = sim.world.get(key)
    assert issue is not None
    found: list[str] = issue.labels
    return found


def test_first_run_acts_on_the_backlog(sim: GitLabSimulator, project: Project) -> None:
    code, doc = project.check()
    assert code == 1, doc["errors"]
    assert doc["tracker"] == "gitlab" and doc["errors"] == []
    assert {("TG101", k) for k in ORPHANS} <= findings(doc)
    assert {("TG201", "acme/web#6"), ("TG202", "acme/web#6"), ("TG203", "acme/web#6")} <= (
        findings(doc)
    )
    flagged = {item for _, item in findings(doc)}
    # Served through a task's parent issue, an epic (REST field / hierarchy), across projects.
    for healthy in ("acme/web#1", "acme/web#2", "acme/web#3", "acme/api#1"):
        assert healthy not in flagged
    # Closed 60 days ago: not read; closed 3 days ago and cancelled yesterday: read.
    assert doc["summary"]["items"] == 10
    assert doc["summary"]["goals"] == 2
    for key in ORPHANS:
        notes = bot_notes(sim, key)
        assert len(notes) == 1 and notes[0].author == BOT
        assert "trackerguard" in labels(sim, key)
        assert "trackerguard::blocked" in labels(sim, key)
    assert {a["status"] for a in doc["actions"]} == {"applied"}
    urls = {f["item"]: f["url"] for f in doc["findings"]}
    assert urls["acme/web#4"] == f"{sim.url}/acme/web/-/issues/4"
    # Reads: pages per project and state, a hierarchy query per page, notes only for
    # issues with user notes, one batch for the epics outside the scan.
    assert sim.counts["graphql"] <= 4
    assert sim.counts["read"] <= 8


def test_unchanged_rerun_writes_nothing(sim: GitLabSimulator, project: Project) -> None:
    project.check()
    sim.reset_counts()
    code, doc = project.check()
    assert code == 1
    assert sim.counts["write"] == 0
    assert doc["actions"] == []


def test_fixing_resolves_note_labels_and_block(sim: GitLabSimulator, project: Project) -> None:
    project.check()
    before = bot_notes(sim, "acme/web#4")[0]
    sim.world.set_parent("acme/web#4", "acme&1")
    sim.world.set_parent("acme/web#5", "acme/web#1")
    sim.reset_counts()
    _code, doc = project.check()
    assert ("TG101", "acme/web#4") not in findings(doc)
    after = bot_notes(sim, "acme/web#4")
    assert [n.id for n in after] == [before.id]  # edited in place, never a second note
    assert "everything is in order" in after[0].body
    for key in ("acme/web#4", "acme/web#5"):
        assert "trackerguard" not in labels(sim, key)
        assert "trackerguard::blocked" not in labels(sim, key)
    kinds = {(a["item"], a["kind"]) for a in doc["actions"]}
    assert ("acme/web#4", "uncomment") in kinds and ("acme/web#4", "unblock") in kinds
    sim.reset_counts()
    project.check()
    assert sim.counts["write"] == 0


def test_resolved_notes_can_be_deleted(sim: GitLabSimulator, project: Project) -> None:
    project.top = '[actions]\nresolved = "delete"\n'
    project.check()
    sim.world.set_parent("acme/web#4", "acme&1")
    project.check()
    assert bot_notes(sim, "acme/web#4") == []


def test_changed_findings_edit_the_same_note(sim: GitLabSimulator, project: Project) -> None:
    project.check()
    first = bot_notes(sim, "acme/web#6")[0]
    issue = sim.world.get("acme/web#6")
    assert issue is not None
    issue.assignees.append("eve")
    sim.world.touch(issue)
    sim.reset_counts()
    project.check()
    notes = bot_notes(sim, "acme/web#6")
    assert [n.id for n in notes] == [first.id]
    assert "TG202" not in notes[0].body and "TG201" in notes[0].body
    assert sim.counts["write"] == 1


def test_bot_note_among_many_human_notes(sim: GitLabSimulator, project: Project) -> None:
    project.check()
    for i in range(120):  # more than one page of notes
        sim.world.note("acme/web#4", f"human note {i}", "someone")
    sim.reset_counts()
    project.check()
    assert len(bot_notes(sim, "acme/web#4")) == 1
    assert sim.counts["write"] == 0


def test_a_foreign_note_with_the_marker_is_not_ours(sim: GitLabSimulator, project: Project) -> None:
    sim.world.note("acme/web#4", f"{MARKER} quoting the bot", "mallory")
    project.check()
    mine = [n for n in bot_notes(sim, "acme/web#4") if n.author == BOT]
    assert len(mine) == 1


def test_rate_limits_and_server_errors_are_survived(sim: GitLabSimulator, project: Project) -> None:
    sim.faults += [
        Fault("429", on="read", retry_after=1),
        Fault("429_bare", on="write"),
        Fault("5xx", count=2, on="graphql"),
    ]
    code, doc = project.check()
    assert code == 1 and doc["errors"] == []
    assert sim.counts["fault_429"] == 1 and sim.counts["fault_429_bare"] == 1
    assert sim.counts["fault_5xx"] == 2
    assert doc["summary"]["requests"]["retry"] == 4
    assert {("TG101", k) for k in ORPHANS} <= findings(doc)
    for key in ORPHANS:
        assert len(bot_notes(sim, key)) == 1


def test_persistent_rate_limit_is_a_partial_run(sim: GitLabSimulator, project: Project) -> None:
    sim.faults.append(Fault("429", count=100, on="read", retry_after=1))
    project.gitlab = {"max_retries": 1}
    code, _out, err = project.run("check", "--tracker", "gitlab", "--apply", "--format", "json")
    assert code == 3
    assert sim.counts["write"] == 0


def test_budget_exhaustion_stops_the_run_with_exit_3(
    sim: GitLabSimulator, project: Project
) -> None:
    project.gitlab = {"request_budget": 2}
    code, _out, err = project.run("check", "--tracker", "gitlab", "--apply", "--format", "json")
    assert code == 3
    assert "request budget of 2 requests spent" in err
    assert sim.counts["write"] == 0  # nothing acts on a partial read


def test_inaccessible_project_is_a_per_project_error(
    sim: GitLabSimulator, project: Project
) -> None:
    project.projects = ["acme/web", "acme/missing"]
    code, doc = project.check(apply=False)
    assert code == 3  # partial: some items were not evaluated
    assert [e["item"] for e in doc["errors"]] == ["acme/missing"]
    assert ("TG101", "acme/web#4") in findings(doc)


def test_bad_token_exits_3_without_echoing_it(sim: GitLabSimulator, project: Project) -> None:
    project.env = {"TRACKERGUARD_GITLAB__TOKEN": "glpat-wrong_secret_value"}
    code, out, err = project.run("check", "--tracker", "gitlab", "--format", "json")
    assert code == 3
    assert "glpat-wrong_secret_value" not in out + err
    assert sim.counts["write"] == 0


def test_config_masks_the_token(project: Project) -> None:
    code, out, err = project.run("config")
    assert code == 0
    assert TOKEN not in out + err


def test_groups_are_scanned_by_id_or_path(sim: GitLabSimulator, project: Project) -> None:
    project.projects = []
    project.gitlab = {"groups": [str(sim.world.groups["acme"])]}
    code, doc = project.check(apply=False)
    assert code == 1 and doc["errors"] == []
    assert doc["summary"]["items"] == 10
    assert {("TG101", k) for k in ORPHANS} <= findings(doc)


def test_projects_by_numeric_id(sim: GitLabSimulator, project: Project) -> None:
    project.projects = [str(sim.world.projects[p].id) for p in PROJECTS]
    code, doc = project.check(apply=False)
    assert code == 1 and doc["errors"] == []
    assert {("TG101", k) for k in ORPHANS} <= findings(doc)


def test_without_the_hierarchy_the_rest_epic_field_still_counts(
    sim: GitLabSimulator, project: Project
) -> None:
    sim.hierarchy = False
    code, doc = project.check(apply=False)
    assert any("hierarchy is not available" in note for note in doc["notes"])
    assert sim.counts["graphql"] == 1  # asked once, then never again
    flagged = {item for _, item in findings(doc)}
    assert "acme/web#3" not in flagged and "acme/api#1" not in flagged  # REST epic field
    assert ("TG101", "acme/web#2") in findings(doc)  # a task's parent needs the hierarchy


def test_hierarchy_can_be_switched_off(sim: GitLabSimulator, project: Project) -> None:
    project.gitlab = {"hierarchy": False}
    project.check(apply=False)
    # Still one request per page, for the Status widget alone (no parents asked).
    assert sim.queries and sim.counts["graphql"] == len(sim.queries)
    assert all("WorkItemWidgetHierarchy" not in q for q in sim.queries)
    assert all("WorkItemWidgetStatus" in q for q in sim.queries)
    sim.reset_counts()
    project.gitlab = {"hierarchy": False, "work_item_status": False}
    project.check(apply=False)
    assert sim.counts["graphql"] == 0


def test_relates_to_links_count_only_when_configured(
    sim: GitLabSimulator, project: Project
) -> None:
    _code, doc = project.check(apply=False)
    assert ("TG101", "acme/api#5") in findings(doc)
    assert not any(entry.path.endswith("/links") for entry in sim.log)
    sim.reset_counts()
    project.top = '[graph]\ngoal_link_types = ["implements", "relates to"]\n'
    _code, doc = project.check(apply=False)
    assert ("TG101", "acme/api#5") not in findings(doc)
    link_reads = [entry for entry in sim.log if entry.path.endswith("/links")]
    assert 0 < len(link_reads) <= 4  # only open, parentless work items


def test_free_tier_without_epics(sim: GitLabSimulator, project: Project) -> None:
    sim.world.premium = False
    code, doc = project.check(apply=False)
    assert any("epics are not available" in note for note in doc["notes"])
    assert doc["errors"] == []
    assert code == 1


def test_cancelled_by_label_is_not_judged(sim: GitLabSimulator, project: Project) -> None:
    _code, doc = project.check(apply=False)
    assert not any(f["item"] == "acme/api#4" for f in doc["findings"])


def test_explicit_keys_and_unknown_ones(sim: GitLabSimulator, project: Project) -> None:
    _code, doc = project.check("acme/web#4", "acme/nope#1", "acme/web#99", apply=False)
    assert ("TG101", "acme/web#4") in findings(doc)
    missing = {e["item"] for e in doc["errors"]}
    assert {"acme/nope#1", "acme/web#99"} <= missing


def test_query_filters_the_issue_list(sim: GitLabSimulator, project: Project) -> None:
    _code, doc = project.check("--query", "labels=level::epic", apply=False)
    assert doc["errors"] == []
    assert doc["summary"]["items"] == 2
