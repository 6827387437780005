"""The polite GitLab client: rate limits, retries, budget, pagination (httpx MockTransport)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from trackerguard.plugins.gitlab.client import GitLabClient, Politeness, enc

from trackerguard.errors import AuthError, BudgetExhausted, RateLimited, TrackerError

SECRET = "glpat-very-secret-value"


def make(
    handler: Callable[[httpx.Request], httpx.Response], **limits: float
) -> tuple[GitLabClient, list[float], dict[str, int]]:
    slept: list[float] = []
    counters = {"read": 0, "write": 0, "retry": 0}
    politeness = Politeness(**{"backoff": 0.5, "max_wait": 120.0, **limits})
    client = GitLabClient(
        "https://gitlab.example.com/",
        SECRET,
        counters,
        politeness,
        sleep=slept.append,
        wall=lambda: 1_000.0,
        transport=httpx.MockTransport(handler),
    )
    return client, slept, counters


def test_token_goes_in_the_private_token_header_only() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"username": "bot"})

    client, _, counters = make(handler)
    assert client.rest("GET", "/user").data == {"username": "bot"}
    assert seen[0].headers["PRIVATE-TOKEN"] == SECRET
    assert SECRET not in str(seen[0].url)
    assert str(seen[0].url) == "https://gitlab.example.com/api/v4/user"
    assert counters["read"] == 1


def test_project_paths_are_url_encoded() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return httpx.Response(200, json=[])

    client, _, _ = make(handler)
    client.rest("GET", f"/projects/{enc('acme/sub/web')}/issues")
    assert seen[0].startswith(b"/api/v4/projects/acme%2Fsub%2Fweb/issues")


def test_retry_after_is_honoured() -> None:
    replies = iter(
        [httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json=[])]
    )
    client, slept, counters = make(lambda request: next(replies))
    client.rest("GET", "/projects/1/issues")
    assert slept == [7.0] and counters["retry"] == 1


def test_header_less_429_backs_off_exponentially() -> None:
    replies = iter([httpx.Response(429), httpx.Response(429), httpx.Response(200, json=[])])
    client, slept, _ = make(lambda request: next(replies))
    client.rest("GET", "/x")
    assert slept == [0.5, 1.0]


def test_ratelimit_reset_without_retry_after() -> None:
    replies = iter(
        [httpx.Response(429, headers={"RateLimit-Reset": "1030"}), httpx.Response(200, json=[])]
    )
    client, slept, _ = make(lambda request: next(replies))
    client.rest("GET", "/x")
    assert slept == [30.0]


def test_exhausted_window_waits_before_the_next_request() -> None:
    replies = iter(
        [
            httpx.Response(
                200, json={}, headers={"RateLimit-Remaining": "0", "RateLimit-Reset": "1012"}
            ),
            httpx.Response(200, json={}),
        ]
    )
    client, slept, _ = make(lambda request: next(replies))
    client.rest("GET", "/a")
    assert slept == []
    client.rest("GET", "/b")
    assert slept == [12.0]


def test_too_long_a_wait_makes_the_run_partial() -> None:
    client, _, _ = make(lambda request: httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(RateLimited, match="max_wait"):
        client.rest("GET", "/x")


def test_5xx_is_retried_then_reported() -> None:
    replies = iter([httpx.Response(502), httpx.Response(503), httpx.Response(200, json=[])])
    client, slept, _ = make(lambda request: next(replies))
    client.rest("GET", "/x")
    assert slept == [0.5, 1.0]
    client, _, _ = make(lambda request: httpx.Response(500), max_retries=1)
    with pytest.raises(TrackerError, match="HTTP 500") as info:
        client.rest("GET", "/x")
    assert info.value.retryable


def test_network_errors_are_retried_without_leaking_the_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect {request.headers['PRIVATE-TOKEN']}")

    client, slept, _ = make(handler, max_retries=2)
    with pytest.raises(TrackerError) as info:
        client.rest("GET", "/x")
    assert SECRET not in str(info.value) and len(slept) == 2


def test_401_is_an_auth_error_without_the_token() -> None:
    client, _, _ = make(lambda request: httpx.Response(401, json={"message": "401 Unauthorized"}))
    with pytest.raises(AuthError) as info:
        client.rest("GET", "/user")
    assert SECRET not in str(info.value)


def test_budget_is_enforced() -> None:
    client, _, _ = make(lambda request: httpx.Response(200, json={}), request_budget=2)
    client.rest("GET", "/a")
    client.rest("GET", "/b")
    with pytest.raises(BudgetExhausted):
        client.rest("GET", "/c")


def test_pagination_follows_x_next_page() -> None:
    pages = {"1": ([1, 2], "2"), "2": ([3, 4], "3"), "3": ([5], "")}

    def handler(request: httpx.Request) -> httpx.Response:
        rows, following = pages[request.url.params["page"]]
        assert request.url.params["per_page"] == "2"
        assert request.url.params.get_list("iids[]") == ["1", "2"]
        return httpx.Response(200, json=rows, headers={"X-Next-Page": following})

    client, _, counters = make(handler)
    params = [("iids[]", "1"), ("iids[]", "2")]
    assert list(client.paginate("/x", params, per_page=2)) == [1, 2, 3, 4, 5]
    assert counters["read"] == 3


def test_writes_are_counted_and_graphql_reads_too() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/graphql":
            return httpx.Response(200, json={"data": {"project": None}})
        return httpx.Response(201, json={"id": 1})

    client, _, counters = make(handler)
    client.rest("POST", "/projects/1/issues/1/notes", body={"body": "x"})
    assert client.graphql("query { x }", {}) == {"project": None}
    assert counters == {"read": 1, "write": 1, "retry": 0}


def test_graphql_errors_raise() -> None:
    client, _, _ = make(
        lambda request: httpx.Response(200, json={"errors": [{"message": "no such field"}]})
    )
    with pytest.raises(TrackerError, match="no such field"):
        client.graphql("query { x }", {})
