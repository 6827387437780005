"""``[service]`` configuration section."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class ServiceSettings(BaseModel):
    """Settings of ``trackerguard serve``: queue, workers, limits, sweep."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    queue_path: Path = Path(".trackerguard/queue.db")
    queue_url: str | None = None
    workers: int = Field(default=2, ge=1, le=64)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_attempts: int = Field(default=6, ge=1)
    reconcile_minutes: float = Field(default=15.0, ge=0)
    coalesce_seconds: float = Field(default=2.0, ge=0)
    shutdown_timeout: float = Field(default=20.0, ge=0)
