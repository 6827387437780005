"""Remembered journal facts, so a steady-state full scan does not re-read unchanged journals.

Redmine 5.0 lists journals only per issue, so every issue trackerguard has written on costs one
request per full scan. The facts derived from those journals (our note's id and fingerprint,
whether we blocked it, the status to restore, the last human activity) only change when the
issue changes, which moves its ``updated_on``. They are kept in the run's state store, keyed by
issue and valid only for the same ``updated_on``, bot user and blocked status.

Redmine itself stays the source of truth: a machine with no state (a fresh CI runner) simply
reads the journals. The one write that does not move ``updated_on``, editing our own note in
place, updates the cached fingerprint right away, or the next run would see the old one.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from trackerguard.plugins.redmine.notes import JournalFacts

from trackerguard.errors import ConfigError
from trackerguard.model import BotComment, BotState
from trackerguard.state import StateStore

log = logging.getLogger("trackerguard.redmine")
_VERSION = 2


class JournalCache:
    """A thin, failure-tolerant view on the state store (a broken cache only costs reads)."""

    def __init__(self, store: StateStore | None, base_url: str) -> None:
        self.store = store
        self.namespace = f"redmine-journals:{base_url}"

    def get(self, number: int, stamp: dict[str, Any]) -> JournalFacts | None:
        if self.store is None:
            return None
        try:
            record = self.store.recall(self.namespace, str(number))
        except (ConfigError, OSError, ValueError) as exc:
            log.warning("journal cache disabled: %s", exc)
            self.store = None
            return None
        if not isinstance(record, dict) or record.get("stamp") != {**stamp, "v": _VERSION}:
            return None
        return _decode(record)

    def put(self, number: int, stamp: dict[str, Any], facts: JournalFacts) -> None:
        if self.store is None:
            return
        try:
            self.store.remember(
                self.namespace, str(number), {"stamp": {**stamp, "v": _VERSION}, **_encode(facts)}
            )
        except (ConfigError, OSError, ValueError) as exc:
            log.warning("journal cache disabled: %s", exc)
            self.store = None

    def note_edited(
        self, number: int, comment: BotComment | None, *, deleted: str | None = None
    ) -> None:
        """Our note changed in place (``updated_on`` did not move): keep the cache truthful.

        ``deleted`` names a duplicate note just removed (the comment itself stays).
        """
        if self.store is None:
            return
        try:
            record = self.store.recall(self.namespace, str(number))
            if isinstance(record, dict):
                if deleted is not None:
                    record["duplicates"] = [
                        d for d in record.get("duplicates") or [] if d != deleted
                    ]
                else:
                    record["comment"] = _comment(comment)
                self.store.remember(self.namespace, str(number), record)
        except (ConfigError, OSError, ValueError) as exc:
            log.warning("journal cache disabled: %s", exc)
            self.store = None


def _comment(comment: BotComment | None) -> list[str] | None:
    return [comment.id, comment.body, comment.fingerprint] if comment else None


def _encode(facts: JournalFacts) -> dict[str, Any]:
    bot = facts.bot
    return {
        "comment": _comment(bot.comment),
        "duplicates": list(bot.duplicates),
        "foreign": bot.foreign_markers,
        "blocked": bot.blocked,
        "before": bot.status_before_block,
        "last": facts.last_activity.isoformat() if facts.last_activity else None,
    }


def _decode(record: dict[str, Any]) -> JournalFacts:
    raw = record.get("comment")
    comment = BotComment(str(raw[0]), str(raw[1]), str(raw[2])) if raw else None
    last = record.get("last")
    return JournalFacts(
        BotState(
            comment,
            bool(record.get("blocked")),
            record.get("before"),
            duplicates=tuple(str(d) for d in record.get("duplicates") or []),
            foreign_markers=int(record.get("foreign") or 0),
        ),
        datetime.fromisoformat(last) if isinstance(last, str) else None,
    )
