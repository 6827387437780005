"""End-to-end through the real Jira adapter: a signed Jira admin-webhook delivery
(``X-Hub-Signature: sha256=…``) → the service → a worker judges the issue on the Jira
simulator → one trackerguard comment; the bot's own comment event is ignored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from trackerguard.plugins.jira.webhooks import sign

from tests.jira_sim import JiraSim, SimState, realistic
from tests.jira_sim.harness import env_for, simulator
from tests.service_support.helpers import ThreadServer, wait_until
from trackerguard.plugins_manager import build_registry
from trackerguard.service.app import create_app
from trackerguard.settings import load_settings

SECRET = "jira-webhook-secret"


@pytest.fixture
def sim() -> Iterator[JiraSim]:
    with simulator(realistic(SimState("cloud"))) as running:
        yield running


def _deliver(url: str, payload: dict[str, object], delivery: str) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature": sign(body, SECRET),
        "X-Atlassian-Webhook-Identifier": delivery,
    }
    return httpx.post(url + "/webhooks/jira", content=body, headers=headers, timeout=10)


def test_signed_jira_delivery_comments_once_on_the_simulated_tracker(
    sim: JiraSim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env_for(sim, tmp_path, TRACKERGUARD_JIRA__WEBHOOK_SECRET=SECRET).items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "trackerguard.toml"
    config.write_text(
        "\n".join(
            [
                'tracker = "jira"',
                'query = "project = ACME"',
                "[service]",
                f'queue_path = "{tmp_path / "queue.db"}"',
                "coalesce_seconds = 0.2",
                "reconcile_minutes = 0",
                "poll_seconds = 0.05",
            ]
        )
        + "\n"
    )
    monkeypatch.chdir(tmp_path)
    settings = load_settings(config, use_pyproject=False)
    app = create_app(settings, build_registry(load_entry_points=False))
    key = "ACME-22"  # an orphan story: TG101 → comment
    assert sim.state.bot_comment(key) is None
    human = {"accountId": "human-1", "displayName": "Ana"}
    payload = {
        "webhookEvent": "jira:issue_updated",
        "timestamp": 1_800_000_000_000,
        "user": human,
        "issue": {"id": "10022", "key": key, "fields": {}},
    }
    with ThreadServer(app) as server:
        response = _deliver(server.url, payload, "jira-1")
        assert response.status_code == 202, response.text
        assert wait_until(lambda: sim.state.bot_comment(key) is not None, 30)
        own = {
            "webhookEvent": "comment_created",
            "timestamp": 1_800_000_000_001,
            "issue": {"id": "10022", "key": key},
            "comment": {"id": "1", "body": "...", "author": {"accountId": sim.state.bot_account}},
        }
        response = _deliver(server.url, own, "jira-2")
        assert response.status_code == 202 and response.json()["status"] == "ignored"
        assert _deliver(server.url, payload, "jira-1").status_code == 200
        bad = {"Content-Type": "application/json", "X-Hub-Signature": "sha256=00"}
        response = httpx.post(server.url + "/webhooks/jira", content=b"{}", headers=bad)
        assert response.status_code == 401
    assert sim.state.bot_comment(key) is not None
