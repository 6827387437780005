"""The strategy graph and the action planner (the comment contract), on plain data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from trackerguard.comment import RESOLVED_FINGERPRINT, fingerprint, parse_fingerprint
from trackerguard.engine import PolicyFinding
from trackerguard.graph import StrategyGraph
from trackerguard.levels import DEFAULT_LEVELS, LevelMap
from trackerguard.model import BotComment, BotState, Link, Severity, StatusCategory, WorkItem
from trackerguard.planner import Planner
from trackerguard.rule import Finding
from trackerguard.settings import ActionsConfig

LEVELS = LevelMap(DEFAULT_LEVELS)
LINKS = ["implements", "contributes to", "part of"]


def item(key: str, type_: str, **kw: object) -> WorkItem:
    return WorkItem("t", key, key, type=type_, level=LEVELS.classify(type_), **kw)  # type: ignore[arg-type]


def graph(*items: WorkItem) -> StrategyGraph:
    return StrategyGraph({i.key: i for i in items}, LEVELS, LINKS)


def test_subtask_inherits_goal_through_parent_chain() -> None:
    g = graph(
        item("I", "Initiative"),
        item("E", "Epic", parent="I"),
        item("S", "Story", parent="E"),
        item("T", "Sub-task", parent="S"),
    )
    assert g.goal_of("T").goal == "E" and g.goal_of("T").via == ("S", "E")
    assert g.goal_of("E").goal == "I"
    assert [c.key for c in g.children("E")] == ["S"]


def test_goal_reached_through_outward_or_inward_link_only() -> None:
    outward = graph(
        item("E", "Epic"), item("S", "Story", links=(Link("implements", "outward", "E"),))
    )
    assert outward.goal_of("S").goal == "E" and [c.key for c in outward.children("E")] == ["S"]
    inward = graph(
        item("E", "Epic", links=(Link("is implemented by", "inward", "S", name="Implements"),)),
        item("S", "Story"),
    )
    assert inward.goal_of("S").goal == "E"
    relates = graph(
        item("E", "Epic"), item("S", "Story", links=(Link("relates to", "outward", "E"),))
    )
    assert relates.goal_of("S").goal is None


def test_chain_that_ends_in_work_and_dangling_and_cycle() -> None:
    g = graph(
        item("S1", "Story"),
        item("T1", "Sub-task", parent="S1"),
        item("S2", "Story", parent="GONE"),
        item("S3", "Story", parent="S4"),
        item("S4", "Story", parent="S3"),
    )
    assert g.goal_of("T1").goal is None and "S1 serves no goal" in g.goal_of("T1").reason
    assert g.goal_of("S2").dangling == ("GONE",)
    assert g.goal_of("S3").cycle and g.goal_of("S4").cycle


def test_unknown_type_passes_the_walk_on() -> None:
    g = graph(item("E", "Epic"), item("X", "Weird", parent="E"), item("S", "Story", parent="X"))
    assert g.goal_of("S").goal == "E"


def finding(rule: str = "TG101", message: str = "m", confidence: str = "high") -> Finding:
    return Finding(rule, "n", Severity.BLOCK, "S", "", message, "hint", confidence, "ev")  # type: ignore[arg-type]


def pf(mode: str, **kw: object) -> PolicyFinding:
    f = finding(**kw)  # type: ignore[arg-type]
    return PolicyFinding(f, mode)  # type: ignore[arg-type]


PLANNER = Planner(ActionsConfig(), {"TG101": "Work without a goal cannot be prioritised."})


def kinds(actions: list) -> list[str]:  # type: ignore[type-arg]
    return [a.kind for a in actions]


def test_new_findings_comment_label_block_by_mode() -> None:
    s = item("S", "Story")
    assert kinds(PLANNER.plan(s, [pf("block")])) == ["comment", "label", "block"]
    assert kinds(PLANNER.plan(s, [pf("label")])) == ["comment", "label"]
    assert kinds(PLANNER.plan(s, [pf("comment")])) == ["comment"]
    assert PLANNER.plan(s, [pf("observe")]) == []
    comment = PLANNER.plan(s, [pf("comment")])[0]
    assert "<!-- trackerguard -->" in (comment.body or "")
    assert parse_fingerprint(comment.body or "") == comment.fingerprint
    assert "Why it matters" in (comment.body or "") and "hint" in (comment.body or "")


def test_same_findings_no_write_changed_findings_edit_in_place() -> None:
    fp = fingerprint([finding()])
    bot = BotState(comment=BotComment("c1", "...", fp), blocked=True)
    s = item("S", "Story", bot=bot, labels=frozenset({"trackerguard"}))
    assert PLANNER.plan(s, [pf("block")]) == []
    changed = PLANNER.plan(s, [pf("block", message="other")])
    assert kinds(changed) == ["comment"] and changed[0].comment_id == "c1"


def test_all_fixed_resolves_unlabels_unblocks() -> None:
    bot = BotState(comment=BotComment("c1", "...", "abc"), blocked=True)
    s = item("S", "Story", bot=bot, labels=frozenset({"trackerguard", "x"}))
    actions = PLANNER.plan(s, [])
    assert kinds(actions) == ["uncomment", "unlabel", "unblock"]
    assert actions[0].fingerprint == RESOLVED_FINGERPRINT and "in order" in (actions[0].body or "")
    resolved = item("S", "Story", bot=BotState(comment=BotComment("c1", "", RESOLVED_FINGERPRINT)))
    assert PLANNER.plan(resolved, []) == []
    deleting = Planner(ActionsConfig(resolved="delete"))
    assert deleting.plan(s, [])[0].body is None


def test_low_confidence_never_acts() -> None:
    from trackerguard.engine import Engine
    from trackerguard.rule import Rule, RuleContext, fail
    from trackerguard.settings import Settings

    class Prose(Rule):
        id, name, default_severity = "X1", "prose", Severity.BLOCK

        def check(self, item: WorkItem, ctx: RuleContext):  # type: ignore[no-untyped-def]
            return fail("maybe", confidence="low")

    engine = Engine({"X1": Prose}, Settings())
    s = item("S", "Story", created=datetime(2020, 1, 1, tzinfo=UTC))
    ctx = RuleContext(graph(s), Settings())
    (found,) = engine.evaluate(s, ctx)
    assert found.finding.severity is Severity.INFO and not found.finding.acts
    assert PLANNER.plan(s, [found]) == []


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Done", StatusCategory.DONE),
        ("won’t do", StatusCategory.CANCELLED),
        ("Doing", StatusCategory.IN_PROGRESS),
        ("Backlog", StatusCategory.TODO),
    ],
)
def test_status_names(status: str, expected: StatusCategory) -> None:
    from trackerguard.status import StatusMap

    assert StatusMap().categorize(status) is expected
    # a tracker's own category wins, except that configured cancelled names stay cancelled
    assert StatusMap().categorize("Won't Do", StatusCategory.DONE) is StatusCategory.CANCELLED
