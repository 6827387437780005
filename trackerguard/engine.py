"""The rule engine: run every enabled rule over the judged items and apply policy.

Rules only state what they see (:class:`~trackerguard.rule.Verdict`); the engine decides
what that means, in one place: the configured severity, the rollout mode (observe →
comment → label → block), exemptions (the skip label), the grace period for new items,
and confidence grading (a low-confidence finding is reported as ``info`` and never acts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from pydantic import ValidationError

from trackerguard.adapter import ItemError
from trackerguard.errors import ConfigError, PluginError
from trackerguard.failures import describe
from trackerguard.graph import StrategyGraph
from trackerguard.model import Severity, WorkItem
from trackerguard.rule import Finding, Rule, RuleContext, RuleEvaluationError, Verdict
from trackerguard.settings import Mode, Settings
from trackerguard.waivers import WaiverBook

_DEFAULT_MODE: dict[Severity, Mode] = {
    Severity.INFO: "observe",
    Severity.WARN: "comment",
    Severity.BLOCK: "block",
}
_MODE_RANK: dict[str, int] = {"observe": 0, "comment": 1, "label": 2, "block": 3}


@dataclass(frozen=True, slots=True)
class ActiveRule:
    """A rule instance with its effective policy."""

    rule: Rule
    severity: Severity
    mode: Mode
    applies_to: str


@dataclass(frozen=True, slots=True)
class PolicyFinding:
    """A finding plus the mode the planner needs (the report shows the finding)."""

    finding: Finding
    mode: Mode


@dataclass(frozen=True, slots=True)
class Explanation:
    """One rule's verdict on one item, for ``trackerguard explain --item``."""

    rule: str
    name: str
    applies: bool
    verdict: Verdict | None
    severity: Severity
    mode: Mode
    note: str = ""


def mode_rank(mode: str) -> int:
    return _MODE_RANK[mode]


def rule_failure(rule: Rule, exc: BaseException) -> str:
    """The ``errors[]`` message for a rule that raised on an item: rule, cause, location.

    A :class:`RuleEvaluationError` (a custom rule's expression) already says what failed;
    anything else is a bug in the rule, shown with its type and where it was raised.
    """
    if isinstance(exc, RuleEvaluationError):
        detail = str(getattr(exc, "message", "") or exc)
    else:
        detail = f"raised {describe(exc)}"
    return f"not judged: rule {rule.id} ({rule.name}) {detail}"


@dataclass
class RuleStats:
    """How often each rule judged an item and how often it raised, in the current run.

    A rule that raises on *every* item it applies to is broken, not unlucky: the runner
    names it once in a run note instead of leaving the reader to spot it among the errors.
    """

    judged: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    first_error: dict[str, str] = field(default_factory=dict)

    def clear(self) -> None:
        self.judged.clear()
        self.failures.clear()
        self.first_error.clear()

    def ran(self, rule_id: str) -> None:
        self.judged[rule_id] = self.judged.get(rule_id, 0) + 1

    def failed(self, rule_id: str, message: str) -> None:
        self.failures[rule_id] = self.failures.get(rule_id, 0) + 1
        self.first_error.setdefault(rule_id, message)

    def always_failing(self) -> list[tuple[str, int, str]]:
        """(rule id, items, first error) of every rule that failed on each item it saw."""
        return [
            (rule_id, count, self.first_error[rule_id])
            for rule_id, count in sorted(self.failures.items())
            if not self.judged.get(rule_id)
        ]


class Engine:
    """Holds the active rules of one run."""

    def __init__(
        self,
        rules: Mapping[str, type[Rule]],
        settings: Settings,
    ) -> None:
        self.settings = settings
        unknown = sorted(set(settings.rules) - set(rules))
        if unknown:
            raise ConfigError(
                f"{settings.source_of(('rules', unknown[0]))}: key 'rules.{unknown[0]}': "
                "unknown rule id "
                f"(known: {', '.join(sorted(rules))})"
            )
        self.active: list[ActiveRule] = []
        self.disabled: list[str] = []
        for rule_id in sorted(rules):
            rule_cls = rules[rule_id]
            config = settings.rule_config(rule_id)
            if not config.enabled:
                self.disabled.append(rule_id)
                continue
            try:
                options = rule_cls.Options(**config.options)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                problem = "unknown option" if first["type"] == "extra_forbidden" else first["msg"]
                source = settings.source_of(("rules", rule_id, *where.split(".")))
                raise ConfigError(f"{source}: key 'rules.{rule_id}.{where}': {problem}") from None
            severity = config.severity or rule_cls.default_severity
            mode = config.mode or _DEFAULT_MODE[severity]
            try:
                instance = rule_cls(options)
            except Exception as exc:
                raise PluginError(f"rule {rule_id} failed to start: {describe(exc)}") from exc
            self.active.append(ActiveRule(instance, severity, mode, rule_cls.applies_to))
        self._by_level: dict[str, list[ActiveRule]] = {}
        self._preparing: dict[str, list[Rule]] = {}
        self.waivers = WaiverBook()
        """The waivers of the current run (set by the runner once it knows the items)."""
        self.grace = timedelta(hours=settings.actions.grace_hours)
        self._today: date = datetime.now(UTC).date()
        self.skip_label = settings.actions.skip_label
        self.stats = RuleStats()
        """Per-rule counts of the items judged and failed since :meth:`RuleStats.clear`."""

    def use_waivers(self, book: WaiverBook, today: date) -> None:
        """Judge the next items under ``book``'s waivers, as of ``today`` (expiry is by day)."""
        self.waivers = book
        self._today = today

    def rule(self, rule_id: str) -> ActiveRule | None:
        for active in self.active:
            if active.rule.id == rule_id:
                return active
        return None

    def is_exempt(self, item: WorkItem) -> bool:
        return self.skip_label in item.labels

    def _rules_for(self, level: str, graph: StrategyGraph) -> list[ActiveRule]:
        """The active rules that apply to items of ``level`` (computed once per level)."""
        levels = graph.levels
        return [
            active
            for active in self.active
            if active.applies_to == "any"
            or (active.applies_to == "work" and levels.is_work(level))
            or (active.applies_to == "goal" and levels.is_goal(level))
        ]

    def _applies(self, active: ActiveRule, item: WorkItem, graph: StrategyGraph) -> bool:
        if item.level is None or item.is_closed:
            return False
        if active.applies_to == "work":
            return graph.levels.is_work(item.level)
        if active.applies_to == "goal":
            return graph.levels.is_goal(item.level)
        return True

    def prepare(self, item: WorkItem, ctx: RuleContext) -> None:
        """Let the rules that will judge ``item`` do their item-only work now (see
        :meth:`Rule.prepare`); only rules that define it are called, failures are left for
        :meth:`evaluate` to report."""
        level = item.level
        if level is None or item.is_closed or self.skip_label in item.labels:
            return
        rules = self._preparing.get(level)
        if rules is None:
            rules = self._preparing[level] = [
                active.rule
                for active in self._rules_for(level, ctx.graph)
                if type(active.rule).prepare is not Rule.prepare
            ]
        for rule in rules:
            try:
                rule.prepare(item, ctx)
            except Exception:  # check() raises it again and names the rule
                continue

    def needs_subtree(self, item: WorkItem, ctx: RuleContext) -> bool:
        """Whether some active rule needs the whole subtree below ``item`` to judge it."""
        level = item.level
        if level is None or item.is_closed or self.skip_label in item.labels:
            return False
        rules = self._by_level.get(level)
        if rules is None:
            rules = self._by_level[level] = self._rules_for(level, ctx.graph)
        return any(active.rule.needs_subtree(item, ctx) for active in rules)

    def evaluate(
        self, item: WorkItem, ctx: RuleContext, errors: list[ItemError] | None = None
    ) -> list[PolicyFinding]:
        """All findings for one item, policy applied. Exempt and closed items get none.

        A rule that raises on this item (any exception: a plugin rule's bug, a custom
        rule's expression) is recorded in ``errors`` when given, naming the rule, the item
        and the exception, with ``judged=False``: the item's verdict is incomplete, so the
        runner neither reports nor acts on it and the run is partial (exit 3). The other
        rules still run, so every failing rule is named. Without ``errors`` the exception
        propagates.
        """
        level = item.level
        if level is None or item.is_closed or self.skip_label in item.labels:
            return []
        rules = self._by_level.get(level)
        if rules is None:
            rules = self._by_level[level] = self._rules_for(level, ctx.graph)
        young = item.created is not None and ctx.now - item.created < self.grace
        out: list[PolicyFinding] = []
        stats = self.stats
        for active in rules:
            rule = active.rule
            try:
                verdict = rule.check(item, ctx)
            except Exception as exc:
                if errors is None:
                    raise
                message = rule_failure(rule, exc)
                errors.append(ItemError(item.key, message, judged=False, rule=rule.id))
                stats.failed(rule.id, message)
                continue
            if verdict is None:
                continue  # the rule does not apply to this item
            stats.ran(rule.id)
            if verdict.passed:
                continue
            out.append(self._policy(active, item, verdict, young))
        return out

    def _policy(
        self, active: ActiveRule, item: WorkItem, verdict: Verdict, young: bool
    ) -> PolicyFinding:
        severity = active.severity
        mode: Mode = active.mode
        if verdict.confidence == "low":
            severity, mode = Severity.INFO, "observe"
        if young and severity is Severity.BLOCK:
            severity = Severity.WARN
        if young and mode == "block":
            mode = "label"
        rule = active.rule
        message = verdict.message
        waived = None
        if self.waivers:
            match = self.waivers.lookup(item.key, rule.id, self._today)
            if match.active is not None:
                waived, mode = match.active, "observe"
            elif match.expired is not None:
                lapsed = match.expired
                message = (
                    f"{message} (The waiver by {lapsed.owner or 'nobody'} expired on "
                    f"{lapsed.expires}: {lapsed.reason})"
                )
        finding = Finding(
            rule=rule.id,
            name=rule.name,
            severity=severity,
            item=item.key,
            url=item.url,
            message=message,
            hint=verdict.hint,
            confidence=verdict.confidence,
            evidence=verdict.evidence,
            acts=mode != "observe",
            waived=waived,
        )
        return PolicyFinding(finding, mode)

    def explain(self, item: WorkItem, ctx: RuleContext) -> list[Explanation]:
        """Every rule's verdict on ``item``, including passes and non-applicable rules."""
        out: list[Explanation] = []
        exempt = self.is_exempt(item)
        for active in self.active:
            note = ""
            applies = self._applies(active, item, ctx.graph)
            verdict: Verdict | None = None
            if exempt:
                note = f"exempt: the item has the label '{self.skip_label}'"
                applies = False
            elif item.is_closed:
                note = f"not judged: the item is {item.status_category.value}"
            elif item.level is None:
                note = "not judged: the item's type belongs to no configured level"
            elif not applies:
                note = f"does not apply to the level '{item.level}'"
            if applies:
                try:
                    verdict = active.rule.check(item, ctx)
                except Exception as exc:
                    verdict, note = None, f"error: {rule_failure(active.rule, exc)}"
                if verdict is not None and not verdict.passed:
                    policy = self._policy(active, item, verdict, self._young(item, ctx.now))
                    note = f"{policy.finding.severity} ({policy.mode})"
            out.append(
                Explanation(
                    active.rule.id,
                    active.rule.name,
                    applies,
                    verdict,
                    active.severity,
                    active.mode,
                    note,
                )
            )
        return out

    def _young(self, item: WorkItem, now: datetime) -> bool:
        return item.created is not None and now - item.created < self.grace
