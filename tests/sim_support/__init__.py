"""What the GitHub, GitLab and Linear simulators and their harnesses have in common.

* :class:`ThreadedServer`: run a simulator's Starlette app under uvicorn on a free port of
  127.0.0.1, in a daemon thread, so a test talks to it over real HTTP;
* :class:`OpaqueCursors`: page cursors that are random strings (nothing a client can decode
  or construct), the spec-minimum promise of Relay connections;
* :class:`SimProject`: a ``trackerguard.toml`` pointing at a running simulator, and the CLI
  run in-process (click's runner) with the credential in the environment only, never in
  the config file — the way a CI job would pass it.
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import uvicorn


class OpaqueCursors:
    """Cursor <-> position, with cursors that carry no readable information.

    A simulator that hands out ``base64("cursor:42")`` lets a client get away with decoding
    or forging cursors; GitHub and Linear promise only an opaque string. The same position
    always gets the same cursor (edge cursors stay stable across requests)."""

    def __init__(self) -> None:
        self._by_index: dict[int, str] = {}
        self._by_cursor: dict[str, int] = {}
        self._lock = threading.Lock()

    def cursor(self, index: int) -> str:
        with self._lock:
            found = self._by_index.get(index)
            if found is None:
                found = secrets.token_urlsafe(12)
                self._by_index[index] = found
                self._by_cursor[found] = index
            return found

    def index(self, cursor: str) -> int:
        """The position a cursor stands for; ValueError for one this server never issued."""
        with self._lock:
            if cursor not in self._by_cursor:
                raise ValueError(f"`{cursor}` does not appear to be a valid cursor.")
            return self._by_cursor[cursor]


class ThreadedServer:
    """Mixin: ``_serve(app, name)`` starts the app; :meth:`stop` shuts it down."""

    url: str
    _server: uvicorn.Server | None
    _thread: threading.Thread | None

    def _serve(self, app: Any, name: str) -> None:
        """Bind a free port, start uvicorn in a thread, wait until it answers; set ``url``."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} simulator did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)


def toml_value(value: Any) -> str:
    """A Python value as TOML (enough for the settings the harnesses write)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return str(value)


class SimProject:
    """Base of each harness's ``Project`` dataclass (which declares ``root``, ``top``, ``env``).

    A subclass names its ``tracker``, the ``credential`` environment variable and value, the
    ``levels`` TOML, and returns the ``[tracker]`` settings from :meth:`options`.
    """

    tracker: ClassVar[str]
    credential: ClassVar[tuple[str, str]]
    levels: ClassVar[str] = ""
    root: Path
    top: str
    env: dict[str, str]

    def options(self) -> dict[str, Any]:
        raise NotImplementedError

    def write(self) -> Path:
        head = f'tracker = "{self.tracker}"\nstate_path = "state.db"\n{self.top}\n{self.levels}'
        lines = [head, f"[{self.tracker}]"]
        lines += [f"{key} = {toml_value(value)}" for key, value in self.options().items()]
        path = self.root / "trackerguard.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def run(self, *args: str) -> tuple[int, str, str]:
        from click.testing import CliRunner

        from trackerguard.cli import main

        config = self.write()
        name, secret = self.credential
        env = {name: secret, **self.env}
        result = CliRunner().invoke(
            main, [*args[:1], "--config", str(config), *args[1:]], env=env, catch_exceptions=False
        )
        return result.exit_code, result.stdout, result.stderr

    def check(self, *extra: str, apply: bool = True) -> tuple[int, dict[str, Any]]:
        args = ["check", "--tracker", self.tracker, "--format", "json", "--quiet"]
        if apply:
            args.append("--apply")
        code, out, err = self.run(*args, *extra)
        try:
            return code, json.loads(out)
        except ValueError:
            raise AssertionError(f"exit {code}, not JSON: {out[:500]!r} {err[:2000]!r}") from None
