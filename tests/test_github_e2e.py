"""End-to-end: ``trackerguard check --tracker github --apply`` against the GitHub simulator.

The backlog (``github_sim/backlog.py``) spans three scanned repositories plus a roadmap
repository holding a cross-repo parent. Every GraphQL document the adapter sends is
validated against the shared GitHub schema by the simulator; the fixture fails a test that
sent an invalid one.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trackerguard.adapter import MARKER

from .github_sim import REPOS, TOKEN, Fault, GitHubSimulator, build
from .github_sim.harness import Project


@pytest.fixture
def sim() -> Iterator[GitHubSimulator]:
    simulator = GitHubSimulator().start()
    build(simulator.world)
    try:
        yield simulator
    finally:
        simulator.stop()
    assert simulator.invalid_queries == [], simulator.invalid_queries


@pytest.fixture
def project(sim: GitHubSimulator, tmp_path: Path) -> Project:
    return Project(sim, tmp_path, list(REPOS))


def findings(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["rule"], f["item"]) for f in doc["findings"] if f["confidence"] == "high"}


def bot_comments(sim: GitHubSimulator, key: str) -> list[Any]:
    repo, number = key.split("#")
    return [c for c in sim.world.comments_of(repo, int(number)) if MARKER in c.body]


def labels(sim: GitHubSimulator, key: str) -> list[str]:
    issue = sim.world.get(key)
    assert issue is not None
    return issue.labels


ORPHANS = {"acme/web#4", "acme/web#5", "acme/web#9"}


def test_first_run_acts_on_a_realistic_backlog(sim: GitHubSimulator, project: Project) -> None:
    code, doc = project.check()
    assert code == 1, doc["errors"]
    assert doc["tracker"] == "github" and doc["errors"] == []
    keys = {item for _, item in findings(doc)}
    # Orphans (typed, label-less, and an issue with no type at all → default level "work").
    assert {("TG101", k) for k in ORPHANS} <= findings(doc)
    # A goal whose only child is not planned has no plan; it also lacks owner and horizon.
    assert {("TG201", "acme/web#6"), ("TG202", "acme/web#6"), ("TG203", "acme/web#6")} <= (
        findings(doc)
    )
    # Served through sub-issues, across repositories, and through a label-level epic.
    for healthy in (
        "acme/web#1",
        "acme/web#2",
        "acme/api#1",
        "acme/api#3",
        "acme/web#8",
        "acme/ops#1",
        "acme/ops#2",
        "acme/ops#3",
    ):
        assert healthy not in keys
    assert doc["summary"]["items"] == 15  # closed 60 days ago: not read; closed 3 days ago: read
    # One comment per flagged item, by the bot, with the marker; labels and block label.
    for key in ORPHANS | {"acme/web#6"}:
        comments = bot_comments(sim, key)
        assert len(comments) == 1 and comments[0].author == sim.bot_login
        assert "trackerguard" in labels(sim, key)
        assert "trackerguard: blocked" in labels(sim, key)
    # Labels are created with a colour and description, not GitHub's grey default.
    created = sim.world.repos["acme/web"].labels["trackerguard: blocked"]
    assert created.color == "d93f0b" and created.description
    # The open PR that would close a blocked issue gets a failing status on its head.
    status = sim.world.statuses[("acme/web", "a" * 40)]["trackerguard"]
    assert status["state"] == "FAILURE" and status["target_url"].endswith("acme/web/issues/5")
    applied = {a["status"] for a in doc["actions"]}
    assert applied == {"applied"}
    # Reads: one GraphQL page per repo, one batch for the cross-repo parent, one for children.
    assert sim.counts["graphql"] <= 6


def test_unchanged_rerun_writes_nothing(sim: GitHubSimulator, project: Project) -> None:
    project.check()
    sim.reset_counts()
    code, doc = project.check()
    assert code == 1
    assert sim.counts["write"] == 0
    assert doc["actions"] == []


def test_fixing_resolves_comment_labels_and_block(sim: GitHubSimulator, project: Project) -> None:
    project.check()
    before = bot_comments(sim, "acme/web#5")[0]
    sim.world.set_parent("acme/web#5", "acme/web#1")
    sim.world.set_parent("acme/web#4", "acme/web#1")
    sim.reset_counts()
    _code, doc = project.check()
    assert ("TG101", "acme/web#5") not in findings(doc)
    after = bot_comments(sim, "acme/web#5")
    assert [c.id for c in after] == [before.id]  # edited in place, never a second comment
    assert "everything is in order" in after[0].body
    for key in ("acme/web#4", "acme/web#5"):
        assert "trackerguard" not in labels(sim, key)
        assert "trackerguard: blocked" not in labels(sim, key)
    assert sim.world.statuses[("acme/web", "a" * 40)]["trackerguard"]["state"] == "SUCCESS"
    kinds = {(a["item"], a["kind"]) for a in doc["actions"]}
    assert ("acme/web#5", "uncomment") in kinds and ("acme/web#5", "unblock") in kinds
    sim.reset_counts()
    project.check()
    assert sim.counts["write"] == 0


def test_resolved_comments_can_be_deleted(sim: GitHubSimulator, project: Project) -> None:
    project.top = '[actions]\nresolved = "delete"\n'
    project.check()
    sim.world.set_parent("acme/web#9", "acme/web#1")
    project.check()
    assert bot_comments(sim, "acme/web#9") == []


def test_changed_findings_edit_the_same_comment(sim: GitHubSimulator, project: Project) -> None:
    project.check()
    first = bot_comments(sim, "acme/web#6")[0]
    issue = sim.world.get("acme/web#6")
    assert issue is not None
    issue.assignees.append("eve")
    sim.world.touch(issue)
    sim.reset_counts()
    project.check()
    comments = bot_comments(sim, "acme/web#6")
    assert [c.id for c in comments] == [first.id]
    assert "TG202" not in comments[0].body and "TG201" in comments[0].body
    assert sim.counts["write"] == 1


def test_new_pull_request_on_a_blocked_issue_gets_the_failing_status(
    sim: GitHubSimulator, project: Project
) -> None:
    project.check()
    sim.world.pull("acme/web", 101, "b" * 40, ["acme/web#5"])
    sim.reset_counts()
    project.check()
    assert sim.world.statuses[("acme/web", "b" * 40)]["trackerguard"]["state"] == "FAILURE"
    assert sim.counts["write"] == 1  # only the new status: label and old status untouched


def test_human_comment_noise_beyond_the_window(sim: GitHubSimulator, project: Project) -> None:
    project.github = {"comment_window": 3}
    project.check()
    for i in range(5):
        sim.world.comment("acme/web", 4, f"human comment {i}", "someone")
    # The bot comment is the first one, inside the window; put it beyond by re-creating it.
    bot = bot_comments(sim, "acme/web#4")[0]
    sim.world.renumber_comment(bot.id, bot.id + 10_000)
    sim.reset_counts()
    project.check()
    assert len(bot_comments(sim, "acme/web#4")) == 1
    assert sim.counts["write"] == 0
    assert sim.counts["rest_read"] >= 1  # the REST fallback paged the comments


def test_rate_limits_and_server_errors_are_survived(sim: GitHubSimulator, project: Project) -> None:
    sim.faults += [
        Fault("primary", on="graphql", reset_in=1),
        Fault("secondary", on="write", retry_after=1),
        Fault("5xx", count=2, on="graphql"),
    ]
    project.github = {"secondary_wait": 1}
    code, doc = project.check()
    assert code == 1 and doc["errors"] == []
    assert sim.counts["fault_primary"] == 1 and sim.counts["fault_secondary"] == 1
    assert sim.counts["fault_5xx"] == 2
    assert doc["summary"]["requests"]["retry"] == 4
    assert {("TG101", k) for k in ORPHANS} <= findings(doc)
    for key in ORPHANS:
        assert len(bot_comments(sim, key)) == 1


def test_writes_are_spaced(sim: GitHubSimulator, project: Project) -> None:
    project.github = {"write_interval": 0.1}
    project.check()
    times = [entry.at for entry in sim.writes]
    assert len(times) > 5
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Arrival times at a busy server jitter (a delayed request shortens the next gap), so
    # bound the smallest gap loosely and the average tightly.
    assert min(gaps) >= 0.05
    assert sum(gaps) / len(gaps) >= 0.095


def test_budget_exhaustion_stops_the_run_with_exit_3(
    sim: GitHubSimulator, project: Project
) -> None:
    project.github = {"request_budget": 2}
    code, _out, err = project.run("check", "--tracker", "github", "--apply", "--format", "json")
    assert code == 3
    assert "request budget of 2 requests spent" in err
    assert sim.counts["write"] == 0  # nothing acts on a partial read


def test_inaccessible_repository_is_a_per_repo_error(
    sim: GitHubSimulator, project: Project
) -> None:
    project.repos = ["acme/web", "acme/missing"]
    code, doc = project.check(apply=False)
    assert code == 3  # partial: some items were not evaluated
    assert [e["item"] for e in doc["errors"]] == ["acme/missing"]
    assert ("TG101", "acme/web#4") in findings(doc)


def test_bad_token_exits_3_without_echoing_it(sim: GitHubSimulator, project: Project) -> None:
    project.env = {"TRACKERGUARD_GITHUB__TOKEN": "ghp_wrong_secret_value"}
    code, out, err = project.run("check", "--tracker", "github", "--format", "json")
    assert code == 3
    assert "ghp_wrong_secret_value" not in out + err


def test_config_masks_the_token(project: Project) -> None:
    code, out, err = project.run("config")
    assert code == 0
    assert TOKEN not in out + err


def test_server_without_issue_types_falls_back_to_labels(
    sim: GitHubSimulator, project: Project
) -> None:
    sim.issue_types = False
    for issue in sim.world.repos["acme/ops"].issues.values():
        issue.labels.append({"Initiative": "initiative", "Epic": "epic"}.get(issue.type or "", ""))
    project.repos = ["acme/ops"]
    code, doc = project.check(apply=False)
    assert code == 0, doc
    assert any("no issue types" in note for note in doc["notes"])
    assert "IssueTypeFields" in sim.queries[0] and "IssueTypeFields" not in sim.queries[-1]
    assert doc["summary"]["goals"] == 2 and doc["summary"]["work"] == 1


def test_enterprise_server_paths(tmp_path: Path) -> None:
    ghes = GitHubSimulator(prefix="/api/v3", graphql_path="/api/graphql").start()
    # Only the REST prefix is configured: the GraphQL URL is derived (``/api/graphql``).
    try:
        build(ghes.world)
        code, doc = Project(ghes, tmp_path, list(REPOS)).check()
        assert code == 1 and doc["errors"] == []
        assert doc["findings"][0]["url"].startswith(ghes.url + "/acme/")
        assert ghes.counts["graphql"] > 0
    finally:
        ghes.stop()
    assert ghes.invalid_queries == []


def test_query_uses_github_search(sim: GitHubSimulator, project: Project) -> None:
    _code, doc = project.check("--query", "repo:acme/web label:epic", apply=False)
    assert doc["errors"] == []
    assert {i for _, i in findings(doc)} <= {"acme/web#8"}
    assert doc["summary"]["items"] == 1


def test_explicit_keys(sim: GitHubSimulator, project: Project) -> None:
    _code, doc = project.check("acme/web#4", "acme/nope#1", apply=False)
    assert ("TG101", "acme/web#4") in findings(doc)
    assert any(e["item"] == "acme/nope#1" for e in doc["errors"])


def test_github_app_authentication(sim: GitHubSimulator, project: Project) -> None:
    pytest.importorskip("jwt")
    pytest.importorskip("cryptography")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    sim.app_public_key = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    project.github = {"app_id": 42}
    project.env = {"TRACKERGUARD_GITHUB__TOKEN": "", "TRACKERGUARD_GITHUB__APP_PRIVATE_KEY": pem}
    code, doc = project.check()
    assert code == 1 and doc["errors"] == []
    assert {c.author for k in ORPHANS for c in bot_comments(sim, k)} == {"trackerguard-app[bot]"}
    sim.reset_counts()
    code, doc = project.check()
    assert sim.counts["write"] == 0  # its own comments are recognised as "[bot]" comments
    code, out, err = project.run("config")
    assert "PRIVATE KEY" not in out + err
