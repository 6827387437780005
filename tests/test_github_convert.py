"""GraphQL issue node → WorkItem mapping: levels, statuses, bot traces, activity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from trackerguard.plugins.github.adapter import GitHubAdapter, default_urls
from trackerguard.plugins.github.settings import GitHubSettings

from trackerguard.adapter import MARKER, AdapterContext
from trackerguard.errors import ConfigError
from trackerguard.levels import LevelConfig, LevelMap
from trackerguard.model import StatusCategory
from trackerguard.settings import Settings
from trackerguard.state import StateStore
from trackerguard.status import StatusMap

LEVELS = [
    LevelConfig(name="initiative", types=["Initiative"], labels=["initiative"]),
    LevelConfig(name="epic", types=["Epic"], labels=["epic"]),
    LevelConfig(name="work", types=["Task", "Bug"]),
]


def make(tmp_path: Path | None = None, **options: Any) -> GitHubAdapter:
    settings = GitHubSettings.model_validate(
        {"repos": ["acme/web"], "bot_login": "tg-bot", **options}
    )
    state = StateStore(tmp_path / "state.db") if tmp_path else None
    context = AdapterContext(Settings(), LevelMap(LEVELS), StatusMap(), state)
    return GitHubAdapter(settings, context)


def node(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "I_1",
        "databaseId": 1,
        "number": 7,
        "title": "Something",
        "body": "## Why\nBecause.",
        "state": "OPEN",
        "stateReason": None,
        "createdAt": "2026-01-01T00:00:00Z",
        "updatedAt": "2026-03-01T00:00:00Z",
        "closedAt": None,
        "lastEditedAt": None,
        "repository": {"nameWithOwner": "acme/web"},
        "author": {"login": "ana"},
        "milestone": {"number": 2, "title": "2030.1", "dueOn": "2030-06-30T07:00:00Z"},
        "assignees": {"nodes": [{"login": "bo"}, {"login": "cy"}]},
        "labels": {"nodes": []},
        "parent": {"number": 1, "repository": {"nameWithOwner": "acme/roadmap"}},
        "subIssuesSummary": {"total": 0, "completed": 0},
        "comments": {"totalCount": 0, "nodes": []},
        "closedByPullRequestsReferences": {"nodes": []},
        "issueType": {"name": "Task"},
    }
    base.update(fields)
    return base


def test_fields_are_mapped() -> None:
    item = make().converter.convert(node())
    assert item.key == "acme/web#7" and item.url == "https://github.com/acme/web/issues/7"
    assert item.parent == "acme/roadmap#1" and item.level == "work" and item.type == "Task"
    assert item.assignee == "bo" and item.fields["assignees"] == ["bo", "cy"]
    assert item.milestone == "2030.1" and str(item.milestone_due) == "2030-06-30"
    assert item.status_category is StatusCategory.TODO
    assert item.created is not None and item.created.tzinfo is not None


@pytest.mark.parametrize(
    ("state", "reason", "category"),
    [
        ("CLOSED", "NOT_PLANNED", StatusCategory.CANCELLED),
        ("CLOSED", "DUPLICATE", StatusCategory.CANCELLED),
        ("CLOSED", "COMPLETED", StatusCategory.DONE),
        ("CLOSED", None, StatusCategory.DONE),
        ("OPEN", "REOPENED", StatusCategory.TODO),
    ],
)
def test_state_reason(state: str, reason: str | None, category: StatusCategory) -> None:
    item = make().converter.convert(node(state=state, stateReason=reason))
    assert item.status_category is category


def test_visible_progress_means_in_progress() -> None:
    item = make().converter.convert(node(subIssuesSummary={"total": 3, "completed": 1}))
    assert item.status_category is StatusCategory.IN_PROGRESS


def test_levels_from_type_then_labels_then_default() -> None:
    conv = make().converter
    assert conv.convert(node(issueType={"name": "Epic"})).level == "epic"
    labelled = node(issueType=None, labels={"nodes": [{"name": "initiative"}]})
    assert conv.convert(labelled).level == "initiative"
    assert conv.convert(node(issueType=None)).level == "work"  # default: bottom level
    assert conv.convert(node(issueType={"name": "Question"})).level is None
    assert make(default_level="").converter.convert(node(issueType=None)).level is None
    assert make(default_level="epic").converter.convert(node(issueType=None)).level == "epic"
    with pytest.raises(ConfigError, match="default_level"):
        _ = make(default_level="story").converter


def test_bot_comment_needs_marker_and_login() -> None:
    comments = [
        {"databaseId": 5, "body": f"{MARKER} quoted by a human", "author": {"login": "ana"}},
        {
            "databaseId": 9,
            "body": f"{MARKER}\n<!-- trackerguard:fingerprint=abc -->\nhi",
            "author": {"login": "tg-bot[bot]"},
            "updatedAt": "2026-04-01T00:00:00Z",
        },
    ]
    item = make().converter.convert(node(comments={"totalCount": 2, "nodes": comments}))
    assert item.bot is not None and item.bot.comment is not None
    assert item.bot.comment.id == "9" and item.bot.comment.fingerprint == "abc"
    # The bot's comment bumped updatedAt; activity ignores it.
    assert item.last_activity is not None and item.last_activity.isoformat().startswith(
        "2026-01-01"
    )


def test_blocked_needs_label_and_failing_status_on_every_open_pr() -> None:
    def pr(number: int, state: str | None) -> dict[str, Any]:
        status = {"context": {"state": state}} if state else None
        return {
            "number": number,
            "state": "OPEN",
            "repository": {"nameWithOwner": "acme/web"},
            "commits": {"nodes": [{"commit": {"oid": f"{number:040d}", "status": status}}]},
        }

    conv = make().converter
    label = {"nodes": [{"name": "trackerguard: blocked"}]}
    both = {"nodes": [pr(1, "FAILURE"), pr(2, None)]}
    item = conv.convert(node(labels=label, closedByPullRequestsReferences=both))
    assert item.bot is not None and not item.bot.blocked  # PR 2 still needs the status
    one = {"nodes": [pr(1, "FAILURE")]}
    assert conv.convert(node(labels=label, closedByPullRequestsReferences=one)).bot.blocked  # type: ignore[union-attr]
    # A leftover failing status without the label still counts, so unblock cleans it up.
    assert conv.convert(node(closedByPullRequestsReferences=one)).bot.blocked  # type: ignore[union-attr]


def test_enterprise_urls() -> None:
    assert default_urls("https://ghe.example.com/api/v3") == (
        "https://ghe.example.com/api/graphql",
        "https://ghe.example.com",
    )
    assert default_urls("https://api.github.com") == (
        "https://api.github.com/graphql",
        "https://github.com",
    )


def test_webhook_parsing_uses_the_remembered_bot_login(tmp_path: Path) -> None:
    gh = make(tmp_path, bot_login=None)
    assert gh.context.state is not None
    gh.context.state.remember("github", "bot_login", "tg-bot")
    body = b'{"action": "labeled", "issue": {"number": 1}, "repository": {"full_name": "a/b"},'
    body += b' "sender": {"login": "tg-bot"}}'
    event = gh.parse_webhook({"X-GitHub-Event": "issues", "X-GitHub-Delivery": "x"}, body)
    assert event.ignored == "trackerguard's own write"
    gh.context.state.close()


def test_settings_accept_one_repo_string_and_reject_bad_names() -> None:
    assert GitHubSettings(repos="acme/web, acme/api").repos == ["acme/web", "acme/api"]  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="owner/name"):
        GitHubSettings(repos=["acme"])


def test_activity_sees_the_newest_human_comments_past_the_comment_window() -> None:
    ours = {
        "databaseId": 9,
        "body": f"{MARKER}\n<!-- trackerguard:fingerprint=abc -->\nhi",
        "author": {"login": "tg-bot"},
        "createdAt": "2026-02-01T00:00:00Z",
    }
    latest = [
        {"body": "picked this up", "author": {"login": "ana"}, "createdAt": "2026-02-20T00:00:00Z"},
        {**ours, "createdAt": "2026-03-01T00:00:00Z"},
    ]
    item = make().converter.convert(
        node(
            comments={"totalCount": 40, "nodes": [ours]},
            latestComments={"nodes": latest},
        )
    )
    assert item.last_activity is not None
    assert item.last_activity.isoformat().startswith("2026-02-20")  # the person, not the bot


def test_project_status_and_iteration_horizon_for_issues_in_the_project() -> None:
    adapter = make(project={"owner": "acme", "number": 7})
    adapter.project_id = "PVT_1"
    membership = {
        "project": {"id": "PVT_1"},
        "status": {"name": "In Progress", "updatedAt": "2026-04-02T00:00:00Z"},
        "h0": None,
        "h1": {},
        "h2": {"startDate": "2026-05-04", "duration": 14, "updatedAt": "2026-04-01T00:00:00Z"},
    }
    other = {"project": {"id": "PVT_other"}, "status": {"name": "Done"}}
    item = adapter.converter.convert(node(projectItems={"nodes": [other, membership]}))
    assert item.status == "In Progress"
    assert item.status_category is StatusCategory.IN_PROGRESS
    assert item.due is not None and item.due.isoformat() == "2026-05-17"
    assert item.fields["project_horizon_field"] == "Iteration"
    assert item.last_activity is not None and item.last_activity.isoformat().startswith(
        "2026-04-02"
    )
    outside = adapter.converter.convert(node(projectItems={"nodes": [other]}))
    assert outside.status == "Open" and outside.due is None
    closed = adapter.converter.convert(
        node(state="CLOSED", stateReason="COMPLETED", projectItems={"nodes": [membership]})
    )
    assert closed.status_category is StatusCategory.DONE  # a closed issue stays closed
