"""TG103 has-purpose."""

from __future__ import annotations

from pydantic import Field

from trackerguard.model import Severity, WorkItem
from trackerguard.rule import Rule, RuleContext, RuleOptions, Verdict, fail, ok
from trackerguard.text.cache import text_verdict

_MESSAGES = {
    "empty": "Its description is empty: it does not say why this work matters.",
    "template_only": "Its description is an unedited template: it does not say why this work "
    "matters.",
    "placeholder_only": "Its description holds only placeholders: it does not say why this work "
    "matters.",
    "title_restated": "Its description only restates the title: it does not say why this work "
    "matters.",
    "too_short": "Its description is a single request or symptom: it does not say why this work "
    "matters.",
    "short_no_reason": "Its description says what, in a few words, but not why this work matters.",
    "list_only": "Its description is only a list: no sentence says why this work matters.",
    "code_only": "Its description is only a log or stack trace: it does not say who is hurt or "
    "how badly.",
}
_DEFAULT_MESSAGE = "Its description may not say why this work matters."


class HasPurposeOptions(RuleOptions):
    levels: list[str] | None = Field(
        default=None,
        description="Levels the rule judges (default: the bottom level, where work lives).",
    )


class HasPurpose(Rule):
    """Work states its purpose: the description says why the work matters.

    **Why it matters**
    The person who picks the item up, the reviewer and the stakeholder all decide better
    when they know the problem behind it; work without a stated reason is the first to be
    built wrong and the last to be cut when it should be.

    **Anti-pattern**
    An unedited template (`## Why` followed by `_Describe the problem_`), "TBD", or a
    description that repeats the title ("Add export button" → "Add an export button").

    **Best practice**
    One or two sentences of who is hurt or what improves: "Support spends 3 hours a week
    exporting reports by hand; a CSV export lets customers do it themselves." A user story
    with a "so that" clause, or a Why / Problem / Context section with real content, counts.

    Confidence: only clear absences are high-confidence findings that act: empty, template
    or placeholders only, restated title, and readable text with no reason at all that is
    short (one request or symptom line), only a list, or only a log. Their precision was
    measured on real public issues (docs/text-analysis.md); anything else is reported as
    info with evidence.
    """

    id = "TG103"
    name = "has-purpose"
    default_severity = Severity.WARN
    applies_to = "work"
    reads_prose = True
    Options = HasPurposeOptions

    def _applies(self, item: WorkItem, ctx: RuleContext) -> bool:
        levels = self.options.levels  # type: ignore[attr-defined]
        return item.level == ctx.graph.levels.bottom if levels is None else item.level in levels

    def prepare(self, item: WorkItem, ctx: RuleContext) -> None:
        # Read the prose while the scan is still reading (the cached verdict is check's).
        cache = ctx.text_cache
        if cache is not None and self._applies(item, ctx):
            cache.verdict("purpose", item.description, item.title, item.fields, ctx.settings.text)

    def check(self, item: WorkItem, ctx: RuleContext) -> Verdict | None:
        if not self._applies(item, ctx):
            return None
        verdict = text_verdict(
            ctx.text_cache, "purpose", item.description, item.title, item.fields, ctx.settings.text
        )
        if verdict.present:
            return ok(verdict.evidence)
        return fail(
            _MESSAGES.get(verdict.kind, _DEFAULT_MESSAGE),
            hint="Add a sentence on why this matters: who is hurt today or what improves "
            "(a 'Why' section, or a user story with 'so that').",
            evidence=verdict.evidence,
            confidence=verdict.confidence,
        )
