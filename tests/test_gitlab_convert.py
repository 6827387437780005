"""GitLab issue/epic JSON → WorkItem mapping (no network)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from trackerguard.plugins.gitlab.convert import (
    Converter,
    convert_links,
    epic_key_of_issue,
    split_epic_key,
    split_issue_key,
)

from trackerguard.adapter import MARKER
from trackerguard.levels import DEFAULT_LEVELS, LevelConfig, LevelMap
from trackerguard.model import StatusCategory
from trackerguard.status import StatusMap


def converter(**options: Any) -> Converter:
    levels = options.pop("levels", LevelMap(DEFAULT_LEVELS))
    return Converter(
        tracker="gitlab",
        web_url="https://gitlab.example.com",
        levels=levels,
        statuses=options.pop("statuses", StatusMap()),
        default_level=options.pop("default_level", levels.bottom),
        blocked_label="trackerguard::blocked",
        bot_username=options.pop("bot_username", "tg-bot"),
        cancelled_labels=frozenset({"wontfix", "duplicate"}),
        **options,
    )


def issue(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 501,
        "iid": 12,
        "project_id": 14,
        "title": "Shorten the signup form",
        "description": "## Why\nUsers *abandon* signup.",
        "state": "opened",
        "created_at": "2026-11-01T10:00:00.000Z",
        "updated_at": "2026-11-20T10:00:00.000Z",
        "closed_at": None,
        "labels": [],
        "milestone": None,
        "assignees": [{"id": 3, "username": "ana"}],
        "author": {"username": "bo"},
        "issue_type": "issue",
        "user_notes_count": 0,
        "due_date": None,
        "web_url": "https://evil.example.net/acme/web/-/issues/12",
        "references": {"short": "#12", "relative": "#12", "full": "acme/web#12"},
    }
    base.update(fields)
    return base


def test_basic_issue_mapping() -> None:
    item = converter().convert_issue(issue())
    assert item.tracker == "gitlab" and item.key == "acme/web#12"
    # The URL is built from the configured instance, never taken from the payload.
    assert item.url == "https://gitlab.example.com/acme/web/-/issues/12"
    assert item.type == "Issue" and item.level == "work"
    assert item.status == "Open" and item.status_category is StatusCategory.TODO
    assert item.assignee == "ana" and item.fields["author"] == "bo"
    assert "abandon" in item.description and "*abandon*" not in item.description
    assert item.created is not None and item.created.tzinfo is not None
    assert item.bot is not None and item.bot.comment is None and not item.bot.blocked


def test_types_and_levels() -> None:
    conv = converter()
    assert conv.convert_issue(issue(issue_type="task")).type == "Task"
    assert conv.convert_issue(issue(issue_type="incident")).type == "Incident"
    # A scoped level label wins, so teams without epics can mark goals with labels.
    assert conv.convert_issue(issue(labels=["level::epic"])).level == "epic"
    assert conv.convert_issue(issue(labels=["Level::Initiative"])).level == "initiative"
    assert conv.convert_issue(issue(labels=["level::nonsense"])).level == "work"
    # Configured level labels work too.
    levels = LevelMap([*DEFAULT_LEVELS[:2], LevelConfig(name="work", labels=["feature"])])
    labelled = converter(levels=levels, default_level=None)
    assert labelled.convert_issue(issue(labels=["feature"])).level == "work"
    assert labelled.convert_issue(issue()).level is None  # default_level = "" → ignored


def test_status_from_state_and_labels() -> None:
    conv = converter()
    closed = conv.convert_issue(issue(state="closed", closed_at="2026-11-21T00:00:00Z"))
    assert closed.status_category is StatusCategory.DONE
    dropped = conv.convert_issue(issue(state="closed", labels=["WontFix"]))
    assert dropped.status_category is StatusCategory.CANCELLED
    doing = conv.convert_issue(issue(labels=["workflow::In Progress"]))
    assert doing.status == "In Progress" and doing.status_category is StatusCategory.IN_PROGRESS
    rejected = conv.convert_issue(issue(state="closed", labels=["status::Won't Do"]))
    assert rejected.status_category is StatusCategory.CANCELLED
    open_done = conv.convert_issue(issue(labels=["workflow::Done"]))
    assert open_done.status_category is StatusCategory.IN_PROGRESS  # open is not finished


def test_milestone_due_and_horizon() -> None:
    item = converter().convert_issue(
        issue(
            milestone={"id": 9, "title": "2030.1", "due_date": "2030-03-31"}, due_date="2030-01-15"
        )
    )
    assert item.milestone == "2030.1" and item.milestone_due == date(2030, 3, 31)
    assert item.due == date(2030, 1, 15) and item.has_horizon


def test_parent_from_hierarchy_or_the_rest_epic_field() -> None:
    conv = converter()
    assert conv.convert_issue(issue(), parent="acme/web#1").parent == "acme/web#1"
    epic = {"id": 77, "iid": 3, "url": "/groups/acme/platform/-/epics/3", "group_id": 8}
    assert conv.convert_issue(issue(epic=epic)).parent == "acme/platform&3"
    assert epic_key_of_issue({"epic": {"iid": 3, "group_id": 8}}) == "8&3"
    assert epic_key_of_issue({"epic": None}) is None


def test_bot_note_found_by_marker_and_author() -> None:
    conv = converter()
    notes = [
        {"id": 5, "body": "human", "author": {"username": "ana"}, "system": False},
        {"id": 6, "body": f"{MARKER} copied", "author": {"username": "mallory"}, "system": False},
        {
            "id": 9,
            "body": f"{MARKER}\n<!-- trackerguard:fingerprint=abc123 -->\nfix it",
            "author": {"username": "TG-Bot"},
            "system": False,
            "updated_at": "2026-11-25T00:00:00Z",
        },
        {"id": 10, "body": f"{MARKER}", "author": {"username": "tg-bot"}, "system": True},
    ]
    item = conv.convert_issue(issue(user_notes_count=3), notes)
    assert item.bot is not None and item.bot.comment is not None
    assert item.bot.comment.id == "9" and item.bot.comment.fingerprint == "abc123"
    # Mallory's note carries the marker but is not the bot's: ignored, counted once.
    assert item.bot.foreign_markers == 1 and item.bot.duplicates == ()
    # Without a known identity (a dry run only: writing needs it) the marker alone decides:
    # the newest marked note is the comment, older ones are duplicates.
    anonymous = converter(bot_username=None).convert_issue(issue(), notes)
    assert anonymous.bot is not None and anonymous.bot.comment is not None
    assert anonymous.bot.comment.id == "9" and anonymous.bot.duplicates == ("6",)


def test_blocked_label_and_activity_excludes_the_bot() -> None:
    conv = converter()
    notes = [
        {
            "id": 1,
            "body": "hi",
            "author": {"username": "ana"},
            "created_at": "2026-11-10T00:00:00Z",
        },
        {
            "id": 2,
            "body": MARKER,
            "author": {"username": "tg-bot"},
            "created_at": "2026-11-26T00:00:00Z",
        },
    ]
    item = conv.convert_issue(issue(labels=["trackerguard::blocked"]), notes)
    assert item.bot is not None and item.bot.blocked
    assert item.last_activity is not None and item.last_activity.day == 10
    untouched = conv.convert_issue(issue())
    assert untouched.last_activity == untouched.updated


def test_epic_mapping() -> None:
    epic = {
        "id": 77,
        "iid": 3,
        "group_id": 8,
        "parent_iid": 1,
        "title": "Billing reliability",
        "description": "## Success criteria\n- 99.9%",
        "state": "opened",
        "labels": ["level::initiative"],
        "due_date": "2030-06-30",
        "references": {"short": "&3", "full": "acme&3"},
        "web_url": "https://evil.example.net/x",
    }
    item = converter().convert_epic(epic, "acme")
    assert item.key == "acme&3" and item.type == "Epic" and item.level == "initiative"
    assert item.url == "https://gitlab.example.com/groups/acme/-/epics/3"
    assert item.parent == "acme&1" and item.due == date(2030, 6, 30)
    plain = converter().convert_epic({**epic, "labels": [], "references": {}}, "acme")
    assert plain.level == "epic" and plain.key == "acme&3"


def test_links_are_seen_from_the_asking_issue() -> None:
    rows = [
        {"references": {"full": "acme/web#1"}, "link_type": "relates_to"},
        {"references": {"full": "acme/api#2"}, "link_type": "is_blocked_by"},
        {"references": {}, "link_type": "blocks"},
    ]
    links = convert_links(rows)
    assert [(x.type, x.direction, x.target, x.name) for x in links] == [
        ("relates to", "outward", "acme/web#1", "relates_to"),
        ("is blocked by", "outward", "acme/api#2", "is_blocked_by"),
    ]


@pytest.mark.parametrize(
    ("key", "issue_part", "epic_part"),
    [
        ("acme/web#12", ("acme/web", 12), None),
        ("a/b/c#1", ("a/b/c", 1), None),
        ("acme&3", None, ("acme", 3)),
        ("acme/sub&3", None, ("acme/sub", 3)),
        ("acme/web", None, None),
        ("#12", None, None),
        ("acme/web#x", None, None),
    ],
)
def test_key_parsing(key: str, issue_part: Any, epic_part: Any) -> None:
    assert split_issue_key(key) == issue_part
    assert split_epic_key(key) == epic_part


def test_horizon_is_the_due_date_else_the_iteration_end() -> None:
    sprint = {"id": 9, "title": "Sprint 14", "start_date": "2026-11-02", "due_date": "2026-11-15"}
    item = converter().convert_issue(issue(iteration=sprint))
    assert item.due == date(2026, 11, 15) and item.fields["iteration"] == "Sprint 14"
    own = converter().convert_issue(issue(iteration=sprint, due_date="2026-12-01"))
    assert own.due == date(2026, 12, 1)
    assert converter().convert_issue(issue()).due is None


def test_workflow_scoped_label_gives_the_status_category() -> None:
    moving = converter().convert_issue(issue(labels=["workflow::In Progress"]))
    assert moving.status == "In Progress"
    assert moving.status_category is StatusCategory.IN_PROGRESS
    assert converter().convert_issue(issue()).status_category is StatusCategory.TODO


def test_a_persons_system_notes_are_movement_the_bots_are_not() -> None:
    marker = f"{MARKER}\n<!-- trackerguard:fingerprint=abc -->\nfindings"
    notes = [
        {
            "id": 1,
            "body": marker,
            "author": {"username": "tg-bot"},
            "system": False,
            "created_at": "2026-11-21T10:00:00Z",
        },
        {
            "id": 2,
            "body": "added ~trackerguard label",
            "author": {"username": "tg-bot"},
            "system": True,
            "created_at": "2026-11-25T10:00:00Z",
        },
    ]
    item = converter().convert_issue(issue(updated_at="2026-11-25T10:00:00Z"), notes=notes)
    assert item.last_activity is not None and item.last_activity.day == 1  # creation
    person = {
        "id": 3,
        "body": "changed the description",
        "author": {"username": "ana"},
        "system": True,
        "created_at": "2026-11-24T10:00:00Z",
    }
    moved = converter().convert_issue(
        issue(updated_at="2026-11-25T10:00:00Z"), notes=[*notes, person]
    )
    assert moved.last_activity is not None and moved.last_activity.day == 24
