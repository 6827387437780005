"""Signature schemes (unit and over HTTP) and the refuse-to-start rule for missing secrets."""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_support import helpers as h

from trackerguard.errors import ConfigError
from trackerguard.service import signatures as sig

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")


def test_github_docs_test_vector() -> None:
    body = b"Hello, World!"
    secret = "It's a Secret to Everybody"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sig.sign_sha256_prefixed(secret, body) == expected
    assert sig.verify_github(secret, {"x-hub-signature-256": expected}, body)
    assert not sig.verify_github(secret, {"X-Hub-Signature-256": expected}, body + b" ")
    assert not sig.verify_github(secret, {}, body)
    assert not sig.verify_github("other", {"X-Hub-Signature-256": expected}, body)


def test_jira_x_hub_signature() -> None:
    body = b'{"webhookEvent":"jira:issue_updated"}'
    good = sig.sign_sha256_prefixed("k", body)
    assert sig.verify_jira("k", {"X-Hub-Signature": good}, body)
    assert not sig.verify_jira("k", {"X-Hub-Signature": good[7:]}, body)  # prefix required
    assert not sig.verify_jira("k", {"X-Hub-Signature-256": good}, body)


def test_gitlab_token() -> None:
    assert sig.verify_gitlab("tok", {"X-Gitlab-Token": "tok"})
    assert not sig.verify_gitlab("tok", {"X-Gitlab-Token": "tok2"})
    assert not sig.verify_gitlab("tok", {})
    assert not sig.verify_gitlab("", {"X-Gitlab-Token": ""})


def test_linear_signature_and_timestamp_window() -> None:
    now = 1_800_000_000.0
    body = json.dumps({"action": "update", "webhookTimestamp": int(now * 1000)}).encode()
    digest = sig.sign_linear("k", body)
    assert sig.verify_linear("k", {"Linear-Signature": digest}, body, now=now + 30)
    assert not sig.verify_linear("k", {"Linear-Signature": digest}, body, now=now + 61)
    assert not sig.verify_linear("k", {"Linear-Signature": "sha256=" + digest}, body, now=now)
    # the signed body decides; the unsigned header can only make the check stricter
    headers = {"Linear-Signature": digest, "Linear-Timestamp": str(int((now - 120) * 1000))}
    assert not sig.verify_linear("k", headers, body, now=now)  # stale header: refused too
    fresh_header = {"Linear-Signature": digest, "Linear-Timestamp": str(int((now + 300) * 1000))}
    assert not sig.verify_linear("k", fresh_header, body, now=now + 300)  # nor revive a replay
    bare = b'{"action":"update"}'
    assert not sig.verify_linear("k", {"Linear-Signature": sig.sign_linear("k", bare)}, bare)
    # the header is the fallback only when the body carries no timestamp
    bare_headers = {"Linear-Signature": sig.sign_linear("k", bare)}
    bare_headers["Linear-Timestamp"] = str(int(now * 1000))
    assert sig.verify_linear("k", bare_headers, bare, now=now + 30)
    assert not sig.verify_linear("k", bare_headers, bare, now=now + 61)
    # a body timestamp that is not a number is refused, not replaced by the header
    odd = json.dumps({"webhookTimestamp": "soon"}).encode()
    odd_headers = {"Linear-Signature": sig.sign_linear("k", odd)}
    odd_headers["Linear-Timestamp"] = str(int(now * 1000))
    assert not sig.verify_linear("k", odd_headers, odd, now=now)
    # the window is configurable
    assert sig.verify_linear("k", {"Linear-Signature": digest}, body, now=now + 200, window=300)
    assert not sig.verify_linear("k", {"Linear-Signature": digest}, body, now=now + 301, window=300)


def test_secret_lookup_env_and_file(tmp_path: Path) -> None:
    assert sig.webhook_secret({"webhook_secret": "a"}, "x", {}) == "a"
    assert sig.webhook_secret({}, "gitlab", {"TRACKERGUARD_GITLAB__WEBHOOK_SECRET": "b"}) == "b"
    secret_file = tmp_path / "secret"
    secret_file.write_text("c\n")
    env = {"TRACKERGUARD_LINEAR__WEBHOOK_SECRET_FILE": str(secret_file)}
    assert sig.webhook_secret({}, "linear", env) == "c"
    assert sig.webhook_secret({}, "linear", {}) == ""


@pytest.mark.parametrize("scheme", ["github", "jira", "gitlab", "linear"])
def test_each_scheme_over_http(
    scheme: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette.testclient import TestClient

    from trackerguard.service.app import create_app

    monkeypatch.setenv(h.SECRET_ENV, h.SECRET)
    settings, registry = h.load(h.write_setup(tmp_path, scheme=scheme))
    app = create_app(settings, registry, background=False)
    payload = {"event": "updated", "key": "S-1", "actor": "ana"}
    with TestClient(app) as client:
        body, headers = h.signed(payload, f"{scheme}-1", scheme=scheme)
        assert client.post("/webhooks/webfile", content=body, headers=headers).status_code == 202
        body, headers = h.signed(payload, f"{scheme}-2", scheme=scheme, secret="wrong")
        assert client.post("/webhooks/webfile", content=body, headers=headers).status_code == 401
        bare = {"Content-Type": "application/json"}
        assert client.post("/webhooks/webfile", content=body, headers=bare).status_code == 401
        if scheme == "linear":
            stale = int((time.time() - 120) * 1000)
            body, headers = h.signed(payload, "lin-3", scheme=scheme, timestamp_ms=stale)
            response = client.post("/webhooks/webfile", content=body, headers=headers)
            assert response.status_code == 401


def test_refuses_to_start_without_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from trackerguard.service.app import create_app

    monkeypatch.delenv(h.SECRET_ENV, raising=False)
    settings, registry = h.load(h.write_setup(tmp_path))
    with pytest.raises(ConfigError, match="TRACKERGUARD_WEBFILE__WEBHOOK_SECRET"):
        create_app(settings, registry, background=False)
    config = h.write_setup(tmp_path, tracker={"insecure_no_signature": True})
    settings, registry = h.load(config)
    with caplog.at_level(logging.WARNING, logger="trackerguard.service"):
        create_app(settings, registry, background=False)
    assert "UNSIGNED" in caplog.text


def test_secret_never_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from starlette.testclient import TestClient

    from trackerguard.service.app import create_app

    monkeypatch.setenv(h.SECRET_ENV, h.SECRET)
    settings, registry = h.load(h.write_setup(tmp_path))
    with caplog.at_level(logging.DEBUG), TestClient(create_app(settings, registry)) as client:
        body, headers = h.signed({"event": "updated", "key": "S-1"}, "x", secret="bad")
        client.post("/webhooks/webfile", content=body, headers=headers)
        body, headers = h.signed({"event": "updated", "key": "S-1"}, "y")
        client.post("/webhooks/webfile", content=body, headers=headers)
        client.get("/metrics")
    assert h.SECRET not in caplog.text


def test_service_refuses_a_tracker_without_webhooks(tmp_path: Path) -> None:
    """The file and Redmine 5 trackers send no webhooks: say so instead of asking for a secret."""
    from trackerguard.plugins_manager import build_registry
    from trackerguard.service.app import create_app
    from trackerguard.settings import load_settings

    config = tmp_path / "tg.toml"
    config.write_text(f'[service]\nqueue_path = "{tmp_path / "q.db"}"\n[file]\npath = "b.json"\n')
    settings = load_settings(config, use_pyproject=False)
    with pytest.raises(ConfigError, match="'file' tracker sends no webhooks"):
        create_app(settings, build_registry(load_entry_points=False))
