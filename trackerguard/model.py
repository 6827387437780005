"""The tracker-neutral data model every part of trackerguard speaks.

Adapters translate their tracker's issues into :class:`WorkItem` values; the graph, the
rules, the planner and the reports never see a tracker-specific shape. Items are frozen
(``slots`` dataclasses) because one scan shares them between the graph, every rule and
the report, and a rule that mutated an item would silently change another rule's verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal


class StatusCategory(StrEnum):
    """Where an item is in its life, independent of each tracker's status names."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def is_closed(self) -> bool:
        """Done and cancelled items are not judged (they still count as children/goals)."""
        return self in (StatusCategory.DONE, StatusCategory.CANCELLED)


class Severity(StrEnum):
    """How much a finding matters; ordered ``info < warn < block``."""

    INFO = "info"
    WARN = "warn"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARN: 1, Severity.BLOCK: 2}
_CLOSED = frozenset({StatusCategory.DONE, StatusCategory.CANCELLED})

Confidence = Literal["high", "low"]
LinkDirection = Literal["outward", "inward"]


@dataclass(frozen=True, slots=True)
class ItemRef:
    """Identity of an item: which tracker, which key (``ACME-12``, ``octo/repo#7``, ``#42``)."""

    tracker: str
    key: str

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True, slots=True)
class Link:
    """A typed link as seen *from* the item that holds it.

    ``type`` is the link's verb phrase in its direction (``implements`` outward,
    ``is implemented by`` inward) or its name; the graph compares both ``type`` and ``name``
    case-insensitively against the configured goal link types.
    """

    type: str
    direction: LinkDirection
    target: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class BotComment:
    """The one trackerguard comment on an item, as found again through the marker."""

    id: str
    body: str
    fingerprint: str = ""


@dataclass(frozen=True, slots=True)
class BotState:
    """What trackerguard left on an item last time (read back by the adapter).

    The planner compares the desired state with this to decide what to write; an adapter
    that cannot read some part leaves it at the default, which errs towards writing.
    """

    comment: BotComment | None = None
    blocked: bool = False
    status_before_block: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    duplicates: tuple[str, ...] = ()
    """Ids of older comments of the bot's own beside ``comment`` (the newest): deleted."""
    foreign_markers: int = 0
    """Comments by someone else that carry trackerguard's marker: ignored, reported once."""


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One tracker item, normalised.

    ``description`` is the canonical Markdown-like text produced by
    :mod:`trackerguard.text.normalize` (headings as ``#`` lines, checklists, HTML comments
    kept). ``level`` is the strategy level name (``initiative``/``epic``/``work`` by default)
    or ``None`` when the item belongs to no level and is ignored. ``children`` is filled by
    the graph, not by adapters.
    """

    tracker: str
    key: str
    title: str
    type: str = ""
    url: str = ""
    level: str | None = None
    status: str = ""
    status_category: StatusCategory = StatusCategory.TODO
    description: str = ""
    parent: str | None = None
    links: tuple[Link, ...] = ()
    children: tuple[str, ...] = ()
    assignee: str | None = None
    due: date | None = None
    milestone: str | None = None
    milestone_due: date | None = None
    labels: frozenset[str] = frozenset()
    fields: Mapping[str, Any] = field(default_factory=dict)
    created: datetime | None = None
    updated: datetime | None = None
    last_activity: datetime | None = None
    bot: BotState | None = None
    raw: Any = field(default=None, compare=False, repr=False)

    @property
    def ref(self) -> ItemRef:
        return ItemRef(self.tracker, self.key)

    @property
    def is_closed(self) -> bool:
        return self.status_category in _CLOSED

    @property
    def horizon(self) -> date | None:
        """The date by which the item should be finished: its own due date, else its milestone's."""
        return self.due or self.milestone_due

    @property
    def has_horizon(self) -> bool:
        return self.due is not None or bool(self.milestone)

    @property
    def activity(self) -> datetime | None:
        """Last human activity: adapters set ``last_activity`` when they can exclude bot writes."""
        return self.last_activity or self.updated
