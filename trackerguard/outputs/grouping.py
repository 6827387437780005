"""Group findings by the goal they concern, the way a manager reads a backlog."""

from __future__ import annotations

from dataclasses import dataclass, field

from trackerguard.model import WorkItem
from trackerguard.report import Report
from trackerguard.rule import Finding

NO_GOAL = "(serves no goal)"


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
    ordered = sorted(groups.values(), key=lambda g: (g.key == NO_GOAL, -g.count, g.key))
    return ordered
