"""The service over real HTTP (uvicorn on 127.0.0.1 in a thread, real SQLite, file tracker)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_support import helpers as h

from trackerguard.service.app import create_app

URL = "/webhooks/webfile"


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Path]]:
    monkeypatch.setenv(h.SECRET_ENV, h.SECRET)
    config = h.write_setup(tmp_path, stories=5, service={"coalesce_seconds": 1.0})
    settings, registry = h.load(config)
    app = create_app(settings, registry)
    with h.ThreadServer(app) as server:
        yield server, tmp_path


def _post(server: Any, payload: Any, delivery: str, **kw: Any) -> httpx.Response:
    body, headers = h.signed(payload, delivery, **kw)
    return httpx.post(server.url + URL, content=body, headers=headers, timeout=10)


def _metric(server: Any, name: str) -> float:
    total = 0.0
    for line in httpx.get(server.url + "/metrics").text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_replayed_delivery_answers_200_and_queues_nothing(served: tuple[Any, Path]) -> None:
    server, tmp = served
    first = _post(server, {"event": "updated", "key": "S-1", "actor": "ana"}, "same-id")
    assert first.status_code == 202 and first.json()["status"] == "queued"
    for _ in range(3):
        again = _post(server, {"event": "updated", "key": "S-1", "actor": "ana"}, "same-id")
        assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert h.wait_until(lambda: h.comments_of(tmp / "backlog.json")["S-1"] == 1)
    assert h.wait_until(lambda: _metric(server, 'trackerguard_queue_depth{state="pending"}') == 0)
    assert h.evaluations(tmp).get("S-1") == 1
    assert _metric(server, 'trackerguard_jobs_processed_total{outcome="done"') == 1


def test_burst_of_50_events_yields_one_evaluation_and_one_comment(
    served: tuple[Any, Path],
) -> None:
    server, tmp = served

    async def burst() -> list[int]:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:

            async def one(i: int) -> int:
                body, headers = h.signed(
                    {"event": "updated", "key": "S-2", "actor": "ana"}, f"b{i}"
                )
                return (await client.post(URL, content=body, headers=headers)).status_code

            return await asyncio.gather(*(one(i) for i in range(50)))

    assert asyncio.run(burst()) == [202] * 50
    assert h.wait_until(lambda: h.comments_of(tmp / "backlog.json")["S-2"] == 1)
    assert h.wait_until(lambda: _metric(server, "trackerguard_queue_depth") == 0)
    assert h.evaluations(tmp) == {"S-2": 1}
    assert h.comments_of(tmp / "backlog.json")["S-2"] == 1


def test_bot_own_comment_event_is_ignored(served: tuple[Any, Path]) -> None:
    server, tmp = served
    assert (
        _post(server, {"event": "updated", "key": "S-3", "actor": "ana"}, "c1").status_code == 202
    )
    assert h.wait_until(lambda: h.comments_of(tmp / "backlog.json")["S-3"] == 1)
    doc = json.loads((tmp / "backlog.json").read_text())
    own = next(c for i in doc["items"] if i["key"] == "S-3" for c in i["comments"])
    echo = {"event": "comment", "key": "S-3", "actor": own["author"], "body": own["body"]}
    response = _post(server, echo, "c2")
    assert response.status_code == 202 and response.json()["status"] == "ignored"
    # the same event without an actor is still recognised by the marker
    response = _post(server, {"event": "comment", "key": "S-3", "body": own["body"]}, "c3")
    assert response.json()["status"] == "ignored"
    # an unattributed change right after our write falls in the echo window
    response = _post(server, {"event": "labeled", "key": "S-3"}, "c4")
    assert response.status_code == 202 and response.json()["reason"].startswith("echo")
    # a human change still goes through
    response = _post(server, {"event": "updated", "key": "S-3", "actor": "bo"}, "c5")
    assert response.json()["status"] == "queued"
    assert h.wait_until(lambda: h.evaluations(tmp).get("S-3") == 2)
    assert h.comments_of(tmp / "backlog.json")["S-3"] == 1


def test_limits_and_malformed_input(served: tuple[Any, Path]) -> None:
    server, _tmp = served
    limit = 1_048_576
    big = b'{"event":"updated","key":"S-1","pad":"' + b"x" * limit + b'"}'
    body, headers = h.signed(big, "big")
    assert httpx.post(server.url + URL, content=body, headers=headers).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        for _ in range(20):
            yield b"x" * 65536

    headers = {"Content-Type": "application/json", "X-GitHub-Delivery": "s"}
    response = httpx.post(server.url + URL, content=chunks(), headers=headers)
    assert response.status_code == 413
    body, headers = h.signed({"event": "updated", "key": "S-1"}, "ct")
    headers["Content-Type"] = "text/plain"
    assert httpx.post(server.url + URL, content=body, headers=headers).status_code == 400
    body, headers = h.signed(b"{not json", "nj")
    assert httpx.post(server.url + URL, content=body, headers=headers).status_code == 400
    body, headers = h.signed(b"[1, 2]", "arr")
    assert httpx.post(server.url + URL, content=body, headers=headers).status_code == 400
    assert _post(server, {"event": "updated"}, "nokey").status_code == 400
    unknown = _post(server, {"event": "wiki_page", "key": "S-1"}, "wiki")
    assert unknown.status_code == 202 and unknown.json()["status"] == "ignored"
    body, headers = h.signed({"event": "updated", "key": "S-1"}, "u")
    assert (
        httpx.post(server.url + "/webhooks/nope", content=body, headers=headers).status_code == 404
    )
    assert httpx.get(server.url + URL).status_code == 405
    assert _metric(server, 'trackerguard_webhook_deliveries_rejected_total{reason="too_large"') == 2


def test_health_ready_metrics(served: tuple[Any, Path]) -> None:
    server, _tmp = served
    assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(server.url + "/readyz")
    assert ready.status_code == 200 and ready.json()["queue"] == "ok"
    text = httpx.get(server.url + "/metrics").text
    for name in (
        "trackerguard_queue_depth",
        "trackerguard_webhook_ack_seconds",
        "trackerguard_job_processing_seconds",
    ):
        assert name in text


def test_readyz_reports_unreachable_tracker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(h.SECRET_ENV, h.SECRET)
    settings, registry = h.load(h.write_setup(tmp_path))
    (tmp_path / "OUTAGE").touch()
    with h.ThreadServer(create_app(settings, registry, background=False)) as server:
        ready = httpx.get(server.url + "/readyz")
        assert ready.status_code == 503 and ready.json()["webfile"].startswith("unreachable")


def test_oldest_job_age_gauge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(h.SECRET_ENV, h.SECRET)
    config = h.write_setup(tmp_path, stories=5, service={"coalesce_seconds": 3600})
    settings, registry = h.load(config)  # jobs stay pending for an hour: the age only grows
    name = "trackerguard_queue_oldest_job_age_seconds"
    with h.ThreadServer(create_app(settings, registry)) as server:
        assert _metric(server, name) == 0.0
        assert _post(server, {"event": "updated", "key": "S-1", "actor": "ana"}, "a1").is_success
        assert h.wait_until(lambda: _metric(server, name) >= 0.3)
        first = _metric(server, name)
        assert _post(server, {"event": "updated", "key": "S-2", "actor": "ana"}, "a2").is_success
        assert _metric(server, name) >= first  # the oldest job, not the newest
        assert _metric(server, name) < 60


def test_a_slow_plugin_parse_is_bounded_and_never_holds_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plugin's parse runs in its tracker's pool with a bound: past it the delivery is
    503 (the sender retries) while the service goes on answering. (Built-in adapters parse
    on the event loop: theirs is pure and fast.)"""
    import threading
    import time

    monkeypatch.setenv(h.SECRET_ENV, h.SECRET)
    config = h.write_setup(tmp_path, stories=2, service={"parse_timeout_seconds": 0.3})
    settings, registry = h.load(config)
    app = create_app(settings, registry)
    service = app.state.service
    assert service.parse_inline == {"webfile": False}  # a plugin (tests/service_support)
    adapter = service.adapters["webfile"]
    release = threading.Event()
    real = adapter.parse_webhook

    def slow(headers: Any, body: bytes) -> Any:
        release.wait(10)  # a plugin stuck in its parse
        return real(headers, body)

    monkeypatch.setattr(adapter, "parse_webhook", slow)
    with h.ThreadServer(app) as server:
        started = time.monotonic()
        stuck = _post(server, {"event": "updated", "key": "S-1", "actor": "ana"}, "slow-1")
        assert stuck.status_code == 503 and "Retry-After" in stuck.headers
        assert time.monotonic() - started < 5
        assert httpx.get(server.url + "/healthz", timeout=2).status_code == 200
        release.set()
        assert (
            _metric(server, 'trackerguard_webhook_deliveries_rejected_total{reason="parse_timeout"')
            == 1
        )
