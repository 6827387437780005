"""``trackerguard serve`` as a real subprocess: kill -9 and restart, outage → dead letter →
``trackerguard queue retry``, graceful SIGTERM."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_support import helpers as h

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),
]
URL = "/webhooks/webfile"


def _post(url: str, key: str, delivery: str) -> int:
    body, headers = h.signed({"event": "updated", "key": key, "actor": "ana"}, delivery)
    try:
        return httpx.post(url + URL, content=body, headers=headers, timeout=5).status_code
    except httpx.HTTPError:
        return 0


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trackerguard.cli", "queue", *args, "--config", str(config)],
        capture_output=True, text=True, timeout=60, cwd=config.parent,
        env={**os.environ, h.SECRET_ENV: h.SECRET},
    )  # fmt: skip


def _queue(config: Path) -> dict[str, Any]:
    result = _cli(config, "list", "--format", "json")
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_kill_9_with_jobs_queued_and_in_flight_loses_nothing_duplicates_nothing(
    tmp_path: Path,
) -> None:
    config = h.write_setup(
        tmp_path,
        stories=30,
        tracker={"delay": 0.25},
        service={"coalesce_seconds": 0.1, "lease_seconds": 1.5, "workers": 2},
    )
    log = tmp_path / "serve.log"
    first = h.ServeProcess(config, log).start()
    accepted: dict[str, str] = {}
    try:
        for i in range(1, 31):
            if _post(first.url, f"S-{i}", f"del-{i}") == 202:
                accepted[f"S-{i}"] = f"del-{i}"
        # let some jobs finish and some be in flight, then pull the plug
        assert h.wait_until(lambda: sum(h.evaluations(tmp_path).values()) >= 3, 15)
        first.kill9()
    finally:
        first.stop()
    assert len(accepted) == 30
    done_before = sum(1 for n in h.comments_of(tmp_path / "backlog.json").values() if n)
    assert done_before < 30, "everything finished before the kill: test proves nothing"
    second = h.ServeProcess(config, log).start()
    try:
        # the dedupe keys survived the crash: replays answer 200
        assert _post(second.url, "S-1", accepted["S-1"]) == 200
        backlog = tmp_path / "backlog.json"
        assert h.wait_until(lambda: all(h.comments_of(backlog)[k] == 1 for k in accepted), 60), (
            h.comments_of(backlog)
        )
        assert h.wait_until(lambda: not _queue(config)["jobs"], 20)
    finally:
        second.stop()
    counts = h.comments_of(tmp_path / "backlog.json")
    assert all(counts[k] == 1 for k in accepted)  # exactly one comment each, none lost
    assert counts["I-1"] == counts["E-1"] == 0
    assert _queue(config)["dead"] == []


def test_outage_retries_then_dead_letter_then_queue_retry_succeeds(tmp_path: Path) -> None:
    config = h.write_setup(
        tmp_path,
        stories=2,
        service={"max_attempts": 3, "backoff_seconds": 0.1, "backoff_max_seconds": 0.3},
    )
    (tmp_path / "OUTAGE").touch()
    proc = h.ServeProcess(config, tmp_path / "serve.log").start()
    try:
        assert _post(proc.url, "S-1", "o-1") == 202
        assert h.wait_until(lambda: len(_queue(config)["dead"]) == 1, 30)
        dead = _queue(config)["dead"][0]
        assert dead["item"] == "S-1" and dead["attempts"] == 3
        assert "outage" in dead["last_error"]
        text = _cli(config, "list", "--dead").stdout
        assert "dead letters: 1" in text and "S-1" in text
        metrics = httpx.get(proc.url + "/metrics").text
        assert 'trackerguard_dead_letters_total{tracker="webfile"} 1.0' in metrics
        assert 'trackerguard_job_retries_total{tracker="webfile"} 2.0' in metrics
        assert h.comments_of(tmp_path / "backlog.json")["S-1"] == 0
        (tmp_path / "OUTAGE").unlink()  # the tracker recovers
        result = _cli(config, "retry", str(dead["id"]))
        assert result.returncode == 0 and "requeued 1" in result.stdout
        assert h.wait_until(lambda: h.comments_of(tmp_path / "backlog.json")["S-1"] == 1, 20)
        assert h.wait_until(lambda: _queue(config) == {"jobs": [], "dead": []}, 10)
        assert _cli(config, "retry", "999").returncode == 2
        assert _cli(config, "retry", "--all").returncode == 0
        assert "purged 0" in _cli(config, "purge", "--yes").stdout
    finally:
        proc.stop()


def test_sigterm_drains_and_exits_in_time_then_restart_resumes(tmp_path: Path) -> None:
    config = h.write_setup(
        tmp_path,
        stories=6,
        tracker={"delay": 0.5},
        service={"coalesce_seconds": 0, "workers": 1, "shutdown_timeout": 4.0},
    )
    log = tmp_path / "serve.log"
    proc = h.ServeProcess(config, log).start()
    try:
        for i in range(1, 7):
            assert _post(proc.url, f"S-{i}", f"t-{i}") == 202
        time.sleep(0.3)  # a job is in flight
        started = time.monotonic()
        # uvicorn re-raises the captured SIGTERM after a clean shutdown: -15 (or 0)
        assert proc.terminate(timeout=15) in (0, -15)
        assert "Application shutdown complete" in log.read_text()
        assert time.monotonic() - started < 4.0 + 3.0
        assert _post(proc.url, "S-1", "after") == 0  # no longer accepting
    finally:
        proc.stop()
    remaining = _queue(config)["jobs"]
    assert all(job["state"] == "pending" for job in remaining)  # nothing left "running"
    proc = h.ServeProcess(config, log).start()
    try:
        backlog = tmp_path / "backlog.json"
        assert h.wait_until(
            lambda: all(h.comments_of(backlog)[f"S-{i}"] == 1 for i in range(1, 7)), 30
        )
    finally:
        proc.stop()


def test_draining_answers_503(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.testclient import TestClient

    from trackerguard.service.app import create_app

    monkeypatch.setenv(h.SECRET_ENV, h.SECRET)
    settings, registry = h.load(h.write_setup(tmp_path))
    app = create_app(settings, registry, background=False)
    with TestClient(app) as client:
        app.state.service.begin_drain()
        body, headers = h.signed({"event": "updated", "key": "S-1"}, "d")
        response = client.post(URL, content=body, headers=headers)
        assert response.status_code == 503 and response.headers["retry-after"]
        assert client.get("/readyz").status_code == 503
