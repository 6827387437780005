"""End-to-end through the real Jira adapter: a signed Jira admin-webhook delivery
(``X-Hub-Signature: sha256=…``) → the service → a worker judges the issue on the Jira
simulator → one trackerguard comment; the bot's own comment event is ignored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.jira_sim import JiraSim, SimState, realistic
from tests.jira_sim.harness import env_for, simulator
from tests.service_support import deliveries
from tests.service_support.deliveries import service_section
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
    return deliveries.post(url, deliveries.jira(SECRET, payload, delivery))


def test_signed_jira_delivery_comments_once_on_the_simulated_tracker(
    sim: JiraSim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env_for(sim, tmp_path, TRACKERGUARD_JIRA__WEBHOOK_SECRET=SECRET).items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "trackerguard.toml"
    config.write_text(
        'tracker = "jira"\nquery = "project = ACME"\n'
        + service_section(queue_path=tmp_path / "queue.db")
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


def _dc_service(sim: JiraSim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in env_for(sim, tmp_path, TRACKERGUARD_JIRA__WEBHOOK_SECRET=SECRET).items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "trackerguard.toml"
    config.write_text(
        'tracker = "jira"\nquery = "project = ACME"\n'
        + service_section(queue_path=tmp_path / "queue.db", coalesce_seconds=0.1)
        + "\n"
    )
    monkeypatch.chdir(tmp_path)
    settings = load_settings(config, use_pyproject=False)
    return create_app(settings, build_registry(load_entry_points=False))


@pytest.fixture
def dc_sim() -> Iterator[JiraSim]:
    state = realistic(SimState("datacenter"))
    state.add("ACME-90", "Tidy the exporter", "Story", description="As a user I want it.")
    state.add("OPS-7", "Rotate the keys", "Story", description="As an admin I want it.")
    with simulator(state) as running:
        yield running


def test_jira_server_comment_event_without_issue_is_judged_via_comment_self(
    dc_sim: JiraSim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jira Server/DC ``comment_created`` carries no ``issue``: the id in the path of
    ``comment.self`` is queued (a query job AND-ed with the configured query) and judged."""
    app = _dc_service(dc_sim, tmp_path, monkeypatch)
    key = "ACME-22"  # an orphan story: TG101 → comment
    ident = dc_sim.state.issues[key].id
    payload = {
        "timestamp": 1_800_000_000_000,
        "webhookEvent": "comment_created",
        "comment": {
            "self": f"{dc_sim.url}/rest/api/2/issue/{ident}/comment/31039",
            "id": "31039",
            "author": {"name": "ana", "key": "JIRAUSER10100"},
            "body": "Which goal does this serve?",
        },
    }
    with ThreadServer(app) as server:
        response = _deliver(server.url, payload, "dc-comment-1")
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "queued"
        assert wait_until(lambda: dc_sim.state.bot_comment(key) is not None, 30)


def test_jira_issue_link_event_judges_both_ends_and_nothing_outside_the_query(
    dc_sim: JiraSim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _dc_service(dc_sim, tmp_path, monkeypatch)
    ends = ("ACME-22", "ACME-90")  # two orphans: each gets a comment once judged
    outside = "OPS-7"  # an orphan too, but outside "project = ACME"
    ids = {key: dc_sim.state.issues[key].id for key in (*ends, outside)}
    link = {
        "timestamp": 1_800_000_000_000,
        "webhookEvent": "issuelink_created",
        "issueLink": {
            "id": 10400,
            "sourceIssueId": ids[ends[0]],
            "destinationIssueId": ids[ends[1]],
            "issueLinkType": {"id": 10000, "name": "Relates"},
        },
    }
    foreign = {
        "timestamp": 1_800_000_000_001,
        "webhookEvent": "issuelink_deleted",
        "issueLink": {"id": 10401, "sourceIssueId": ids[outside], "destinationIssueId": 1},
    }
    with ThreadServer(app) as server:
        assert _deliver(server.url, link, "dc-link-1").status_code == 202
        assert _deliver(server.url, foreign, "dc-link-2").status_code == 202
        assert wait_until(lambda: all(dc_sim.state.bot_comment(k) is not None for k in ends), 30)
        store = app.state.service.store
        assert wait_until(lambda: store.list_jobs() == [], 30)
    assert dc_sim.state.bot_comment(outside) is None
