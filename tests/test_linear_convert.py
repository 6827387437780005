"""Linear node → WorkItem mapping, and every document the adapter sends vs. the schema."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from trackerguard.plugins.linear import queries
from trackerguard.plugins.linear.client import LinearClient, Politeness
from trackerguard.plugins.linear.convert import Converter, kind_of

from trackerguard.adapter import MARKER
from trackerguard.errors import AuthError, BudgetExhausted, RateLimited, TrackerError
from trackerguard.levels import DEFAULT_LEVELS, LevelConfig, LevelMap
from trackerguard.model import StatusCategory
from trackerguard.status import StatusMap
from trackerguard.text.normalize import normalize

from .linear_sim import validate_document

BOT = "bot-1"


def converter(
    levels: list[LevelConfig] | None = None, memory: dict[str, Any] | None = None
) -> Converter:
    levels = levels or list(DEFAULT_LEVELS)
    return Converter(
        web_url="https://linear.app/acme",
        levels=LevelMap(levels),
        configured_types=frozenset(t.casefold() for lv in levels for t in lv.types),
        statuses=StatusMap(),
        bot_user_id=BOT,
        blocked_state="Blocked",
        block_label="trackerguard:blocked",
        blocked_memory=lambda ident: (memory or {}).get(ident),
    )


def issue_node(**changes: Any) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": "uuid-12",
        "identifier": "ENG-12",
        "number": 12,
        "title": "Add export button",
        "description": "## Why\nCustomers **cannot** share reports.",
        "url": "https://evil.example/issue/ENG-12",
        "createdAt": "2026-10-01T10:00:00.000Z",
        "updatedAt": "2026-11-20T10:00:00.000Z",
        "startedAt": None,
        "completedAt": None,
        "canceledAt": None,
        "dueDate": "2026-12-24",
        "team": {"id": "team-eng", "key": "ENG"},
        "state": {"id": "st-todo", "name": "Todo", "type": "unstarted"},
        "assignee": {"id": "u1", "displayName": "bo"},
        "labels": {"nodes": [{"id": "l1", "name": "backend"}]},
        "parent": None,
        "project": {"slugId": "abc123"},
        "projectMilestone": {"name": "Beta", "targetDate": "2027-01-15"},
        "relations": {
            "nodes": [
                {"type": "blocks", "relatedIssue": {"identifier": "ENG-13"}},
                {"type": "related", "relatedIssue": {"identifier": "ENG-14"}},
            ]
        },
        "comments": {
            "nodes": [
                {
                    "id": "c-human",
                    "body": f"{MARKER} copied by a human",
                    "createdAt": "2026-11-02T10:00:00.000Z",
                    "updatedAt": "2026-11-02T10:00:00.000Z",
                    "user": {"id": "u1"},
                },
                {
                    "id": "c-bot",
                    "body": f"{MARKER}\n<!-- trackerguard:fingerprint=abc -->\nfindings",
                    "createdAt": "2026-11-01T10:00:00.000Z",
                    "updatedAt": "2026-11-01T10:00:00.000Z",
                    "user": {"id": BOT},
                },
            ]
        },
    }
    node.update(changes)
    return node


def test_issue_mapping() -> None:
    item = converter().issue(issue_node())
    assert item.key == "ENG-12" and item.type == "Issue" and item.level == "work"
    assert item.url == "https://linear.app/acme/issue/ENG-12"  # never the payload's URL
    assert item.parent == "project:abc123"
    assert item.status == "Todo" and item.status_category is StatusCategory.TODO
    assert item.description == normalize(issue_node()["description"], "markdown")
    assert item.description.startswith("## Why")
    assert item.assignee == "bo" and item.due == date(2026, 12, 24)
    assert item.milestone == "Beta" and item.milestone_due == date(2027, 1, 15)
    assert item.labels == frozenset({"backend"})
    # Relations are links that never count towards a goal by default.
    assert {(link.type, link.target) for link in item.links} == {
        ("blocks", "ENG-13"),
        ("related", "ENG-14"),
    }
    assert item.bot is not None and item.bot.comment is not None
    assert item.bot.comment.id == "c-bot" and item.bot.comment.fingerprint == "abc"
    assert not item.bot.blocked
    assert item.fields["label_ids"] == {"backend": "l1"}


def test_sub_issue_serves_its_parent_and_keeps_the_project_link() -> None:
    item = converter().issue(issue_node(parent={"identifier": "ENG-1"}))
    assert item.parent == "ENG-1"
    assert any(link.type == "part of" and link.target == "project:abc123" for link in item.links)
    orphan = converter().issue(issue_node(project=None))
    assert orphan.parent is None


@pytest.mark.parametrize(
    ("state_type", "name", "category"),
    [
        ("completed", "Shipped", StatusCategory.DONE),
        ("canceled", "Nope", StatusCategory.CANCELLED),
        ("duplicate", "Dup", StatusCategory.CANCELLED),
        ("started", "Coding", StatusCategory.IN_PROGRESS),
        ("backlog", "Icebox", StatusCategory.TODO),
        ("triage", "Triage", StatusCategory.TODO),
    ],
)
def test_issue_status_comes_from_the_state_type(
    state_type: str, name: str, category: StatusCategory
) -> None:
    node = issue_node(state={"id": "s", "name": name, "type": state_type})
    assert converter().issue(node).status_category is category


def test_blocked_state_counts_as_our_block_only_when_remembered() -> None:
    node = issue_node(state={"id": "st-b", "name": "Blocked", "type": "started"})
    assert converter().issue(node).bot.blocked is False  # type: ignore[union-attr]
    item = converter(memory={"uuid-12": {"id": "st-todo", "name": "Todo"}}).issue(node)
    assert item.bot is not None and item.bot.blocked
    assert item.bot.status_before_block == "Todo"
    labelled = issue_node(labels={"nodes": [{"id": "l9", "name": "trackerguard:blocked"}]})
    assert converter().issue(labelled).bot.blocked  # type: ignore[union-attr]


def test_bot_activity_does_not_count_as_movement() -> None:
    item = converter().issue(issue_node())
    # The human comment (Nov 2) is the last activity, not updatedAt (our comment/label).
    assert item.last_activity is not None and item.last_activity.day == 2


def project_node(**changes: Any) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": "p-uuid",
        "slugId": "abc123",
        "name": "CSV export",
        "description": "Let customers export.",
        "content": "## Done when\n- [ ] button",
        "url": "https://linear.app/acme/project/csv-export-abc123",
        "createdAt": "2026-10-01T10:00:00.000Z",
        "updatedAt": "2026-11-20T10:00:00.000Z",
        "startedAt": None,
        "completedAt": None,
        "canceledAt": None,
        "targetDate": "2027-03-31",
        "state": "started",
        "status": {"name": "In Progress", "type": "started"},
        "lead": {"id": "u1", "displayName": "bo"},
        "labels": {"nodes": []},
        "initiatives": {"nodes": [{"id": "i-b"}, {"id": "i-a"}]},
        "comments": {"nodes": []},
    }
    node.update(changes)
    return node


def test_project_mapping() -> None:
    item = converter().project(project_node())
    assert item.key == "project:abc123" and item.type == "Project" and item.level == "epic"
    assert item.url == "https://linear.app/acme/project/abc123"
    assert item.parent == "initiative:i-a"
    assert [link.target for link in item.links] == ["initiative:i-b"]
    assert item.assignee == "bo" and item.due == date(2027, 3, 31)
    assert item.status_category is StatusCategory.IN_PROGRESS
    assert "Let customers export." in item.description and "Done when" in item.description
    done = converter().project(project_node(status={"name": "Completed", "type": "completed"}))
    assert done.status_category is StatusCategory.DONE


def test_initiative_mapping() -> None:
    node = {
        "id": "i-a",
        "slugId": "s1",
        "name": "Grow revenue",
        "description": None,
        "content": "## Key results\n- 35% self-serve",
        "url": "https://linear.app/acme/initiative/x",
        "createdAt": "2026-10-01T10:00:00.000Z",
        "updatedAt": "2026-11-20T10:00:00.000Z",
        "targetDate": None,
        "status": "Active",
        "owner": None,
        "labels": {"nodes": []},
        "parentInitiative": {"id": "i-root"},
    }
    comments = [{"id": "c1", "body": MARKER, "createdAt": "2026-11-01", "user": {"id": BOT}}]
    item = converter().initiative(node, comments)
    assert item.key == "initiative:i-a" and item.level == "initiative"
    assert item.parent == "initiative:i-root"
    assert item.status_category is StatusCategory.IN_PROGRESS
    assert item.assignee is None and item.due is None
    assert item.bot is not None and item.bot.comment is not None


def test_levels_configuration_overrides_the_own_mapping() -> None:
    levels = [
        LevelConfig(name="goal", types=["Project"]),
        LevelConfig(name="task", types=["Issue"], labels=[]),
    ]
    conv = converter(levels)
    assert conv.level_of("Project") == "goal"
    assert conv.level_of("Issue") == "task"
    # Unnamed types still follow the own mapping: initiatives at the top.
    assert conv.level_of("Initiative") == "goal"
    three = converter()
    assert three.level_of("Project") == "epic" and three.level_of("Issue") == "work"
    labelled = [*DEFAULT_LEVELS[:2], LevelConfig(name="work", types=["Task"])]
    epic_label = [
        LevelConfig(name="initiative", types=["Initiative"]),
        LevelConfig(name="epic", labels=["epic"]),
        LevelConfig(name="work"),
    ]
    assert converter(labelled).level_of("Issue") == "work"
    assert converter(epic_label).level_of("Issue", frozenset({"epic"})) == "epic"


def test_key_kinds() -> None:
    assert kind_of("ENG-1") == "issue"
    assert kind_of("project:abc") == "project"
    assert kind_of("initiative:x") == "initiative"


@pytest.mark.parametrize("name", sorted(queries.ALL_DOCUMENTS))
def test_every_document_validates_against_the_shared_schema(name: str) -> None:
    assert validate_document(queries.ALL_DOCUMENTS[name]) == []


# -- the client, over httpx's mock transport (no network) -----------------------------------
def client(handler: Any, **politeness: Any) -> tuple[LinearClient, list[float], dict[str, int]]:
    sleeps: list[float] = []
    counters: dict[str, int] = {}
    return (
        LinearClient(
            "https://api.linear.test/graphql",
            lambda: "lin_api_SECRET",
            counters,
            Politeness(**{"backoff": 0.5, **politeness}),
            sleep=sleeps.append,
            wall=lambda: 1_000.0,
            transport=httpx.MockTransport(handler),
        ),
        sleeps,
        counters,
    )


def test_client_sends_the_key_without_bearer_and_waits_for_the_reset() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(
                400,
                json={"errors": [{"message": "limited", "extensions": {"code": "RATELIMITED"}}]},
                headers={
                    "x-ratelimit-requests-remaining": "0",
                    "x-ratelimit-requests-reset": str(1_012_000),  # epoch ms: 12 s from now
                },
            )
        return httpx.Response(200, json={"data": {"viewer": {"id": "me"}}})

    c, sleeps, counters = client(handler)
    assert c.execute("{ viewer { id } }") == {"viewer": {"id": "me"}}
    assert calls[0].headers["authorization"] == "lin_api_SECRET"
    assert sleeps and 12 <= sleeps[0] < 13
    assert counters == {"read": 1, "retry": 1}


def test_client_429_honours_retry_after_and_5xx_backs_off() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"retry-after": "7"}),
            httpx.Response(503, text="down"),
            httpx.Response(200, json={"data": {"ok": True}}),
        ]
    )
    c, sleeps, _ = client(lambda request: next(answers))
    assert c.execute("{ ok }") == {"ok": True}
    assert sleeps == [7.0, 1.0]


def test_client_errors_never_echo_the_key() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400,
            json={"errors": [{"message": "nope", "extensions": {"code": "AUTHENTICATION_ERROR"}}]},
        )

    c, _, _ = client(handler)
    with pytest.raises(AuthError) as caught:
        c.execute("{ viewer { id } }", operation="identity")
    assert "lin_api_SECRET" not in str(caught.value)


def test_client_errors_with_http_200_raise() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": None, "errors": [{"message": "boom"}]})

    c, _, _ = client(handler)
    with pytest.raises(TrackerError, match="boom"):
        c.execute("{ viewer { id } }")


def test_client_gives_up_and_respects_budget_and_max_wait() -> None:
    def limited(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"retry-after": "1"})

    c, sleeps, _ = client(limited, max_retries=2)
    with pytest.raises(RateLimited):
        c.execute("{ ok }")
    assert len(sleeps) == 2
    c, _, _ = client(lambda r: httpx.Response(429, headers={"retry-after": "5000"}), max_wait=60)
    with pytest.raises(RateLimited, match="max_wait"):
        c.execute("{ ok }")
    c, _, _ = client(lambda r: httpx.Response(200, json={"data": {}}), request_budget=1)
    c.execute("{ ok }")
    with pytest.raises(BudgetExhausted):
        c.execute("{ ok }")


def test_every_linear_key_is_documented() -> None:
    from pathlib import Path

    from trackerguard.plugins.linear.settings import LinearSettings

    text = (Path(__file__).resolve().parents[1] / "docs" / "linear.md").read_text()
    for key in LinearSettings.model_fields:
        assert f"`{key}`" in text, key
