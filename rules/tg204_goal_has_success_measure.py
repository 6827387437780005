"""TG204 goal-has-success-measure."""

from __future__ import annotations

from trackerguard.model import Severity, WorkItem
from trackerguard.rule import Rule, RuleContext, Verdict, fail, ok
from trackerguard.text.analysis import analyze_success_measure

_MESSAGES = {
    "empty": "Its description is empty: it does not say how success will be judged.",
    "template_only": "Its success-measure section is an unfilled template.",
    "placeholder_only": "Its success-measure section holds only placeholders.",
    "title_restated": "Its description only restates the title: no success measure.",
}
_DEFAULT_MESSAGE = "It may not state how success will be judged."


class GoalHasSuccessMeasure(Rule):
    """A goal states how success is judged: criteria, key results, metrics with targets, or
    a checklist of deliverables that defines completion.

    **Why it matters**
    Without a measure a goal is never done and never failed: the team cannot tell whether
    the work under it is enough, and nobody can decide when to stop.

    **Anti-pattern**
    A template with "Metric:", "Baseline:" and "Target:" left empty, or an epic whose
    description is one line of vision with no outcome.

    **Best practice**
    State the outcome and how it is measured ("checkout conversion from 2.1% to 2.6% by
    Q3"), acceptance criteria / definition of done, or a checklist of the deliverables
    that complete the goal.

    Confidence: only clear absences (empty, template, placeholders, restated title) are
    high-confidence findings that act; anything else is reported as info with evidence.
    """

    id = "TG204"
    name = "goal-has-success-measure"
    default_severity = Severity.WARN
    applies_to = "goal"
    reads_prose = True

    def check(self, item: WorkItem, ctx: RuleContext) -> Verdict | None:
        verdict = analyze_success_measure(
            item.description, item.title, item.fields, ctx.settings.text
        )
        if verdict.present:
            return ok(verdict.evidence)
        return fail(
            _MESSAGES.get(verdict.kind, _DEFAULT_MESSAGE),
            hint="Add success criteria: key results or metrics with targets, acceptance "
            "criteria, or a checklist of the deliverables that complete this goal.",
            evidence=verdict.evidence,
            confidence=verdict.confidence,
        )
