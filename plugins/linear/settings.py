"""``[linear]`` configuration section (kept import-light: the core settings import it)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from trackerguard.adapter import TrackerSettings


class LinearSettings(TrackerSettings):
    """Connection and behaviour of the Linear adapter."""

    api_url: str = "https://api.linear.app/graphql"
    teams: list[str] = Field(default_factory=list)
    api_key: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    insecure_no_signature: bool = False
