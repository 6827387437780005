"""trackerguard's note on a Redmine issue: how it is written and found again.

Textile has no hidden text, and Redmine's Markdown renderers escape HTML comments, so the
Markdown markers of :mod:`trackerguard.comment` cannot be posted as they are. The note is the
comment with its HTML comments stripped, converted to the instance's text format, plus one
short visible last line::

    trackerguard · 3f2a9c0d1e2b4a5c

That line is the marker and carries the findings' fingerprint, so "same findings as last
time" is decided from Redmine alone, on any machine (CI runners start with an empty state
store). A note counts as ours only when it was written by the API user *and* ends with that
line: a person quoting the line in their own note is never edited.

Block state also comes from Redmine's own history: trackerguard blocked an issue when the
issue is in the blocked status and the journal that last changed its status is the API
user's; that journal's ``old_value`` is the status to restore.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trackerguard.adapter import MARKER
from trackerguard.comment import parse_fingerprint
from trackerguard.model import BotComment, BotState
from trackerguard.text.render import strip_html_comments, to_textile

FOOTER_PREFIX = "trackerguard · "
_FOOTER_RE = re.compile(r"(?:^|\n)trackerguard \u00b7 ([A-Za-z0-9_-]+)\s*$")


def render_note(markdown: str, fingerprint: str, text_formatting: str) -> str:
    """The note body for Redmine: visible text in the instance's format + the marker line."""
    visible = strip_html_comments(markdown)
    body = to_textile(visible) if text_formatting == "textile" else visible
    return f"{body.rstrip()}\n\n{FOOTER_PREFIX}{fingerprint}"


def note_fingerprint(notes: str) -> str | None:
    """The fingerprint of a trackerguard note, or None when the text is not one of ours."""
    text = notes.replace("\r\n", "\n").rstrip()
    match = _FOOTER_RE.search(text)
    if match:
        return match.group(1)
    if MARKER in text:  # a Markdown-style body (hidden markers) also counts
        return parse_fingerprint(text)
    return None


@dataclass(frozen=True, slots=True)
class JournalFacts:
    """What one issue's journals say about trackerguard's earlier writes."""

    bot: BotState
    last_activity: datetime | None
    """Newest journal that is not trackerguard's own (None: no human journal)."""


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def is_bot_journal(
    journal: Mapping[str, Any],
    *,
    bot_user_id: int,
    blocked_status_id: int | None,
    label_field_id: int | None,
) -> bool:
    """Whether a journal holds nothing but trackerguard's own writes.

    Written by the API user *and* made only of what trackerguard writes: its note (marker
    line), a move into or out of the blocked status, a change of the label field. Teams often
    run trackerguard with a person's own API key; that person's real edits (a new subject, a
    reply, a status move) are then journals of the API user too, and they are human activity.
    """
    if (journal.get("user") or {}).get("id") != bot_user_id:
        return False
    notes = str(journal.get("notes") or "")
    if notes and note_fingerprint(notes) is None:
        return False
    blocked = str(blocked_status_id) if blocked_status_id is not None else None
    for detail in journal.get("details") or []:
        prop, name = detail.get("property"), str(detail.get("name"))
        if (
            prop == "attr"
            and name == "status_id"
            and blocked is not None
            and blocked in (str(detail.get("new_value")), str(detail.get("old_value")))
        ):
            continue
        if prop == "cf" and label_field_id is not None and name == str(label_field_id):
            continue
        return False
    return True


def read_journals(
    journals: Iterable[Mapping[str, Any]],
    *,
    bot_user_id: int,
    current_status_id: int | None,
    blocked_status_id: int | None,
    status_names: Mapping[int, str],
    label_field_id: int | None = None,
) -> JournalFacts:
    """Derive the bot state (our note, whether we blocked) from an issue's journals.

    The last human activity is the newest journal that is not trackerguard's own
    (:func:`is_bot_journal`), so the bot's writes never count as movement.
    """
    mine: list[BotComment] = []
    foreign = 0
    last_status_change: Mapping[str, Any] | None = None
    last_status_by_bot = False
    last_human: datetime | None = None
    for journal in journals:  # Redmine lists journals oldest first
        by_bot = (journal.get("user") or {}).get("id") == bot_user_id
        notes = str(journal.get("notes") or "")
        fp = note_fingerprint(notes) if notes else None
        if fp is not None and by_bot:
            mine.append(BotComment(str(journal["id"]), notes, fp))
        elif fp is not None:
            foreign += 1  # a person's note quoting ours: never edited or deleted
        for detail in journal.get("details") or []:
            if detail.get("property") == "attr" and detail.get("name") == "status_id":
                last_status_change = detail
                last_status_by_bot = by_bot
        if not is_bot_journal(
            journal,
            bot_user_id=bot_user_id,
            blocked_status_id=blocked_status_id,
            label_field_id=label_field_id,
        ):
            created = _time(journal.get("created_on"))
            if created is not None and (last_human is None or created > last_human):
                last_human = created
    blocked = False
    before: str | None = None
    if (
        blocked_status_id is not None
        and current_status_id == blocked_status_id
        and last_status_change is not None
        and last_status_by_bot
        and str(last_status_change.get("new_value")) == str(blocked_status_id)
    ):
        blocked = True
        old = str(last_status_change.get("old_value") or "")
        before = status_names.get(int(old)) if old.isdigit() else None
    # Journals come oldest first: the newest note of the bot's own is its comment, any
    # other is a duplicate (a lost reply an older version sent twice) to delete.
    comment = mine[-1] if mine else None
    duplicates = tuple(c.id for c in mine[:-1])
    bot = BotState(comment, blocked, before, duplicates=duplicates, foreign_markers=foreign)
    return JournalFacts(bot, last_human)
