"""trackerguard's own comment on an item: which one it is, and writing it exactly once.

Two promises of the comment contract live here, the same for every tracker:

* **Only the bot's own comment is ever edited or deleted.** The marker
  ``<!-- trackerguard -->`` says a comment *looks like* trackerguard's; only its author says
  it *is*. :func:`sort_comments` keeps the comments that carry the marker **and** were
  written by the bot's identity (which the adapter resolved before reading); a marker in
  anyone else's comment is counted as ``foreign`` (the runner reports it once) and never
  touched.
* **One comment per item, even after lost replies.** Creating a comment is not idempotent:
  when the request left and its answer was lost (a 5xx, a timeout, a dropped connection)
  the tracker may have applied it. :func:`create_once` then re-reads the item and looks for
  the comment (marker plus the findings' fingerprint) before it creates again; a comment
  that did appear means the write was applied. Should duplicates exist anyway (an older
  trackerguard, a tracker that applied a write twice), :func:`sort_comments` keeps the
  newest and names the others, which the planner deletes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from trackerguard.adapter import MARKER
from trackerguard.comment import parse_fingerprint
from trackerguard.errors import AmbiguousWrite
from trackerguard.model import BotComment

__all__ = ["FoundComments", "SeenComment", "create_once", "sort_comments"]

CREATE_ATTEMPTS = 3
"""How often a comment is created at most when each attempt's answer is lost and the
re-read does not show it (the third loss fails the action: the run is partial)."""


@dataclass(frozen=True, slots=True)
class SeenComment:
    """One comment as read from the tracker, reduced to what identifies it."""

    id: str
    body: str
    author: str | None
    order: Any
    """Sorts comments oldest to newest (creation time, or a growing numeric id)."""
    fingerprint: str | None = None
    """Set when the tracker keeps it outside the body (Redmine's footer, Jira's property)."""


@dataclass(frozen=True, slots=True)
class FoundComments:
    """The bot's comment (the newest of its own), its duplicates, and foreign markers."""

    comment: BotComment | None = None
    duplicates: tuple[str, ...] = ()
    """Ids of the bot's older comments: the planner deletes them (one comment per item)."""
    foreign: int = 0
    """Comments carrying the marker that someone else wrote: ignored, reported once."""


def sort_comments(
    comments: Iterable[SeenComment],
    is_bot: Callable[[str | None], bool],
    *,
    marked: Callable[[SeenComment], bool] | None = None,
) -> FoundComments:
    """Split an item's comments into the bot's comment, its duplicates and foreign markers.

    ``is_bot`` answers whether an author is the bot; ``marked`` whether a comment is a
    trackerguard comment (default: the body holds the marker).
    """
    looks_ours = marked or (lambda c: MARKER in c.body)
    mine: list[SeenComment] = []
    foreign = 0
    for comment in comments:
        if not looks_ours(comment):
            continue
        if is_bot(comment.author):
            mine.append(comment)
        else:
            foreign += 1
    if not mine:
        return FoundComments(foreign=foreign)
    mine.sort(key=lambda c: c.order)
    newest = mine[-1]
    fp = newest.fingerprint if newest.fingerprint is not None else parse_fingerprint(newest.body)
    return FoundComments(
        BotComment(newest.id, newest.body, fp),
        tuple(c.id for c in mine[:-1]),
        foreign,
    )


def create_once(
    create: Callable[[], object],
    applied: Callable[[], bool],
    *,
    attempts: int = CREATE_ATTEMPTS,
) -> bool:
    """Create a comment at most once; True when it was created, False when it was found.

    ``create`` sends the write; its client raises :class:`AmbiguousWrite` instead of
    resending when the answer was lost. ``applied`` re-reads the item and says whether the
    comment is there (the marker and the fingerprint of this write, by the bot). Only when
    it is not is the write sent again; after ``attempts`` lost answers the last
    :class:`AmbiguousWrite` propagates and the action is reported failed.
    """
    attempts = max(attempts, 1)
    for attempt in range(attempts):
        try:
            create()
            return True
        except AmbiguousWrite:
            if applied():
                return False
            if attempt + 1 >= attempts:
                raise
    return False  # pragma: no cover - attempts >= 1 returns or raises above
