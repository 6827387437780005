"""Jira webhook deliveries: signature, delivery id, event mapping, the bot's own writes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from trackerguard.plugins.jira.adapter import JiraAdapter
from trackerguard.plugins.jira.settings import JiraSettings
from trackerguard.plugins.jira.webhooks import delivery_id, parse, sign, verify_signature

from trackerguard.adapter import AdapterContext, WebhookError
from trackerguard.levels import DEFAULT_LEVELS, LevelMap
from trackerguard.settings import Settings
from trackerguard.status import StatusMap

DATA = Path(__file__).parent / "data" / "jira"
SECRET = "whsec-0123456789"
BOT = "5b10ac8d82e05b22cc7d4ef5"


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((DATA / name).read_text()))


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def adapter(**kw: Any) -> JiraAdapter:
    settings = JiraSettings(webhook_secret=SecretStr(SECRET), bot_account_id=BOT, **kw)
    ctx = AdapterContext(Settings(), LevelMap(DEFAULT_LEVELS), StatusMap())
    return JiraAdapter(settings, ctx)


def test_signature_valid_wrong_missing() -> None:
    body = body_of(load("issue_updated.json"))
    good = {"X-Hub-Signature": sign(body, SECRET)}
    assert good["X-Hub-Signature"].startswith("sha256=")
    assert adapter().verify_webhook(good, body)
    assert adapter().verify_webhook({"x-hub-signature": good["X-Hub-Signature"]}, body)
    assert not adapter().verify_webhook({"X-Hub-Signature": sign(body, "other")}, body)
    assert not adapter().verify_webhook({"X-Hub-Signature": "sha256=" + "0" * 64}, body)
    assert not adapter().verify_webhook(good, body + b" ")  # body tampered
    assert not adapter().verify_webhook({}, body)  # missing
    assert not verify_signature(good, body, "")


def test_no_secret_means_reject_unless_explicitly_insecure() -> None:
    body = b"{}"
    plain = JiraAdapter(
        JiraSettings(), AdapterContext(Settings(), LevelMap(DEFAULT_LEVELS), StatusMap())
    )
    assert not plain.verify_webhook({}, body)
    insecure = JiraAdapter(
        JiraSettings(insecure_no_signature=True),
        AdapterContext(Settings(), LevelMap(DEFAULT_LEVELS), StatusMap()),
    )
    assert insecure.verify_webhook({}, body)


def test_issue_updated_becomes_item_changed_event() -> None:
    body = body_of(load("issue_updated.json"))
    event = adapter().parse_webhook({"X-Atlassian-Webhook-Identifier": "d-1"}, body)
    assert event.tracker == "jira"
    assert event.delivery_id == "d-1"
    assert event.event == "jira:issue_updated"
    assert event.keys == ("ACME-22",)
    assert event.actor == "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077"
    assert event.ignored is None


@pytest.mark.parametrize("kind", ["jira:issue_created", "jira:issue_deleted"])
def test_other_issue_events(kind: str) -> None:
    payload = load("issue_updated.json")
    payload["webhookEvent"] = kind
    event = adapter().parse_webhook({}, body_of(payload))
    assert event.keys == ("ACME-22",) and event.ignored is None


@pytest.mark.parametrize("kind", ["comment_created", "comment_updated"])
def test_comment_events(kind: str) -> None:
    payload = load("comment_created.json")
    payload["webhookEvent"] = kind
    event = adapter().parse_webhook({}, body_of(payload))
    assert event.keys == ("ACME-22",) and event.ignored is None


def test_delivery_id_falls_back_to_body_hash() -> None:
    body = body_of(load("issue_updated.json"))
    first = adapter().parse_webhook({}, body).delivery_id
    assert first == delivery_id({}, body) and first.startswith("sha256:")
    assert adapter().parse_webhook({}, body + b"\n").delivery_id != first


def test_own_account_events_are_ignored() -> None:
    payload = load("issue_updated.json")
    payload["user"] = {"accountId": BOT, "displayName": "trackerguard"}
    event = adapter().parse_webhook({}, body_of(payload))
    assert event.ignored and "trackerguard" in event.ignored


def test_dc_own_account_by_name() -> None:
    payload = load("issue_updated.json")
    payload["user"] = {"name": "trackerguard-bot", "key": "trackerguard-bot"}
    event = parse({}, body_of(payload), bot_ids=["trackerguard-bot"])
    assert event.ignored


def test_own_comment_is_ignored_by_author_or_property() -> None:
    payload = load("comment_created.json")
    by_author = copy.deepcopy(payload)
    by_author["comment"]["author"] = {"accountId": BOT}
    by_author["comment"]["updateAuthor"] = {"accountId": BOT}
    assert adapter().parse_webhook({}, body_of(by_author)).ignored
    by_property = copy.deepcopy(payload)
    by_property["comment"]["properties"] = [{"key": "trackerguard", "value": {"fingerprint": "x"}}]
    assert adapter().parse_webhook({}, body_of(by_property)).ignored
    assert adapter().parse_webhook({}, body_of(payload)).ignored is None


def test_unhandled_event_is_ignored_not_an_error() -> None:
    event = adapter().parse_webhook({}, body_of({"webhookEvent": "sprint_started", "sprint": {}}))
    assert event.ignored and event.keys == ()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b"{}",
        body_of({"webhookEvent": "jira:issue_updated"}),
        body_of({"webhookEvent": "comment_created", "issue": {"key": "A-1"}}),
    ],
)
def test_malformed_deliveries_raise(body: bytes) -> None:
    with pytest.raises(WebhookError):
        adapter().parse_webhook({}, body)
