"""End-to-end through the real GitLab adapter: a GitLab delivery with the secret token to the
service → a worker judges the issue on the GitLab simulator → one trackerguard note; the
note event that follows is ignored, a replay does nothing, a wrong token is refused."""

from __future__ import annotations

import copy
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
from trackerguard.settings import load_settings

from .gitlab_sim import BOT, PROJECTS, TOKEN, GitLabSimulator, build
from .gitlab_sim.harness import Project
from .gitlab_sim.state import Note
from .service_support import deliveries
from .service_support.deliveries import service_section
from .service_support.helpers import ThreadServer, wait_until

SECRET = "gl-webhook-secret"
DATA = Path(__file__).parent / "data" / "gitlab"


@pytest.fixture
def sim() -> Iterator[GitLabSimulator]:
    simulator = GitLabSimulator().start()
    build(simulator.world)
    try:
        yield simulator
    finally:
        simulator.stop()


def _deliver(
    url: str, event: str, payload: dict[str, Any], uuid: str, token: str = SECRET
) -> httpx.Response:
    return deliveries.post(url, deliveries.gitlab(token, payload, uuid, event))


def test_gitlab_delivery_notes_once_on_the_simulated_tracker(
    sim: GitLabSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = service_section(queue_path=tmp_path / "queue.db", backoff_seconds=0.2)
    config = Project(sim, tmp_path, list(PROJECTS), top=top).write()
    monkeypatch.setenv("TRACKERGUARD_GITLAB__TOKEN", TOKEN)
    monkeypatch.setenv("TRACKERGUARD_GITLAB__WEBHOOK_SECRET", SECRET)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(config, use_pyproject=False)
    app = create_app(settings, build_registry(load_entry_points=False))
    key = "acme/web#4"  # an orphan issue: TG101 → note
    payload = json.loads((DATA / "issue_hook_update.json").read_text())

    def notes() -> list[Note]:
        found: list[Note] = sim.world.bot_notes(key, MARKER)
        return found

    with ThreadServer(app) as server:
        assert _deliver(server.url, "Issue Hook", payload, "e-0", "wrong").status_code == 401
        response = _deliver(server.url, "Issue Hook", payload, "e-1")
        assert response.status_code == 202, response.text
        assert response.json()["keys"] == [key]
        assert wait_until(lambda: len(notes()) == 1, 30)
        # The note event GitLab sends next is recognised as trackerguard's own and dropped.
        echo = copy.deepcopy(json.loads((DATA / "note_hook_issue.json").read_text()))
        echo["user"]["username"] = BOT
        echo["object_attributes"]["note"] = notes()[0].body
        response = _deliver(server.url, "Note Hook", echo, "e-2")
        assert response.status_code == 202 and response.json()["status"] == "ignored"
        assert _deliver(server.url, "Issue Hook", payload, "e-1").status_code == 200  # replay
        time.sleep(1.0)
    assert len(notes()) == 1
    issue = sim.world.get(key)
    assert issue is not None and "trackerguard::blocked" in issue.labels
