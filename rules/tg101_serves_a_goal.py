"""TG101 serves-a-goal."""

from __future__ import annotations

from trackerguard.rules._docs import higher_levels

from trackerguard.model import Severity, WorkItem
from trackerguard.rule import Rule, RuleContext, Verdict, fail, ok


class ServesAGoal(Rule):
    """Every item below the top level serves a goal: it reaches a higher-level item.

    **Why it matters**
    Work that serves no goal is effort nobody can weigh against the strategy: it cannot be
    prioritised, cut or celebrated, and it hides how much of the team's time goes where.

    **Anti-pattern**
    A story with no parent and no link, created straight into the backlog ("Refactor the
    billing client"), or an epic that belongs to no initiative.

    **Best practice**
    Set the parent to the epic the work delivers (a sub-task inherits its story's goal), or
    link the work to its goal with an *implements* / *contributes to* / *part of* link.
    """

    id = "TG101"
    name = "serves-a-goal"
    default_severity = Severity.BLOCK
    applies_to = "work"

    def check(self, item: WorkItem, ctx: RuleContext) -> Verdict | None:
        path = ctx.graph.goal_of(item.key)
        if path.goal is not None:
            return ok(f"serves {path.goal} via {' -> '.join(path.via)}")
        target = higher_levels(ctx.graph.levels, item.level)
        if path.cycle and not path.dangling:
            message = "Its parent chain forms a cycle, so it reaches no goal."
        elif path.dangling:
            message = f"It points to {', '.join(path.dangling)}, which does not exist."
        else:
            message = f"It does not serve any goal: no {target.split(' ', 1)[1]} is reachable."
        return fail(
            message,
            hint=f"Set its parent to {target} it delivers, or link it to one with "
            "'implements' / 'contributes to' / 'part of'.",
            evidence=path.reason,
        )
