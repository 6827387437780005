"""The documented configuration (no ``bot_login`` / ``bot_username`` / ``bot_user_id`` /
``bot_account_id``) under concurrent deliveries, and with a hung tracker API.

Real uvicorn on 127.0.0.1, the repository's tracker simulators, real SQLite. The bot's
identity is found in the background (``trackerguard/service/identity.py``); parsing never
touches the state store nor calls a tracker, so:

* every valid delivery from 20 concurrent senders is acknowledged with 202, and the bot's
  own write is still recognised once its identity is known;
* a tracker whose API accepts connections and never answers delays neither another
  tracker's acknowledgements nor its own.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from trackerguard.plugins.github.webhooks import signature as github_signature
from trackerguard.plugins.jira.webhooks import sign as jira_sign

from tests.github_sim import TOKEN as GITHUB_TOKEN
from tests.github_sim import GitHubSimulator
from tests.github_sim import build as build_github
from tests.gitlab_sim import BOT as GITLAB_BOT
from tests.gitlab_sim import TOKEN as GITLAB_TOKEN
from tests.gitlab_sim import GitLabSimulator
from tests.gitlab_sim import build as build_gitlab
from tests.jira_sim import SimState, realistic
from tests.jira_sim.harness import simulator as jira_simulator
from tests.linear_sim import API_KEY as LINEAR_KEY
from tests.linear_sim import BOT_ID as LINEAR_BOT
from tests.linear_sim import LinearSimulator
from tests.service_support.helpers import ServeProcess, ThreadServer, wait_until
from tests.service_support.hung import HungServer
from trackerguard.http import tls_context
from trackerguard.plugins_manager import build_registry
from trackerguard.service.app import create_app
from trackerguard.service.signatures import sign_linear
from trackerguard.settings import load_settings

SECRET = "webhook-secret-for-tests"
JIRA_TIMEOUT = 60
"""The Jira client's timeout in the hung-tracker test: far above any acknowledgement."""
DATA = Path(__file__).parent / "data"
Delivery = tuple[bytes, dict[str, str]]


# -- deliveries, signed the way each tracker signs ----------------------------------------------
def github_delivery(n: int, *, actor: str = "ana") -> Delivery:
    payload = json.loads((DATA / "github" / "issues_opened.json").read_text())
    payload["action"] = "edited"
    payload["repository"]["full_name"] = "acme/web"
    payload["issue"]["number"] = 4
    payload["sender"] = {"login": actor, "id": 7, "type": "User"}
    body = json.dumps(payload).encode()
    return body, {
        "Content-Type": "application/json",
        "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": f"gh-{n}",
        "X-Hub-Signature-256": github_signature(SECRET, body),
    }


def gitlab_delivery(n: int, *, actor: str = "ana") -> Delivery:
    payload = json.loads((DATA / "gitlab" / "issue_hook_update.json").read_text())
    payload["user"]["username"] = actor
    payload["object_attributes"]["updated_at"] = (
        f"2026-11-27 09:{n // 60 % 60:02d}:{n % 60:02d} UTC"
    )
    payload["object_attributes"]["id"] = 10_000 + n
    body = json.dumps(payload).encode()
    return body, {
        "Content-Type": "application/json",
        "X-Gitlab-Event": "Issue Hook",
        "X-Gitlab-Token": SECRET,
        "X-Gitlab-Event-UUID": f"gl-{n}",
    }


def linear_delivery(n: int, *, actor: str = "user-ana") -> Delivery:
    payload = json.loads((DATA / "linear" / "issue_update.json").read_text())
    payload["webhookTimestamp"] = int(time.time() * 1000)
    payload["actor"] = {"id": actor, "name": "someone", "type": "user"}
    body = json.dumps(payload).encode()
    return body, {
        "Content-Type": "application/json",
        "Linear-Delivery": f"lin-{n}",
        "Linear-Event": "Issue",
        "Linear-Signature": sign_linear(SECRET, body),
    }


def jira_delivery(n: int, *, actor: str = "human-1") -> Delivery:
    payload = {
        "webhookEvent": "jira:issue_updated",
        "timestamp": 1_800_000_000_000 + n,
        "user": {"accountId": actor, "displayName": "someone"},
        "issue": {"id": "10022", "key": "ACME-22", "fields": {}},
    }
    body = json.dumps(payload).encode()
    return body, {
        "Content-Type": "application/json",
        "X-Hub-Signature": jira_sign(body, SECRET),
        "X-Atlassian-Webhook-Identifier": f"jira-{n}",
    }


BUILDERS: dict[str, Callable[..., Delivery]] = {
    "github": github_delivery,
    "gitlab": gitlab_delivery,
    "linear": linear_delivery,
    "jira": jira_delivery,
}


# -- configuration: exactly what docs/service.md shows, no bot identity ---------------------------
def sections(tracker: str, url: str) -> list[str]:
    if tracker == "github":
        return ["[github]", 'repos = ["acme/web"]', f'api_url = "{url}"']
    if tracker == "gitlab":
        return ["[gitlab]", 'projects = ["acme/web"]', f'url = "{url}"']
    if tracker == "linear":
        return ["[linear]", 'teams = ["ENG"]', f'api_url = "{url}"']
    return ["[jira]", f'url = "{url}"', 'email = "bot@example.com"', "timeout = 30"]


CREDENTIALS = {
    "github": ("TRACKERGUARD_GITHUB__TOKEN", GITHUB_TOKEN),
    "gitlab": ("TRACKERGUARD_GITLAB__TOKEN", GITLAB_TOKEN),
    "linear": ("TRACKERGUARD_LINEAR__API_KEY", LINEAR_KEY),
}


def configure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, urls: dict[str, str], **service: Any
) -> Any:
    names = list(urls)
    lines = [
        f'tracker = "{names[0]}"',
        'state_path = "state.db"',
        "[service]",
        "trackers = [" + ", ".join(f'"{n}"' for n in names) + "]",
        f'queue_path = "{tmp_path / "queue.db"}"',
        "coalesce_seconds = 600",  # nothing is judged during the test: acks alone are measured
        "reconcile_minutes = 0",
        *(f"{key} = {value}" for key, value in service.items()),
    ]
    for name, url in urls.items():
        lines += sections(name, url)
        monkeypatch.setenv(f"TRACKERGUARD_{name.upper()}__WEBHOOK_SECRET", SECRET)
        if name in CREDENTIALS:
            monkeypatch.setenv(*CREDENTIALS[name])
    (tmp_path / "trackerguard.toml").write_text("\n".join(lines) + "\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings(tmp_path / "trackerguard.toml", use_pyproject=False)
    for key in ("bot_login", "bot_username", "bot_user_id", "bot_account_id"):
        for name in names:  # the documented configuration sets none of them
            assert getattr(settings.tracker_section(name), key, None) is None
    return settings


@pytest.fixture
def simulated(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, str, dict[str, str]]]:
    """(tracker, url, the bot's identity on the simulator, extra environment)."""
    tracker = request.param
    if tracker == "github":
        github = GitHubSimulator().start()
        build_github(github.world)
        try:
            yield tracker, github.api_url, github.bot_login, {}
        finally:
            github.stop()
    elif tracker == "gitlab":
        gitlab = GitLabSimulator().start()
        build_gitlab(gitlab.world)
        try:
            yield tracker, gitlab.url, GITLAB_BOT, {}
        finally:
            gitlab.stop()
    elif tracker == "linear":
        linear = LinearSimulator().start()
        try:
            yield tracker, linear.api_url, LINEAR_BOT, {}
        finally:
            linear.stop()
    else:
        with jira_simulator(realistic(SimState("cloud"))) as jira:
            env = {"TRACKERGUARD_JIRA__EMAIL": jira.state.bot_email}
            env["TRACKERGUARD_JIRA__TOKEN"] = jira.state.token
            yield tracker, jira.url, jira.state.bot_account, env


async def _send_all(
    url: str, tracker: str, deliveries: list[Delivery], senders: int
) -> list[tuple[int, str, float]]:
    """POST every delivery from ``senders`` concurrent clients: (status, body, seconds)."""
    todo: asyncio.Queue[Delivery] = asyncio.Queue()
    for delivery in deliveries:
        todo.put_nowait(delivery)
    results: list[tuple[int, str, float]] = []

    # The clients exist before the first request: building one (its TLS context) costs the
    # test process CPU that would otherwise be counted in the other senders' timings.
    clients = [
        httpx.AsyncClient(base_url=url, timeout=60, verify=tls_context()) for _ in range(senders)
    ]

    async def sender(client: httpx.AsyncClient) -> None:
        while not todo.empty():
            body, headers = todo.get_nowait()
            started = time.perf_counter()
            response = await client.post(f"/webhooks/{tracker}", content=body, headers=headers)
            results.append((response.status_code, response.text, time.perf_counter() - started))

    try:
        await asyncio.gather(*(sender(client) for client in clients))
    finally:
        for client in clients:
            await client.aclose()
    return results


def _bot_echo(tracker: str, bot: str) -> Delivery:
    """The delivery the tracker sends after trackerguard's own write, without the marker."""
    if tracker == "github":
        body, headers = github_delivery(9_999, actor=bot)
        payload = json.loads(body)
        payload["action"] = "created"
        payload["comment"] = {"id": 5, "body": "a plain comment", "user": {"login": bot}}
        body = json.dumps(payload).encode()
        headers["X-GitHub-Event"] = "issue_comment"
        headers["X-Hub-Signature-256"] = github_signature(SECRET, body)
        return body, headers
    return BUILDERS[tracker](9_999, actor=bot)


@pytest.mark.parametrize("simulated", ["github", "gitlab", "linear", "jira"], indirect=True)
def test_concurrent_valid_deliveries_are_all_accepted_with_the_documented_config(
    simulated: tuple[str, str, str, dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tracker, url, bot, env = simulated
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = configure(tmp_path, monkeypatch, {tracker: url})
    app = create_app(settings, build_registry(load_entry_points=False), background=False)
    service = app.state.service
    deliveries = [BUILDERS[tracker](n) for n in range(200)]
    with ThreadServer(app) as server:
        results = asyncio.run(_send_all(server.url, tracker, deliveries, senders=20))
        statuses = [status for status, _, _ in results]
        assert len(statuses) == 200
        refused = [(s, text) for s, text, _ in results if s != 202]
        assert refused == [], refused[:3]
        assert all(json.loads(text)["status"] == "queued" for _, text, _ in results)
        # loop prevention still works: once the identity is known, the bot's write is ignored
        assert wait_until(lambda: service.identities.known(tracker), 20)
        assert service.identities.get(tracker).value == bot
        body, headers = _bot_echo(tracker, bot)
        echo = httpx.post(f"{server.url}/webhooks/{tracker}", content=body, headers=headers)
        assert echo.status_code == 202 and echo.json()["status"] == "ignored", echo.text
        assert "trackerguard" in echo.json()["reason"]
        # a human's delivery is still queued
        body, headers = BUILDERS[tracker](10_000)
        human = httpx.post(f"{server.url}/webhooks/{tracker}", content=body, headers=headers)
        assert human.status_code == 202 and human.json()["status"] == "queued"
    with sqlite3.connect(tmp_path / "queue.db") as db:
        (stored,) = db.execute("SELECT count(*) FROM deliveries").fetchone()
    assert stored == 201  # the 200 concurrent ones and the human's; not the bot's echo


def test_a_hung_tracker_delays_no_acknowledgement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jira's API accepts connections and never answers; GitHub's answers. 40 Jira deliveries
    and 40 GitHub deliveries arrive together: every one is acknowledged while the service's
    lookup of its Jira identity is still hanging.

    The service runs as a real ``trackerguard serve`` process (the senders' CPU does not
    share its interpreter), and the proof is an ordering, not a stopwatch: the Jira client
    waits ``JIRA_TIMEOUT`` seconds for an answer, so an acknowledgement that waited for a
    Jira call could not arrive before that call gave up — yet every one arrives while the
    first lookup is still open on the hung server, and within the 10 s GitHub and GitLab
    allow a delivery."""
    github = GitHubSimulator().start()
    build_github(github.world)
    serve: ServeProcess | None = None
    try:
        with HungServer() as hung:
            monkeypatch.setenv("TRACKERGUARD_JIRA__TOKEN", "jira-token")
            configure(
                tmp_path,
                monkeypatch,
                {"github": github.api_url, "jira": hung.url},
                identity_wait_seconds=0.5,
            )
            config = tmp_path / "trackerguard.toml"
            config.write_text(
                config.read_text().replace("timeout = 30", f"timeout = {JIRA_TIMEOUT}")
            )
            serve = ServeProcess(config, tmp_path / "serve.log", webfile=False).start()
            # serving began while the identity lookup hangs: it did not hold the start
            assert wait_until(lambda: hung.still_waiting() >= 1, 20)
            lookup_seen = time.monotonic()
            mixed = [jira_delivery(n) for n in range(40)] + [github_delivery(n) for n in range(40)]

            async def both() -> tuple[list[Any], list[Any]]:
                jira = _send_all(serve.url, "jira", mixed[:40], senders=20)
                gh = _send_all(serve.url, "github", mixed[40:], senders=20)
                return await asyncio.gather(jira, gh)

            jira_results, github_results = asyncio.run(both())
            hanging_after_burst = hung.still_waiting()
            burst_seconds = time.monotonic() - lookup_seen
            assert [s for s, _, _ in jira_results] == [202] * 40
            assert [s for s, _, _ in github_results] == [202] * 40
            assert hanging_after_burst >= 1  # the lookup was hanging for the whole burst
            assert burst_seconds < JIRA_TIMEOUT  # so no acknowledgement waited for it
            slowest = max(t for _, _, t in jira_results + github_results)
            assert slowest < 10.0, slowest  # what GitHub and GitLab wait for a delivery

            # before the identity is known, an actor is not trusted to be a human: a
            # delivery for an item trackerguard just wrote to falls in the echo window
            with sqlite3.connect(tmp_path / "queue.db") as db:
                db.execute(
                    "INSERT INTO echoes (tracker, item_key, until) VALUES (?, ?, ?)",
                    ("jira", "ACME-22", time.time() + 600),
                )
            body, headers = jira_delivery(500, actor="maybe-the-bot")
            echo = httpx.post(f"{serve.url}/webhooks/jira", content=body, headers=headers)
            assert echo.status_code == 202 and echo.json()["reason"].startswith("echo")
            # GitHub's identity is known (its API answers): a human's delivery is never
            # echo-dropped, nor is the bot's own write queued
            with sqlite3.connect(tmp_path / "queue.db") as db:
                db.execute(
                    "INSERT INTO echoes (tracker, item_key, until) VALUES (?, ?, ?)",
                    ("github", "acme/web#4", time.time() + 600),
                )
            body, headers = github_delivery(500)
            human = httpx.post(f"{serve.url}/webhooks/github", content=body, headers=headers)
            assert human.status_code == 202 and human.json()["status"] == "queued", human.text
            body, headers = _bot_echo("github", github.bot_login)
            own = httpx.post(f"{serve.url}/webhooks/github", content=body, headers=headers)
            assert own.status_code == 202 and "trackerguard" in own.json()["reason"]
            # SIGTERM ends the process while the lookup still hangs: it did not hold the stop
            assert hung.still_waiting() >= 1
            stop_started = time.monotonic()
            assert serve.terminate(JIRA_TIMEOUT) in (0, -15)  # uvicorn re-raises SIGTERM
            assert time.monotonic() - stop_started < JIRA_TIMEOUT
    finally:
        if serve is not None:
            serve.stop()
        github.stop()


def test_identity_failures_are_cached_and_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tracker that refuses the lookup is remembered as failed (not asked per delivery);
    deliveries are still queued meanwhile."""
    github = GitHubSimulator().start()
    build_github(github.world)
    try:
        settings = configure(tmp_path, monkeypatch, {"github": github.api_url})
        monkeypatch.setenv("TRACKERGUARD_GITHUB__TOKEN", "not-the-token")  # 401 on GET /user
        settings = load_settings(tmp_path / "trackerguard.toml", use_pyproject=False)
        app = create_app(settings, build_registry(load_entry_points=False), background=False)
        service = app.state.service
        with ThreadServer(app) as server:
            assert wait_until(lambda: service.identities.get("github").state == "failed", 10)
            error = service.identities.get("github").error or ""
            assert "Auth" in error or "401" in error
            lookups = sum(1 for e in github.log if e.path.endswith("/user"))
            assert lookups >= 1
            deliveries = [github_delivery(n) for n in range(30)]
            results = asyncio.run(_send_all(server.url, "github", deliveries, senders=10))
            assert [s for s, _, _ in results] == [202] * 30
            # the failure is cached: no lookup per delivery (at most the scheduled retry)
            after = sum(1 for e in github.log if e.path.endswith("/user"))
            assert after - lookups <= 1
    finally:
        github.stop()


def test_linear_replay_of_an_old_body_with_a_fresh_header_is_refused_over_http(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    linear = LinearSimulator().start()
    try:
        settings = configure(tmp_path, monkeypatch, {"linear": linear.api_url})
        app = create_app(settings, build_registry(load_entry_points=False), background=False)
        with ThreadServer(app) as server:
            body, headers = linear_delivery(1)
            payload = json.loads(body)
            payload["webhookTimestamp"] = int((time.time() - 3600) * 1000)  # captured an hour ago
            old = json.dumps(payload).encode()
            headers["Linear-Signature"] = sign_linear(SECRET, old)  # the original signature
            headers["Linear-Timestamp"] = str(int(time.time() * 1000))  # the attacker's header
            replay = httpx.post(f"{server.url}/webhooks/linear", content=old, headers=headers)
            assert replay.status_code == 401
            body, headers = linear_delivery(2)
            fresh = httpx.post(f"{server.url}/webhooks/linear", content=body, headers=headers)
            assert fresh.status_code == 202
    finally:
        linear.stop()
