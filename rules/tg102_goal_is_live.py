"""TG102 goal-is-live."""

from __future__ import annotations

from trackerguard.cross_tracker import goal_label
from trackerguard.model import Severity, WorkItem
from trackerguard.rule import Rule, RuleContext, Verdict, fail, ok


class GoalIsLive(Rule):
    """The goal an open item serves is itself still open (not done or cancelled).

    **Why it matters**
    Work that keeps going after its goal was delivered or abandoned spends effort on a
    decision that was already taken; either the goal was closed too early or the work is
    no longer needed.

    **Anti-pattern**
    A story still "In Progress" under an epic that was cancelled last quarter.

    **Best practice**
    When a goal closes, close or cancel its remaining work, or move it to the goal it
    serves now.
    """

    id = "TG102"
    name = "goal-is-live"
    default_severity = Severity.WARN
    applies_to = "work"

    def check(self, item: WorkItem, ctx: RuleContext) -> Verdict | None:
        goal = ctx.graph.goal(item.key)
        if goal is None:
            return None
        if not goal.is_closed:
            return ok(f"its goal {goal.key} is {goal.status_category.value}")
        state = goal.status_category.value
        named = goal_label(goal, item)
        return fail(
            f"It serves {named} ({goal.title!r}), which is {state}, but it is still open.",
            hint=f"Close or cancel this item, or move it to the goal it serves now "
            f"(if {goal.key} closed too early, reopen it).",
            evidence=f"{goal.key} has status '{goal.status}' ({state})",
        )
