"""Linear webhook verification and parsing (no network: parsing only)."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from trackerguard.plugins.linear.adapter import LinearAdapter
from trackerguard.plugins.linear.settings import LinearSettings

from trackerguard.adapter import MARKER, AdapterContext, WebhookError
from trackerguard.levels import DEFAULT_LEVELS, LevelMap
from trackerguard.service.signatures import sign_linear
from trackerguard.settings import Settings
from trackerguard.status import StatusMap

DATA = Path(__file__).parent / "data" / "linear"
SECRET = "lin_wh_simulatedSECRET"
BOT = "bot-user-0001"


def adapter(**options: object) -> LinearAdapter:
    settings = LinearSettings.model_validate(
        {"teams": ["ENG"], "webhook_secret": SECRET, "bot_user_id": BOT, **options}
    )
    context = AdapterContext(Settings(), LevelMap(DEFAULT_LEVELS), StatusMap())
    return LinearAdapter(settings, context)


def fresh(name: str, **changes: object) -> bytes:
    """A stored payload with a current ``webhookTimestamp`` (and optional changes)."""
    payload = json.loads((DATA / name).read_text(encoding="utf-8"))
    payload["webhookTimestamp"] = int(time.time() * 1000)
    for key, value in changes.items():
        payload[key] = value
    return json.dumps(payload).encode()


def headers(body: bytes, **extra: str) -> dict[str, str]:
    payload = json.loads(body)
    return {
        "Linear-Delivery": "234d1a4e-b617-4388-90fe-adc3633d6b72",
        "Linear-Event": str(payload.get("type")),
        "Linear-Signature": sign_linear(SECRET, body),
        "Content-Type": "application/json; charset=utf-8",
        **extra,
    }


def test_verify_accepts_signed_fresh_deliveries_only() -> None:
    lin = adapter()
    body = fresh("issue_update.json")
    assert lin.verify_webhook(headers(body), body)
    assert lin.verify_webhook({k.lower(): v for k, v in headers(body).items()}, body)
    assert not lin.verify_webhook(headers(body), body + b" ")
    assert not lin.verify_webhook({**headers(body), "Linear-Signature": "00" * 32}, body)
    assert not lin.verify_webhook(
        {k: v for k, v in headers(body).items() if k != "Linear-Signature"}, body
    )
    # "sha256=" prefixed signatures are GitHub's scheme, not Linear's.
    assert not lin.verify_webhook(
        {**headers(body), "Linear-Signature": "sha256=" + sign_linear(SECRET, body)}, body
    )


def test_verify_rejects_replays_outside_the_60_second_window() -> None:
    lin = adapter()
    stale = fresh("issue_update.json", webhookTimestamp=int((time.time() - 120) * 1000))
    assert not lin.verify_webhook(headers(stale), stale)
    body = fresh("issue_update.json")
    old_header = str(int((time.time() - 61) * 1000))
    assert not lin.verify_webhook(headers(body, **{"Linear-Timestamp": old_header}), body)


def test_verify_without_secret_needs_the_explicit_insecure_switch() -> None:
    body = fresh("issue_update.json")
    assert not adapter(webhook_secret=None).verify_webhook(headers(body), body)
    assert adapter(webhook_secret=None, insecure_no_signature=True).verify_webhook({}, body)


def test_issue_event_names_the_issue() -> None:
    body = fresh("issue_update.json")
    event = adapter().parse_webhook(headers(body), body)
    assert event.tracker == "linear"
    assert event.delivery_id == "234d1a4e-b617-4388-90fe-adc3633d6b72"
    assert event.event == "Issue.update"
    assert event.keys == ("ENG-12",) and event.ignored is None
    assert event.actor == "user-ana"


def test_issue_key_falls_back_to_team_and_number() -> None:
    payload = json.loads(fresh("issue_update.json"))
    del payload["data"]["identifier"]
    body = json.dumps(payload).encode()
    assert adapter().parse_webhook(headers(body), body).keys == ("ENG-12",)


def test_comment_event_names_its_issue() -> None:
    body = fresh("comment_create.json")
    event = adapter().parse_webhook(headers(body), body)
    assert event.keys == ("ENG-12",) and event.ignored is None


def test_project_event_names_the_project() -> None:
    body = fresh("project_update.json")
    event = adapter().parse_webhook(headers(body), body)
    assert event.keys == ("project:9f3e2a1b7c4d",) and event.event == "Project.update"


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("issue_update.json", {"actor": {"id": BOT, "type": "user"}}),
        ("comment_create.json", {"actor": {"id": BOT, "type": "user"}}),
    ],
)
def test_the_bots_own_writes_are_ignored(name: str, changes: dict[str, object]) -> None:
    body = fresh(name, **changes)
    event = adapter().parse_webhook(headers(body), body)
    assert event.ignored == "trackerguard's own write"


def test_marker_comments_and_bot_authored_comments_are_ignored() -> None:
    payload = json.loads(fresh("comment_create.json"))
    payload["data"]["body"] = f"{MARKER}\nfindings"
    body = json.dumps(payload).encode()
    assert adapter().parse_webhook(headers(body), body).ignored == "trackerguard's own comment"
    payload = json.loads(fresh("comment_create.json"))
    payload["data"]["userId"] = BOT
    body = json.dumps(payload).encode()
    assert adapter().parse_webhook(headers(body), body).ignored == "trackerguard's own comment"


def test_bot_id_is_remembered_for_the_service(tmp_path: Path) -> None:
    from trackerguard.state import StateStore

    store = StateStore(tmp_path / "state.db")
    store.remember("linear", "bot_user_id", BOT)
    settings = LinearSettings.model_validate({"webhook_secret": SECRET})
    context = AdapterContext(Settings(), LevelMap(DEFAULT_LEVELS), StatusMap(), state=store)
    body = fresh("issue_update.json", actor={"id": BOT})
    event = LinearAdapter(settings, context).parse_webhook(headers(body), body)
    assert event.ignored == "trackerguard's own write"
    store.close()


def test_unused_and_removed_entities_are_ignored() -> None:
    body = fresh("issue_update.json", type="Reaction")
    assert "not used" in (adapter().parse_webhook(headers(body), body).ignored or "")
    body = fresh("issue_update.json", action="remove")
    assert adapter().parse_webhook(headers(body), body).ignored == "the issue was removed"


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"type": "Issue"}', b'{"type": "Issue", "data": {"title": "x"}}'],
)
def test_malformed_deliveries_raise(body: bytes) -> None:
    with pytest.raises(WebhookError):
        adapter().parse_webhook({"Linear-Delivery": "d1", "Linear-Event": "Issue"}, body)


def test_missing_delivery_header_raises() -> None:
    body = fresh("issue_update.json")
    with pytest.raises(WebhookError, match="Linear-Delivery"):
        adapter().parse_webhook({"Linear-Event": "Issue"}, body)


@given(st.binary(max_size=200))
def test_parse_never_crashes_on_garbage(body: bytes) -> None:
    with contextlib.suppress(WebhookError):
        adapter().parse_webhook({"Linear-Delivery": "d1"}, body)


def test_an_old_signed_body_with_a_fresh_header_is_refused() -> None:
    """The replay bypass: a captured delivery resent later with a new ``Linear-Timestamp``.
    The signed ``webhookTimestamp`` decides; the window is configurable."""
    captured = fresh("issue_update.json", webhookTimestamp=int((time.time() - 600) * 1000))
    resent = headers(captured, **{"Linear-Timestamp": str(int(time.time() * 1000))})
    assert not adapter().verify_webhook(resent, captured)
    assert adapter(replay_window_seconds=900).verify_webhook(resent, captured)
    assert not adapter(replay_window_seconds=300).verify_webhook(resent, captured)


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"null", b"12", b"{not json"])
def test_a_signed_body_that_is_not_a_json_object_is_a_400_not_a_401(
    raw: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signature is right, so the sender is Linear: the body is malformed (400), not
    unauthenticated (401); without the signature it stays a 401."""
    import httpx

    from tests.service_support.helpers import ThreadServer
    from trackerguard.plugins_manager import build_registry
    from trackerguard.service.app import create_app
    from trackerguard.settings import load_settings

    config = tmp_path / "trackerguard.toml"
    config.write_text(
        "\n".join(
            [
                'tracker = "linear"',
                "[service]",
                f'queue_path = "{tmp_path / "queue.db"}"',
                "reconcile_minutes = 0",
                "[linear]",
                f'bot_user_id = "{BOT}"',
            ]
        )
        + "\n"
    )
    monkeypatch.setenv("TRACKERGUARD_LINEAR__WEBHOOK_SECRET", SECRET)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(config, use_pyproject=False)
    app = create_app(settings, build_registry(load_entry_points=False), background=False)
    base = {"Content-Type": "application/json", "Linear-Delivery": "d-1"}
    with ThreadServer(app) as server:
        url = server.url + "/webhooks/linear"
        signed_headers = {**base, "Linear-Signature": sign_linear(SECRET, raw)}
        response = httpx.post(url, content=raw, headers=signed_headers, timeout=10)
        assert response.status_code == 400, response.text
        forged = {**base, "Linear-Signature": sign_linear("wrong", raw)}
        assert httpx.post(url, content=raw, headers=forged, timeout=10).status_code == 401
        assert httpx.post(url, content=raw, headers=base, timeout=10).status_code == 401
