"""End-to-end through the real GitHub adapter: a signed GitHub delivery to the service →
a worker judges the issue on the GitHub simulator → one trackerguard comment; the bot's own
comment event that follows is ignored, and a replay of the delivery does nothing."""

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

from .github_sim import REPOS, TOKEN, GitHubSimulator, build
from .github_sim.harness import Project
from .service_support import deliveries
from .service_support.deliveries import service_section
from .service_support.helpers import ThreadServer, wait_until

SECRET = "gh-webhook-secret"
DATA = Path(__file__).parent / "data" / "github"


@pytest.fixture
def sim() -> Iterator[GitHubSimulator]:
    simulator = GitHubSimulator().start()
    build(simulator.world)
    try:
        yield simulator
    finally:
        simulator.stop()


def _bot_comments(sim: GitHubSimulator, key: str) -> list[Any]:
    repo, number = key.split("#")
    return [c for c in sim.world.comments_of(repo, int(number)) if MARKER in c.body]


def _deliver(url: str, event: str, payload: dict[str, Any], delivery: str) -> httpx.Response:
    return deliveries.post(url, deliveries.github(SECRET, payload, delivery, event))


def test_signed_github_delivery_comments_once_on_the_simulated_tracker(
    sim: GitHubSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = service_section(queue_path=tmp_path / "queue.db", backoff_seconds=0.2)
    project = Project(sim, tmp_path, list(REPOS), top=top)
    config = project.write()
    monkeypatch.setenv("TRACKERGUARD_GITHUB__TOKEN", TOKEN)
    monkeypatch.setenv("TRACKERGUARD_GITHUB__WEBHOOK_SECRET", SECRET)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(config, use_pyproject=False)
    app = create_app(settings, build_registry(load_entry_points=False))
    key = "acme/web#4"  # an orphan task: TG101 → comment
    assert _bot_comments(sim, key) == []
    payload = json.loads((DATA / "issues_opened.json").read_text())
    payload["action"] = "edited"
    payload["repository"]["full_name"] = "acme/web"
    payload["issue"]["number"] = 4
    with ThreadServer(app) as server:
        response = _deliver(server.url, "issues", payload, "gh-1")
        assert response.status_code == 202, response.text
        assert response.json()["keys"] == [key]
        assert wait_until(lambda: len(_bot_comments(sim, key)) == 1, 30)
        comment = _bot_comments(sim, key)[0]
        # the comment webhook GitHub would send next: recognised as our own and dropped
        echo = copy.deepcopy(payload)
        echo["action"] = "created"
        echo["comment"] = {"id": 1, "body": comment.body, "user": {"login": "trackerguard"}}
        response = _deliver(server.url, "issue_comment", echo, "gh-2")
        assert response.status_code == 202 and response.json()["status"] == "ignored"
        assert _deliver(server.url, "issues", payload, "gh-1").status_code == 200  # replay
        time.sleep(1.0)
        depth = httpx.get(server.url + "/metrics").text
        assert 'trackerguard_jobs_processed_total{outcome="done",tracker="github"}' in depth
    assert len(_bot_comments(sim, key)) == 1


def test_milestone_event_rejudges_the_issues_of_that_milestone(
    sim: GitHubSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A milestone names no issue: the service queues its search query and a worker expands
    it into one job per issue carrying the milestone (after the 202, never before)."""
    top = service_section(queue_path=tmp_path / "queue.db", coalesce_seconds=0.1)
    project = Project(sim, tmp_path, list(REPOS), top=top)
    config = project.write()
    monkeypatch.setenv("TRACKERGUARD_GITHUB__TOKEN", TOKEN)
    monkeypatch.setenv("TRACKERGUARD_GITHUB__WEBHOOK_SECRET", SECRET)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(config, use_pyproject=False)
    app = create_app(settings, build_registry(load_entry_points=False))
    payload = json.loads((DATA / "milestone_edited.json").read_text())
    web = sim.world.repos["acme/web"]
    number = next(n for n, m in web.milestones.items() if m.title == payload["milestone"]["title"])
    carrying = [f"acme/web#{i.number}" for i in web.issues.values() if i.milestone == number]
    assert carrying and not any(_bot_comments(sim, key) for key in carrying)
    with sim.world.lock:  # a change no issue event reported: the epic lost its owner
        web.issues[int(carrying[0].split("#")[1])].assignees = []
    with ThreadServer(app) as server:
        response = _deliver(server.url, "milestone", payload, "gh-ms-1")
        assert response.status_code == 202, response.text
        assert response.json()["keys"] == ['?query:repo:acme/web milestone:"2030.1"']
        assert wait_until(lambda: len(_bot_comments(sim, carrying[0])) == 1, 30)
        assert "TG202" in _bot_comments(sim, carrying[0])[0].body
    others = [f"acme/web#{i.number}" for i in web.issues.values() if i.milestone != number]
    assert not any(_bot_comments(sim, key) for key in others)  # only that milestone's issues
