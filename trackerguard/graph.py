"""The two-way strategy graph: work → the goal it serves, goal → the work that executes it.

Edges that make an item *serve* another: its parent field, and links whose type is one of
the configured goal link types (outward from the work, e.g. "ACME-12 implements ACME-1";
the same link seen inward on the goal counts too, so one side in the scan is enough).
An item serves a goal when walking those edges reaches an item of a strictly higher level;
items of the same level pass the walk on (a sub-task serves whatever its story serves).

Resolution is memoised per item and cycle-safe, so a 100,000-item backlog resolves in one
linear pass; the reason a walk failed (no parent, dangling parent, cycle, a chain that ends
in work) is kept, because "why" is what the comment must tell the person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from trackerguard.levels import LevelMap
from trackerguard.model import StatusCategory, WorkItem


@dataclass(frozen=True, slots=True)
class GoalPath:
    """The outcome of resolving an item's goal."""

    goal: str | None
    via: tuple[str, ...] = ()
    """Keys walked from the item to the goal (excluding the item, including the goal)."""
    reason: str = ""
    """Why no goal was reached (empty when one was)."""
    dangling: tuple[str, ...] = ()
    cycle: bool = False


_IN_PROGRESS = GoalPath(goal=None, reason="cycle", cycle=True)


class StrategyGraph:
    """Items by key, serving edges, children index, memoised goal resolution."""

    __slots__ = (
        "_children",
        "_link_types",
        "_resolved",
        "_serves",
        "items",
        "levels",
        "scanned",
    )

    def __init__(
        self,
        items: Mapping[str, WorkItem],
        levels: LevelMap,
        goal_link_types: Iterable[str],
        scanned: Sequence[str] | None = None,
    ) -> None:
        self.items: dict[str, WorkItem] = dict(items)
        self.levels = levels
        self.scanned: tuple[str, ...] = tuple(scanned if scanned is not None else self.items)
        self._link_types = frozenset(t.casefold() for t in goal_link_types)
        self._serves: dict[str, list[str]] = {}
        self._children: dict[str, list[str]] = {}
        self._resolved: dict[str, GoalPath] = {}
        self._index()

    # -- construction --------------------------------------------------------------------------
    def is_goal_link(self, link_type: str, name: str = "") -> bool:
        return link_type.casefold() in self._link_types or (
            bool(name) and name.casefold() in self._link_types
        )

    def serving_targets(self, item: WorkItem) -> list[str]:
        """Keys this item serves directly: parent first, then outward goal links."""
        targets = [item.parent] if item.parent else []
        for link in item.links:
            if link.direction == "outward" and self.is_goal_link(link.type, link.name):
                targets.append(link.target)
        return targets

    def _index(self) -> None:
        serves = self._serves
        children = self._children
        for key, item in self.items.items():
            targets = self.serving_targets(item)
            if targets:
                serves[key] = targets
            for target in targets:
                children.setdefault(target, []).append(key)
        # Inward goal links held by the goal ("ACME-1 is implemented by ACME-12").
        for key, item in self.items.items():
            for link in item.links:
                if link.direction == "inward" and self.is_goal_link(link.type, link.name):
                    source = link.target
                    edges = serves.setdefault(source, [])
                    if key not in edges:
                        edges.append(key)
                        children.setdefault(key, []).append(source)

    @staticmethod
    def referenced(items: Iterable[WorkItem], goal_link_types: Iterable[str]) -> set[str]:
        """Keys that items point at (parents and goal links), to fetch when missing."""
        types = frozenset(t.casefold() for t in goal_link_types)
        out: set[str] = set()
        for item in items:
            if item.parent:
                out.add(item.parent)
            for link in item.links:
                if link.type.casefold() in types or (link.name and link.name.casefold() in types):
                    out.add(link.target)
        return out

    # -- queries ------------------------------------------------------------------------------
    def get(self, key: str) -> WorkItem | None:
        return self.items.get(key)

    def children(self, key: str) -> list[WorkItem]:
        """Items that serve ``key`` directly (by parent or goal link)."""
        return [self.items[k] for k in self._children.get(key, ()) if k in self.items]

    def below(self, key: str) -> list[str]:
        """Keys of every item below ``key`` (children, their children, ...), cycle-safe.

        Breadth-first, each key once, ``key`` itself never (even inside a cycle).
        """
        seen = {key}
        out: list[str] = []
        frontier = [key]
        children = self._children
        while frontier:
            following: list[str] = []
            for current in frontier:
                for child in children.get(current, ()):
                    if child not in seen and child in self.items:
                        seen.add(child)
                        out.append(child)
                        following.append(child)
            frontier = following
        return out

    def has_live_child(self, key: str) -> bool:
        """Whether some child of ``key`` is not cancelled: the goal has a plan (TG201)."""
        return any(
            child.status_category is not StatusCategory.CANCELLED for child in self.children(key)
        )

    def goal_of(self, key: str) -> GoalPath:
        """Resolve the nearest higher-level item that ``key`` serves."""
        found = self._resolved.get(key)
        if found is not None and found is not _IN_PROGRESS:
            return found
        return self._resolve(key)

    def goal(self, key: str) -> WorkItem | None:
        path = self.goal_of(key)
        return self.items.get(path.goal) if path.goal else None

    def _resolve(self, key: str) -> GoalPath:
        """Walk the serving edges depth-first with an explicit stack.

        Why not recursion: a chain of parents is data, and any tracker lets people build one
        thousands of items long; Python's recursion limit must not decide whether a backlog
        can be judged. The walk visits targets in the same order a recursive one would, so
        paths and reasons are the same.
        """
        first = self._enter(key)
        if isinstance(first, GoalPath):
            return first
        stack: list[_Frame] = [first]
        result: GoalPath | None = None
        while stack:
            frame = stack[-1]
            if result is not None:
                done = frame.take(result, self.items, self.levels)
                result = None
                if done is not None:
                    self._resolved[frame.key] = done
                    stack.pop()
                    result = done
                    continue
            target = frame.next_target(self.items)
            if target is None:
                done = frame.finish()
                self._resolved[frame.key] = done
                stack.pop()
                result = done
                continue
            entered = self._enter(target)
            if isinstance(entered, GoalPath):
                result = entered
            else:
                stack.append(entered)
        assert result is not None
        return result

    def _enter(self, key: str) -> GoalPath | _Frame:
        """Settle ``key`` without walking further if its direct edges decide it, else start
        a frame (marked in progress, so a cycle back to it is seen)."""
        resolved = self._resolved
        if resolved.get(key) is _IN_PROGRESS:
            return _IN_PROGRESS
        found_early = resolved.get(key)
        if found_early is not None:
            return found_early
        item = self.items.get(key)
        if item is None:
            return GoalPath(goal=None, reason=f"{key} does not exist", dangling=(key,))
        rank = self.levels.rank(item.level)
        targets = self._serves.get(key)
        if not targets:
            result = GoalPath(goal=None, reason="it has no parent and no goal link")
            resolved[key] = result
            return result
        items = self.items
        rank_of = self.levels.rank
        dangling: list[str] = []
        for target in targets:
            found = items.get(target)
            if found is None:
                dangling.append(target)
            elif rank_of(found.level) < rank:
                result = GoalPath(goal=target, via=(target,))
                resolved[key] = result
                return result
        resolved[key] = _IN_PROGRESS
        return _Frame(key, rank, targets, dangling)


_MAX_REASON = 400
"""Longest nested reason kept whole: a long chain that reaches no goal would otherwise
repeat every item's reason inside the next one (quadratic text for one comment)."""


class _Frame:
    """One item's walk in progress: which target is next and what the others said."""

    __slots__ = ("cycle", "dangling", "index", "key", "rank", "reasons", "targets")

    def __init__(self, key: str, rank: int, targets: list[str], dangling: list[str]) -> None:
        self.key = key
        self.rank = rank
        self.targets = targets
        self.index = 0
        self.dangling = dangling
        self.reasons: list[str] = []
        self.cycle = False

    def next_target(self, items: Mapping[str, WorkItem]) -> str | None:
        while self.index < len(self.targets):
            target = self.targets[self.index]
            self.index += 1
            if target in items:
                return target
        return None

    def take(
        self, sub: GoalPath, items: Mapping[str, WorkItem], levels: LevelMap
    ) -> GoalPath | None:
        """Fold the outcome of the target just walked in; a goal found ends this walk."""
        target = self.targets[self.index - 1]
        if sub.cycle and sub.goal is None:
            self.cycle = True
            return None
        if sub.goal is not None and levels.rank(items[sub.goal].level) < self.rank:
            return GoalPath(goal=sub.goal, via=(target, *sub.via))
        self.dangling.extend(sub.dangling)
        reason = sub.reason
        if len(reason) > _MAX_REASON:
            reason = reason[:_MAX_REASON].rsplit(" ", 1)[0] + " …"
        self.reasons.append(f"{target} serves no goal ({reason})" if reason else target)
        return None

    def finish(self) -> GoalPath:
        dangling, reasons, cycle = self.dangling, self.reasons, self.cycle
        if dangling and not reasons and not cycle:
            reason = (
                "its parent/goal link points to " + ", ".join(dangling) + ", which does not exist"
            )
        elif cycle and not reasons:
            reason = "its parent chain forms a cycle"
        else:
            reason = "; ".join(reasons) or "no higher-level item is reachable"
        return GoalPath(goal=None, reason=reason, dangling=tuple(dangling), cycle=cycle)
