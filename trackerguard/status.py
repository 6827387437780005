"""Status categories from tracker status names, when the tracker has none of its own.

Trackers with a native category (Jira's status category, GitHub's ``state_reason``) pass it
as a hint; the configured names still win for *cancelled*, because Jira files "Won't Do"
under its done category and a cancelled goal must not count as delivered.
"""

from __future__ import annotations

from dataclasses import replace

from pydantic import BaseModel, ConfigDict, Field

from trackerguard.model import StatusCategory, WorkItem


class StatusConfig(BaseModel):
    """``[status]``: status names per category (case-insensitive)."""

    model_config = ConfigDict(extra="forbid")

    done: list[str] = Field(
        default_factory=lambda: ["Done", "Closed", "Resolved", "Fixed", "Released"]
    )
    cancelled: list[str] = Field(
        default_factory=lambda: [
            "Cancelled",
            "Canceled",
            "Rejected",
            "Won't Do",
            "Won't Fix",
            "Duplicate",
            "Obsolete",
            "Not planned",
        ]
    )
    in_progress: list[str] = Field(
        default_factory=lambda: ["In Progress", "In Review", "Doing", "Active"]
    )


def _fold(name: str) -> str:
    return name.strip().casefold().replace("\u2019", "'")


class StatusMap:
    """Maps a status name (plus an optional tracker hint) to a :class:`StatusCategory`."""

    __slots__ = ("_names",)

    def __init__(self, config: StatusConfig | None = None) -> None:
        config = config or StatusConfig()
        self._names: dict[str, StatusCategory] = {}
        for names, category in (
            (config.in_progress, StatusCategory.IN_PROGRESS),
            (config.done, StatusCategory.DONE),
            (config.cancelled, StatusCategory.CANCELLED),
        ):
            for name in names:
                self._names[_fold(name)] = category

    def categorize(self, status: str, hint: StatusCategory | None = None) -> StatusCategory:
        by_name = self._names.get(_fold(status)) if status else None
        if by_name is StatusCategory.CANCELLED:
            return by_name
        if hint is not None:
            return hint
        return by_name or StatusCategory.TODO


def as_people_left_it(item: WorkItem, statuses: StatusMap) -> WorkItem:
    """The item judged with the status a person gave it, not trackerguard's own block.

    While trackerguard holds an item in its blocked status, the item's *category* is that of
    the status it had before the block (the status name stays, adapters need it to lift the
    block). Without this, blocking an in-progress goal would make it "not started" on the
    next run and change its verdicts: the bot's own write would move a verdict. An item a
    person closed meanwhile is judged as closed.
    """
    bot = item.bot
    if bot is None or not bot.blocked or not bot.status_before_block or item.is_closed:
        return item
    category = statuses.categorize(bot.status_before_block)
    if category is item.status_category or category.is_closed:
        return item
    return replace(item, status_category=category)
