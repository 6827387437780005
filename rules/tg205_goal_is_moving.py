"""TG205 goal-is-moving."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from trackerguard.activity import Movement, newest_below, open_below
from trackerguard.model import Severity, StatusCategory, WorkItem
from trackerguard.rule import Rule, RuleContext, RuleOptions, Verdict, fail, ok

_EVIDENCE_KEYS = 10


class GoalIsMovingOptions(RuleOptions):
    days: int = Field(
        default=30,
        ge=1,
        description="Days without any movement below an in-progress goal that count as stalled.",
    )


class GoalIsMoving(Rule):
    """A goal is moving: work below it moves, and its horizon has not passed with work still open.

    Movement is the newest human activity anywhere below the goal (children, grandchildren,
    ...); trackerguard's own comments, labels and blocks never count. A goal is stalled when
    its horizon passed with open work below it, whether it is marked in progress or not, or
    when it is in progress and nothing below it moved for ``days`` days. A goal that has not
    started and has no horizon passed is not accused.

    **Why it matters**
    A goal marked in progress that nobody works on, or whose date slipped by unnoticed,
    tells the organisation a story that is no longer true; plans built on it fail.

    **Anti-pattern**
    An epic "In Progress" whose stories have not changed in two months, or whose due date
    passed with half of its stories open.

    **Best practice**
    Re-plan stalled goals: move the horizon, pause the goal (back to to-do), or cut scope.
    """

    id = "TG205"
    name = "goal-is-moving"
    default_severity = Severity.WARN
    applies_to = "goal"
    Options = GoalIsMovingOptions

    def _horizon_passed(self, item: WorkItem, ctx: RuleContext) -> bool:
        horizon = item.horizon
        return horizon is not None and horizon < ctx.now.date()

    def _stale(self, movement: Movement | None, ctx: RuleContext) -> bool:
        days: int = self.options.days  # type: ignore[attr-defined]
        return movement is None or ctx.now - movement.at > timedelta(days=days)

    def needs_subtree(self, item: WorkItem, ctx: RuleContext) -> bool:
        """The whole subtree is needed unless what was read already shows recent movement."""
        if self._horizon_passed(item, ctx):
            return True
        if item.status_category is not StatusCategory.IN_PROGRESS:
            return False
        return self._stale(newest_below(ctx.graph, item.key), ctx)

    def check(self, item: WorkItem, ctx: RuleContext) -> Verdict | None:
        graph = ctx.graph
        if not graph.below(item.key):
            return None  # no plan at all: TG201's business
        in_progress = item.status_category is StatusCategory.IN_PROGRESS
        horizon = item.horizon
        if horizon is not None and self._horizon_passed(item, ctx):
            still_open = open_below(graph, item.key)
            if still_open:
                marked = (
                    "while it is marked in progress"
                    if in_progress
                    else "and it is not even marked in progress"
                )
                keys = ", ".join(i.key for i in still_open[:_EVIDENCE_KEYS])
                more = len(still_open) - _EVIDENCE_KEYS
                return fail(
                    f"Its horizon {horizon.isoformat()} has passed with "
                    f"{len(still_open)} item(s) still open below it, {marked}.",
                    hint="Re-plan it: move the horizon, cut scope, or close the finished goal.",
                    evidence="open: " + keys + (f" and {more} more" if more > 0 else ""),
                )
        if not in_progress:
            return None  # not started and no passed horizon: nothing to accuse
        movement = newest_below(graph, item.key)
        if movement is None:
            return None  # nothing below carries a date: cannot tell
        days: int = self.options.days  # type: ignore[attr-defined]
        since = movement.at.date().isoformat()
        if self._stale(movement, ctx):
            return fail(
                f"It is in progress, but nothing below it has moved since {since} "
                f"(limit {days} days).",
                hint="Move the work forward, or set the goal back to to-do if it is paused.",
                evidence=f"last movement below it: {movement.key} on {since}",
            )
        return ok(f"last movement below it: {movement.key} on {since}")
