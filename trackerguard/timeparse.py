"""Lenient ISO 8601 parsing of tracker timestamps and dates, shared by the adapters.

Tracker payloads carry times as ISO 8601 strings (``2026-01-31T03:52:51Z``) and dates as
``YYYY-MM-DD`` (sometimes with a time after it). A value that is missing or unreadable must
not fail a whole scan, so these return ``None`` for it, and the rules treat the field as
absent. ``datetime.fromisoformat`` is used rather than ``strptime``: it is far faster, and
since Python 3.11 it reads every form the trackers send, given ``Z`` spelled as ``+00:00``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

__all__ = ["parse_day", "parse_timestamp"]


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` or an offset; naive stays naive), or ``None``."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_day(value: Any) -> date | None:
    """The date in the first ten characters (``YYYY-MM-DD``, time ignored), or ``None``."""
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
