"""``[github]`` configuration section (kept import-light: the core settings import it).

Every knob that changes how hard trackerguard leans on the GitHub API lives here, so an
operator can slow it down (or a test speed it up) without touching code. Secrets are
``SecretStr``: they come from the environment (``TRACKERGUARD_GITHUB__TOKEN``) or a secret
file and are masked in ``trackerguard config``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from trackerguard.adapter import NameList, TrackerSettings


class GitHubProjectSettings(BaseModel):
    """``[github.project]``: the Project (v2) whose fields give status and horizon."""

    model_config = ConfigDict(extra="forbid")

    owner: str = Field(min_length=1)
    """The user or organisation that owns the project (its login)."""
    number: int = Field(ge=1)
    """The project's number (``https://github.com/orgs/OWNER/projects/NUMBER``)."""
    status_field: str = "Status"
    """Single-select field whose option names are mapped through ``[status]``."""
    horizon_fields: NameList = Field(
        default_factory=lambda: ["Target date", "End date", "Iteration"]
    )
    """Date or iteration fields giving the horizon, first set one wins (an iteration's
    horizon is its last day)."""


class GitHubSettings(TrackerSettings):
    """Connection and behaviour of the GitHub adapter."""

    repos: NameList = Field(default_factory=list)
    """``owner/name`` of every scanned repository (a single string is accepted too)."""
    token: SecretStr | None = None
    """A classic/fine-grained PAT, an installation token or ``GITHUB_TOKEN``."""
    api_url: str = "https://api.github.com"
    """REST base; on GitHub Enterprise Server ``https://HOST/api/v3``."""
    graphql_url: str | None = None
    """Defaults to ``<api_url>/graphql`` (``https://HOST/api/graphql`` on GHES)."""
    web_url: str | None = None
    """Base of issue links in reports; derived from ``api_url`` when unset."""
    webhook_secret: SecretStr | None = None
    insecure_no_signature: bool = False

    # GitHub App authentication (instead of ``token``); needs ``pyjwt[crypto]``.
    app_id: int | None = None
    app_private_key: SecretStr | None = None
    """The App's PEM private key (env ``TRACKERGUARD_GITHUB__APP_PRIVATE_KEY_FILE``)."""
    installation_id: int | None = None
    """Looked up from the first repository when unset."""

    bot_login: str | None = None
    """trackerguard's own account; defaults to the token's user (``GET /user``)."""

    # What to read.
    closed_days: int = Field(default=30, ge=0)
    """Issues closed within this many days are read too (they still count as children)."""
    default_level: str | None = None
    """Level of issues with neither an issue type nor a level label: unset = the bottom level
    (``work``), a level name, or ``""`` to ignore such issues."""
    issue_types: bool = True
    """Read GitHub issue types (turned off automatically when the server lacks them)."""
    page_size: int = Field(default=100, ge=1, le=100)
    comment_window: int = Field(default=20, ge=1, le=100)
    """Comments read with each issue to find trackerguard's comment; more are paged by REST."""

    project: GitHubProjectSettings | None = None
    """Read status and horizon from this Project (v2); issues not in it keep the default
    mapping (state, sub-issues, closing pull requests; milestone due date)."""

    # How to act.
    block_label: str = "trackerguard: blocked"
    status_context: str = "trackerguard"
    label_color: str = "d93f0b"

    # Politeness.
    request_budget: int = Field(default=5000, ge=0)
    """Most requests one run may make (0 = unlimited); past it the scan is partial."""
    write_interval: float = Field(default=1.0, ge=0)
    """Seconds between two mutating requests (GitHub asks for at least 1 s)."""
    writes_per_minute: int = Field(default=80, ge=1)
    """Content-creation ceiling (GitHub's secondary limit is 80/min)."""
    max_retries: int = Field(default=5, ge=0)
    backoff: float = Field(default=1.0, ge=0)
    """First retry delay for 5xx/network errors (doubles each time)."""
    secondary_wait: float = Field(default=60.0, ge=0)
    """Wait after a secondary rate limit without ``retry-after`` (GitHub: at least a minute)."""
    max_wait: float = Field(default=900.0, ge=0)
    """Longest single rate-limit pause; a longer one makes the run partial instead."""
    timeout: float = Field(default=30.0, gt=0)

    @field_validator("repos")
    @classmethod
    def _owner_name(cls, value: list[str]) -> list[str]:
        for repo in value:
            owner, _, name = repo.partition("/")
            if not owner or not name or "/" in name:
                raise ValueError(f"expected 'owner/name', got {repo!r}")
        return value
