"""TG201 goal-has-plan."""

from __future__ import annotations

from trackerguard.model import Severity, StatusCategory, WorkItem
from trackerguard.rule import Rule, RuleContext, Verdict, fail, ok


class GoalHasPlan(Rule):
    """A goal has a plan: at least one child item that is not cancelled executes it.

    **Why it matters**
    A goal without work under it is a wish: nobody has broken it down, so nobody can say
    when it will happen or what it costs. Vision without execution is hallucination.

    **Anti-pattern**
    An initiative "Enter the Japanese market" with no epics, or an epic whose only stories
    were all cancelled.

    **Best practice**
    Break the goal into child items (epics under an initiative, stories under an epic) as
    soon as it is accepted, or close it if it is no longer pursued.
    """

    id = "TG201"
    name = "goal-has-plan"
    default_severity = Severity.BLOCK
    applies_to = "goal"

    def check(self, item: WorkItem, ctx: RuleContext) -> Verdict | None:
        children = ctx.graph.children(item.key)
        live = [c for c in children if c.status_category is not StatusCategory.CANCELLED]
        if live:
            return ok(f"{len(live)} child item(s) execute it, e.g. {live[0].key}")
        if children:
            return fail(
                f"All {len(children)} of its child items are cancelled: nothing executes it.",
                hint="Plan new child work for this goal, or close it if it is no longer pursued.",
                evidence="cancelled children: " + ", ".join(c.key for c in children[:10]),
            )
        return fail(
            "It has no child items: no work executes this goal.",
            hint="Break the goal down into child items (set their parent to it), or close it "
            "if it is no longer pursued.",
            evidence="no item has it as parent or links to it as its goal",
        )
