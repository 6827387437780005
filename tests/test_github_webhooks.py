"""GitHub webhook verification and parsing (no network: parsing only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from trackerguard.plugins.github.adapter import GitHubAdapter
from trackerguard.plugins.github.settings import GitHubSettings
from trackerguard.plugins.github.webhooks import milestone_query, signature, verify_signature

from trackerguard.adapter import AdapterContext, WebhookError
from trackerguard.levels import DEFAULT_LEVELS, LevelMap
from trackerguard.settings import Settings
from trackerguard.status import StatusMap

DATA = Path(__file__).parent / "data" / "github"
SECRET = "It's a Secret to Everybody"


def adapter(**options: object) -> GitHubAdapter:
    settings = GitHubSettings.model_validate(
        {
            "repos": ["acme/web", "acme/api"],
            "webhook_secret": SECRET,
            "bot_login": "trackerguard-app[bot]",
            **options,
        }
    )
    context = AdapterContext(Settings(), LevelMap(DEFAULT_LEVELS), StatusMap())
    return GitHubAdapter(settings, context)


def delivery(name: str, event: str, **headers: str) -> tuple[dict[str, str], bytes]:
    body = (DATA / name).read_bytes()
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "X-Hub-Signature-256": signature(SECRET, body),
        **headers,
    }, body


def test_documented_signature_vector() -> None:
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signature(SECRET, b"Hello, World!") == expected
    assert verify_signature(SECRET, {"x-hub-signature-256": expected}, b"Hello, World!")


def test_verify_rejects_wrong_missing_and_tampered() -> None:
    gh = adapter()
    headers, body = delivery("issues_opened.json", "issues")
    assert gh.verify_webhook(headers, body)
    assert not gh.verify_webhook(headers, body + b" ")
    assert not gh.verify_webhook({**headers, "X-Hub-Signature-256": "sha256=00"}, body)
    missing = {k: v for k, v in headers.items() if k != "X-Hub-Signature-256"}
    assert not gh.verify_webhook(missing, body)
    legacy = {**missing, "X-Hub-Signature": "sha1=" + "0" * 40}
    assert not gh.verify_webhook(legacy, body)


def test_no_secret_refuses_unless_explicitly_insecure() -> None:
    assert not adapter(webhook_secret=None).verify_webhook({}, b"{}")
    assert adapter(webhook_secret=None, insecure_no_signature=True).verify_webhook({}, b"{}")


@given(st.binary(max_size=200), st.text(min_size=1, max_size=30))
def test_signature_roundtrip(body: bytes, secret: str) -> None:
    assert verify_signature(secret, {"X-Hub-Signature-256": signature(secret, body)}, body)
    assert not verify_signature(
        secret + "x", {"X-Hub-Signature-256": signature(secret, body)}, body
    )


def test_issues_event_names_the_issue() -> None:
    event = adapter().parse_webhook(*delivery("issues_opened.json", "issues"))
    assert event.keys == ("acme/api#12",)
    assert event.delivery_id == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert event.event == "issues.opened" and event.actor == "ana" and event.ignored is None


def test_own_comment_is_ignored_by_sender_and_by_marker() -> None:
    event = adapter().parse_webhook(*delivery("issue_comment_created_bot.json", "issue_comment"))
    assert event.ignored == "trackerguard's own write"
    # Even when the bot's login is unknown (GITHUB_TOKEN), the marker stops the loop.
    event = adapter(bot_login=None).parse_webhook(
        *delivery("issue_comment_created_bot.json", "issue_comment")
    )
    assert event.ignored == "trackerguard's own comment"


def test_graphql_style_bot_login_matches_rest_style() -> None:
    event = adapter(bot_login="trackerguard-app").parse_webhook(
        *delivery("issue_comment_created_bot.json", "issue_comment")
    )
    assert event.ignored == "trackerguard's own write"


def test_human_comment_and_pr_comment() -> None:
    payload = json.loads((DATA / "issue_comment_created_bot.json").read_text())
    payload["comment"]["body"] = "I think this serves the CSV epic"
    payload["sender"] = {"login": "ana"}
    body = json.dumps(payload).encode()
    headers = {"X-GitHub-Event": "issue_comment", "X-GitHub-Delivery": "d1"}
    assert adapter().parse_webhook(headers, body).keys == ("acme/web#4",)
    payload["issue"]["pull_request"] = {"url": "https://api.github.com/repos/acme/web/pulls/4"}
    event = adapter().parse_webhook(headers, json.dumps(payload).encode())
    assert event.ignored == "comment on a pull request" and event.keys == ()


def test_sub_issue_event_names_parent_and_child_across_repos() -> None:
    event = adapter().parse_webhook(*delivery("sub_issues_parent_issue_added.json", "sub_issues"))
    assert event.keys == ("acme/web#1", "acme/api#12")
    assert event.event == "sub_issues.parent_issue_added"


def test_milestone_event_and_its_search_query() -> None:
    headers, body = delivery("milestone_edited.json", "milestone")
    event = adapter().parse_webhook(headers, body)
    assert event.ignored is None and event.event == "milestone.edited"
    assert milestone_query(headers, body) == 'repo:acme/web milestone:"2030.1"'
    assert event.keys == () and event.query == 'repo:acme/web milestone:"2030.1"'


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ("pull_request", "pull request events do not change issue verdicts"),
        ("ping", "ping: the webhook is set up"),
        ("star", "event 'star' is not used by trackerguard"),
    ],
)
def test_ignored_events(event: str, reason: str) -> None:
    parsed = adapter().parse_webhook(
        {"X-GitHub-Event": event, "X-GitHub-Delivery": "d2"}, b'{"action": "opened"}'
    )
    assert parsed.ignored == reason


def test_inert_issue_actions_are_ignored() -> None:
    payload = json.loads((DATA / "issues_opened.json").read_text())
    payload["action"] = "pinned"
    event = adapter().parse_webhook(
        {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "d3"}, json.dumps(payload).encode()
    )
    assert event.ignored == "issues.pinned does not change verdicts"


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"X-GitHub-Delivery": "d"}, b"{}"),
        ({"X-GitHub-Event": "issues"}, b"{}"),
        ({"X-GitHub-Event": "issues", "X-GitHub-Delivery": "d"}, b"not json"),
        ({"X-GitHub-Event": "issues", "X-GitHub-Delivery": "d"}, b"[1, 2]"),
        ({"X-GitHub-Event": "issues", "X-GitHub-Delivery": "d"}, b'{"action": "opened"}'),
        (
            {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "d"},
            b'{"action": "opened", "issue": {"number": "x"}, "repository": {"full_name": "a/b"}}',
        ),
        (
            {"X-GitHub-Event": "sub_issues", "X-GitHub-Delivery": "d"},
            b'{"action": "sub_issue_added", "repository": {"full_name": "a/b"}}',
        ),
    ],
)
def test_malformed_deliveries_raise(headers: dict[str, str], body: bytes) -> None:
    with pytest.raises(WebhookError):
        adapter().parse_webhook(headers, body)


def test_webhook_secret_is_masked_in_settings() -> None:
    settings = GitHubSettings(webhook_secret=SecretStr(SECRET))
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())
