"""``trackerguard diff``: what a change of rules would do, before anyone merges it.

A rule change is a policy change for a whole organisation: raising TG203 to ``block`` may
block hundreds of items overnight. ``diff`` judges the *same* scan with two configurations
(one read of the tracker, no writes, ever) and lists what would be newly found, newly
blocked, resolved, and which trackerguard comments would change, so the change can be
reviewed in the pull request that makes it.

Both configurations must describe the same tracker, levels, graph and statuses: those decide
*what is read and how it is shaped*; the rules, their modes and options, custom rules, the
text settings, actions and waivers decide *what is judged* and may differ.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from trackerguard.adapter import Action, ScanRequest
from trackerguard.engine import PolicyFinding
from trackerguard.errors import UsageError
from trackerguard.model import WorkItem
from trackerguard.progress import NoProgress
from trackerguard.report import RunContext
from trackerguard.rule import Finding
from trackerguard.run import Runner, Scan
from trackerguard.settings import Settings

_SHAPE_KEYS = ("tracker", "levels", "graph", "status")
Judged = list[tuple[WorkItem, list[PolicyFinding]]]


@dataclass(frozen=True, slots=True)
class CommentChange:
    """An item whose trackerguard comment would read differently under the new rules."""

    item: str
    url: str
    change: str
    """``new`` (no comment before), ``edited``, ``resolved`` (findings gone) or ``removed``."""
    before: str | None
    after: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "url": self.url,
            "change": self.change,
            "before": self.before,
            "after": self.after,
        }


@dataclass
class DiffReport:
    """The outcome of judging one scan under two configurations."""

    tracker: str
    items: int
    newly_found: list[Finding] = field(default_factory=list)
    newly_blocked: list[Finding] = field(default_factory=list)
    resolved: list[Finding] = field(default_factory=list)
    comments_changed: list[CommentChange] = field(default_factory=list)
    goal_of: dict[str, str | None] = field(default_factory=dict)
    """Goal of each item named in the diff (for 'N of them in epic ACME-5')."""
    against: str = ""

    @property
    def blocked_items(self) -> list[str]:
        return sorted({f.item for f in self.newly_blocked})

    def headline(self) -> str:
        """One sentence a reviewer reads first."""
        blocked = self.blocked_items
        parts = []
        if blocked:
            text = f"newly block {len(blocked)} item{'s' if len(blocked) != 1 else ''}"
            goals = Counter(self.goal_of.get(key) for key in blocked if self.goal_of.get(key))
            if goals:
                goal, count = sorted(goals.items(), key=lambda kv: (-kv[1], str(kv[0])))[0]
                text += f", {count} of them under {goal}"
            parts.append(text)
        if self.newly_found:
            parts.append(f"add {len(self.newly_found)} finding(s)")
        if self.resolved:
            parts.append(f"resolve {len(self.resolved)} finding(s)")
        if self.comments_changed:
            parts.append(f"change {len(self.comments_changed)} comment(s)")
        if not parts:
            return f"This change would change nothing on the {self.items} items judged."
        return f"This change would {_join(parts)} (of {self.items} items judged)."

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "tracker": self.tracker,
            "against": self.against,
            "summary": {
                "items": self.items,
                "newly_found": len(self.newly_found),
                "newly_blocked_items": len(self.blocked_items),
                "resolved": len(self.resolved),
                "comments_changed": len(self.comments_changed),
                "headline": self.headline(),
            },
            "newly_found": [f.to_dict() for f in self.newly_found],
            "newly_blocked": [f.to_dict() for f in self.newly_blocked],
            "resolved": [f.to_dict() for f in self.resolved],
            "comments_changed": [c.to_dict() for c in self.comments_changed],
        }


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def check_same_shape(current: Settings, other: Settings, against: str) -> None:
    """Refuse to compare configurations that would read or shape the tracker differently."""
    for key in _SHAPE_KEYS:
        if getattr(current, key) != getattr(other, key):
            raise UsageError(
                f"diff: '{key}' differs in {against}; diff compares rules, actions and waivers "
                "over one read of the tracker, so both configurations must read the tracker "
                f"the same way (run 'trackerguard check' with each instead)"
            )
    section = current.tracker_section(current.tracker)
    if section != other.tracker_section(other.tracker):
        raise UsageError(
            f"diff: the [{current.tracker}] section differs in {against}; both configurations "
            "must read the same tracker"
        )


def compare(
    current: Runner, other: Runner, request: ScanRequest, *, against: str = ""
) -> DiffReport:
    """Read once with ``current``'s adapter, judge and plan with both; never write."""
    other.adopt_adapter(current.adapter)
    scan = current.read(request, NoProgress())
    before = _judge(current, scan, request)
    after = _judge(other, scan, request)
    report = DiffReport(current.tracker, len(scan.scanned), against=against)
    old = {(pf.finding.item, pf.finding.rule): pf for _, found in before for pf in found}
    new = {(pf.finding.item, pf.finding.rule): pf for _, found in after for pf in found}
    report.newly_found = [
        new[k].finding for k in sorted(new) if _counts(new[k]) and not _counts(old.get(k))
    ]
    report.resolved = [
        old[k].finding for k in sorted(old) if _counts(old[k]) and not _counts(new.get(k))
    ]
    blocking_before = {item.key for item, found in before if _blocks(found)}
    for item, found in after:
        if item.key in blocking_before or not _blocks(found):
            continue
        report.newly_blocked.extend(pf.finding for pf in found if _is_blocking(pf))
    report.comments_changed = _comment_changes(current, other, before, after)
    named = {f.item for f in report.newly_found + report.newly_blocked + report.resolved}
    named |= {c.item for c in report.comments_changed}
    for key in named:
        goal = scan.graph.goal_of(key).goal
        goal_item = scan.graph.get(goal) if goal is not None else None
        level = f"{goal_item.level} " if goal_item is not None and goal_item.level else ""
        report.goal_of[key] = f"{level}{goal}" if goal is not None else None
    return report


def _judge(runner: Runner, scan: Scan, request: ScanRequest) -> Judged:
    context = RunContext(runner.tracker, runner.settings, False, query=request.query)
    runner.use_waivers(scan, request, context)
    results, _, _ = runner.judge(scan, context, NoProgress())
    return results


def _counts(policy: PolicyFinding | None) -> bool:
    """A finding that matters for the diff: reported and not under a waiver."""
    return policy is not None and policy.finding.waived is None


def _is_blocking(policy: PolicyFinding) -> bool:
    return policy.finding.acts and policy.mode == "block" and policy.finding.waived is None


def _blocks(found: Sequence[PolicyFinding]) -> bool:
    return any(_is_blocking(pf) for pf in found)


def _comment_changes(
    current: Runner, other: Runner, before: Judged, after: Judged
) -> list[CommentChange]:
    old_plans = {item.key: _comment(current.planner.plan(item, found)) for item, found in before}
    out: list[CommentChange] = []
    for item, found in after:
        if item.level is None or (item.is_closed and item.bot is None):
            continue
        old = old_plans.get(item.key)
        new = _comment(other.planner.plan(item, found))
        old_body = _body_after(item, old)
        new_body = _body_after(item, new)
        if old_body == new_body:
            continue
        if old_body is None:
            change = "new"
        elif new_body is None:
            change = "removed"
        elif new is not None and new.kind == "uncomment":
            change = "resolved"
        else:
            change = "edited"
        out.append(CommentChange(item.key, item.url, change, old_body, new_body))
    return sorted(out, key=lambda c: c.item)


def _comment(actions: Sequence[Action]) -> Action | None:
    for action in actions:
        if action.kind in ("comment", "uncomment"):
            return action
    return None


def _body_after(item: WorkItem, action: Action | None) -> str | None:
    """The comment an item would carry after the run (its current one when nothing changes)."""
    existing = item.bot.comment.body if item.bot and item.bot.comment else None
    if action is None:
        return existing
    if action.kind == "uncomment" and not action.body:
        return None
    return action.body or existing
