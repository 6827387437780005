"""Fault injection on writes, per adapter: lost replies, 5xx bursts, outages, rate limits.

Each scenario runs ``trackerguard check --apply`` through a fault proxy in front of the
adapter's tracker (see ``write_faults/drivers.py``) and ends with the two promises of
issue 13: **zero duplicate comments** and **an honest exit code** (3 whenever a write failed
or was not done, with every such write named in ``errors[]``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from trackerguard.adapter import MARKER

from .sim_support.faults import Fault
from .write_faults.drivers import DRIVERS, FINGERPRINT, READING, Driver


def _params(names: list[str]) -> list[Any]:
    """The real Redmine's cases carry the ``redmine`` mark (CI runs them, never skips)."""
    return [
        pytest.param(name, marks=[pytest.mark.redmine] if name == "redmine" else [])
        for name in names
    ]


@pytest.fixture(params=_params(sorted(DRIVERS)))
def driver(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Driver]:
    with DRIVERS[request.param](tmp_path) as started:
        yield started


@pytest.fixture(params=_params(READING))
def reading(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Driver]:
    """A driver whose tracker's scans read comments (not Jira: its scan reads the issue
    property, so duplicates and foreign markers never reach it; see the Jira tests)."""
    with DRIVERS[request.param](tmp_path) as started:
        yield started


def like(pattern: Fault, mode: str, **options: Any) -> Fault:
    """A fault of ``mode`` on the requests ``pattern`` matches."""
    return replace(pattern, mode=mode, count=-1, **options)


def comment_actions(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in doc["actions"] if a["kind"] == "comment"]


def assert_one_comment_each(driver: Driver, doc: dict[str, Any]) -> None:
    counts = driver.bot_comments()
    assert all(n == 1 for n in counts.values()), counts
    assert {a["item"] for a in comment_actions(doc)} <= set(counts)


@pytest.mark.parametrize("mode", ["502", "drop", "hang"])
def test_a_lost_reply_on_a_new_comment_is_found_not_resent(driver: Driver, mode: str) -> None:
    driver.proxy.add(like(driver.comment_create, mode, hang=1.5))
    code, doc = driver.check()
    wanted = comment_actions(doc)
    assert wanted, "the backlog must make the first run comment"
    # Every create lost its answer, and each was sent exactly once: the re-read found it.
    assert driver.proxy.hits[mode] == len(wanted)
    assert {a["status"] for a in wanted} == {"applied"}, wanted
    assert doc["summary"]["partial"] is False and doc["errors"] == []
    assert code == 1  # findings at block, nothing partial
    assert_one_comment_each(driver, doc)
    driver.proxy.clear()
    code, again = driver.check()
    assert comment_actions(again) == [] and code == 1
    assert_one_comment_each(driver, doc)


def test_a_5xx_burst_on_every_write_is_honest_and_duplicates_nothing(driver: Driver) -> None:
    """The tracker applies every create but answers 502 three times in a row for each, and
    also fails the re-read: the run cannot know, so it says so (exit 3) and the next run,
    with the tracker healthy, finds each comment once."""
    driver.proxy.add(like(driver.comment_create, "502"))
    driver.proxy.add(like(driver.comment_reread, "down"))
    code, doc = driver.check()
    failed = [a for a in comment_actions(doc) if a["status"] != "applied"]
    assert failed and code == 3 and doc["summary"]["partial"] is True
    assert {e["item"] for e in doc["errors"]} >= {a["item"] for a in failed}
    driver.proxy.clear()
    code, again = driver.check()
    assert code == 1, again["errors"]
    assert_one_comment_each(driver, again)
    _, third = driver.check()
    assert comment_actions(third) == []


def test_an_outage_mid_write_trips_the_circuit_breaker(driver: Driver) -> None:
    driver.proxy.down_after = (driver.comment_create, 2)
    code, doc = driver.check()
    assert code == 3 and doc["summary"]["partial"] is True
    statuses = [a["status"] for a in doc["actions"]]
    applied = statuses.count("applied")
    failed = statuses.count("failed")
    not_done = [a for a in doc["actions"] if a["status"] == "planned"]
    assert applied >= 2
    assert failed == 5  # [actions] max_consecutive_failures default: then writing stops
    assert not_done and all(a["error"].startswith("not done: writing stopped") for a in not_done)
    named = [e for e in doc["errors"] if "not done" in e["message"] or "failed" in e["message"]]
    assert len(named) == failed + len(not_done)
    assert any("planned write(s) not done" in n for n in doc["notes"])
    driver.proxy.clear()
    code, again = driver.check()
    assert code == 1, again["errors"]
    assert_one_comment_each(driver, again)


def test_a_rate_limit_longer_than_max_wait_stops_the_write_phase(driver: Driver) -> None:
    driver.proxy.add(like(driver.comment_create, "limit", retry_after=3600))
    code, doc = driver.check()
    assert code == 3 and doc["summary"]["partial"] is True
    statuses = [a["status"] for a in doc["actions"]]
    assert statuses.count("failed") == 1, doc["actions"]
    assert statuses.count("applied") == 0 or statuses.index("failed") > 0
    assert all(s == "planned" for s in statuses[statuses.index("failed") + 1 :])
    assert driver.bot_comments() == {}
    assert driver.proxy.hits["limit"] == 1  # no write after the refusal


def test_an_outage_while_reading_still_writes_the_report(driver: Driver, tmp_path: Path) -> None:
    driver.proxy.add(Fault("down", "*", "", count=-1))
    code, doc = driver.check()
    assert code == 3
    assert doc["summary"]["partial"] is True
    assert doc["errors"] and doc["errors"][-1]["item"] == "(scan)"
    assert "could not be read" in doc["errors"][-1]["message"]
    assert doc["actions"] == [] and driver.bot_comments() == {}


def test_duplicate_bot_comments_are_removed_keeping_the_newest(reading: Driver) -> None:
    driver = reading
    code, first = driver.check()
    key = driver.commented_key()
    assert driver.bot_comments().get(key) == 1
    older = f"{MARKER}\n{FINGERPRINT}\nan older trackerguard's words"
    driver.add_comment(key, older, by_bot=True)
    driver.add_comment(key, older, by_bot=True)
    assert driver.bot_comments()[key] == 3
    code, doc = driver.check()
    assert code == 1, doc["errors"]
    deletes = [a for a in doc["actions"] if a["item"] == key and a["kind"] == "uncomment"]
    assert len(deletes) == 2 and {a["status"] for a in deletes} == {"applied"}
    assert driver.bot_comments()[key] == 1
    _, again = driver.check()
    assert [a for a in again["actions"] if a["item"] == key] == []


def test_a_persons_comment_with_the_marker_is_never_touched(reading: Driver) -> None:
    driver = reading
    key = driver.commented_key()
    # The bot's own comment first: a tracker may read comments only on items it wrote on
    # (Redmine's journals), and the person's copy then sits next to the real one.
    code, _ = driver.check()
    assert driver.bot_comments()[key] == 1
    theirs = f"I copied this from the bot: {MARKER}\n{FINGERPRINT}\nplease keep"
    driver.add_comment(key, theirs, by_bot=False)
    code, doc = driver.check()
    assert code == 1, doc["errors"]
    bodies = driver.comment_bodies(key)
    assert [b for a, b in bodies if b == theirs] == [theirs]
    assert driver.bot_comments()[key] == 1
    notes = [n for n in doc["notes"] if "written by someone else" in n]
    assert len(notes) == 1 and key in notes[0]


@pytest.fixture
def jira(tmp_path: Path) -> Iterator[Driver]:
    with DRIVERS["jira"](tmp_path) as started:
        yield started


def test_jira_a_lost_reply_is_never_settled_by_a_persons_copy(jira: Driver) -> None:
    """Jira's comments carry no hidden marker: the re-read after a lost answer identifies
    the comment by its author (the bot) and its text. A person's comment with the very
    same text must neither count as the bot's nor ever be edited."""
    code, _ = jira.check()
    assert code == 1
    key = jira.commented_key()
    st = jira.sim.state
    ours = st.bot_comment(key)
    assert ours is not None
    copy = st.new_comment(st.issues[key], "human-ana", ours.body)
    # Start over on this issue: the bot's comment and its record are gone, the copy stays.
    st.comments.pop(ours.id)
    st.issues[key].comment_ids.remove(ours.id)
    st.issues[key].properties.pop("trackerguard")
    jira.proxy.add(Fault("502", "PUT", rf"/issue/{key}$", body=r'"comment": \[\{"add"'))
    code, doc = jira.check()
    assert code == 1, doc["errors"]
    assert jira.proxy.hits["502"] == 1
    mine = st.bot_comments(key)
    assert len(mine) == 1 and mine[0].id != copy.id
    assert st.issues[key].properties["trackerguard"]["comment_id"] == mine[0].id
    assert st.comments[copy.id].author == "human-ana" and st.comments[copy.id].body == ours.body


def test_jira_a_failed_comment_is_not_erased_by_the_block_that_follows(jira: Driver) -> None:
    """The comment edit was applied but its answer and the re-read were lost; the item's
    transition, later in the same run, carries the whole issue property. It must carry
    what Jira holds (the comment), not the stale copy, or the next run comments again."""
    jira.proxy.add(Fault("502", "PUT", r"/issue/ACME-3$", body=r'"comment": \[\{"add"'))
    jira.proxy.add(Fault("down", "GET", r"/issue/ACME-3/comment$", count=-1))
    code, doc = jira.check()
    kinds = {(a["kind"], a["status"]) for a in doc["actions"] if a["item"] == "ACME-3"}
    assert kinds == {("comment", "failed"), ("label", "applied"), ("block", "applied")}
    assert code == 3
    prop = jira.sim.state.issues["ACME-3"].properties["trackerguard"]
    assert prop["blocked"] is True and prop["comment_digest"]
    jira.proxy.clear()
    code, again = jira.check()
    assert code == 1 and [a for a in again["actions"] if a["item"] == "ACME-3"] == []
    assert len(jira.sim.state.bot_comments("ACME-3")) == 1
