"""TG203 goal-has-horizon."""

from __future__ import annotations

from trackerguard.model import Severity, WorkItem
from trackerguard.rule import Rule, RuleContext, Verdict, fail, ok


class GoalHasHorizon(Rule):
    """A goal has a horizon: a target date, or a milestone / version it belongs to.

    **Why it matters**
    Without a horizon a goal can never be late, so it is never re-planned or dropped; it
    quietly competes with everything else forever.

    **Anti-pattern**
    An initiative with no due date and no release, open for three quarters.

    **Best practice**
    Set a due date or put the goal into the milestone / fix version it should ship in.
    """

    id = "TG203"
    name = "goal-has-horizon"
    default_severity = Severity.WARN
    applies_to = "goal"

    def check(self, item: WorkItem, ctx: RuleContext) -> Verdict | None:
        if item.due is not None:
            return ok(f"due {item.due.isoformat()}")
        if item.milestone:
            return ok(f"milestone '{item.milestone}'")
        return fail(
            "It has no horizon: no due date and no milestone or version.",
            hint="Set a due date, or add it to the milestone / fix version it should ship in.",
            evidence="due date and milestone are both empty",
        )
