"""GitLab webhooks: token verification and Issue/Note Hook parsing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from trackerguard.plugins.gitlab.adapter import GitLabAdapter
from trackerguard.plugins.gitlab.settings import GitLabSettings
from trackerguard.plugins.gitlab.webhooks import delivery_id, parse_webhook

from trackerguard.adapter import MARKER, AdapterContext, WebhookError
from trackerguard.levels import DEFAULT_LEVELS, LevelMap
from trackerguard.settings import Settings
from trackerguard.status import StatusMap

DATA = Path(__file__).parent / "data" / "gitlab"


def payload(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((DATA / name).read_text())
    return doc


def body(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


def headers(event: str, **extra: str) -> dict[str, str]:
    return {"X-Gitlab-Event": event, "X-Gitlab-Event-UUID": "evt-1", **extra}


def adapter(**options: Any) -> GitLabAdapter:
    settings = GitLabSettings(projects=["acme/web"], **options)
    context = AdapterContext(Settings(), LevelMap(DEFAULT_LEVELS), StatusMap())
    return GitLabAdapter(settings, context)


def parse(event: str, doc: dict[str, Any], bot: str | None = "tg-bot", **extra: str) -> Any:
    return parse_webhook(
        headers(event, **extra),
        body(doc),
        tracker="gitlab",
        bot_username=bot,
        own_labels=("trackerguard", "trackerguard::blocked"),
    )


# -- verification ---------------------------------------------------------------------------
def test_verify_compares_the_secret_token() -> None:
    gl = adapter(webhook_secret=SecretStr("s3cret"))
    assert gl.verify_webhook({"X-Gitlab-Token": "s3cret"}, b"{}")
    assert gl.verify_webhook({"x-gitlab-token": "s3cret"}, b"{}")
    assert not gl.verify_webhook({"X-Gitlab-Token": "s3cret2"}, b"{}")
    assert not gl.verify_webhook({}, b"{}")


def test_without_a_secret_only_the_explicit_insecure_switch_accepts() -> None:
    assert not adapter().verify_webhook({"X-Gitlab-Token": "anything"}, b"{}")
    assert adapter(insecure_no_signature=True).verify_webhook({}, b"{}")


# -- parsing --------------------------------------------------------------------------------
def test_issue_hook_names_the_issue() -> None:
    event = parse("Issue Hook", payload("issue_hook_update.json"))
    assert event.tracker == "gitlab" and event.keys == ("acme/web#4",)
    assert event.event == "issue.update" and event.actor == "ana" and event.ignored is None
    assert event.delivery_id == "evt-1"


def test_confidential_issue_hook_too() -> None:
    event = parse("Confidential Issue Hook", payload("issue_hook_update.json"))
    assert event.keys == ("acme/web#4",)


def test_note_hook_on_an_issue() -> None:
    event = parse("Note Hook", payload("note_hook_issue.json"))
    assert event.keys == ("acme/web#4",) and event.ignored is None
    assert event.event == "note.create"


def test_the_bots_own_note_is_ignored_by_marker_and_by_author() -> None:
    doc = payload("note_hook_issue.json")
    doc["object_attributes"]["note"] = f"{MARKER}\n**trackerguard** found 1 thing"
    assert parse("Note Hook", doc, bot=None).ignored == "trackerguard's own note"
    doc = payload("note_hook_issue.json")
    doc["user"]["username"] = "TG-Bot"
    assert parse("Note Hook", doc).ignored == "trackerguard's own note"


def test_the_bots_own_label_change_is_ignored() -> None:
    doc = payload("issue_hook_update.json")
    doc["user"]["username"] = "tg-bot"
    assert parse("Issue Hook", doc).ignored == "trackerguard's own write"
    # Unknown bot identity: a change touching only trackerguard's labels is still ours.
    doc = payload("issue_hook_update.json")
    doc["changes"] = {
        "labels": {"previous": [], "current": [{"title": "trackerguard::blocked"}]},
        "updated_at": {"previous": "a", "current": "b"},
    }
    assert parse("Issue Hook", doc, bot=None).ignored == "only trackerguard's labels changed"
    doc["changes"]["labels"]["current"].append({"title": "backend"})
    assert parse("Issue Hook", doc, bot=None).ignored is None


def test_system_and_merge_request_notes_are_ignored() -> None:
    doc = payload("note_hook_issue.json")
    doc["object_attributes"]["system"] = True
    assert parse("Note Hook", doc).ignored == "system note"
    doc = payload("note_hook_issue.json")
    doc["object_attributes"]["noteable_type"] = "MergeRequest"
    assert parse("Note Hook", doc).ignored == "note on a MergeRequest"


def test_other_events_are_ignored() -> None:
    event = parse("Push Hook", {"object_kind": "push"})
    assert event.ignored == "event 'Push Hook' is not used by trackerguard"


def test_delivery_id_prefers_the_idempotency_key() -> None:
    raw = b"{}"
    assert delivery_id({"Idempotency-Key": "k1", "X-Gitlab-Event-UUID": "u1"}, raw) == "k1"
    assert delivery_id({"X-Gitlab-Event-UUID": "u1"}, raw) == "u1"
    hashed = delivery_id({}, raw)
    assert hashed.startswith("sha256:") and hashed == delivery_id({}, raw)
    event = parse("Issue Hook", payload("issue_hook_update.json"), **{"Idempotency-Key": "k9"})
    assert event.delivery_id == "k9"


@pytest.mark.parametrize(
    ("event", "raw"),
    [
        ("Issue Hook", b"not json"),
        ("Issue Hook", b"[1, 2]"),
        ("Issue Hook", b'{"object_kind": "issue"}'),
        ("Issue Hook", b'{"object_kind": "note", "object_attributes": {}}'),
        ("Note Hook", b'{"object_kind": "note", "object_attributes": {"noteable_type": "Issue"}}'),
    ],
)
def test_malformed_deliveries_raise(event: str, raw: bytes) -> None:
    with pytest.raises(WebhookError):
        parse_webhook(headers(event), raw, tracker="gitlab", bot_username=None)


def test_missing_event_header_raises() -> None:
    with pytest.raises(WebhookError):
        parse_webhook({}, b"{}", tracker="gitlab", bot_username=None)


def test_issue_without_project_path_raises() -> None:
    doc = copy.deepcopy(payload("issue_hook_update.json"))
    del doc["project"]["path_with_namespace"]
    with pytest.raises(WebhookError):
        parse("Issue Hook", doc)


def test_adapter_parse_uses_the_configured_bot() -> None:
    gl = adapter(bot_username="ana")
    doc = payload("issue_hook_update.json")
    assert gl.parse_webhook(headers("Issue Hook"), body(doc)).ignored == "trackerguard's own write"
