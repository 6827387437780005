"""Unit tests of the shared polite-client mechanism (``trackerguard.http``).

The client is the code under test; ``httpx.MockTransport`` plays the server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from trackerguard.errors import AuthError, BudgetExhausted, RateLimited, TrackerError
from trackerguard.http import PoliteClient, decode_json, failure, parse_retry_after

SECRET = "s3cret-token"


@dataclass(frozen=True)
class Knobs:
    request_budget: int = 100
    max_retries: int = 3
    backoff: float = 1.0
    max_wait: float = 60.0
    timeout: float = 5.0


class Demo(PoliteClient):
    """A minimal tracker: 429 carries ``Retry-After``; the token goes in ``X-Token``."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response], **knobs: float) -> None:
        self.slept: list[float] = []
        self.prepared: list[tuple[str, bool]] = []
        super().__init__(
            name="Demo",
            section="demo",
            http=httpx.Client(transport=httpx.MockTransport(handler)),
            counters={},
            limits=Knobs(**knobs),  # type: ignore[arg-type]
            logger=logging.getLogger("test.demo"),
            sleep=self.slept.append,
            wall=lambda: 1_000.0,
        )

    def _auth_headers(self) -> dict[str, str]:
        return {"X-Token": SECRET}

    def _prepare(self, scope: str, write: bool) -> None:
        self.prepared.append((scope, write))

    def _throttle(self, response: httpx.Response, attempt: int, scope: str) -> float | None:
        if response.status_code != 429:
            return None
        return parse_retry_after(response.headers.get("retry-after")) or 0.0

    def get(self, path: str = "/x", *, write: bool = False) -> httpx.Response:
        return self._send(
            "GET", f"https://demo.test{path}", f"GET {path}", write=write, scope="core"
        )


def script(*responses: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    """A handler answering the given responses (or raising the given errors) in order."""
    queue: Iterator[httpx.Response | Exception] = iter(responses)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = next(queue)
        if isinstance(answer, Exception):
            raise answer
        return answer

    handler.seen = seen  # type: ignore[attr-defined]
    return handler


def test_success_counts_a_read_and_sends_the_credentials_and_headers() -> None:
    handler = script(httpx.Response(200, json={"ok": True}))
    client = Demo(handler)
    assert client.get().json() == {"ok": True}
    request = handler.seen[0]  # type: ignore[attr-defined]
    assert request.headers["X-Token"] == SECRET
    assert client.counters == {"read": 1}
    assert client.used == 1
    assert client.prepared == [("core", False)]


def test_writes_are_counted_as_writes_and_retries_as_retries() -> None:
    client = Demo(script(httpx.Response(502), httpx.Response(201)))
    assert client.get(write=True).status_code == 201
    assert client.counters == {"write": 1, "retry": 1}
    assert client.slept == [1.0]
    assert client.prepared == [("core", True), ("core", True)]


def test_5xx_backs_off_exponentially_then_returns_the_last_answer() -> None:
    client = Demo(script(*(httpx.Response(503) for _ in range(4))))
    assert client.get().status_code == 503
    assert client.slept == [1.0, 2.0, 4.0]
    assert client.waited == 7.0


def test_network_failures_are_retried_then_reported_without_secrets() -> None:
    boom = httpx.ConnectError("refused")
    client = Demo(script(boom, boom), max_retries=1)
    with pytest.raises(TrackerError) as caught:
        client.get("/issues")
    assert str(caught.value) == "Demo unreachable (GET /issues): ConnectError"
    assert caught.value.retryable
    assert SECRET not in str(caught.value)
    assert client.slept == [1.0]


def test_rate_limit_waits_what_the_tracker_asks() -> None:
    client = Demo(script(httpx.Response(429, headers={"retry-after": "7"}), httpx.Response(200)))
    assert client.get().status_code == 200
    assert client.slept == [7.0]
    assert client.counters == {"read": 1, "retry": 1}


def test_a_wait_longer_than_max_wait_gives_up_at_once() -> None:
    client = Demo(script(httpx.Response(429, headers={"retry-after": "600"})))
    with pytest.raises(RateLimited, match=r"longer than \[demo\] max_wait"):
        client.get()
    assert client.slept == []


def test_rate_limits_past_max_retries_give_up() -> None:
    client = Demo(
        script(*(httpx.Response(429, headers={"retry-after": "1"}) for _ in range(3))),
        max_retries=2,
    )
    with pytest.raises(RateLimited, match="rate limited on GET /x; giving up after 3 attempts"):
        client.get()
    assert client.slept == [1.0, 1.0]


def test_budget_stops_before_the_request_that_would_exceed_it() -> None:
    client = Demo(script(httpx.Response(200), httpx.Response(200)), request_budget=1)
    client.get()
    with pytest.raises(BudgetExhausted, match=r"raise \[demo\] request_budget"):
        client.get()
    assert client.used == 1


def test_budget_zero_means_unlimited() -> None:
    client = Demo(script(*(httpx.Response(200) for _ in range(3))), request_budget=0)
    for _ in range(3):
        client.get()
    assert client.used == 3


def test_auth_override_replaces_the_default_credentials() -> None:
    handler = script(httpx.Response(200))
    client = Demo(handler)
    client._send("GET", "https://demo.test/x", "GET /x", write=False, auth=lambda: {"A": "b"})
    request = handler.seen[0]  # type: ignore[attr-defined]
    assert request.headers["A"] == "b"
    assert "X-Token" not in request.headers


def test_wait_for_reset_sleeps_within_max_wait_and_refuses_beyond() -> None:
    client = Demo(script())
    client._wait_for_reset(-3)
    client._wait_for_reset(30)
    assert client.slept == [30]
    with pytest.raises(
        RateLimited, match=r"resets in 61 s, longer than \[demo\] max_wait \(60 s\)"
    ):
        client._wait_for_reset(61)


@pytest.mark.parametrize(
    ("value", "now", "expected"),
    [
        (None, None, None),
        ("", None, None),
        (" 12 ", None, 12.0),
        ("-4", None, 0.0),
        ("soon", None, None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None, None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470.0, 10.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490.0, 0.0),
        ("garbage", 1.0, None),
    ],
)
def test_parse_retry_after(value: str | None, now: float | None, expected: float | None) -> None:
    assert parse_retry_after(value, now) == expected


def test_decode_json_names_the_status_not_the_body() -> None:
    assert decode_json(httpx.Response(200, json=[1]), "Demo") == [1]
    with pytest.raises(TrackerError, match="Demo answered HTTP 200 with a body that is not JSON"):
        decode_json(httpx.Response(200, text="<html>secret</html>"), "Demo")


def test_failure_quotes_the_trackers_message_and_maps_401() -> None:
    error = failure("Demo", "GET", "/x", httpx.Response(404, json={"message": "Not Found"}))
    assert str(error) == "Demo GET /x failed: HTTP 404 (Not Found)"
    assert error.status == 404 and not error.retryable
    auth = failure("Demo", "GET", "/x", httpx.Response(401, json={"message": "Bad"}))
    assert isinstance(auth, AuthError)
    assert str(auth).endswith(": the token was rejected")
    server = failure("Demo", "POST", "/y", httpx.Response(500, text="oops"))
    assert str(server) == "Demo POST /y failed: HTTP 500" and server.retryable
    other = failure(
        "Demo", "GET", "/z", httpx.Response(400, json={"error": "bad scope"}), ("message", "error")
    )
    assert str(other) == "Demo GET /z failed: HTTP 400 (bad scope)"


def test_tracker_clients_share_one_verifying_tls_context() -> None:
    """A client per service job must not reload the CA bundle (~20 ms of CPU each time),
    and sharing the context must not weaken it."""
    import ssl
    import time

    from trackerguard.plugins.github.client import GitHubClient
    from trackerguard.plugins.gitlab.client import GitLabClient
    from trackerguard.plugins.linear.client import LinearClient
    from trackerguard.plugins.redmine.client import RedmineClient

    from trackerguard.http import tls_context

    context = tls_context()
    assert context is tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    started = time.process_time()  # CPU time: a loaded machine does not change it much
    for _ in range(30):
        GitHubClient("https://api.github.com", "https://api.github.com/graphql", lambda: "t", {})
        GitLabClient("https://gitlab.example", "t", {})
        LinearClient("https://api.linear.app/graphql", lambda: "t", {})
    assert time.process_time() - started < 0.5  # 90 clients; ~2 s with a context each
    started = time.process_time()
    for _ in range(30):
        RedmineClient("https://redmine.example", "k", counters={})
    assert time.process_time() - started < 0.2  # 30 clients; ~0.6 s with a context each
