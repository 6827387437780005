"""Tokens go only to the configured origin, and URLs are never logged with credentials.

Real HTTP over loopback: one server plays the tracker's API, another a foreign host that a
``Link: rel="next"`` points to; the foreign one must never see a request (nor the token).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from trackerguard.plugins.github.client import GitHubClient, Politeness
from trackerguard.plugins.redmine.client import RedmineClient, RedmineDown

from tests.service_support.helpers import free_port
from trackerguard.cli import _shown
from trackerguard.errors import TrackerError
from trackerguard.urls import install_url_redaction, redacted, same_origin

TOKEN = "ghp_test_token_never_elsewhere"


class Recorder:
    """A loopback HTTP server answering JSON lists, recording what it was sent."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str | None]] = []
        self.next_link: str | None = None
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.requests.append((self.path, self.headers.get("Authorization")))
                body = json.dumps([{"page": len(recorder.requests)}]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                link = recorder.next_link
                if link and "page=2" not in self.path:
                    self.send_header("Link", f'<{link}>; rel="next"')
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers() -> Iterator[tuple[Recorder, Recorder]]:
    api, foreign = Recorder(), Recorder()
    yield api, foreign
    api.stop()
    foreign.stop()


def github(api_url: str) -> GitHubClient:
    return GitHubClient(
        api_url,
        api_url + "/graphql",
        lambda: TOKEN,
        {"read": 0, "write": 0, "retry": 0},
        Politeness(max_retries=0),  # type: ignore[call-arg]
        sleep=lambda seconds: None,
    )


def test_a_same_origin_next_link_is_followed(servers: tuple[Recorder, Recorder]) -> None:
    api, _ = servers
    api.next_link = f"{api.url}/repos/o/r/issues?page=2"
    pages = list(github(api.url).paginate("/repos/o/r/issues"))
    assert pages == [{"page": 1}, {"page": 2}]
    assert [auth for _, auth in api.requests] == [f"Bearer {TOKEN}"] * 2


@pytest.mark.parametrize(
    "where",
    [
        "foreign",  # another port on the same host: another origin
        "userinfo",  # the configured host, but with credentials of someone else's choosing
        "scheme",  # https instead of the configured http
    ],
)
def test_a_next_link_elsewhere_is_refused_and_gets_no_token(
    servers: tuple[Recorder, Recorder], where: str
) -> None:
    api, foreign = servers
    host_port = api.url.removeprefix("http://")
    api.next_link = {
        "foreign": f"{foreign.url}/steal?page=2",
        "userinfo": f"http://evil:x@{host_port}/repos/o/r/issues?page=2",
        "scheme": f"https://{host_port}/repos/o/r/issues?page=2",
    }[where]
    with pytest.raises(TrackerError, match="outside the configured api_url") as caught:
        list(github(api.url).paginate("/repos/o/r/issues"))
    assert TOKEN not in str(caught.value) and "evil:x" not in str(caught.value)
    assert foreign.requests == []
    assert len(api.requests) == 1, "only the first page, from the configured origin"


def test_request_lines_are_logged_without_userinfo_or_tokens(
    servers: tuple[Recorder, Recorder], caplog: pytest.LogCaptureFixture
) -> None:
    api, _ = servers
    install_url_redaction()
    secret_url = api.url.replace("http://", "http://bot:s3cr3t-pass@") + "/x?private_token=abc123"
    with caplog.at_level(logging.INFO), httpx.Client() as client:
        assert client.get(secret_url).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert lines and "127.0.0.1" in lines[0], "httpx logs the request line at INFO"
    assert "s3cr3t-pass" not in caplog.text and "abc123" not in caplog.text
    assert "private_token=***" in caplog.text


def test_origin_helpers() -> None:
    assert same_origin("https://api.github.com/x?page=2", "https://api.github.com")
    assert same_origin("https://API.github.com:443/x", "https://api.github.com")
    assert not same_origin("https://api.github.com.evil.example/x", "https://api.github.com")
    assert not same_origin("//api.github.com/x", "https://api.github.com")
    assert (
        redacted("https://u:p@h.example:8443/a?key=k&x=1") == "https://h.example:8443/a?key=***&x=1"
    )


def test_an_unreachable_tracker_is_reported_without_the_url_credentials() -> None:
    # A Redmine URL may carry credentials ("http://bot:secret@host"); the outage message
    # that ends the run names the host, never the secret.
    url = f"http://bot:s3cr3t-pw@127.0.0.1:{free_port()}"  # bound, then released: closed
    client = RedmineClient(url, "k", counters={}, retries=0, sleep=lambda _s: None)
    with pytest.raises(RedmineDown) as caught:
        client.get("/users/current.json")
    assert "127.0.0.1" in str(caught.value)
    assert "s3cr3t-pw" not in str(caught.value)


def test_cli_error_lines_never_show_url_credentials() -> None:
    # Whatever code wrote the message, the CLI's error line redacts URL userinfo and
    # secret-looking query values, and keeps control characters inert.
    shown = _shown("GET https://bot:tok3n@tracker.example/x?private_token=abc123 failed\x1b[2J")
    assert "tok3n" not in shown and "abc123" not in shown
    assert "tracker.example" in shown and "\x1b" not in shown
