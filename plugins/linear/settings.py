"""``[linear]`` configuration section (kept import-light: the core settings import it).

Secrets (``api_key``, ``webhook_secret``) are ``SecretStr`` and come from the environment
(``TRACKERGUARD_LINEAR__API_KEY``); they are masked in ``trackerguard config``.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from trackerguard.adapter import NameList, TrackerSettings


class LinearSettings(TrackerSettings):
    """Connection and behaviour of the Linear adapter."""

    api_url: str = "https://api.linear.app/graphql"
    teams: NameList = Field(default_factory=list)
    """Team keys (``ENG``) whose issues and projects are scanned; empty = every team."""
    api_key: SecretStr | None = None
    """A personal API key, sent as ``Authorization: <key>`` (no ``Bearer``)."""
    webhook_secret: SecretStr | None = None
    insecure_no_signature: bool = False
    replay_window_seconds: float = Field(default=60.0, gt=0)
    """A delivery whose signed ``webhookTimestamp`` is further than this from now is refused
    (401) as a possible replay; Linear's own SDK uses 60 s."""

    web_url: str | None = None
    """Base of links in reports (``https://linear.app/<workspace>``); read from the API when
    unset."""
    bot_user_id: str | None = None
    """trackerguard's own Linear user id; defaults to the API key's user (``viewer``)."""

    # What to read.
    initiatives: bool = True
    """Scan the workspace's initiatives too (they are workspace-wide, not per team)."""
    closed_days: int = Field(default=30, ge=0)
    """Issues and projects closed within this many days are read too (they count as children)."""
    page_size: int = Field(default=100, ge=1, le=250)
    comment_window: int = Field(default=20, ge=1, le=100)
    """The latest comments read with each issue/project to find trackerguard's comment."""

    # How to act.
    blocked_state: str = "Blocked"
    """Team workflow state that blocks an issue; teams without it get ``block_label``."""
    block_label: str = "trackerguard:blocked"
    label_color: str = "#d93f0b"

    # Politeness.
    request_budget: int = Field(default=2000, ge=0)
    """Most requests one run may make (0 = unlimited); past it the scan is partial."""
    max_retries: int = Field(default=5, ge=0)
    backoff: float = Field(default=1.0, ge=0)
    """First retry delay for 5xx/network errors (doubles each time)."""
    rate_limit_wait: float = Field(default=60.0, ge=0)
    """Wait after a rate limit that names no reset time."""
    max_wait: float = Field(default=900.0, ge=0)
    """Longest single rate-limit pause; a longer one makes the run partial instead."""
    timeout: float = Field(default=30.0, gt=0)
