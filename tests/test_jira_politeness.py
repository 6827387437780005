"""Rate limits, server failures, timeouts and the request budget: polite, never silent."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import requests
from trackerguard.plugins.jira.politeness import (
    ONCE_HEADER,
    Budget,
    PoliteAdapter,
    request_kind,
    retry_after,
)

from tests.jira_sim import SimState, big, realistic
from tests.jira_sim.harness import run_check, simulator
from trackerguard.errors import AmbiguousWrite, BudgetExhausted

FAST = {"TRACKERGUARD_JIRA__BACKOFF_BASE": "0.01", "TRACKERGUARD_JIRA__MAX_BACKOFF": "0.05"}


def _baseline(tmp_path: Path, flavor: str) -> dict[str, set[str]]:
    with simulator(realistic(SimState(flavor))) as sim:
        result = run_check(sim, tmp_path / "baseline", apply=False)
    return {f["item"]: set() for f in result.report["findings"]} | {
        item: result.findings(item) for item in {f["item"] for f in result.report["findings"]}
    }


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_rate_limited_run_still_finishes_correctly(tmp_path: Path, flavor: str) -> None:
    (tmp_path / "baseline").mkdir()
    expected = _baseline(tmp_path, flavor)
    with simulator(realistic(SimState(flavor))) as sim:
        sim.state.forbidden.clear()
        sim.inject(429, count=3, retry_after=0.2, match="search")
        sim.inject(503, count=1, retry_after=0.1)
        # The first edit of ACME-22 adds its comment: not resent by the transport after a
        # 500 (it may have been applied); the adapter looks, finds nothing, sends it again.
        sim.inject(500, count=1, match="PUT .*/issue/ACME-22$")
        result = run_check(sim, tmp_path, env=FAST)
        assert result.exit_code == 1, result.stderr
        got = {item: result.findings(item) for item in expected}
        assert got == expected
        assert sim.counts["faults"] == 5
        assert result.report["summary"]["requests"]["retry"] >= 4
        assert not result.report["errors"]
        assert "trackerguard" in sim.state.issues["ACME-22"].labels
        assert len(sim.state.bot_comments("ACME-22")) == 1
        looked = [e for e in sim.log if e[0] == "GET" and e[1].endswith("/ACME-22/comment")]
        assert len(looked) == 1


def test_timeouts_are_retried(tmp_path: Path) -> None:
    with simulator(realistic(SimState("cloud"))) as sim:
        sim.inject(0, count=1, stall=1.5, match="search/jql")
        env = dict(FAST, TRACKERGUARD_JIRA__TIMEOUT="0.5")
        result = run_check(sim, tmp_path, apply=False, env=env)
        assert result.exit_code == 1, result.stderr
        assert "TG101" in result.findings("ACME-22")
        assert result.report["summary"]["requests"]["retry"] >= 1


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_budget_exhausted_is_partial_and_names_missing_items(tmp_path: Path, flavor: str) -> None:
    with simulator(big(SimState(flavor), 450, project="ACME")) as sim:
        # serverInfo, myself, (DC: field), first page, key list, one batch; then nothing.
        budget = 5 if flavor == "cloud" else 6
        env = {
            "TRACKERGUARD_JIRA__REQUEST_BUDGET": str(budget),
            "TRACKERGUARD_JIRA__CONCURRENCY": "1",
        }
        result = run_check(sim, tmp_path, env=env)
        assert result.exit_code == 3, result.stderr
        missing = {e["item"] for e in result.report["errors"]}
        judged = {i for i in {f["item"] for f in result.report["findings"]}}
        assert len(missing) >= 250
        assert not missing & judged
        assert "budget" in result.report["errors"][0]["message"]
        assert "partial scan; not judged:" in result.stderr
        assert sim.writes == 0 or all(e[2] < 400 for e in sim.writes_log())


def test_failing_server_is_partial_not_silent(tmp_path: Path) -> None:
    with simulator(big(SimState("cloud"), 450, project="ACME")) as sim:
        sim.inject(500, count=None, match="bulkfetch")
        env = dict(FAST, TRACKERGUARD_JIRA__MAX_RETRIES="2")
        result = run_check(sim, tmp_path, apply=False, env=env)
        assert result.exit_code == 3
        missing = {e["item"] for e in result.report["errors"]}
        # Everything past the first page (37 issues in the strict simulator) is named (by
        # id: the id-only pages carry nothing else), and nothing unread was judged.
        assert len(missing) == 450 - 37
        assert result.report["summary"]["items"] + len(missing) == 450
        assert all("issue id" in e["message"] for e in result.report["errors"])
        assert not missing & {f["item"] for f in result.report["findings"]}
        assert sim.counts["faults"] == 5 * 3  # 5 batches x (1 try + 2 retries)


def test_unreachable_tracker_exits_3(tmp_path: Path) -> None:
    with simulator(realistic(SimState("cloud"))) as sim:
        sim.inject(503, count=None)
        result = run_check(sim, tmp_path, env=dict(FAST, TRACKERGUARD_JIRA__MAX_RETRIES="1"))
        assert result.exit_code == 3


# -- the transport adapter on its own ---------------------------------------------------------


def _session(sim_url: str, **kw: object) -> tuple[requests.Session, list[float], dict[str, int]]:
    waits: list[float] = []
    counters: dict[str, int] = {}
    adapter = PoliteAdapter(
        budget=kw.pop("budget", Budget(100)),  # type: ignore[arg-type]
        counters=counters,
        sleep=waits.append,
        **kw,  # type: ignore[arg-type]
    )
    session = requests.Session()
    session.mount("http://", adapter)
    return session, waits, counters


def test_retry_after_is_honoured() -> None:
    state = realistic(SimState("cloud"))
    with simulator(state) as sim:
        sim.inject(429, count=2, retry_after=1.5)
        session, waits, counters = _session(sim.url)
        resp = session.get(f"{sim.url}/rest/api/3/myself", auth=(state.bot_email, state.token))
        assert resp.status_code == 200
        assert waits == [1.5, 1.5]
        assert counters == {"read": 3, "retry": 2}


def test_backoff_grows_with_jitter_and_is_bounded() -> None:
    with simulator(realistic(SimState("cloud"))) as sim:
        sim.inject(502, count=None)
        session, waits, _ = _session(sim.url, max_retries=3, backoff_base=1.0, max_backoff=3.0)
        resp = session.get(f"{sim.url}/rest/api/3/myself")
        assert resp.status_code == 502  # bounded: gives up after 3 retries
        assert len(waits) == 3
        assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0 and 1.5 <= waits[2] <= 3.0


def test_creating_posts_are_not_retried_after_5xx() -> None:
    """A comment POST that timed out or failed may have been created: never post twice."""
    with simulator(realistic(SimState("cloud"))) as sim:
        sim.inject(500, count=1)
        session, waits, _ = _session(sim.url)
        with pytest.raises(AmbiguousWrite, match="HTTP 500"):
            session.post(f"{sim.url}/rest/api/3/issue/ACME-1/comment", json={})
        assert waits == [] and sim.counts["faults"] == 1
        sim.validator.errors.clear()


def test_a_write_marked_once_is_not_resent_after_5xx_and_the_mark_stays_home() -> None:
    """An edit that adds a comment is a PUT, yet not idempotent: the client marks it and
    the transport refuses to resend it once it may have been applied; the mark itself is
    removed before the request leaves. After a 429 (refused before any work) it is."""
    state = realistic(SimState("cloud"))
    with simulator(state) as sim:
        url = f"{sim.url}/rest/api/3/issue/ACME-1"
        auth = (state.bot_email, state.token)
        sim.inject(502, count=1)
        session, waits, _ = _session(sim.url)
        with pytest.raises(AmbiguousWrite, match="HTTP 502"):
            session.put(url, json={"update": {}}, auth=auth, headers={ONCE_HEADER: "1"})
        assert waits == []
        sim.inject(429, count=1, retry_after=0.5)
        resp = session.put(url, json={"update": {}}, auth=auth, headers={ONCE_HEADER: "1"})
        assert resp.status_code == 204 and waits == [0.5]
        sim.inject(502, count=1)
        resp = session.put(url, json={"update": {}}, auth=auth)  # unmarked: resent
        assert resp.status_code == 204 and len(waits) == 2
    assert not [h for h in sim.seen_headers if ONCE_HEADER.lower() in h]


def test_a_503_asking_for_a_pause_is_honoured_before_the_write_is_looked_for() -> None:
    """A 503 with Retry-After on a write marked once: not resent (it may have been applied),
    but the pause is taken before the adapter looks and perhaps writes again."""
    state = realistic(SimState("cloud"))
    with simulator(state) as sim:
        sim.inject(503, count=1, retry_after=0.25)
        session, waits, _ = _session(sim.url, max_retry_after=5)
        with pytest.raises(AmbiguousWrite, match="HTTP 503") as lost:
            session.put(
                f"{sim.url}/rest/api/3/issue/ACME-1",
                json={"update": {}},
                auth=(state.bot_email, state.token),
                headers={ONCE_HEADER: "1"},
            )
        assert waits == [0.25] and lost.value.retry_after == 0.25
        assert sim.counts["faults"] == 1


def test_a_write_marked_once_is_resent_when_the_connection_never_opened() -> None:
    with socket.socket() as probe:  # a port nobody listens on: refused before sending
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    session, waits, _ = _session("", max_retries=2)
    with pytest.raises(requests.ConnectionError):
        session.put(f"http://127.0.0.1:{port}/rest/api/3/issue/A-1", headers={ONCE_HEADER: "1"})
    assert len(waits) == 2  # retried: nothing can have been applied


def test_budget_counts_every_attempt() -> None:
    with simulator(realistic(SimState("cloud"))) as sim:
        sim.inject(429, count=None, retry_after=0)
        session, _, _ = _session(sim.url, budget=Budget(3), max_retries=10)
        with pytest.raises(BudgetExhausted):
            session.get(f"{sim.url}/rest/api/3/myself")
        assert sim.counts["read"] == 3


def test_helpers() -> None:
    assert request_kind("POST", "https://x/rest/api/3/search/jql") == "read"
    assert request_kind("POST", "https://x/rest/api/3/issue/bulkfetch") == "read"
    assert request_kind("PUT", "https://x/rest/api/3/issue/A-1") == "write"
    resp = requests.Response()
    resp.headers["Retry-After"] = "7"
    assert retry_after(resp) == 7.0
    resp.headers["Retry-After"] = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert retry_after(resp) == 0.0
    assert retry_after(None) is None


def test_key_list_failing_after_bulk_fetches_began_judges_nothing(tmp_path: Path) -> None:
    """The query's first id page is bulk-fetched while the second is requested; if the
    second never comes, the run judges nothing (exit 3) rather than the part it read, and
    no batch is sent after the failure beyond those already in flight."""
    with simulator(big(SimState("cloud"), 6_000, project="ACME")) as sim:
        # First page with fields, id page 1 pass; id page 2 fails on every try.
        sim.inject(500, count=None, match="search/jql", after=2)
        env = dict(FAST, TRACKERGUARD_JIRA__MAX_RETRIES="1")
        result = run_check(sim, tmp_path, apply=False, env=env)
        assert result.exit_code == 3, result.stderr
        report = result.report
        assert report["summary"]["items"] == 0 and report["findings"] == []
        message = " ".join(e["message"] for e in report["errors"])
        assert "key list failed; nothing was judged" in message, message
        # serverInfo, myself, first page, id page 1, id page 2 (+1 retry), and at most the
        # bulk fetches of id page 1 (50 batches of 100) — never all 60.
        assert sim.counts["faults"] == 2
        assert sim.reads <= 6 + 50, sim.reads
