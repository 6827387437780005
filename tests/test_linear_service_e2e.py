"""End-to-end through the real Linear adapter: a signed Linear delivery to the service →
a worker judges the issue on the Linear simulator → one trackerguard comment; the comment
event Linear sends next is recognised as the bot's own, and a replay does nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from trackerguard.adapter import MARKER
from trackerguard.plugins_manager import build_registry
from trackerguard.service.app import create_app
from trackerguard.service.signatures import sign_linear
from trackerguard.settings import load_settings

from .linear_sim import API_KEY, BOT_ID, LinearSimulator, build
from .linear_sim.harness import Project
from .service_support import deliveries
from .service_support.deliveries import service_section
from .service_support.helpers import ThreadServer, wait_until

SECRET = "lin_wh_secret"
DATA = Path(__file__).parent / "data" / "linear"


@pytest.fixture
def sim() -> Iterator[LinearSimulator]:
    simulator = LinearSimulator().start()
    build(simulator.world)
    try:
        yield simulator
    finally:
        simulator.stop()
    assert simulator.invalid_queries == []


def _deliver(url: str, payload: dict[str, Any], delivery: str) -> httpx.Response:
    return deliveries.post(url, deliveries.linear(SECRET, payload, delivery))


def test_signed_linear_delivery_comments_once(
    sim: LinearSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = service_section(queue_path=tmp_path / "queue.db", backoff_seconds=0.2)
    project = Project(sim, tmp_path, top=top)
    config = project.write()
    monkeypatch.setenv("TRACKERGUARD_LINEAR__API_KEY", API_KEY)
    monkeypatch.setenv("TRACKERGUARD_LINEAR__WEBHOOK_SECRET", SECRET)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(config, use_pyproject=False)
    app = create_app(settings, build_registry(load_entry_points=False))
    issue = sim.world.get("ENG-3")  # an orphan: TG101 → comment

    def ours() -> list[Any]:
        return [c for c in sim.world.comments_on(issue_id=issue.id) if MARKER in c.body]

    payload = json.loads((DATA / "issue_update.json").read_text())
    payload["data"]["identifier"] = "ENG-3"
    with ThreadServer(app) as server:
        response = _deliver(server.url, payload, "lin-1")
        assert response.status_code == 202, response.text
        assert response.json()["keys"] == ["ENG-3"]
        assert wait_until(lambda: len(ours()) == 1, 30)
        comment = ours()[0]
        echo = json.loads((DATA / "comment_create.json").read_text())
        echo["actor"] = {"id": BOT_ID, "type": "user"}
        echo["data"].update(body=comment.body, userId=BOT_ID)
        response = _deliver(server.url, echo, "lin-2")
        assert response.status_code == 202 and response.json()["status"] == "ignored"
        assert _deliver(server.url, payload, "lin-1").status_code == 200  # replay
        # A replayed capture outside the 60 s window is refused even when correctly signed.
        body = json.dumps({**payload, "webhookTimestamp": int((time.time() - 300) * 1000)})
        refused = httpx.post(
            server.url + "/webhooks/linear",
            content=body,
            headers={
                "Content-Type": "application/json",
                "Linear-Delivery": "lin-3",
                "Linear-Signature": sign_linear(SECRET, body.encode()),
            },
            timeout=10,
        )
        assert refused.status_code == 401, refused.text
        time.sleep(1.0)
    assert len(ours()) == 1
