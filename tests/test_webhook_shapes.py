"""Real webhook payload shapes, per tracker: what each one queues (parsing only).

The payloads here are written for these tests in the shapes the trackers send (field names
and nesting as documented or captured; the values are ours): Jira Server comment events
without an ``issue``, Jira issue link events, Linear comments of 2021–2023 and of today,
comments on Linear projects, Linear initiatives, GitHub transferred issues, GitLab group
epics delivered as work items.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from trackerguard.plugins.github.webhooks import parse_webhook as parse_github
from trackerguard.plugins.gitlab.webhooks import GitLabScope
from trackerguard.plugins.gitlab.webhooks import parse_webhook as parse_gitlab
from trackerguard.plugins.jira.webhooks import JiraScope, comment_issue_id, plain_projects
from trackerguard.plugins.jira.webhooks import parse as parse_jira
from trackerguard.plugins.linear.webhooks import parse_webhook as parse_linear

from trackerguard.adapter import WebhookError, WebhookEvent


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


# -- Jira ------------------------------------------------------------------------------------
def _jira(payload: dict[str, Any], query: str | None = "project = ACME") -> WebhookEvent:
    return parse_jira(
        {"X-Atlassian-Webhook-Identifier": "jira-1"},
        _body(payload),
        bot_ids={"tg-bot"},
        scope=JiraScope(query),
    )


def _server_comment(event: str, self_url: str) -> dict[str, Any]:
    """Jira Server/DC comment events: no ``issue`` object, the issue id only in the URL."""
    return {
        "timestamp": 1_795_000_000_000,
        "webhookEvent": event,
        "comment": {
            "self": self_url,
            "id": "31039",
            "author": {"name": "ana", "key": "JIRAUSER10100", "displayName": "Ana"},
            "body": "Which goal does this serve?",
            "updateAuthor": {"name": "ana", "key": "JIRAUSER10100"},
            "created": "2026-11-20T10:00:00.000+0000",
            "updated": "2026-11-20T10:00:00.000+0000",
        },
    }


@pytest.mark.parametrize("event", ["comment_created", "comment_updated", "comment_deleted"])
def test_jira_server_comment_events_queue_the_issue_named_in_comment_self(event: str) -> None:
    url = "https://jira.example.com/rest/api/2/issue/26313/comment/31039"
    parsed = _jira(_server_comment(event, url))
    assert parsed.ignored is None and parsed.keys == ()
    # by id, inside the configured query: an issue outside it is never judged
    assert parsed.query == "(project = ACME) AND id in (26313)"
    assert parsed.actor == "JIRAUSER10100"


def test_jira_comment_self_under_a_context_path_and_without_a_query() -> None:
    url = "https://example.com/jira/rest/api/2/issue/10777/comment/5"
    assert _jira(_server_comment("comment_created", url), query=None).query == "id in (10777)"


@pytest.mark.parametrize(
    "url",
    [
        "https://jira.example.com/rest/api/2/issue/ACME-1/comment/5",  # a key, not an id
        "https://jira.example.com/rest/api/2/issue/1 OR 1=1/comment/5",
        "https://jira.example.com/browse/ACME-1",
        "not a url at all",
        "",
    ],
)
def test_jira_comment_without_an_issue_or_a_readable_id_is_a_400(url: str) -> None:
    with pytest.raises(WebhookError, match=r"comment\.self"):
        _jira(_server_comment("comment_created", url))


def test_comment_issue_id_reads_only_the_path() -> None:
    assert comment_issue_id("https://h/rest/api/2/issue/26313/comment/31039") == "26313"
    assert comment_issue_id("https://h/rest/api/latest/issue/7/comment/8/") == "7"
    assert comment_issue_id("https://h/rest/api/2/issue/7/comment/8?x=/issue/9/comment/1") == "7"
    assert comment_issue_id("https://h/rest/api/2/issue/7") is None


def test_jira_cloud_comment_with_issue_is_queued_by_key() -> None:
    url = "https://acme.atlassian.net/rest/api/3/issue/10022/comment/1"
    payload = _server_comment("comment_created", url)
    payload["issue"] = {"id": "10022", "key": "ACME-22", "fields": {"summary": "x"}}
    assert _jira(payload).keys == ("ACME-22",)


def test_own_server_comment_is_still_ignored() -> None:
    payload = _server_comment("comment_created", "https://h/rest/api/2/issue/1/comment/2")
    payload["comment"]["author"] = {"name": "tg-bot"}
    payload["comment"]["updateAuthor"] = {"name": "tg-bot"}
    assert _jira(payload).ignored == "trackerguard's own comment"


@pytest.mark.parametrize("event", ["issuelink_created", "issuelink_deleted"])
def test_jira_issue_link_events_queue_both_ends(event: str) -> None:
    payload = {
        "timestamp": 1_795_000_000_000,
        "webhookEvent": event,
        "issueLink": {
            "id": 10400,
            "sourceIssueId": 10022,
            "destinationIssueId": 10031,
            "issueLinkType": {
                "id": 10000,
                "name": "Implements",
                "outwardName": "implements",
                "inwardName": "is implemented by",
                "isSubTaskLinkType": False,
                "isSystemLinkType": False,
            },
            "sequence": 0,
            "systemLink": False,
        },
    }
    parsed = _jira(payload)
    assert parsed.ignored is None
    assert parsed.query == "(project = ACME) AND id in (10022, 10031)"


def test_jira_issue_link_without_both_ends_is_a_400() -> None:
    payload = {"webhookEvent": "issuelink_created", "issueLink": {"sourceIssueId": 1}}
    with pytest.raises(WebhookError, match="destinationIssueId"):
        _jira(payload)


# -- Linear ----------------------------------------------------------------------------------
def _linear(payload: dict[str, Any], *, teams: tuple[str, ...] = ("ENG", "LIN"), **kw: Any) -> Any:
    return parse_linear(
        {"Linear-Delivery": "lin-1"},
        _body(payload),
        tracker="linear",
        bot_user_id="bot-1",
        teams=teams,
        **kw,
    )


def _comment(data: dict[str, Any], url: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "action": "create",
        "type": "Comment",
        "createdAt": "2026-11-20T10:00:00.000Z",
        "actor": {"id": "user-ana", "name": "Ana", "type": "user"},
        "organizationId": "0e2a6c9b-1111-4222-8333-444455556666",
        "webhookTimestamp": 1_795_000_000_000,
        "webhookId": "4b1f0c2e-aaaa-4bbb-8ccc-ddddeeeeffff",
        "data": {
            "id": "c1a2b3c4-0000-4000-8000-000000000001",
            "createdAt": "2026-11-20T10:00:00.000Z",
            "updatedAt": "2026-11-20T10:00:00.000Z",
            "body": "What does this serve?",
            "userId": "user-ana",
            **data,
        },
    }
    if url is not None:
        payload["url"] = url
    return payload


ISSUE_UUID = "8d4b3a52-1234-4abc-8def-000000000028"


def test_linear_comment_2021_shape_is_queued_from_the_url() -> None:
    """2021–2023: ``issue`` is only ``{id, title}``; the key is in the top-level URL."""
    payload = _comment(
        {"issueId": ISSUE_UUID, "issue": {"id": ISSUE_UUID, "title": "Add export"}},
        url="https://linear.app/acme/issue/LIN-28#comment-7d0b6a1e",
    )
    parsed = _linear(payload)
    assert parsed.keys == ("LIN-28",) and parsed.ignored is None


def test_linear_comment_url_with_a_slug_after_the_identifier() -> None:
    payload = _comment(
        {"issueId": ISSUE_UUID},
        url="https://linear.app/acme/issue/ENG-5/add-export-button#comment-1",
    )
    assert _linear(payload).keys == ("ENG-5",)


def test_linear_comment_current_shape_uses_the_identifier() -> None:
    issue = {
        "id": ISSUE_UUID,
        "title": "Add export",
        "identifier": "ENG-28",
        "url": "https://linear.app/acme/issue/ENG-28/add-export",
        "teamId": "team-uuid",
        "team": {"id": "team-uuid", "key": "ENG", "name": "Engineering"},
    }
    payload = _comment({"issueId": ISSUE_UUID, "issue": issue})
    assert _linear(payload).keys == ("ENG-28",)


def test_linear_comment_naming_its_issue_by_id_only_becomes_a_query_job() -> None:
    parsed = _linear(_comment({"issueId": ISSUE_UUID}))
    assert parsed.keys == () and parsed.ignored is None
    assert json.loads(parsed.query) == {"id": {"eq": ISSUE_UUID}}


def test_linear_comments_on_projects() -> None:
    by_field = _comment(
        {"projectId": "p-uuid", "project": {"id": "p-uuid", "slugId": "ab12cd34ef56"}}
    )
    assert _linear(by_field).keys == ("project:ab12cd34ef56",)
    by_url = _comment(
        {"projectId": "p-uuid"},
        url="https://linear.app/acme/project/self-serve-export-ab12cd34ef56#comment-9",
    )
    assert _linear(by_url).keys == ("project:ab12cd34ef56",)
    update = _comment(
        {"projectUpdateId": "pu-uuid"},
        url="https://linear.app/acme/project/self-serve-export-ab12cd34ef56/updates#comment-2",
    )
    assert _linear(update).keys == ("project:ab12cd34ef56",)


def test_linear_comment_on_something_else_is_ignored() -> None:
    parsed = _linear(
        _comment({"documentContentId": "d-uuid"}, url="https://linear.app/acme/document/x")
    )
    assert parsed.ignored == "comment on an item trackerguard does not judge"


def test_linear_project_and_initiative_events() -> None:
    project = {
        "action": "update",
        "type": "Project",
        "actor": {"id": "user-ana"},
        "data": {"id": "p-uuid", "name": "Self-serve export", "slugId": "ab12cd34ef56"},
    }
    assert _linear(project).keys == ("project:ab12cd34ef56",)
    initiative = {
        "action": "update",
        "type": "Initiative",
        "actor": {"id": "user-ana"},
        "data": {"id": "5e0c7a9d-0000-4000-8000-00000000000a", "name": "Grow revenue"},
    }
    assert _linear(initiative).keys == ("initiative:5e0c7a9d-0000-4000-8000-00000000000a",)
    off = _linear(initiative, initiatives=False)
    assert off.keys == () and off.ignored.startswith("out of scope")
    removed = _linear({**initiative, "action": "remove"})
    assert removed.ignored == "the initiative was removed"


# -- GitHub ----------------------------------------------------------------------------------
def _github(event: str, payload: dict[str, Any], repos: tuple[str, ...] = ("acme/web",)) -> Any:
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": "gh-1"}
    return parse_github(headers, _body(payload), tracker="github", bot_login="tg", repos=repos)


def _transferred(new_repo: str, new_number: int) -> dict[str, Any]:
    return {
        "action": "transferred",
        "changes": {
            "new_issue": {
                "number": new_number,
                "repository_url": f"https://api.github.com/repos/{new_repo}",
                "title": "Export button",
            },
            "new_repository": {"full_name": new_repo, "name": new_repo.split("/")[1]},
        },
        "issue": {
            "number": 7,
            "repository_url": "https://api.github.com/repos/acme/old",
            "title": "Export button",
        },
        "repository": {"full_name": "acme/old"},
        "sender": {"login": "ana"},
    }


def test_github_transferred_issue_is_queued_at_its_new_location() -> None:
    parsed = _github("issues", _transferred("acme/web", 31), repos=("acme/web", "acme/old"))
    assert parsed.keys == ("acme/web#31",)
    out = _github("issues", _transferred("elsewhere/app", 3), repos=("acme/old",))
    assert out.keys == () and out.ignored.startswith("out of scope")


def test_github_transferred_without_changes_is_a_400() -> None:
    payload = _transferred("acme/web", 31)
    del payload["changes"]
    with pytest.raises(WebhookError, match="changes"):
        _github("issues", payload)


# -- GitLab ----------------------------------------------------------------------------------
def _gitlab(payload: dict[str, Any], *, groups: tuple[str, ...] = ("acme",)) -> Any:
    return parse_gitlab(
        {"X-Gitlab-Event": "Issue Hook", "X-Gitlab-Event-UUID": "e-1"},
        _body(payload),
        tracker="gitlab",
        bot_username="tg",
        scope=GitLabScope(projects=("acme/web",), groups=groups),
        base_url="https://gitlab.example.com",
    )


def _group_epic(url: str, iid: int = 7) -> dict[str, Any]:
    """A group epic work item: ``Issue Hook``, ``object_kind: work_item``, no project."""
    return {
        "object_kind": "work_item",
        "event_type": "work_item",
        "user": {"id": 5, "name": "Ana", "username": "ana"},
        "object_attributes": {
            "id": 901,
            "iid": iid,
            "title": "Self-serve export",
            "type": "Epic",
            "namespace_id": 77,
            "state": "opened",
            "action": "update",
            "url": url,
        },
        "labels": [],
        "changes": {"due_date": {"previous": None, "current": "2030-06-30"}},
    }


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://gitlab.example.com/groups/acme/-/epics/7", "epic-issues:acme&7"),
        (
            "https://gitlab.example.com/groups/acme/platform/-/work_items/7",
            "epic-issues:acme/platform&7",
        ),
    ],
)
def test_gitlab_group_epic_work_items_queue_the_issues_of_the_epic(url: str, key: str) -> None:
    parsed = _gitlab(_group_epic(url))
    assert parsed.keys == () and parsed.query == key and parsed.ignored is None


def test_gitlab_group_epic_outside_the_groups_or_the_instance() -> None:
    outside = _gitlab(_group_epic("https://gitlab.example.com/groups/other/-/epics/7"))
    assert outside.keys == () and outside.ignored.startswith("out of scope")
    elsewhere = _gitlab(_group_epic("https://evil.example.org/groups/acme/-/epics/7"))
    assert elsewhere.keys == () and "another instance" in elsewhere.ignored
    with pytest.raises(WebhookError, match="iid"):
        _gitlab(_group_epic("https://gitlab.example.com/groups/acme/-/epics/8", iid=7))


def test_gitlab_project_work_item_keeps_its_project_key() -> None:
    payload = _group_epic("https://gitlab.example.com/acme/web/-/work_items/12", iid=12)
    payload["object_attributes"]["type"] = "Task"
    payload["project"] = {"id": 3, "path_with_namespace": "acme/web"}
    assert _gitlab(payload, groups=()).keys == ("acme/web#12",)


# -- Jira scope from the configured query ----------------------------------------------------
@pytest.mark.parametrize(
    ("query", "projects"),
    [
        ("project = ACME", {"ACME"}),
        ("project = ACME AND statusCategory != Done", {"ACME"}),
        ('project in (ACME, "OPS") AND labels = x', {"ACME", "OPS"}),
        ("project = ACME OR project = OPS", None),
        ("labels = x AND project = ACME", None),
        ("project = Website", None),  # perhaps a project name, not a key
        ("project != ACME", None),
        ('project = ACME AND summary ~ "a OR b"', None),  # conservative: any OR
    ],
)
def test_plain_projects_of_a_query(query: str, projects: set[str] | None) -> None:
    found = plain_projects(query)
    assert (set(found) if found is not None else None) == projects
