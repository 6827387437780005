"""The GitLab request contract (``tests/gitlab_sim/contract.py``) catches what it must.

Every request the simulator receives in any test is checked against it (the simulator
refuses to stop while a break is recorded); here, requests that break it on purpose are
sent over real HTTP and must each be named, and the adapter's own GraphQL documents must
validate against the contract schema of every server version they are meant for.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from trackerguard.plugins.gitlab.adapter import CHILDREN_QUERY, STATUS_SELECTIONS, page_query

from .gitlab_sim import TOKEN, GitLabSimulator, build
from .gitlab_sim.contract import check_response, graphql_problems


@pytest.fixture
def sim() -> Iterator[GitLabSimulator]:
    simulator = GitLabSimulator().start()
    build(simulator.world)
    try:
        yield simulator
    finally:
        simulator.violations.clear()  # the breaks below were sent on purpose
        simulator.stop()


def _client(sim: GitLabSimulator) -> httpx.Client:
    return httpx.Client(base_url=sim.url, headers={"PRIVATE-TOKEN": TOKEN})


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "named"),
    [
        ("GET", "/api/v4/projects/acme%2Fweb/issues", {"per_page": "101"}, None, "per_page"),
        ("GET", "/api/v4/projects/acme%2Fweb/issues", {"state": "open"}, None, "state"),
        ("GET", "/api/v4/projects/acme%2Fweb/issues", {"fields": "id"}, None, "'fields'"),
        ("GET", "/api/v4/projects/acme%2Fweb/issues", {"private_token": "x"}, None, "token"),
        ("GET", "/api/v4/projects/acme%2Fweb/issues/1/notes", {"sort": "up"}, None, "sort"),
        ("PUT", "/api/v4/projects/acme%2Fweb/issues/1", None, {"labels": "a,b"}, "label set"),
        ("PUT", "/api/v4/projects/acme%2Fweb/issues/1", None, {"colour": "red"}, "'colour'"),
        ("POST", "/api/v4/projects/acme%2Fweb/issues/1/notes", None, {"text": "x"}, "'body'"),
        ("GET", "/api/v4/projects/acme%2Fweb/milestones", None, None, "not an endpoint"),
        ("POST", "/api/graphql", None, {"query": "{ project(fullPath: 1) { nope } }"}, "schema"),
    ],
)
def test_a_request_outside_the_contract_is_named(
    sim: GitLabSimulator,
    method: str,
    path: str,
    params: dict[str, str] | None,
    body: dict[str, str] | None,
    named: str,
) -> None:
    with _client(sim) as client:
        client.request(method, path, params=params, json=body)
    assert sim.violations, "the break went unnoticed"
    assert all(v.startswith("contract: ") for v in sim.violations)
    assert any(named in v for v in sim.violations), sim.violations


def test_requests_inside_the_contract_pass(sim: GitLabSimulator) -> None:
    with _client(sim) as client:
        params = [("state", "opened"), ("iids[]", "1"), ("iids[]", "2"), ("per_page", "100")]
        assert client.get("/api/v4/projects/acme%2Fweb/issues", params=params).status_code == 200
        put = client.put("/api/v4/projects/acme%2Fweb/issues/1", json={"add_labels": "x"})
        assert put.status_code == 200
        query = page_query(True, STATUS_SELECTIONS[0])
        reply = client.post(
            "/api/graphql", json={"query": query, "variables": {"fullPath": "acme/web"}}
        )
        assert reply.status_code == 200 and "errors" not in reply.json()
    assert sim.violations == []


def test_the_adapters_documents_fit_each_server_version() -> None:
    newest, name_only = STATUS_SELECTIONS
    assert graphql_problems(page_query(True, newest)) == []
    assert graphql_problems(CHILDREN_QUERY) == []
    assert graphql_problems(page_query(False, newest)) == []
    # 17.11 has the widget without category; Free has no widget: the fallbacks fit them.
    assert graphql_problems(page_query(True, newest), "17.11") != []
    assert graphql_problems(page_query(True, name_only), "17.11") == []
    assert graphql_problems(page_query(True, name_only), "free") != []
    assert graphql_problems(page_query(True, None), "free") == []


def test_simulated_list_answers_promise_no_more_than_gitlab(sim: GitLabSimulator) -> None:
    """The simulator's own paged answers pass the response contract; a fabricated answer
    that breaks it (no X-Next-Page, a page longer than asked, totals above 10,000) is named."""
    with _client(sim) as client:
        reply = client.get("/api/v4/projects/acme%2Fweb/issues", params={"per_page": "2"})
    assert reply.status_code == 200 and reply.headers["x-next-page"] == "2"
    assert sim.violations == []
    path, query = "/api/v4/projects/acme%2Fweb/issues", [("per_page", "2")]
    good = {"x-next-page": "", "x-page": "1", "x-per-page": "2", "x-prev-page": ""}
    assert check_response("GET", path, query, 200, good, [{}, {}]) == []
    bad = {"x-page": "1", "x-per-page": "2", "x-prev-page": "", "x-total": "25000"}
    problems = check_response("GET", path, query, 200, bad, [{}, {}, {}])
    assert any("x-next-page" in p for p in problems)
    assert any("3 rows on a page of 2" in p for p in problems)
    assert any("X-Total '25000'" in p for p in problems)
