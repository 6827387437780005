"""What a rule is: the small base class every built-in and plugin rule implements.

A rule looks at one item (with the graph around it, through :class:`RuleContext`) and
returns a :class:`Verdict`. The engine turns failing verdicts into :class:`Finding` values,
applying the configured severity, confidence grading, exemptions and grace period, so a
rule only states *what it sees*; policy stays in one place.

Rules are plain classes, not instances, when registered: the engine instantiates each once
per run with its validated options (``Options``), so options are parsed once, not per item.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from trackerguard.model import Confidence, Severity, WorkItem

if TYPE_CHECKING:
    from trackerguard.graph import StrategyGraph
    from trackerguard.settings import Settings
    from trackerguard.text.cache import VerdictCache
    from trackerguard.waivers import Waiver

AppliesTo = Literal["work", "goal", "any"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """A rule's judgement of one item.

    ``passed`` items produce no finding; ``evidence`` is kept either way so that
    ``trackerguard explain --item`` can show why an item was or was not flagged.
    """

    passed: bool
    message: str = ""
    hint: str = ""
    evidence: str = ""
    confidence: Confidence = "high"


class RuleEvaluationError(Exception):
    """A rule could not judge one item (e.g. a custom rule's expression failed on it).

    The engine records it as a per-item report error and goes on with the other rules and
    items; raise it from a rule instead of letting an arbitrary exception stop the run.
    """


PASS = Verdict(passed=True)
"""A shared passing verdict for rules with nothing to explain (saves an allocation per item)."""


def fail(
    message: str, *, hint: str = "", evidence: str = "", confidence: Confidence = "high"
) -> Verdict:
    """Shorthand for a failing verdict."""
    return Verdict(False, message, hint, evidence, confidence)


def ok(evidence: str = "") -> Verdict:
    """Shorthand for a passing verdict that says why."""
    return Verdict(True, evidence=evidence) if evidence else PASS


@dataclass(frozen=True, slots=True)
class Finding:
    """A failing verdict with its policy applied: what the reports show and actions follow."""

    rule: str
    name: str
    severity: Severity
    item: str
    url: str
    message: str
    hint: str
    confidence: Confidence
    evidence: str
    acts: bool = True
    """False for findings that are only reported (low confidence, observe mode, grace)."""
    rejudged: bool = True
    """False for an open finding of an earlier run that an incremental run carried over
    (its item did not change since, so it was not judged again)."""
    waived: Waiver | None = None
    """The active waiver that exempts this finding (it is reported, never acts nor fails)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "name": self.name,
            "severity": str(self.severity),
            "item": self.item,
            "url": self.url,
            "message": self.message,
            "hint": self.hint,
            "confidence": self.confidence,
            "evidence": self.evidence,
            "rejudged": self.rejudged,
        }
        if self.waived is not None:
            out["waived"] = self.waived.to_dict()
        return out


class RuleOptions(BaseModel):
    """Base for a rule's own options (``[rules.TGxxx]`` keys beyond severity/mode/enabled)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleContext:
    """Everything a rule may consult besides the item: the graph, settings, the clock."""

    __slots__ = ("graph", "now", "settings", "text_cache")

    def __init__(
        self,
        graph: StrategyGraph,
        settings: Settings,
        now: datetime | None = None,
        text_cache: VerdictCache | None = None,
    ) -> None:
        self.graph = graph
        self.settings = settings
        self.now = now or datetime.now(UTC)
        # TG103/TG204 verdicts by content hash (trackerguard.text.cache); None: no cache.
        self.text_cache = text_cache


class Rule:
    """Base class for rules.

    Subclasses set the class attributes and implement :meth:`check`. The first line of the
    class docstring is the rule's summary; the rest (with **Why it matters**,
    **Anti-pattern** and **Best practice** paragraphs) is what ``trackerguard explain``
    renders, so write it for the person who got the comment.
    """

    id: ClassVar[str]
    name: ClassVar[str]
    default_severity: ClassVar[Severity] = Severity.WARN
    applies_to: ClassVar[AppliesTo] = "any"
    reads_prose: ClassVar[bool] = False
    """Rules reading human prose grade confidence; only high-confidence findings act."""
    Options: ClassVar[type[RuleOptions]] = RuleOptions

    def __init__(self, options: RuleOptions | None = None) -> None:
        self.options = options if options is not None else self.Options()

    def check(self, item: WorkItem, ctx: RuleContext) -> Verdict | None:
        """Judge ``item``; return ``None`` when the rule does not apply to it."""
        raise NotImplementedError

    def prepare(self, item: WorkItem, ctx: RuleContext) -> None:
        """Optional: work on ``item`` that needs nothing but the item itself, done early.

        The runner calls it (through :meth:`Engine.prepare`) on each item of a scan as the
        adapter reads it, while the next requests are still in flight, so CPU-heavy
        per-item work (reading prose) overlaps network waits instead of following them.
        ``ctx.graph`` is empty here. It may only fill caches: :meth:`check` must reach the
        same verdict whether or not this ran, and an exception here is ignored (``check``
        raises it again where it is reported). Default: nothing.
        """

    docs: ClassVar[str | None] = None
    """Where a plugin rule's documentation lives (a URL); built-in rules link to ours."""

    def needs_subtree(self, item: WorkItem, ctx: RuleContext) -> bool:
        """Whether judging ``item`` needs *everything* below it, not just what was read.

        A scan holds only part of a goal's subtree (a query's slice, no closed items, an
        incremental run's changes). The runner reads the whole subtree, in batch, for the
        goals where some rule answers True, so the verdict is the same in every kind of run.
        Answer True only when what is missing could change the verdict (TG205: nothing
        known below moved recently, or the horizon passed); the default reads nothing more.
        """
        return False

    @classmethod
    def summary(cls) -> str:
        """The docstring's first paragraph (a sentence may span lines), on one line."""
        import inspect

        doc = inspect.cleandoc(cls.__doc__ or "")
        first = doc.split("\n\n", 1)[0]
        return " ".join(line.strip() for line in first.splitlines()) or cls.name

    @classmethod
    def applies_to_label(cls) -> str:
        """What ``trackerguard rules`` shows as "applies to" (the levels, for custom rules)."""
        return cls.applies_to

    @classmethod
    def documentation(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or cls.name)

    @classmethod
    def why(cls) -> str:
        """The docstring's "Why it matters" paragraph, quoted in comments."""
        return _section(cls.documentation(), "why it matters")

    @classmethod
    def docs_url(cls) -> str | None:
        """The rule's documentation: ours for the built-in pack, else the plugin's ``docs``
        (``None`` when the plugin published none: never a page of our docs that does not
        exist)."""
        if cls.docs:
            return cls.docs
        if cls.__module__.startswith("trackerguard.rules"):
            return (
                "https://github.com/trackerguard/trackerguard/blob/main/docs/rules.md"
                f"#{cls.id.lower()}"
            )
        return None


def _section(doc: str, title: str) -> str:
    """Text of a ``**Title**`` / ``Title:`` paragraph in a rule docstring (one paragraph)."""
    lines = doc.splitlines()
    for index, line in enumerate(lines):
        head = line.strip().strip("*").rstrip(":").strip("*").strip().casefold()
        if head == title:
            body: list[str] = []
            for follow in lines[index + 1 :]:
                if not follow.strip():
                    if body:
                        break
                    continue
                body.append(follow.strip())
            return " ".join(body)
    return ""


def options_schema(rule: type[Rule]) -> Mapping[str, Any]:
    """The JSON schema of a rule's options (shown by ``trackerguard rules --format json``)."""
    return rule.Options.model_json_schema()
