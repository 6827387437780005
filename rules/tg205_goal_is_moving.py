"""TG205 goal-is-moving."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from trackerguard.model import Severity, StatusCategory, WorkItem
from trackerguard.rule import Rule, RuleContext, RuleOptions, Verdict, fail, ok


class GoalIsMovingOptions(RuleOptions):
    days: int = Field(
        default=30, ge=1, description="Days without child activity that count as stalled."
    )


class GoalIsMoving(Rule):
    """An in-progress goal is moving: its children changed recently and its horizon has not
    passed with work still open.

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

    def check(self, item: WorkItem, ctx: RuleContext) -> Verdict | None:
        if item.status_category is not StatusCategory.IN_PROGRESS:
            return None
        children = ctx.graph.children(item.key)
        if not children:
            return None
        days = self.options.days  # type: ignore[attr-defined]
        now = ctx.now
        horizon = item.horizon
        if horizon is not None and horizon < now.date():
            open_children = [c for c in children if not c.is_closed]
            if open_children:
                return fail(
                    f"Its horizon {horizon.isoformat()} has passed with "
                    f"{len(open_children)} child item(s) still open.",
                    hint="Re-plan it: move the horizon, cut scope, or close the finished goal.",
                    evidence="open: " + ", ".join(c.key for c in open_children[:10]),
                )
        stamps = [c.activity for c in children if c.activity is not None]
        if not stamps:
            return None
        latest = max(stamps)
        if now - latest > timedelta(days=days):
            idle = (now - latest).days
            return fail(
                f"It is in progress, but none of its child items changed in {idle} days "
                f"(limit {days}).",
                hint="Move the work forward, or set the goal back to to-do if it is paused.",
                evidence=f"last child activity {latest.date().isoformat()}",
            )
        return ok(f"last child activity {latest.date().isoformat()}")
