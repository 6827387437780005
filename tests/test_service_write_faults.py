"""Write faults through the service's worker (issue 13 point 1): a signed delivery is queued,
a worker judges the item and writes its comment through the fault proxy of the write-fault
suite (``write_faults/drivers.py``), and the answer to that write is lost.

Whatever happens, the item ends with at most one trackerguard comment, and the job says
what happened: done when the re-read found the write applied, retried when the outcome
could not be settled (and then done, without a second comment), dead-lettered when the
tracker never took the comment (and no comment pretends otherwise).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from trackerguard.plugins_manager import build_registry
from trackerguard.service.app import create_app
from trackerguard.settings import load_settings

from .github_sim import TOKEN
from .gitlab_sim import TOKEN as GITLAB_TOKEN
from .jira_sim.harness import env_for
from .linear_sim import API_KEY as LINEAR_KEY
from .service_support import deliveries
from .service_support.deliveries import Delivery, service_section
from .service_support.helpers import ThreadServer, wait_until
from .sim_support.faults import Fault
from .write_faults.drivers import DRIVERS, Driver

SECRET = "webhook-secret-for-fault-tests"
DATA = Path(__file__).parent / "data"
GITHUB_ISSUE = DATA / "github" / "issues_opened.json"
TRACKERS = ["github", "gitlab", "jira", "linear"]


def service_top(root: Path) -> str:
    return service_section(
        queue_path=root / "queue.db", coalesce_seconds=0.1, backoff_seconds=0.2, max_attempts=3
    )


CREDENTIALS = {
    "github": {"TRACKERGUARD_GITHUB__TOKEN": TOKEN, "TRACKERGUARD_GITHUB__WEBHOOK_SECRET": SECRET},
    "gitlab": {
        "TRACKERGUARD_GITLAB__TOKEN": GITLAB_TOKEN,
        "TRACKERGUARD_GITLAB__WEBHOOK_SECRET": SECRET,
    },
    "linear": {
        "TRACKERGUARD_LINEAR__API_KEY": LINEAR_KEY,
        "TRACKERGUARD_LINEAR__WEBHOOK_SECRET": SECRET,
    },
}
"""The simulated trackers whose harness ``Project`` writes the config: credentials by env."""


def _project_app(driver: Driver, root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in CREDENTIALS[driver.name].items():
        monkeypatch.setenv(name, value)
    driver.project.top = service_top(root)
    config: Path = driver.project.write()
    return config


def _jira_app(driver: Driver, root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    env = env_for(driver.sim, root, TRACKERGUARD_JIRA__WEBHOOK_SECRET=SECRET)
    env.update(driver.project.client_env())
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = root / "trackerguard.toml"
    head = 'tracker = "jira"\nquery = "project = ACME"\n'
    config.write_text(head + service_top(root) + "\n", encoding="utf-8")
    return config


def _github_delivery(driver: Driver, key: str, delivery: str) -> Delivery:
    repo, number = key.split("#")
    payload: dict[str, Any] = copy.deepcopy(json.loads(GITHUB_ISSUE.read_text()))
    payload["action"] = "edited"
    payload["repository"]["full_name"] = repo
    payload["issue"]["number"] = int(number)
    return deliveries.github(SECRET, payload, delivery)


def _jira_delivery(driver: Driver, key: str, delivery: str) -> Delivery:
    issue = driver.sim.state.issues[key]
    payload = {
        "webhookEvent": "jira:issue_updated",
        "timestamp": 1_800_000_000_000,
        "user": {"accountId": "human-1", "displayName": "Ana"},
        "issue": {"id": str(issue.id), "key": key, "fields": {}},
    }
    return deliveries.jira(SECRET, payload, delivery)


def _gitlab_delivery(driver: Driver, key: str, delivery: str) -> Delivery:
    payload: dict[str, Any] = json.loads((DATA / "gitlab" / "issue_hook_update.json").read_text())
    path, _, iid = key.rpartition("#")
    payload["project"]["path_with_namespace"] = path
    payload["object_attributes"]["iid"] = int(iid)
    return deliveries.gitlab(SECRET, payload, delivery)


def _linear_delivery(driver: Driver, key: str, delivery: str) -> Delivery:
    payload: dict[str, Any] = json.loads((DATA / "linear" / "issue_update.json").read_text())
    payload["data"]["identifier"] = key
    return deliveries.linear(SECRET, payload, delivery)


Wiring = tuple[
    Callable[[Driver, Path, pytest.MonkeyPatch], Path],
    Callable[[Driver, str, str], Delivery],
]
WIRING: dict[str, Wiring] = {
    "github": (_project_app, _github_delivery),
    "jira": (_jira_app, _jira_delivery),
    "gitlab": (_project_app, _gitlab_delivery),
    "linear": (_project_app, _linear_delivery),
}


class Service:
    """The service, in-process on 127.0.0.1, configured for one driver's tracker."""

    def __init__(self, driver: Driver, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.driver = driver
        configure, self._delivery = WIRING[driver.name]
        monkeypatch.chdir(root)
        config = configure(driver, root, monkeypatch)
        settings = load_settings(config, use_pyproject=False)
        self.server = ThreadServer(create_app(settings, build_registry(load_entry_points=False)))

    def deliver(self, key: str, delivery: str) -> None:
        response = deliveries.post(self.server.url, self._delivery(self.driver, key, delivery))
        assert response.status_code == 202, response.text
        assert response.json()["keys"] == [key]

    def jobs(self, outcome: str) -> int:
        text = httpx.get(self.server.url + "/metrics", timeout=10).text
        name = self.driver.name
        pattern = (
            rf'trackerguard_jobs_processed_total{{outcome="{outcome}",tracker="{name}"}} (\S+)'
        )
        found = re.search(pattern, text)
        return int(float(found.group(1))) if found else 0


@pytest.fixture(params=TRACKERS)
def service(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Service]:
    with DRIVERS[request.param](tmp_path) as driver:
        running = Service(driver, tmp_path, monkeypatch)
        with running.server:
            yield running


def like(pattern: Fault, mode: str, count: int = -1, **options: Any) -> Fault:
    return replace(pattern, mode=mode, count=count, **options)


@pytest.mark.parametrize("mode", ["502", "hang"])
def test_a_lost_reply_in_the_worker_is_found_and_the_job_done(service: Service, mode: str) -> None:
    driver = service.driver
    key = driver.commented_key()
    driver.proxy.add(like(driver.comment_create, mode, count=1, hang=1.5))
    service.deliver(key, f"{mode}-1")
    assert wait_until(lambda: service.jobs("done") >= 1, 60), driver.proxy.hits
    assert driver.proxy.hits[mode] == 1  # the write's answer was lost, once
    assert driver.bot_comments() == {key: 1}  # applied once, found by the re-read, not resent
    assert service.jobs("retry") == 0 and service.jobs("dead") == 0


def test_an_unsettled_write_retries_the_job_and_never_duplicates(service: Service) -> None:
    """The comment is applied, its answer lost, and the re-read fails too: the worker cannot
    know, so the job fails and is retried; the retry finds the comment and writes nothing."""
    driver = service.driver
    key = driver.commented_key()
    driver.proxy.add(like(driver.comment_create, "502", count=1))
    driver.proxy.add(like(driver.comment_reread, "down"))
    service.deliver(key, "unsettled-1")
    assert wait_until(lambda: service.jobs("retry") >= 1, 60), driver.proxy.hits
    driver.proxy.clear()
    assert wait_until(lambda: service.jobs("done") >= 1, 60)
    assert driver.bot_comments() == {key: 1}
    assert driver.proxy.hits["502"] == 1 and service.jobs("dead") == 0


def test_a_tracker_that_never_takes_the_comment_dead_letters_the_job(service: Service) -> None:
    """Every comment write is refused before it reaches the tracker (503): each attempt
    looks, finds nothing, tries again a bounded number of times, and fails; after
    ``max_attempts`` the job is a dead letter and no comment claims otherwise."""
    driver = service.driver
    key = driver.commented_key()
    driver.proxy.add(like(driver.comment_create, "down"))
    service.deliver(key, "down-1")
    assert wait_until(lambda: service.jobs("dead") == 1, 90), driver.proxy.hits
    assert service.jobs("retry") == 2 and service.jobs("done") == 0
    assert driver.bot_comments() == {}
    assert driver.proxy.hits["down"] == 3 * 3  # 3 attempts x 3 looks-then-sends each
