"""Honest readiness and bounded tables: ``/readyz`` over real HTTP reflects a real write probe
of the queue, free disk and the state file; a queue that cannot be written stops ``serve``
at start with exit 2 and one clear line; old rows are pruned while the service runs."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_support import helpers as h

from trackerguard.service.app import create_app


@pytest.fixture
def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv(h.SECRET_ENV, h.SECRET)
    servers: list[h.ThreadServer] = []

    def start(background: bool = False, **service: Any) -> h.ThreadServer:
        config = h.write_setup(tmp_path, service={"coalesce_seconds": 600, **service})
        settings, registry = h.load(config)
        server = h.ThreadServer(create_app(settings, registry, background=background))
        servers.append(server.__enter__())
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def _ready(server: h.ThreadServer) -> httpx.Response:
    return httpx.get(server.url + "/readyz", timeout=10)


def test_ready_when_every_check_passes_and_the_probe_leaves_nothing(
    serve: Any, tmp_path: Path
) -> None:
    server = serve()
    ready = _ready(server)
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "ready": True, "queue": "ok", "disk": "ok", "state": "ok", "webfile": "ok",
    }  # fmt: skip
    with sqlite3.connect(tmp_path / "queue.db") as db:
        assert db.execute("SELECT count(*) FROM meta WHERE key = 'readyz'").fetchone() == (0,)


def test_a_deleted_queue_file_is_not_ready(serve: Any, tmp_path: Path) -> None:
    server = serve()
    assert _ready(server).status_code == 200
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp_path / 'queue.db'}{suffix}").unlink(missing_ok=True)
    ready = _ready(server)  # no cache: the very next probe sees it
    assert ready.status_code == 503
    assert ready.json()["queue"] == "unwritable" and "queue.db" in ready.json()["reason"]


def test_too_little_free_disk_is_not_ready(serve: Any, tmp_path: Path) -> None:
    free_mb = shutil.disk_usage(tmp_path).free / 1048576
    server = serve(min_free_disk_mb=free_mb * 2 + 1024)
    ready = _ready(server)
    assert ready.status_code == 503 and ready.json()["disk"] == "low"
    assert "min_free_disk_mb" in ready.json()["reason"]
    assert ready.json()["queue"] == "ok"


def test_a_state_file_that_cannot_be_written_is_not_ready(serve: Any, tmp_path: Path) -> None:
    server = serve()
    assert _ready(server).status_code == 200
    (tmp_path / "state.db").unlink(missing_ok=True)
    (tmp_path / "state.db").mkdir()  # what was the state file cannot be opened for writing
    ready = _ready(server)
    assert ready.status_code == 503 and ready.json()["state"] == "unwritable"
    assert "state.db" in ready.json()["reason"]


def _serve_once(config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, h.SECRET_ENV: h.SECRET}
    return subprocess.run(
        [sys.executable, "-m", "trackerguard.cli", "serve", "--config", str(config),
         "--port", str(h.free_port())],
        capture_output=True, text=True, env=env, cwd=config.parent, timeout=60,
    )  # fmt: skip


def _read_only(*paths: Path) -> None:
    """Make ``paths`` unwritable for this process: modes, and for root (whom modes do not
    stop) the immutable attribute."""
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", *map(str, paths)], check=True)


def _writable_again(*paths: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", *map(str, paths)], check=False)
    for path in paths:
        path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_read_only_queue_at_start_is_exit_2_with_one_clear_line(tmp_path: Path) -> None:
    queue_dir = tmp_path / "queue"
    queue_dir.mkdir()
    sqlite3.connect(queue_dir / "queue.db").close()
    config = h.write_setup(tmp_path, service={"queue_path": str(queue_dir / "queue.db")})
    _read_only(queue_dir / "queue.db", queue_dir)
    try:
        result = _serve_once(config)
    finally:
        _writable_again(queue_dir / "queue.db", queue_dir)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(lines) == 1 and "service.queue_path" in lines[0], result.stderr
    assert "queue.db" in lines[0] and "Traceback" not in result.stderr


def test_an_unreachable_queue_path_at_start_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    config = h.write_setup(tmp_path, service={"queue_path": str(tmp_path / "a-file" / "q.db")})
    result = _serve_once(config)
    assert result.returncode == 2, result.stderr
    assert "service.queue_path" in result.stderr and "Traceback" not in result.stderr


def test_old_rows_are_pruned_while_the_service_runs(serve: Any, tmp_path: Path) -> None:
    server = serve(prune_minutes=0.01, dedupe_hours=1, dead_retention_days=1)
    now = time.time()
    with sqlite3.connect(tmp_path / "queue.db") as db:
        db.executemany(
            "INSERT INTO deliveries (tracker, delivery_id, received) VALUES ('webfile', ?, ?)",
            [(f"old-{n}", now - 7200) for n in range(50)] + [("recent", now - 60)],
        )
        db.execute("INSERT INTO echoes VALUES ('webfile', 'S-1', ?)", (now - 5,))
        db.executemany(
            "INSERT INTO dead (id, tracker, item_key, origin, deliveries, first_received, "
            "attempts, died) VALUES (?, 'webfile', ?, 'delivery', 1, 0, 3, ?)",
            [(1, "S-1", now - 3 * 86400), (2, "S-2", now - 3600)],
        )

    def counts() -> tuple[int, int, int]:
        with sqlite3.connect(tmp_path / "queue.db") as db:
            return (
                db.execute("SELECT count(*) FROM deliveries").fetchone()[0],
                db.execute("SELECT count(*) FROM echoes").fetchone()[0],
                db.execute("SELECT count(*) FROM dead").fetchone()[0],
            )

    assert h.wait_until(lambda: counts() == (1, 0, 1), 15), counts()
    with sqlite3.connect(tmp_path / "queue.db") as db:
        assert db.execute("SELECT delivery_id FROM deliveries").fetchall() == [("recent",)]
        assert db.execute("SELECT id FROM dead").fetchall() == [(2,)]
    body, headers = h.signed({"event": "updated", "key": "S-1", "actor": "ana"}, "old-1")
    again = httpx.post(server.url + "/webhooks/webfile", content=body, headers=headers)
    assert again.status_code == 202  # a forgotten id is a new delivery again
