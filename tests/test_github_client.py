"""The polite client: rate limits, retries, pacing, budget, ETags, secrets never echoed."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from trackerguard.plugins.github.client import GitHubClient, Politeness, _next_link

from trackerguard.errors import AuthError, BudgetExhausted, RateLimited, TrackerError

from .github_sim import TOKEN, Fault, GitHubSimulator, build


class FakeTime:
    """A clock that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def sim() -> Iterator[GitHubSimulator]:
    simulator = GitHubSimulator().start()
    build(simulator.world)
    yield simulator
    simulator.stop()


@pytest.fixture(autouse=True)
def _clean(sim: GitHubSimulator) -> None:
    sim.faults.clear()
    sim.reset_counts()


def client(
    sim: GitHubSimulator, fake: FakeTime, token: str = TOKEN, **limits: float
) -> GitHubClient:
    return GitHubClient(
        sim.api_url,
        sim.graphql_url,
        lambda: token,
        {"read": 0, "write": 0, "retry": 0},
        Politeness(**limits),  # type: ignore[arg-type]
        sleep=fake.sleep,
        clock=fake.clock,
    )


def test_secondary_limit_honours_retry_after(sim: GitHubSimulator) -> None:
    fake = FakeTime()
    sim.faults.append(Fault("secondary", retry_after=7))
    gh = client(sim, fake)
    assert gh.rest("GET", "/user").data["login"] == sim.bot_login
    assert fake.sleeps == [7.0]
    assert gh.counters == {"read": 1, "write": 0, "retry": 1}


def test_primary_limit_waits_for_the_reset(sim: GitHubSimulator) -> None:
    fake = FakeTime()
    sim.faults.append(Fault("primary", reset_in=30))
    gh = client(sim, fake)
    gh.rest("GET", "/user")
    assert len(fake.sleeps) == 1 and 28 <= fake.sleeps[0] <= 32


def test_primary_limit_longer_than_max_wait_gives_up(sim: GitHubSimulator) -> None:
    sim.faults.append(Fault("primary", reset_in=3600))
    with pytest.raises(RateLimited, match="max_wait"):
        client(sim, FakeTime(), max_wait=60).rest("GET", "/user")


def test_server_errors_back_off_exponentially(sim: GitHubSimulator) -> None:
    fake = FakeTime()
    sim.faults.append(Fault("5xx", count=2))
    client(sim, fake, backoff=1.0).rest("GET", "/user")
    assert fake.sleeps == [1.0, 2.0]
    sim.faults.append(Fault("5xx", count=10))
    with pytest.raises(TrackerError) as info:
        client(sim, FakeTime(), max_retries=2).rest("GET", "/user")
    assert info.value.status == 502 and info.value.retryable


def test_budget_is_enforced(sim: GitHubSimulator) -> None:
    gh = client(sim, FakeTime(), request_budget=2)
    gh.rest("GET", "/user")
    gh.rest("GET", "/rate_limit")
    with pytest.raises(BudgetExhausted):
        gh.rest("GET", "/user")
    assert sim.counts["total"] == 2


def test_conditional_requests_reuse_the_etag(sim: GitHubSimulator) -> None:
    gh = client(sim, FakeTime())
    first = gh.rest("GET", "/user", cache=True).data
    second = gh.rest("GET", "/user", cache=True).data
    assert first == second and sim.counts["not_modified"] == 1
    assert gh.counters["not_modified"] == 1


def test_writes_are_paced_and_capped_per_minute(sim: GitHubSimulator) -> None:
    fake = FakeTime()
    gh = client(sim, fake, write_interval=1.0, writes_per_minute=3)
    for _ in range(4):
        gh.rest("POST", "/repos/acme/web/issues/2/comments", body={"body": "hi"}, ok=(201,))
    # 1 s between writes, then the 4th waits until the first leaves the 60 s window.
    assert fake.sleeps[:2] == [1.0, 1.0]
    assert sum(fake.sleeps) == pytest.approx(60.0)
    assert gh.counters["write"] == 4


def test_bad_credentials_never_echo_the_token(sim: GitHubSimulator) -> None:
    with pytest.raises(AuthError) as info:
        client(sim, FakeTime(), token="ghp_supersecret").rest("GET", "/user")
    assert "ghp_supersecret" not in str(info.value)
    assert "401" in str(info.value)


def test_unreachable_host_is_a_tracker_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gh = GitHubClient(
        f"http://127.0.0.1:{port}",
        f"http://127.0.0.1:{port}/graphql",
        lambda: "ghp_supersecret",
        {},
        Politeness(max_retries=1, backoff=0),
    )
    with pytest.raises(TrackerError, match="unreachable") as info:
        gh.rest("GET", "/user")
    assert "ghp_supersecret" not in str(info.value)


def test_graphql_rate_limited_error_is_waited_out() -> None:
    answers = iter(
        [
            httpx.Response(
                200,
                json={"errors": [{"type": "RATE_LIMITED", "message": "limit"}]},
                headers={"x-ratelimit-reset": "1005", "x-ratelimit-remaining": "0"},
            ),
            httpx.Response(200, json={"data": {"viewer": {"login": "bot"}}}),
        ]
    )
    fake = FakeTime()
    gh = GitHubClient(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/graphql",
        lambda: "t",
        {},
        sleep=fake.sleep,
        clock=fake.clock,
        wall=lambda: 1000.0,
        transport=httpx.MockTransport(lambda request: next(answers)),
    )
    data, errors = gh.graphql("{ viewer { login } }")
    assert data == {"viewer": {"login": "bot"}} and errors == []
    assert fake.sleeps == [6.0]


def test_link_header_parsing() -> None:
    header = (
        '<https://api.github.com/x?page=2>; rel="next", '
        '<https://api.github.com/x?page=5>; rel="last"'
    )
    assert _next_link(header) == "https://api.github.com/x?page=2"
    assert _next_link('<https://api.github.com/x?page=5>; rel="last"') is None
