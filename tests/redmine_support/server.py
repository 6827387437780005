"""Where the test Redmine is, and whether a test may skip when it is not there.

``scripts/redmine-test-server start`` prints ``REDMINE_URL``/``REDMINE_API_KEY`` (and the
instance's ``REDMINE_CI_DIR``) and writes them to ``$REDMINE_CI_DIR/env`` (default
``/tmp/redmine-ci/env``); the environment wins over the file. In CI (``CI`` set) a
missing or unreachable server is a failure, never a skip: a suite that silently skipped its
only real-tracker tests would report green for an adapter nobody ran.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import httpx

CI_DIR = Path(os.environ.get("REDMINE_CI_DIR", "/tmp/redmine-ci"))
"""The instance directory of the server under test (``scripts/redmine-test-server``)."""
ENV_FILE = CI_DIR / "env"


@dataclass(frozen=True)
class RedmineServer:
    url: str
    api_key: str


def _from_file() -> dict[str, str]:
    values: dict[str, str] = {}
    try:
        text = ENV_FILE.read_text(encoding="utf-8")
    except OSError:
        return values
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            values[name.strip()] = value.strip()
    return values


def locate() -> tuple[RedmineServer | None, str]:
    """The server, or None and the reason it cannot be used."""
    file_values = _from_file()
    url = os.environ.get("REDMINE_URL") or file_values.get("REDMINE_URL")
    key = os.environ.get("REDMINE_API_KEY") or file_values.get("REDMINE_API_KEY")
    if not url or not key:
        return None, (
            "no Redmine test server: run `scripts/redmine-test-server start` "
            f"(or set REDMINE_URL and REDMINE_API_KEY); looked in the environment and {ENV_FILE}"
        )
    try:
        response = httpx.get(
            f"{url}/users/current.json", headers={"X-Redmine-API-Key": key}, timeout=10
        )
    except httpx.HTTPError as exc:
        return None, f"Redmine test server at {url} is unreachable: {type(exc).__name__}"
    if response.status_code != 200:
        return None, f"Redmine test server at {url} rejects the API key ({response.status_code})"
    return RedmineServer(url.rstrip("/"), key), ""


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def require() -> RedmineServer:
    """The server for a test: in CI its absence fails the test, elsewhere it skips it."""
    import pytest

    found, reason = locate()
    if found is None:
        if in_ci():
            pytest.fail(f"CI is set but {reason}")
        pytest.skip(reason)
    return found
