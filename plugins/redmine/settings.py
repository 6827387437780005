"""``[redmine]`` configuration section (kept import-light: the core settings import it)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from trackerguard.adapter import NameList, TrackerSettings

TextFormatting = Literal["textile", "markdown", "common_mark"]


class RedmineSettings(TrackerSettings):
    """Connection and behaviour of the Redmine adapter (see ``docs/redmine.md``)."""

    url: str | None = None
    """Base URL of the Redmine instance, e.g. ``https://redmine.example.org``."""
    api_key: SecretStr | None = None
    """API key of the bot account (sent as ``X-Redmine-API-Key``; env only)."""
    projects: NameList = Field(default_factory=list)
    """Project identifiers (or ids) to scan; empty scans every issue the key can see."""
    text_formatting: TextFormatting = "textile"
    """The instance's text formatting (Administration > Settings > General)."""
    blocked_status: str = "Blocked"
    """Status that ``block`` moves an issue to; the bot's role needs a workflow transition."""
    label_field: str | None = None
    """Name or id of a list/text issue custom field used as labels; unset skips labels."""
    include_closed: bool = True
    """Scan closed issues too (their old trackerguard notes are resolved)."""
    page_size: int = Field(default=100, ge=1, le=100)
    """Issues per list request; Redmine caps it at 100."""
    timeout: float = Field(default=30.0, gt=0)
    """Seconds per HTTP request."""
    retries: int = Field(default=2, ge=0, le=10)
    """Retries for connection errors and 502/503/504, with exponential backoff."""
    max_wait: float = Field(default=900.0, ge=0)
    """Longest ``Retry-After`` wait (seconds) honoured on a 429 or 503 from Redmine or a proxy
    in front of it; a longer one stops reading or writing (the run is partial)."""
