"""Scope at the door: a delivery naming a repository / project / team outside the
configuration is answered ``202 ignored (out of scope)`` and never queued — per tracker,
through the real service over HTTP on 127.0.0.1 with each real adapter. Milestone titles
that try to break out of the GitHub search query are neutralised."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from trackerguard.plugins.github.webhooks import parse_webhook as parse_github

from tests.service_support.helpers import ThreadServer, signed
from trackerguard.plugins_manager import build_registry
from trackerguard.service.app import create_app
from trackerguard.settings import load_settings

SECRET = "scope-secret"

CONFIGS: dict[str, list[str]] = {
    "github": ["[github]", 'repos = ["acme/web"]', 'bot_login = "tg-bot"'],
    "gitlab": [
        "[gitlab]",
        'url = "https://gitlab.example.com"',
        'projects = ["acme/web"]',
        'groups = ["platform"]',
        'bot_username = "tg-bot"',
    ],
    "jira": [
        'query = "project = ACME AND statusCategory != Done"',
        "[jira]",
        'url = "http://127.0.0.1:9"',
        'bot_account_id = "tg-bot"',
    ],
    "linear": ["[linear]", 'teams = ["ENG"]', 'bot_user_id = "tg-bot"'],
}


def _service(tmp_path: Path, tracker: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    lines = [f'tracker = "{tracker}"']
    section = CONFIGS[tracker]
    top = [line for line in section if line.startswith("query")]
    lines += top
    lines += ["[service]", f'queue_path = "{tmp_path / "queue.db"}"', "reconcile_minutes = 0"]
    lines += [line for line in section if line not in top]
    config = tmp_path / "trackerguard.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv(f"TRACKERGUARD_{tracker.upper()}__WEBHOOK_SECRET", SECRET)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(config, use_pyproject=False)
    return create_app(settings, build_registry(load_entry_points=False), background=False)


def _post(url: str, tracker: str, payload: dict[str, Any], delivery: str, event: str) -> Any:
    body, headers = signed(payload, delivery, scheme=tracker, secret=SECRET)
    if tracker == "github":
        headers["X-GitHub-Event"] = event
    elif tracker == "gitlab":
        headers["X-Gitlab-Event"] = event
    elif tracker == "linear":
        headers["Linear-Event"] = event
    return httpx.post(f"{url}/webhooks/{tracker}", content=body, headers=headers, timeout=10)


def _github(repo: str) -> tuple[str, dict[str, Any]]:
    payload = {
        "action": "edited",
        "issue": {"number": 4, "title": "x"},
        "repository": {"full_name": repo},
        "sender": {"login": "ana"},
    }
    return "issues", payload


def _gitlab(path: str) -> tuple[str, dict[str, Any]]:
    payload = {
        "object_kind": "issue",
        "user": {"username": "ana"},
        "project": {"id": 9, "path_with_namespace": path},
        "object_attributes": {"iid": 4, "action": "update"},
    }
    return "Issue Hook", payload


def _jira(key: str) -> tuple[str, dict[str, Any]]:
    payload = {
        "webhookEvent": "jira:issue_updated",
        "user": {"accountId": "ana"},
        "issue": {"id": "10004", "key": key, "fields": {"project": {"key": key.split("-")[0]}}},
    }
    return "", payload


def _linear(identifier: str) -> tuple[str, dict[str, Any]]:
    payload = {
        "action": "update",
        "type": "Issue",
        "actor": {"id": "ana"},
        "webhookTimestamp": int(time.time() * 1000),
        "data": {"id": "i-1", "identifier": identifier, "title": "x"},
    }
    return "Issue", payload


CASES = [
    ("github", _github, "acme/web", "acme/web#4", "elsewhere/app"),
    ("github", _github, "ACME/Web", "ACME/Web#4", "acme/website"),
    ("gitlab", _gitlab, "acme/web", "acme/web#4", "acme/other"),
    ("gitlab", _gitlab, "platform/sub/app", "platform/sub/app#4", "platformx/app"),
    ("jira", _jira, "ACME-4", "ACME-4", "OPS-4"),
    ("linear", _linear, "ENG-4", "ENG-4", "OPS-4"),
]


@pytest.mark.parametrize(("tracker", "make", "inside", "key", "outside"), CASES)
def test_out_of_scope_deliveries_are_acknowledged_and_never_queued(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tracker: str,
    make: Any,
    inside: str,
    key: str,
    outside: str,
) -> None:
    app = _service(tmp_path, tracker, monkeypatch)
    store = app.state.service.store
    with ThreadServer(app) as server:
        event, payload = make(outside)
        response = _post(server.url, tracker, payload, "d-out", event)
        assert response.status_code == 202, response.text
        answer = response.json()
        assert answer["status"] == "ignored"
        assert answer["reason"].startswith("out of scope"), answer
        assert store.list_jobs() == []
        event, payload = make(inside)
        response = _post(server.url, tracker, payload, "d-in", event)
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "queued"
        assert [job["item"] for job in store.list_jobs()] == [key]
        metrics = httpx.get(server.url + "/metrics").text
    line = f'outcome="out_of_scope",tracker="{tracker}"'
    assert any(line in row and row.endswith(" 1.0") for row in metrics.splitlines()), metrics


# -- milestone titles cannot widen the search ------------------------------------------------
HOSTILE_TITLES = [
    'Q1" repo:evil/app "',
    'Q1" OR repo:evil/app',
    'Q1\\" repo:evil/app',
    "Q1\\",
    "Q1\nrepo:evil/app",
    'repo:evil/app milestone:"x',
    "Q1: launch",
    '"',
    '\\\\""',
]


def _milestone(title: str) -> bytes:
    payload = {
        "action": "edited",
        "milestone": {"number": 3, "title": title, "due_on": "2030-01-31T08:00:00Z"},
        "repository": {"full_name": "acme/web"},
        "sender": {"login": "ana"},
    }
    return json.dumps(payload).encode()


def _qualifiers(query: str) -> list[str]:
    """The search's qualifiers outside quotes, as GitHub reads them (no escapes in quotes)."""
    outside, inside = [], False
    for char in query:
        if char == '"':
            inside = not inside
            outside.append(" ")
        elif not inside:
            outside.append(char)
    return [w for w in "".join(outside).split() if ":" in w]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_milestone_titles_never_add_a_qualifier(title: str) -> None:
    headers = {"X-GitHub-Event": "milestone", "X-GitHub-Delivery": "m-1"}
    event = parse_github(
        headers, _milestone(title), tracker="github", bot_login="tg", repos=["acme/web"]
    )
    if event.query is None:  # nothing searchable left: ignored, the sweep re-judges
        assert event.ignored and event.keys == ()
        return
    query = event.query
    assert query.count('"') == 2 and query.endswith('"') and "\n" not in query
    assert _qualifiers(query) == ["repo:acme/web", "milestone:"]
    assert "\\" not in query


def test_a_colon_title_is_kept_as_it_is() -> None:
    headers = {"X-GitHub-Event": "milestone", "X-GitHub-Delivery": "m-1"}
    event = parse_github(
        headers, _milestone("Q1: launch"), tracker="github", bot_login="tg", repos=None
    )
    assert event.query == 'repo:acme/web milestone:"Q1: launch"'


def test_each_delivery_body_is_decoded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service decodes a verified body once (to refuse a non-object with 400) and the
    built-in parser reads that decoded document instead of decoding the bytes again."""
    decodes: list[int] = []
    real_loads = json.loads

    def counting(text: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(text, bytes | bytearray) and b'"acme/web"' in text:
            decodes.append(len(text))
        return real_loads(text, *args, **kwargs)

    app = _service(tmp_path, "github", monkeypatch)
    event, payload = _github("acme/web")
    monkeypatch.setattr(json, "loads", counting)
    with ThreadServer(app) as server:
        answer = _post(server.url, "github", payload, "d-once", event)
    assert answer.status_code == 202 and answer.json()["status"] == "queued", answer.text
    assert len(decodes) == 1, decodes
