"""TG202 goal-has-owner."""

from __future__ import annotations

from trackerguard.model import Severity, WorkItem
from trackerguard.rule import Rule, RuleContext, Verdict, fail, ok


class GoalHasOwner(Rule):
    """A goal has an owner: someone is assigned and answers for it.

    **Why it matters**
    A goal everyone shares is a goal nobody drives: without an owner no one notices when it
    stalls, and no one can answer what it needs.

    **Anti-pattern**
    An epic left unassigned because "the whole team works on it".

    **Best practice**
    Assign the person accountable for the outcome (not necessarily the one doing the work).
    """

    id = "TG202"
    name = "goal-has-owner"
    default_severity = Severity.WARN
    applies_to = "goal"

    def check(self, item: WorkItem, ctx: RuleContext) -> Verdict | None:
        if item.assignee:
            return ok(f"owned by {item.assignee}")
        return fail(
            "It has no owner.",
            hint="Assign the person accountable for this goal.",
            evidence="the assignee field is empty",
        )
