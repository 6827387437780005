"""Issue 11 point 5: a Jira comment costs one write, never two (decision 0026).

trackerguard's comment and its issue property travel in one ``PUT issue/{key}`` (an
``update.comment`` operation plus ``properties``), so every comment action (add, edit,
mark resolved, remove) is exactly one write. Counted on the simulator in strict mode
(spec-minimum answers), every request validated against Atlassian's OpenAPI file.
"""

from __future__ import annotations

from collections.abc import Iterator
from copy import deepcopy
from datetime import timedelta
from pathlib import Path

import pytest

from tests.jira_sim import JiraSim, SimState, realistic
from tests.jira_sim.harness import CheckResult, run_check, simulator
from tests.jira_sim.state import adf_text


@pytest.fixture(params=["cloud", "datacenter"])
def sim(request: pytest.FixtureRequest) -> Iterator[JiraSim]:
    with simulator(realistic(SimState(request.param))) as running:
        running.state.forbidden.clear()
        yield running


def applied(result: CheckResult) -> list[dict[str, str]]:
    return [a for a in result.report["actions"] if a["status"] == "applied"]


def writes_on(sim: JiraSim, key: str) -> list[tuple[str, str]]:
    return [
        (method, path.split("/rest/api/", 1)[1].split("/", 1)[1])
        for method, path, _ in sim.writes_log()
        if path.endswith(f"/{key}") or f"/{key}/" in path
    ]


def comment_reads(sim: JiraSim, key: str) -> int:
    return sum(1 for m, p, _ in sim.log if m == "GET" and p.endswith(f"/issue/{key}/comment"))


def text(sim: JiraSim, key: str) -> str:
    comment = sim.state.bot_comment(key)
    assert comment is not None
    return adf_text(comment.body) if isinstance(comment.body, dict) else str(comment.body)


def test_each_action_is_one_write_and_a_comment_one_edit(sim: JiraSim, tmp_path: Path) -> None:
    result = run_check(sim, tmp_path)
    assert result.exit_code == 1, result.report.get("errors")
    done = applied(result)
    assert done and sim.writes == len(done), sim.writes_log()
    # A comment-only item: the comment and the state in one edit, nothing else.
    assert [a["kind"] for a in done if a["item"] == "ACME-11"] == ["comment"]
    assert writes_on(sim, "ACME-11") == [("PUT", "issue/ACME-11")]
    state = sim.state.issues["ACME-11"].properties["trackerguard"]
    assert state["fingerprint"] and state["comment_digest"]
    # No separate comment POST and no separate property PUT anywhere.
    assert not [w for w in sim.writes_log() if w[1].endswith("/comment") or "/properties/" in w[1]]
    # Nothing is looked up on the way: the scan brought the state.
    assert sum(1 for m, p, _ in sim.log if m == "GET" and p.endswith("/comment")) == 0


def test_an_edited_finding_is_one_write_the_id_looked_up_once(sim: JiraSim, tmp_path: Path) -> None:
    run_check(sim, tmp_path)
    st = sim.state
    first = st.bot_comment("ACME-3")
    assert first is not None and "TG202" in text(sim, "ACME-3")
    # A person copies the bot's words into a comment of their own: never touched.
    copy = st.new_comment(st.issues["ACME-3"], "human-ana", deepcopy(first.body))
    theirs = deepcopy(copy.body)
    st.issues["ACME-3"].assignee = "zoe"  # fixes TG202 only
    sim.reset_counts()
    result = run_check(sim, tmp_path)
    assert [a["kind"] for a in applied(result)] == ["comment"]
    assert writes_on(sim, "ACME-3") == [("PUT", "issue/ACME-3")] and sim.writes == 1
    assert comment_reads(sim, "ACME-3") == 1  # the added comment's id, learned once
    assert st.bot_comments("ACME-3") == [first] and "TG202" not in text(sim, "ACME-3")
    assert st.comments[copy.id].body == theirs
    assert st.issues["ACME-3"].properties["trackerguard"]["comment_id"] == first.id
    # The next change: still one write, and no look-up (the id is in the state now).
    st.issues["ACME-3"].assignee = None
    sim.reset_counts()
    again = run_check(sim, tmp_path)
    assert [a["kind"] for a in applied(again)] == ["comment"]
    assert sim.writes == 1 and comment_reads(sim, "ACME-3") == 0
    assert "TG202" in text(sim, "ACME-3") and st.bot_comments("ACME-3") == [first]
    assert st.comments[copy.id].author == "human-ana" and st.comments[copy.id].body == theirs
    sim.reset_counts()
    run_check(sim, tmp_path)
    assert sim.writes == 0, sim.writes_log()


@pytest.mark.parametrize("resolved", ["note", "delete"])
def test_resolving_is_one_write_for_the_comment(
    sim: JiraSim, tmp_path: Path, resolved: str
) -> None:
    env = {"TRACKERGUARD_ACTIONS__RESOLVED": resolved}
    run_check(sim, tmp_path, env=env)
    st = sim.state
    st.issues["ACME-22"].parent = "ACME-10"  # a person fixes it
    sim.reset_counts()
    result = run_check(sim, tmp_path, env=env)
    kinds = sorted(a["kind"] for a in applied(result) if a["item"] == "ACME-22")
    assert kinds == ["unblock", "uncomment", "unlabel"]
    assert len(writes_on(sim, "ACME-22")) == 3  # one each; the comment's is one edit
    assert not [w for w in sim.writes_log() if w[1].endswith("/comment") or "/comment/" in w[1]]
    state = st.issues["ACME-22"].properties["trackerguard"]
    if resolved == "delete":
        assert st.bot_comments("ACME-22") == [] and "comment_digest" not in state
    else:
        assert "everything is in order" in text(sim, "ACME-22")
    sim.reset_counts()
    run_check(sim, tmp_path, env=env)
    assert sim.writes == 0, sim.writes_log()


def test_the_added_comment_is_found_after_a_person_edited_it_and_clocks_disagree(
    sim: JiraSim, tmp_path: Path
) -> None:
    """The id is looked up by text; a person changed the text, and Jira's clock is an hour
    off ours, so neither the text nor the time window names it: the bot's only comment on
    the issue is still its comment (edited in place, never a second one)."""
    run_check(sim, tmp_path)
    st = sim.state
    first = st.bot_comment("ACME-11")
    assert first is not None
    first.body = (
        {"type": "doc", "version": 1, "content": []} if st.flavor == "cloud" else "reworded"
    )
    first.created -= timedelta(hours=1)
    st.new_comment(st.issues["ACME-11"], "human-ana", "I reworded the bot's note")
    # The findings the comment shows are no longer the ones found (as after a change).
    st.issues["ACME-11"].properties["trackerguard"]["fingerprint"] = "older-findings"
    sim.reset_counts()
    result = run_check(sim, tmp_path)
    acted = [a for a in applied(result) if a["item"] == "ACME-11"]
    assert [a["kind"] for a in acted] == ["comment"]
    assert writes_on(sim, "ACME-11") == [("PUT", "issue/ACME-11")]
    assert st.bot_comments("ACME-11") == [first]
    assert st.issues["ACME-11"].properties["trackerguard"]["comment_id"] == first.id
