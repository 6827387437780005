"""Helpers for the service tests: backlogs, configs, signing, servers on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

SUPPORT = Path(__file__).resolve().parent
PLUGINS_DIR = SUPPORT / "plugins"
SECRET = "s3cret-for-tests"
SECRET_ENV = "TRACKERGUARD_WEBFILE__WEBHOOK_SECRET"
MARKER = "<!-- trackerguard -->"


def plugin_module() -> ModuleType:
    name = "tg_test_webfile_plugin"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PLUGINS_DIR / "webfile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def backlog(count: int) -> dict[str, Any]:
    """An initiative with a plan, plus ``count`` orphan stories (TG101: each gets a comment)."""
    items: list[dict[str, Any]] = [
        {
            "key": "I-1",
            "type": "Initiative",
            "title": "Grow self-serve revenue",
            "description": "## Key results\n- Self-serve share from 20% to 35% by Q4",
            "status": "In Progress",
            "assignee": "ana",
            "due": "2030-06-30",
            "created": "2026-01-01T00:00:00Z",
            "updated": "2026-01-01T00:00:00Z",
        },
        {
            "key": "E-1",
            "type": "Epic",
            "title": "CSV export",
            "parent": "I-1",
            "description": "Support exports reports by hand because customers cannot.\n\n"
            "## Done when\n- [ ] export button",
            "status": "To Do",
            "assignee": "bo",
            "milestone": "2030.1",
            "created": "2026-01-01T00:00:00Z",
            "updated": "2026-01-01T00:00:00Z",
        },
    ]
    for index in range(1, count + 1):
        items.append(
            {
                "key": f"S-{index}",
                "type": "Story",
                "title": f"Story number {index}",
                "description": "As an admin I want a button so that I can share reports.",
                "status": "To Do",
                "created": "2026-01-01T00:00:00Z",
                "updated": "2026-01-01T00:00:00Z",
            }
        )
    return {"items": items}


def write_setup(
    tmp: Path,
    *,
    stories: int = 5,
    scheme: str = "github",
    service: dict[str, Any] | None = None,
    tracker: dict[str, Any] | None = None,
) -> Path:
    """Write backlog.json + trackerguard.toml into ``tmp``; return the config path."""
    (tmp / "backlog.json").write_text(json.dumps(backlog(stories), indent=2), encoding="utf-8")
    svc: dict[str, Any] = {
        "queue_path": str(tmp / "queue.db"),
        "coalesce_seconds": 0.3,
        "lease_seconds": 2.0,
        "reconcile_minutes": 0,
        "workers": 2,
        "backoff_seconds": 0.2,
        "backoff_max_seconds": 1.0,
        "max_attempts": 3,
        "poll_seconds": 0.05,
        "echo_window_seconds": 5.0,
        "shutdown_timeout": 5.0,
    }
    svc.update(service or {})
    trk: dict[str, Any] = {
        "path": str(tmp / "backlog.json"),
        "scheme": scheme,
        "eval_log": str(tmp / "evals.log"),
        "outage_file": str(tmp / "OUTAGE"),
    }
    trk.update(tracker or {})
    lines = [
        'tracker = "webfile"',
        f'state_path = "{tmp / "state.db"}"',
        f'plugins_dir = "{PLUGINS_DIR}"',
        "[trackers.webfile]",
        *(f"{k} = {json.dumps(v)}" for k, v in trk.items()),
        "[service]",
        *(f"{k} = {json.dumps(v)}" for k, v in svc.items()),
    ]
    config = tmp / "trackerguard.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def load(config: Path) -> tuple[Any, Any]:
    """Settings + registry with the test adapter registered in-process."""
    from trackerguard.plugins_manager import build_registry
    from trackerguard.settings import load_settings

    settings = load_settings(config, use_pyproject=False)
    settings = settings.model_copy(update={"plugins_dir": None})
    registry = build_registry(None, load_entry_points=False, extra=[("webfile", plugin_module())])
    return settings, registry


# -- signing ---------------------------------------------------------------------------------
def signed(
    payload: dict[str, Any] | bytes,
    delivery: str,
    *,
    scheme: str = "github",
    secret: str = SECRET,
    timestamp_ms: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json"}
    if scheme == "github":
        headers |= {"X-Hub-Signature-256": "sha256=" + digest, "X-GitHub-Delivery": delivery}
    elif scheme == "jira":
        headers |= {"X-Hub-Signature": "sha256=" + digest}
        headers["X-Atlassian-Webhook-Identifier"] = delivery
    elif scheme == "gitlab":
        headers |= {"X-Gitlab-Token": secret, "Idempotency-Key": delivery}
    else:
        stamp = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
        headers |= {
            "Linear-Signature": digest,
            "Linear-Delivery": delivery,
            "Linear-Timestamp": str(stamp),
        }
    return body, headers


def comments_of(backlog_path: Path) -> dict[str, int]:
    """Number of trackerguard comments per item in the backlog file."""
    document = json.loads(backlog_path.read_text(encoding="utf-8"))
    out: dict[str, int] = {}
    for item in document["items"]:
        out[item["key"]] = sum(MARKER in c.get("body", "") for c in item.get("comments") or [])
    return out


def evaluations(tmp: Path) -> dict[str, int]:
    path = tmp / "evals.log"
    counts: dict[str, int] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").split():
            counts[line] = counts.get(line, 0) + 1
    return counts


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


# -- servers ---------------------------------------------------------------------------------
class ThreadServer:
    """uvicorn serving ``app`` on 127.0.0.1 in a thread (real HTTP, real SQLite), with the
    HTTP limits ``trackerguard serve`` sets (``parser``: ``auto``, ``h11``, ``httptools``)."""

    def __init__(self, app: Any, *, parser: str = "auto") -> None:
        import uvicorn

        from trackerguard.service.http import uvicorn_config

        self.port = free_port()
        service = getattr(app.state, "service", None)
        if service is not None:
            config = uvicorn_config(
                app, service.cfg, host="127.0.0.1", port=self.port, parser=parser,
                log_level="warning",
            )  # fmt: skip
        else:
            config = uvicorn.Config(
                app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
            )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        assert wait_until(lambda: self.server.started, 10), "uvicorn did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)


class ServeProcess:
    """``trackerguard serve --config FILE`` as a real subprocess."""

    def __init__(
        self,
        config: Path,
        log: Path,
        env: dict[str, str] | None = None,
        *,
        webfile: bool = True,
    ) -> None:
        """``webfile``: the config serves the test tracker (its secret is set)."""
        self.config = config
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        own = {SECRET_ENV: SECRET} if webfile else {}
        self.env = {**os.environ, **own, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ServeProcess:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "trackerguard.cli", "serve", "--config", str(self.config),
             "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=out, stderr=subprocess.STDOUT, env=self.env, cwd=self.config.parent,
        )  # fmt: skip
        out.close()

        def up() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError("serve exited:\n" + self.log.read_text(errors="replace"))
            try:
                return httpx.get(self.url + "/healthz", timeout=0.5).status_code == 200
            except httpx.HTTPError:
                return False

        assert wait_until(up, 30), "serve did not come up:\n" + self.log.read_text()
        return self

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout: float = 30) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
