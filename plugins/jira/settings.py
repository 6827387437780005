"""``[jira]`` configuration section (kept import-light: the core settings import it).

Every key can come from the environment (``TRACKERGUARD_JIRA__URL``,
``TRACKERGUARD_JIRA__TOKEN``, ...); secrets (``token``, ``webhook_secret``) only from there
or secret files, never from a config file. ``docs/jira.md`` documents each key.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from trackerguard.adapter import NameList, TrackerSettings


class JiraSettings(TrackerSettings):
    """Connection and behaviour of the Jira adapter (Cloud and Data Center)."""

    # -- connection -------------------------------------------------------------------------
    url: str | None = None
    """Site base URL, e.g. ``https://acme.atlassian.net`` or ``https://jira.acme.com``."""
    flavor: Literal["cloud", "datacenter"] | None = None
    """``cloud`` (REST v3, ADF) or ``datacenter`` (REST v2, wiki); detected when omitted."""
    email: str | None = None
    """Cloud: the bot account's e-mail (Basic auth with ``token``). Unset on Data Center."""
    token: SecretStr | None = None
    """Cloud API token, or Data Center personal access token (sent as Bearer)."""
    webhook_secret: SecretStr | None = None
    insecure_no_signature: bool = False
    bot_account_id: str | None = None
    """Cloud accountId / DC user name of the bot; read from ``/myself`` when omitted."""
    verify_tls: bool = True
    timeout: float = Field(default=30.0, gt=0)

    # -- reading ----------------------------------------------------------------------------
    levels_from: Literal["hierarchy", "config"] = "hierarchy"
    """``hierarchy``: level from the issue type's ``hierarchyLevel`` (Cloud), falling back to
    the ``[[levels]]`` types; ``config``: only the ``[[levels]]`` types and labels."""
    epic_link_field: str | None = None
    """DC: id or name of the Epic Link field (discovered from ``/field`` when omitted)."""
    parent_link_field: str | None = None
    target_end_field: str | None = None
    """Jira Plans' "Target end" field (id or name), a horizon where the due date is empty;
    found by its type on Data Center, read on Cloud when set (Cloud reads no field list)."""
    """DC: id or name of the Parent Link field (discovered from ``/field`` when omitted)."""
    flagged_field: str | None = None
    """Id or name of the Flagged field (discovered from ``/field`` when omitted)."""
    extra_fields: NameList = Field(default_factory=list)
    """Further field ids copied into ``WorkItem.fields`` (for custom rules)."""
    page_size: int = Field(default=100, ge=1, le=1000)
    search_window: int = Field(default=10_000, ge=100)
    """DC: deepest ``startAt + maxResults`` the search platform allows; past it the JQL is
    narrowed by creation time instead of paging deeper."""
    batch_size: int = Field(default=100, ge=1, le=100)

    # -- acting -----------------------------------------------------------------------------
    block: Literal["transition", "flag"] = "transition"
    """How to block: move to ``blocked_status`` through a workflow transition, or set Flagged."""
    blocked_status: str = "Blocked"
    notify: bool = True
    """``false`` sends ``notifyUsers=false`` with label/flag/comment edits so watchers get no
    e-mail for them (Jira requires the Administer Jira or project admin permission)."""
    property_key: str = "trackerguard"
    """Issue and comment entity property holding trackerguard's state."""

    # -- politeness -------------------------------------------------------------------------
    request_budget: int = Field(default=50_000, ge=1)
    """Most HTTP requests (retries included) one run may send."""
    concurrency: int = Field(default=10, ge=1, le=32)
    """Most requests in flight. Ten keeps a 10,000-issue scan about 13 round trips deep instead
    of 30 (decision 0016); Jira Cloud's API-token traffic is limited per second, and every 429
    with ``Retry-After`` is honoured, so a busy site slows the scan rather than failing it."""
    max_retries: int = Field(default=4, ge=0, le=20)
    backoff_base: float = Field(default=0.5, ge=0)
    max_backoff: float = Field(default=30.0, ge=0)
    max_retry_after: float = Field(default=120.0, ge=0)
    """A ``Retry-After`` longer than this ends the retries (the item is reported, not waited
    for)."""
