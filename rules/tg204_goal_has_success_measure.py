"""TG204 goal-has-success-measure."""

from __future__ import annotations

from trackerguard.model import Severity, WorkItem
from trackerguard.rule import Rule, RuleContext, Verdict, fail, ok
from trackerguard.text.cache import text_verdict

_MESSAGES = {
    "empty": "Its description is empty: it does not say how success will be judged.",
    "template_only": "Its success-measure section is an unfilled template.",
    "placeholder_only": "Its success-measure section holds only placeholders.",
    "title_restated": "Its description only restates the title: no success measure.",
    "no_cue": "Nothing in its description (no criteria, list, checklist or number) says how "
    "success will be judged.",
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

    Confidence: only clear absences are high-confidence findings that act: empty, template
    or placeholders only, restated title, and a goal whose text holds no criteria, list,
    checklist, number or code block at all (measured on real public issues:
    docs/text-analysis.md); anything else is reported as info with evidence.
    """

    id = "TG204"
    name = "goal-has-success-measure"
    default_severity = Severity.WARN
    applies_to = "goal"
    reads_prose = True

    def prepare(self, item: WorkItem, ctx: RuleContext) -> None:
        # Read the prose while the scan is still reading (the cached verdict is check's).
        cache = ctx.text_cache
        if cache is not None:
            cache.verdict("measure", item.description, item.title, item.fields, ctx.settings.text)

    def check(self, item: WorkItem, ctx: RuleContext) -> Verdict | None:
        verdict = text_verdict(
            ctx.text_cache, "measure", item.description, item.title, item.fields, ctx.settings.text
        )
        if verdict.present:
            return ok(verdict.evidence)
        return fail(
            _DEFAULT_MESSAGE
            if verdict.kind == "no_cue" and verdict.confidence != "high"
            else _MESSAGES.get(verdict.kind, _DEFAULT_MESSAGE),
            hint="Add success criteria: key results or metrics with targets, acceptance "
            "criteria, or a checklist of the deliverables that complete this goal.",
            evidence=verdict.evidence,
            confidence=verdict.confidence,
        )
