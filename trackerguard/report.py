"""The report of one run and the JSON document of DESIGN.md (keys are a contract).

A :class:`Report` holds everything every output format needs: the judged items, the graph
(for grouping by goal and for goal maps), findings, actions and errors. ``to_dict`` produces
the JSON document; new keys may be added, existing ones are never renamed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from trackerguard.adapter import Action, ItemError, SummaryIssue
from trackerguard.model import Severity, WorkItem
from trackerguard.rule import Finding

if TYPE_CHECKING:
    from trackerguard.errors import TrackerError
    from trackerguard.graph import StrategyGraph
    from trackerguard.history import Snapshot
    from trackerguard.settings import Settings

REPORT_VERSION = 1


@dataclass
class RunContext:
    """What hooks learn about the run they observe."""

    tracker: str
    settings: Settings
    apply: bool
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    query: str | None = None


@dataclass(frozen=True, slots=True)
class CarriedItem:
    """An item whose open findings an incremental run carried over without re-judging it
    (see trackerguard.incremental): enough to show and group them."""

    key: str
    title: str
    goal: str | None = None
    goal_title: str | None = None


@dataclass
class Coverage:
    work_total: int = 0
    work_serving: int = 0
    goals_total: int = 0
    goals_planned: int = 0

    @staticmethod
    def ratio(part: int, whole: int) -> float:
        return round(part / whole, 4) if whole else 1.0


@dataclass
class Report:
    """The outcome of one run."""

    tracker: str
    items: list[WorkItem]
    findings: list[Finding]
    actions: list[Action]
    errors: list[ItemError]
    graph: StrategyGraph | None = None
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    coverage: Coverage = field(default_factory=Coverage)
    applied: bool = False
    notes: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    exempt: int = 0
    fail_on: str = "block"
    level_names: tuple[str, ...] = ()
    rules: list[tuple[str, str, str]] = field(default_factory=list)
    """(id, name, applies_to) of every active rule, for per-rule outputs."""
    skip_label: str = "trackerguard:skip"
    carried: dict[str, CarriedItem] = field(default_factory=dict)
    """Items whose open findings come from an earlier run (``--since``), by key."""
    summary_issue: SummaryIssue | None = None
    """The maintained summary issue this run wrote (``[actions] summary_issue``)."""
    trend: list[Snapshot] = field(default_factory=list)
    """The comparable history of this scope, this run included (``check`` fills it in so the
    HTML report and the summary issue can draw the trend; empty elsewhere)."""
    read_error: TrackerError | None = None
    """Why the tracker could not be read (nothing judged; also an ``errors[]`` entry)."""

    # -- derived -------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Findings per severity; waived findings are counted apart (:meth:`waived`)."""
        counter = Counter(str(f.severity) for f in self.findings if f.waived is None)
        return {level.value: counter.get(level.value, 0) for level in Severity}

    def waived(self) -> int:
        return sum(1 for f in self.findings if f.waived is not None)

    def goals_and_work(self) -> tuple[int, int]:
        if self.graph is None:
            return 0, len(self.items)
        levels = self.graph.levels
        goals = sum(1 for item in self.items if levels.is_goal(item.level))
        return goals, len(self.items) - goals

    @property
    def partial(self) -> bool:
        """Some listed item was not judged, or some planned write was not carried out."""
        return any(not error.judged for error in self.errors) or bool(self.unwritten())

    def unwritten(self) -> list[Action]:
        """Writes of an ``--apply`` run that failed or were not done (circuit breaker)."""
        if not self.applied:
            return []
        return [a for a in self.actions if a.status in ("failed", "planned")]

    def worst(self) -> Severity | None:
        worst: Severity | None = None
        for finding in self.findings:
            if finding.waived is not None:
                continue  # an accountable exception never fails the run
            if worst is None or finding.severity > worst:
                worst = finding.severity
        return worst

    def failed(self, fail_on: str | None = None) -> bool:
        threshold = fail_on or self.fail_on
        if threshold == "never":
            return False
        worst = self.worst()
        return worst is not None and worst >= Severity(threshold)

    def exit_code(self, fail_on: str | None = None) -> int:
        """DESIGN.md: 3 partial run (an item not judged, a write not done), 1 findings
        at/above the threshold, else 0."""
        if self.partial:
            return 3
        return 1 if self.failed(fail_on) else 0

    def findings_by_item(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {}
        for finding in self.findings:
            out.setdefault(finding.item, []).append(finding)
        return out

    # -- the JSON document ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        goals, work = self.goals_and_work()
        cov = self.coverage
        return {
            "version": REPORT_VERSION,
            "tracker": self.tracker,
            "generated_at": self.generated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "summary": {
                "items": len(self.items),
                "goals": goals,
                "work": work,
                "findings": self.counts(),
                "coverage": {
                    "work_serving_goal": Coverage.ratio(cov.work_serving, cov.work_total),
                    "goals_with_plan": Coverage.ratio(cov.goals_planned, cov.goals_total),
                },
                "exempt": self.exempt,
                "carried_findings": sum(1 for f in self.findings if not f.rejudged),
                "waived": self.waived(),
                "partial": self.partial,
                "applied": self.applied,
                "requests": dict(self.requests),
            },
            "findings": [finding.to_dict() for finding in self.findings],
            "actions": [action.to_dict() for action in self.actions],
            "errors": [error.to_dict() for error in self.errors],
            "notes": list(self.notes),
        } | ({"summary_issue": self.summary_issue.to_dict()} if self.summary_issue else {})
