"""End-to-end: ``trackerguard check --tracker linear --apply`` against the Linear simulator.

The workspace (``linear_sim/backlog.py``) spans initiatives → projects → issues →
sub-issues in two scanned teams (one without a "Blocked" state) plus an unscanned team.
Every GraphQL document the adapter sends is validated against the shared Linear schema by
the simulator; the fixture fails a test that sent an invalid one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trackerguard.adapter import MARKER

from .linear_sim import API_KEY, BOT_ID, Fault, LinearSimulator, build
from .linear_sim.harness import Project


@pytest.fixture
def sim() -> Iterator[LinearSimulator]:
    simulator = LinearSimulator().start()
    build(simulator.world)
    try:
        yield simulator
    finally:
        simulator.stop()
    assert simulator.invalid_queries == [], simulator.invalid_queries


@pytest.fixture
def project(sim: LinearSimulator, tmp_path: Path) -> Project:
    return Project(sim, tmp_path)


def findings(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["rule"], f["item"]) for f in doc["findings"] if f["confidence"] == "high"}


def bot_comments(sim: LinearSimulator, **target: str) -> list[Any]:
    return [c for c in sim.world.comments_on(**target) if MARKER in c.body]


def key_of_project(sim: LinearSimulator, name: str) -> str:
    return f"project:{sim.world.project_by_name(name).slug}"


def key_of_initiative(sim: LinearSimulator, name: str) -> str:
    return f"initiative:{sim.world.initiative_by_name(name).id}"


def test_first_run_acts_across_initiatives_projects_and_issues(
    sim: LinearSimulator, project: Project
) -> None:
    code, doc = project.check()
    assert code == 1, doc["errors"]
    assert doc["tracker"] == "linear" and doc["errors"] == []
    dark = key_of_project(sim, "Dark mode")
    mobile = key_of_project(sim, "Mobile app")
    reliability = key_of_initiative(sim, "Reliability")
    expected = {
        ("TG101", "ENG-3"),  # no project, no parent; its "blocks" relation does not count
        ("TG101", "OPS-1"),
        ("TG101", dark),  # a project in no initiative serves no goal
        ("TG201", mobile),  # a project without issues has no plan
        ("TG201", reliability),
        ("TG202", reliability),
        ("TG203", reliability),
        # no criteria, list, checklist or number at all: a clear absence that acts
        # (docs/text-analysis.md, "Confidence")
        ("TG204", reliability),
    }
    assert findings(doc) == expected
    # Healthy chain: initiative ← project ← issue ← sub-issue; items closed long ago unread.
    flagged = {item for _, item in findings(doc)}
    for healthy in ("ENG-1", "ENG-2", "ENG-4", key_of_project(sim, "CSV export")):
        assert healthy not in flagged
    assert doc["summary"]["items"] == 10
    assert "ENG-5" not in {f["item"] for f in doc["findings"]}
    # One comment per flagged item, by the bot, with the marker.
    eng3 = sim.world.get("ENG-3")
    ops1 = sim.world.get("OPS-1")
    for issue in (eng3, ops1):
        comments = bot_comments(sim, issue_id=issue.id)
        assert len(comments) == 1 and comments[0].user_id == BOT_ID
        assert "TG101" in comments[0].body
        assert "trackerguard" in sim.world.label_names(issue)
    assert len(bot_comments(sim, project_id=sim.world.project_by_name("Dark mode").id)) == 1
    assert len(bot_comments(sim, initiative_id=sim.world.initiative_by_name("Reliability").id)) == 1
    # ENG blocks by moving to its Blocked state; OPS has none: the block label instead.
    assert sim.world.state_of(eng3).name == "Blocked"
    assert "trackerguard:blocked" not in sim.world.label_names(eng3)
    assert sim.world.state_of(ops1).name == "Todo"
    assert "trackerguard:blocked" in sim.world.label_names(ops1)
    assert any("OPS has no 'Blocked' state" in note for note in doc["notes"])
    # Labels were created in the issue's team, for projects and for initiatives.
    created = {(lb.name, lb.scope, lb.team_id) for lb in sim.world.labels.values()}
    assert ("trackerguard", "issue", eng3.team_id) in created
    assert ("trackerguard", "project", None) in created
    assert ("trackerguard:blocked", "initiative", None) in created
    assert {a["status"] for a in doc["actions"]} == {"applied"}
    # Reads: identity, teams, issues, projects, initiatives + their comments, batch, children.
    assert sim.counts["read"] <= 8
    # The API key went as Linear wants it: no "Bearer".
    assert set(sim.auth_headers) == {API_KEY}


def test_dry_run_writes_nothing(sim: LinearSimulator, project: Project) -> None:
    code, doc = project.check(apply=False)
    assert code == 1
    assert sim.counts["write"] == 0
    assert {a["status"] for a in doc["actions"]} == {"planned"}


def test_unchanged_rerun_writes_nothing(sim: LinearSimulator, project: Project) -> None:
    project.check()
    sim.reset_counts()
    code, doc = project.check()
    assert code == 1
    assert sim.counts["write"] == 0
    assert doc["actions"] == []


def test_fixing_resolves_comment_labels_and_block(sim: LinearSimulator, project: Project) -> None:
    project.check()
    w = sim.world
    eng3, ops1 = w.get("ENG-3"), w.get("OPS-1")
    before = bot_comments(sim, issue_id=eng3.id)[0]
    export = w.project_by_name("CSV export")
    eng3.project_id = export.id
    ops1.parent_id = w.get("ENG-1").id
    dark = w.project_by_name("Dark mode")
    dark.initiative_ids.append(w.initiative_by_name("Grow self-serve revenue").id)
    sim.reset_counts()
    _code, doc = project.check()
    flagged = {item for _, item in findings(doc)}
    assert {"ENG-3", "OPS-1", f"project:{dark.slug}"}.isdisjoint(flagged)
    after = bot_comments(sim, issue_id=eng3.id)
    assert [c.id for c in after] == [before.id]  # edited in place, never a second comment
    assert "everything is in order" in after[0].body
    # The block is lifted: ENG-3 back in its previous state, labels removed.
    assert w.state_of(eng3).name == "Todo"
    for issue in (eng3, ops1):
        assert "trackerguard" not in w.label_names(issue)
        assert "trackerguard:blocked" not in w.label_names(issue)
    assert w.label_names(dark) == []
    kinds = {(a["item"], a["kind"]) for a in doc["actions"]}
    assert ("ENG-3", "uncomment") in kinds and ("ENG-3", "unblock") in kinds
    sim.reset_counts()
    project.check()
    assert sim.counts["write"] == 0


def test_resolved_comments_can_be_deleted(sim: LinearSimulator, project: Project) -> None:
    project.top = '[actions]\nresolved = "delete"\n'
    project.check()
    eng3 = sim.world.get("ENG-3")
    eng3.project_id = sim.world.project_by_name("CSV export").id
    project.check()
    assert bot_comments(sim, issue_id=eng3.id) == []


def test_changed_findings_edit_the_same_comment(sim: LinearSimulator, project: Project) -> None:
    project.check()
    reliability = sim.world.initiative_by_name("Reliability")
    first = bot_comments(sim, initiative_id=reliability.id)[0]
    reliability.owner_id = next(u.id for u in sim.world.users.values() if u.name == "Ana")
    sim.reset_counts()
    project.check()
    comments = bot_comments(sim, initiative_id=reliability.id)
    assert [c.id for c in comments] == [first.id]
    assert "TG202" not in comments[0].body and "TG201" in comments[0].body
    assert sim.mutations == ["commentUpdate"]


def test_human_comments_around_the_bot_comment(sim: LinearSimulator, project: Project) -> None:
    project.linear = {"comment_window": 3}
    project.check()
    eng3 = sim.world.get("ENG-3")
    human = next(u.id for u in sim.world.users.values() if u.name == "Bo")
    sim.world.comment(f"{MARKER} quoting the bot, by a human", human, issue_id=eng3.id)
    sim.world.comment("a human reply", human, issue_id=eng3.id)
    sim.reset_counts()
    project.check()
    assert sim.counts["write"] == 0
    assert len([c for c in bot_comments(sim, issue_id=eng3.id) if c.user_id == BOT_ID]) == 1


def test_explicit_keys_and_since(sim: LinearSimulator, project: Project) -> None:
    code, doc = project.check("ENG-3", "OPS-1", apply=False)
    assert code == 1
    assert {f["item"] for f in doc["findings"]} == {"ENG-3", "OPS-1"}
    code, doc = project.check("--since", "2999-01-01T00:00:00Z", apply=False)
    assert code == 0 and doc["summary"]["items"] == 0


def test_query_is_an_issue_filter(sim: LinearSimulator, project: Project) -> None:
    code, doc = project.check("--query", '{"team": {"key": {"eq": "OPS"}}}', apply=False)
    assert code == 1
    assert {f["item"] for f in doc["findings"]} == {"OPS-1"}
    code, out, err = project.run("check", "--tracker", "linear", "--query", "not json")
    assert code == 2 and "IssueFilter" in err


def test_rate_limits_and_server_errors_are_survived(sim: LinearSimulator, project: Project) -> None:
    sim.faults += [
        Fault("ratelimited", on="read", reset_in=0.2),
        Fault("429", on="write"),
        Fault("5xx", count=2, on="read"),
    ]
    code, doc = project.check()
    assert code == 1 and doc["errors"] == []
    assert sim.counts["fault_ratelimited"] == 1 and sim.counts["fault_429"] == 1
    assert sim.counts["fault_5xx"] == 2
    assert doc["summary"]["requests"]["retry"] == 4
    assert ("TG101", "ENG-3") in findings(doc)
    assert len(bot_comments(sim, issue_id=sim.world.get("ENG-3").id)) == 1


def test_persistent_rate_limit_makes_the_run_partial(
    sim: LinearSimulator, project: Project
) -> None:
    sim.faults.append(Fault("ratelimited", count=100, on="read", reset_in=0.0))
    project.linear = {"max_retries": 2}
    code, out, err = project.run("check", "--tracker", "linear", "--quiet")
    assert code == 3
    assert "rate limit" in (out + err).lower()


def test_graphql_errors_with_http_200_are_not_ignored(
    sim: LinearSimulator, project: Project
) -> None:
    sim.faults.append(Fault("error200", count=1, on="read"))
    code, out, err = project.run("check", "--tracker", "linear", "--quiet")
    assert code == 3
    assert "Internal error" in out + err


def test_request_budget_makes_the_run_partial(sim: LinearSimulator, project: Project) -> None:
    project.linear = {"request_budget": 3}
    code, out, err = project.run("check", "--tracker", "linear", "--quiet")
    assert code == 3
    assert "request_budget" in out + err


def test_bad_api_key_exits_3_without_echoing_it(sim: LinearSimulator, project: Project) -> None:
    secret = "lin_api_WRONGwrongWRONG0123456789"
    project.env = {"TRACKERGUARD_LINEAR__API_KEY": secret}
    code, out, err = project.run("check", "--tracker", "linear", "--format", "json")
    assert code == 3
    assert secret not in out + err
    assert API_KEY not in out + err
    assert "api key" in (out + err).lower()


def test_missing_team_is_a_configuration_error(sim: LinearSimulator, project: Project) -> None:
    project.teams = ["ENG", "NOPE"]
    code, out, err = project.run("check", "--tracker", "linear", "--quiet")
    assert code == 2
    assert "linear.teams" in out + err and "NOPE" in out + err


def test_own_level_mapping_can_be_overridden(sim: LinearSimulator, project: Project) -> None:
    # Two levels only: projects become goals of the top level, issues work.
    project.top = (
        '[[levels]]\nname = "goal"\ntypes = ["Project", "Initiative"]\n\n'
        '[[levels]]\nname = "task"\ntypes = ["Issue"]\n'
    )
    code, doc = project.check(apply=False)
    assert code == 1, doc["errors"]
    flagged = findings(doc)
    assert ("TG101", key_of_project(sim, "Dark mode")) not in flagged  # top level now
    assert ("TG101", "ENG-3") in flagged
