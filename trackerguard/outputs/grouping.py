"""Group findings by the goal they concern, the way a manager reads a backlog.

Order is for people: the worst first. Groups (a goal and the work serving it) are ordered by
their worst finding, then by key; inside a group, items likewise; inside an item, findings
by severity, then rule id. Keys sort naturally (ACME-6 before ACME-25). Waived findings
rank below every open one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from trackerguard.adapter import Action
from trackerguard.model import WorkItem
from trackerguard.report import Report
from trackerguard.rule import Finding

NO_GOAL = "(serves no goal)"
_SEVERITY_RANK = {"info": 0, "warn": 1, "block": 2}
_DIGITS = re.compile(r"(\d+)")


def natural_key(key: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders digit runs by value: ``ACME-6`` < ``ACME-25`` < ``acme-100``."""
    parts = _DIGITS.split(key)
    return tuple(
        (0, int(part)) if index % 2 else (1, part.casefold()) for index, part in enumerate(parts)
    )


def rank(finding: Finding) -> int:
    """Severity rank for ordering; a waived finding ranks below every open one."""
    return -1 if finding.waived is not None else _SEVERITY_RANK[str(finding.severity)]


def worst_rank(findings: Iterable[Finding]) -> int:
    return max((rank(f) for f in findings), default=-2)


def order_findings(found: Sequence[Finding]) -> list[Finding]:
    return sorted(found, key=lambda f: (-rank(f), natural_key(f.rule)))


@dataclass
class Group:
    """Findings under one goal (or under "serves no goal")."""

    key: str
    title: str
    goal: WorkItem | None
    items: dict[str, list[Finding]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(found) for found in self.items.values())

    @property
    def worst(self) -> int:
        return max((worst_rank(found) for found in self.items.values()), default=-2)


def group_by_goal(report: Report) -> list[Group]:
    """Goals in backlog order; each holds its own findings and those of the work serving it."""
    graph = report.graph
    groups: dict[str, Group] = {}
    by_item = report.findings_by_item()
    for item_key, found in by_item.items():
        item = graph.get(item_key) if graph else None
        carried = report.carried.get(item_key) if item is None else None
        if carried is not None:
            key = carried.goal or NO_GOAL
            group = groups.get(key)
            if group is None:
                goal = graph.get(key) if graph and carried.goal else None
                title = (goal.title if goal else carried.goal_title) or "Work that serves no goal"
                group = groups[key] = Group(key, title, goal)
            group.items[item_key] = found
            continue
        if item is not None and graph is not None and graph.levels.is_goal(item.level):
            anchor: WorkItem | None = item
        elif graph is not None:
            anchor = graph.goal(item_key)
        else:
            anchor = None
        key = anchor.key if anchor is not None else NO_GOAL
        group = groups.get(key)
        if group is None:
            title = anchor.title if anchor is not None else "Work that serves no goal"
            group = groups[key] = Group(key, title, anchor)
        group.items[item_key] = found
    for group in groups.values():
        entries = sorted(
            ((key, order_findings(found)) for key, found in group.items.items()),
            key=lambda entry: (-worst_rank(entry[1]), natural_key(entry[0])),
        )
        group.items = dict(entries)
    return sorted(groups.values(), key=lambda g: (-g.worst, natural_key(g.key)))


@dataclass(frozen=True, slots=True)
class ItemActions:
    """Every action on one item, summarised in one row (``comment, label, block``)."""

    item: str
    kinds: tuple[str, ...]
    status: str
    detail: str


def actions_by_item(actions: Sequence[Action]) -> list[ItemActions]:
    """One row per item, items in natural key order; the status says ``applied`` when all
    share one status, else counts (``2 applied, 1 failed``)."""
    by_item: dict[str, list[Action]] = {}
    for action in actions:
        by_item.setdefault(action.item, []).append(action)
    rows = []
    for key in sorted(by_item, key=natural_key):
        done = by_item[key]
        statuses: dict[str, int] = {}
        for action in done:
            statuses[action.status] = statuses.get(action.status, 0) + 1
        if len(statuses) == 1:
            status = next(iter(statuses))
        else:
            status = ", ".join(f"{count} {name}" for name, count in statuses.items())
        detail = "; ".join(f"{a.detail} (failed: {a.error})" if a.error else a.detail for a in done)
        rows.append(ItemActions(key, tuple(a.kind for a in done), status, detail))
    return rows
