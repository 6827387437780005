"""Strategy levels: which tracker types (or labels) are initiatives, epics, work.

Configuration lists levels top first; an item's level is the first level whose ``types``
(case-insensitive) contain its type, or whose ``labels`` intersect its labels. Index 0 is the
top: lower index = higher in the strategy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field


class LevelConfig(BaseModel):
    """One ``[[levels]]`` entry."""

    model_config = ConfigDict(extra="forbid")

    name: str
    types: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)


DEFAULT_LEVELS: list[LevelConfig] = [
    LevelConfig(name="initiative", types=["Initiative", "Objective", "Goal"]),
    LevelConfig(name="epic", types=["Epic", "Feature"]),
    LevelConfig(
        name="work",
        types=[
            "Story",
            "User Story",
            "Task",
            "Bug",
            "Defect",
            "Sub-task",
            "Subtask",
            "Sub-Task",
            "Spike",
            "Chore",
            "Improvement",
            "Enhancement",
        ],
    ),
]


class LevelMap:
    """Fast type/label → level lookups, built once per run."""

    __slots__ = ("_by_label", "_by_type", "default", "index", "names")

    def __init__(self, levels: Sequence[LevelConfig], default: str | None = None) -> None:
        self.names: tuple[str, ...] = tuple(level.name for level in levels)
        self.index: dict[str, int] = {name: i for i, name in enumerate(self.names)}
        self._by_type: dict[str, str] = {}
        self._by_label: dict[str, str] = {}
        for level in levels:
            for type_name in level.types:
                self._by_type.setdefault(type_name.casefold(), level.name)
            for label in level.labels:
                self._by_label.setdefault(label.casefold(), level.name)
        self.default = default if default in self.index else None

    @property
    def top(self) -> str:
        return self.names[0]

    @property
    def bottom(self) -> str:
        return self.names[-1]

    def classify(self, type_name: str, labels: Iterable[str] = ()) -> str | None:
        """The level of an item with this type and labels, or the default (may be None)."""
        level = self._by_type.get(type_name.casefold()) if type_name else None
        if level is not None:
            return level
        if self._by_label:
            best: str | None = None
            for label in labels:
                found = self._by_label.get(label.casefold())
                if found is not None and (best is None or self.index[found] < self.index[best]):
                    best = found
            if best is not None:
                return best
        return self.default

    def resolve_default(self, wanted: str | None, key: str) -> str | None:
        """An adapter's ``default_level`` setting: unset → the bottom level (plain issues are
        work), ``""`` → none (unclassified items are ignored), else a configured level name.

        :param key: the config key, named in the error (``github.default_level``).
        """
        if wanted is None:
            return self.bottom
        if wanted == "":
            return None
        if wanted not in self.index:
            from trackerguard.errors import ConfigError

            raise ConfigError(
                f"{key}: '{wanted}' is not a configured level ({', '.join(self.names)})"
            )
        return wanted

    def rank(self, level: str | None) -> int:
        """Index of a level (0 = top); unknown levels rank below everything."""
        if level is None:
            return len(self.names)
        return self.index.get(level, len(self.names))

    def is_goal(self, level: str | None) -> bool:
        """Every level above the bottom is a goal level."""
        return level is not None and self.rank(level) < len(self.names) - 1

    def is_work(self, level: str | None) -> bool:
        """Every level below the top should serve a goal."""
        return level is not None and 0 < self.rank(level) < len(self.names)
