"""``[gitlab]`` configuration section (kept import-light: the core settings import it).

Every knob that changes how hard trackerguard leans on the GitLab API lives here. Secrets
are ``SecretStr``: they come from the environment (``TRACKERGUARD_GITLAB__TOKEN``) and are
masked in ``trackerguard config``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from trackerguard.adapter import NameList, TrackerSettings


class GitLabSettings(TrackerSettings):
    """Connection and behaviour of the GitLab adapter."""

    url: str = "https://gitlab.com"
    """Instance base URL (the REST API is ``<url>/api/v4``, GraphQL ``<url>/api/graphql``)."""
    projects: NameList = Field(default_factory=list)
    """Scanned projects: paths (``group/project``) or numeric ids."""
    groups: NameList = Field(default_factory=list)
    """Scanned groups (every issue of the group and its subgroups): paths or ids."""
    token: SecretStr | None = None
    """A personal, project or group access token with the ``api`` scope (``PRIVATE-TOKEN``)."""
    webhook_secret: SecretStr | None = None
    insecure_no_signature: bool = False

    bot_username: str | None = None
    """trackerguard's own account; defaults to the token's user (``GET /user``)."""

    # What to read.
    closed_days: int = Field(default=30, ge=0)
    """Issues closed within this many days are read too (they still count as children)."""
    default_level: str | None = None
    """Level of issues no type, level label or ``level::`` label places: unset = the bottom
    level (``work``), a level name, or ``""`` to ignore such issues."""
    epic_source: Literal["epics", "labels"] = "epics"
    """``epics``: an issue's parent epic (group epic work items, Premium) is a goal, read in
    batch from the group's epics. ``labels``: no epic look-ups at all; goals are issues whose
    labels (``level::epic``, ``[[levels]] labels``) place them at a goal level."""
    hierarchy: bool = True
    """Read parents (a task's parent issue, an issue's parent epic) from the work item
    hierarchy over GraphQL: one request per page of issues. Off (or on servers without work
    items) the REST ``epic`` field is the only parent."""
    work_item_status: bool = True
    """Read the work item *Status* widget (GitLab 18.x, Premium) in the page's GraphQL
    request; an issue without a status there, or a server without the widget, falls back to
    ``status_scopes`` labels."""
    cancelled_labels: NameList = Field(
        default_factory=lambda: ["cancelled", "canceled", "wontfix", "won't do", "duplicate"]
    )
    """A closed issue carrying one of these labels is cancelled, not done."""
    status_scopes: NameList = Field(default_factory=lambda: ["workflow", "status"])
    """Scoped labels that carry a status name (``workflow::In Progress``)."""
    page_size: int = Field(default=100, ge=1, le=100)

    # How to act.
    blocked_label: str = "trackerguard::blocked"
    """Added to block an item, removed to unblock it (a scoped label: exclusive in its scope)."""

    # Politeness.
    request_budget: int = Field(default=5000, ge=0)
    """Most requests one run may make (0 = unlimited); past it the scan is partial."""
    max_retries: int = Field(default=5, ge=0)
    backoff: float = Field(default=1.0, ge=0)
    """First retry delay for 5xx/network errors and header-less 429s (doubles each time)."""
    max_wait: float = Field(default=900.0, ge=0)
    """Longest single rate-limit pause; a longer one makes the run partial instead."""
    timeout: float = Field(default=30.0, gt=0)
