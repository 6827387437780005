"""A group epic, delivered by a group webhook as a work item (no project), re-judges the
issues of that epic on the GitLab simulator (trackerguard acts on issues, not on epics): no
job fails, nothing is dead-lettered; an epic of a group outside the configuration is
answered out of scope and never read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from trackerguard.plugins_manager import build_registry
from trackerguard.service.app import create_app
from trackerguard.settings import load_settings

from .gitlab_sim import PROJECTS, TOKEN, GitLabSimulator, build
from .gitlab_sim.harness import Project
from .service_support.deliveries import service_section
from .service_support.helpers import ThreadServer, wait_until

SECRET = "gl-group-secret"


@pytest.fixture
def sim() -> Iterator[GitLabSimulator]:
    simulator = GitLabSimulator().start()
    build(simulator.world)
    try:
        yield simulator
    finally:
        simulator.stop()


def _epic_delivery(url: str, web_url: str, iid: int, uuid: str) -> httpx.Response:
    payload: dict[str, Any] = {
        "object_kind": "work_item",
        "event_type": "work_item",
        "user": {"id": 5, "name": "Ana", "username": "ana"},
        "object_attributes": {
            "id": 9000 + iid,
            "iid": iid,
            "title": "Billing reliability",
            "type": "Epic",
            "action": "update",
            "state": "opened",
            "url": web_url,
        },
        "labels": [],
        "changes": {"due_date": {"previous": None, "current": "2031-01-31"}},
    }
    headers = {
        "Content-Type": "application/json",
        "X-Gitlab-Event": "Issue Hook",
        "X-Gitlab-Event-UUID": uuid,
        "X-Gitlab-Token": SECRET,
    }
    body = json.dumps(payload).encode()
    return httpx.post(url + "/webhooks/gitlab", content=body, headers=headers, timeout=10)


def test_group_epic_work_item_is_judged_as_the_epic(
    sim: GitLabSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = service_section(queue_path=tmp_path / "queue.db", coalesce_seconds=0.1)
    config = Project(sim, tmp_path, list(PROJECTS), gitlab={"groups": ["acme"]}, top=top).write()
    monkeypatch.setenv("TRACKERGUARD_GITLAB__TOKEN", TOKEN)
    monkeypatch.setenv("TRACKERGUARD_GITLAB__WEBHOOK_SECRET", SECRET)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(config, use_pyproject=False)
    app = create_app(settings, build_registry(load_entry_points=False))
    store = app.state.service.store

    def epic_reads() -> list[str]:
        return [e.path for e in sim.log if e.method == "GET" and "/epics" in e.path]

    def done_jobs(url: str) -> float:
        for row in httpx.get(url + "/metrics", timeout=10).text.splitlines():
            if row.startswith("trackerguard_jobs_processed_total") and 'outcome="done"' in row:
                return float(row.rsplit(" ", 1)[1])
        return 0.0

    with ThreadServer(app) as server:
        assert wait_until(lambda: app.state.service is not None, 5)
        outside = _epic_delivery(server.url, f"{sim.url}/groups/other/-/epics/2", 2, "e-1")
        assert outside.status_code == 202, outside.text
        assert outside.json()["reason"].startswith("out of scope")
        before = len(epic_reads())
        response = _epic_delivery(server.url, f"{sim.url}/groups/acme/-/epics/1", 1, "e-2")
        assert response.status_code == 202, response.text
        assert response.json()["keys"] == ["?query:epic-issues:acme&1"]
        assert wait_until(lambda: any("/epics/1/issues" in p for p in epic_reads()[before:]), 30)
        assert wait_until(lambda: store.list_jobs() == [], 30), store.list_jobs()
        # the query job and one job per issue of acme&1 (acme/web#1 and #3), and their goals
        assert done_jobs(server.url) >= 3
        reads = [e.path for e in sim.log if e.method == "GET"]
        assert "/api/v4/projects/acme%2Fweb/issues" in reads[reads.index(epic_reads()[-1]) :]
        assert store.list_dead() == []
    assert all("/groups/other" not in path for path in epic_reads())
