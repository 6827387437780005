"""Jira Cloud projects beyond one page are judged completely against the strict simulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from trackerguard.plugins.jira.mapping import FieldIds, Mapper

from tests.jira_sim.backlog import big
from tests.jira_sim.harness import env_for, run_check, simulator
from tests.jira_sim.server import JiraSim
from tests.jira_sim.state import SimState
from trackerguard.adapter import ScanRequest
from trackerguard.engine import Engine
from trackerguard.graph import StrategyGraph
from trackerguard.levels import LevelMap
from trackerguard.model import WorkItem
from trackerguard.plugins_manager import build_registry
from trackerguard.report import Report
from trackerguard.rule import RuleContext
from trackerguard.run import Runner
from trackerguard.settings import load_settings
from trackerguard.status import StatusMap, as_people_left_it

TEXT_EVAL = Path(__file__).parent / "data" / "text_eval"


@pytest.mark.parametrize("count", [1_000, 10_000])
def test_every_issue_of_a_big_cloud_project_is_judged(tmp_path: Path, count: int) -> None:
    with simulator(big(SimState("cloud"), count, project="HOLD"), sample_every=50) as sim:
        result = run_check(sim, tmp_path, ("--query", "project = HOLD"), apply=False)
        assert result.exit_code in (0, 1), result.stderr
        assert result.report["summary"]["items"] == count
        assert result.report["summary"]["partial"] is False and result.report["errors"] == []
        # serverInfo + myself + first page + id pages of 5,000 + bulk fetches of 100.
        minimum = 2 + 1 + -(-count // 5000) + -(-(count - 37) // 100)
        assert sim.reads <= minimum, (sim.reads, minimum)


def _varied(state: SimState) -> SimState:
    """The big backlog with the labelled issue bodies of ``tests/data/text_eval`` spread over
    it (every language, templates, placeholders, logs, lists), some done, some stale, so
    every rule and every branch of the ADF → text path has something to decide."""
    cases = {
        name: yaml.safe_load((TEXT_EVAL / f"{name}.yaml").read_text(encoding="utf-8"))
        for name in ("work_items", "bugs", "templates_and_short", "i18n", "holdout2", "goals")
    }
    work = [c for name, found in cases.items() if name != "goals" for c in found]
    goals = cases["goals"]
    long_ago = datetime.now(UTC) - timedelta(days=120)
    for n, issue in enumerate(state.issues.values()):
        pool = work if issue.type == "Story" else goals
        case = pool[n % len(pool)]
        issue.summary = str(case["title"])
        issue.description = str(case.get("body") or "")
        if n % 13 == 5:
            issue.status = "Done"
        elif n % 7 == 3:
            issue.status = "In Progress"
        if n % 5 == 1:
            issue.updated = long_ago
    return state


def _reference(sim: JiraSim) -> set[tuple[str, ...]]:
    """The verdicts computed the slow way: each issue's JSON as the simulator serves it,
    mapped one at a time, judged by the engine item by item with no text cache, no
    prefetching, no concurrency and the garbage collector left alone."""
    settings = load_settings(None, {})
    registry = build_registry(load_entry_points=False)
    engine = Engine(dict(registry.rules), settings)
    levels = LevelMap(settings.levels, settings.graph.default_level)
    statuses = StatusMap(settings.status)
    mapper = Mapper(base_url=sim.url, cloud=True, ids=FieldIds(), levels=levels, statuses=statuses)
    fields = mapper.request_fields(flagged=False)
    items: dict[str, WorkItem] = {}
    for issue in sim.state.issues.values():
        raw = json.loads(json.dumps(sim.issue_json("3", issue, fields, ["trackerguard"])))
        items[issue.key] = as_people_left_it(mapper.item(raw), statuses)
    graph = StrategyGraph(items, levels, settings.graph.goal_link_types)
    ctx = RuleContext(graph, settings, datetime.now(UTC), None)
    return {
        (f.item, f.rule, str(f.severity), f.confidence, f.message, f.evidence)
        for item in items.values()
        for f in (p.finding for p in engine.evaluate(item, ctx))
    }


def test_ten_thousand_verdicts_equal_the_item_by_item_reference(tmp_path: Path) -> None:
    """No speed-up of the scan (pipelined reads, text verdicts computed while requests are in
    flight, the paused GC, the mapping) may drop an item or change a verdict."""
    state = _varied(big(SimState("cloud"), 10_000, project="HOLD", orphan_every=97))
    with simulator(state, sample_every=200) as sim:
        result = run_check(sim, tmp_path, ("--query", "project = HOLD"), apply=False)
        expected = _reference(sim)
    report = result.report
    assert result.exit_code == 1, result.stderr
    assert report["summary"]["items"] == 10_000 and report["errors"] == []
    got = {
        (f["item"], f["rule"], f["severity"], f["confidence"], f["message"], f["evidence"])
        for f in report["findings"]
    }
    rules = {f[1] for f in expected}
    assert {"TG101", "TG102", "TG103", "TG204", "TG205"} <= rules, rules
    assert len(expected) > 5_000, len(expected)
    assert got == expected, (sorted(got - expected)[:5], sorted(expected - got)[:5])


def _runner(sim: JiraSim, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Runner:
    """A runner configured by the environment, as the CLI would be, for ``sim``."""
    for name, value in env_for(sim, workdir).items():
        monkeypatch.setenv(name, value)
    return Runner(load_settings(None, {"tracker": "jira"}), build_registry(load_entry_points=False))


def _scan_hold(runner: Runner) -> Report:
    try:
        return runner.check(ScanRequest(query="project = HOLD"))
    finally:
        runner.close()


def test_prose_is_read_while_the_scan_is_still_reading_and_only_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk-fetched issues' text verdicts are computed as their pages arrive (the rules'
    ``prepare``), so judging finds them cached: every prose verdict is computed once, almost
    all of them before judging starts."""
    count = 1_000
    with simulator(big(SimState("cloud"), count, project="HOLD"), sample_every=100) as sim:
        runner = _runner(sim, tmp_path, monkeypatch)
        seen: dict[str, int] = {}
        judge = runner.judge

        def observed(*args: Any, **kwargs: Any) -> Any:
            seen["analysed before judging"] = runner.text_cache.analysed
            return judge(*args, **kwargs)

        monkeypatch.setattr(runner, "judge", observed)
        report = _scan_hold(runner)
    assert len(report.items) == count and not report.errors
    # Every issue is open and has prose to read (stories: purpose, goals: success measure).
    assert runner.text_cache.analysed == count
    # All but the first page (read before the key list, judged from scratch) were prepared.
    assert seen["analysed before judging"] >= count - 100, seen


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_the_benchmark_memo_answers_exactly_what_the_simulator_builds(flavor: str) -> None:
    """``memo_reads`` (benchmarks only) must not change an answer: the same bytes as a
    simulator building each issue afresh (Cloud's bulk fetch, Data Center's search pages),
    and a write makes the next answer fresh."""
    import httpx

    state = big(SimState(flavor), 300, project="MEMO")  # type: ignore[arg-type]
    issues = list(state.issues.values())[:100]
    fields = ["summary", "description", "status", "parent", "labels"]
    if flavor == "cloud":
        path = "/rest/api/3/issue/bulkfetch"
        body: dict[str, Any] = {"issueIdsOrKeys": [str(i.id) for i in issues]}
        auth: Any = (state.bot_email, state.token)
        headers: dict[str, str] = {}
    else:
        path = "/rest/api/2/search"
        body = {"jql": f"key in ({', '.join(i.key for i in issues)})", "startAt": 0}
        auth, headers = None, {"Authorization": f"Bearer {state.pat}"}
    body.update(fields=fields, properties=["trackerguard"])
    with simulator(state) as plain, simulator(state, memo_reads=True) as memo:

        def fetch(sim: JiraSim) -> bytes:
            answer = httpx.post(f"{sim.url}{path}", json=body, auth=auth, headers=headers)
            assert answer.status_code == 200
            return answer.content.replace(sim.url.encode(), b"SIM")  # self links name the port

        first = fetch(memo)
        assert first == fetch(plain) == fetch(memo)  # built, then served from the memo
        key = json.loads(first)["issues"][0]["key"]  # an issue this answer holds
        api = "3" if flavor == "cloud" else "2"
        put = httpx.put(
            f"{memo.url}/rest/api/{api}/issue/{key}",
            json={"update": {"labels": [{"add": "after-the-write"}]}},
            auth=auth,
            headers=headers,
        )
        assert put.status_code in (200, 204), put.text
        after = fetch(memo)
        assert after != first and b"after-the-write" in after
        assert after == fetch(plain)


@pytest.mark.parametrize("count", [450, 1_000])
def test_data_center_batches_fit_the_page_the_server_serves(tmp_path: Path, count: int) -> None:
    """A Data Center that serves fewer issues per page than asked (37 here, the strict
    simulator) gets ``key in`` batches of that size: one page each, never three."""
    with simulator(big(SimState("datacenter"), count, project="HOLD"), sample_every=50) as sim:
        result = run_check(sim, tmp_path, ("--query", "project = HOLD"), apply=False)
        assert result.exit_code in (0, 1), result.stderr
        assert result.report["summary"]["items"] == count and result.report["errors"] == []
        pages = [q for q in sim.queries if q[1].endswith("/search")]
        # serverInfo, myself, field + first page, key pages, then one page per 37 issues.
        minimum = 3 + 1 + -(-count // 5000) + -(-(count - 37) // 37)
        assert sim.reads <= minimum, (sim.reads, minimum, len(pages))


def test_answered_batches_are_judged_while_the_next_key_page_is_on_its_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second id page is slow: by the time it is answered, the first page's bulk
    fetches have been mapped and their prose read (the listing runs on its own thread)."""
    import time

    count = 6_000  # two id pages of 5,000
    with simulator(big(SimState("cloud"), count, project="HOLD"), sample_every=100) as sim:
        runner = _runner(sim, tmp_path, monkeypatch)
        exchange = sim.exchange
        prepared_when_answered: list[int] = []

        def slow_second_key_page(
            method: str, target: str, headers: dict[str, str], body: bytes
        ) -> Any:
            key_page = target.endswith("/search/jql") and b'"nextPageToken"' in body
            if key_page and json.loads(body).get("fields") == ["id"]:
                time.sleep(1.0)
                prepared_when_answered.append(runner.text_cache.analysed)
            return exchange(method, target, headers, body)

        monkeypatch.setattr(sim, "exchange", slow_second_key_page)
        report = _scan_hold(runner)
    assert len(report.items) == count and not report.errors
    assert len(prepared_when_answered) == 1
    # All 5,000 of the first key page were fetched and read during the second page's wait
    # (before: none, the main thread waited for every key page first).
    assert prepared_when_answered[0] >= 4_000, prepared_when_answered
