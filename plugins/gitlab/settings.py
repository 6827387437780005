"""``[gitlab]`` configuration section (kept import-light: the core settings import it)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from trackerguard.adapter import TrackerSettings


class GitLabSettings(TrackerSettings):
    """Connection and behaviour of the GitLab adapter."""

    url: str = "https://gitlab.com"
    projects: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    token: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    insecure_no_signature: bool = False
