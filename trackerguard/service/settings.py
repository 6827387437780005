"""``[service]`` configuration section (``trackerguard serve``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class ServiceSettings(BaseModel):
    """Settings of ``trackerguard serve``: queue, workers, limits, sweep.

    Per-tracker webhook secrets do not live here: they are ``webhook_secret`` in each
    tracker's section (``TRACKERGUARD_GITHUB__WEBHOOK_SECRET``...), see ``docs/service.md``.
    """

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    trackers: list[str] = Field(default_factory=list)
    """Trackers accepting deliveries at ``/webhooks/NAME`` (default: the configured tracker)."""
    queue_path: Path = Path(".trackerguard/queue.db")
    queue_url: str | None = None
    """``postgresql://USER@HOST:PORT/DATABASE``: a queue shared by any number of replicas
    (``docs/service.md``, deployment); unset: the SQLite file ``queue_path``."""
    queue_password: SecretStr | None = None
    """The Postgres password (env ``TRACKERGUARD_SERVICE__QUEUE_PASSWORD`` or ``…_FILE``)."""
    synchronous: Literal["FULL", "NORMAL"] = "FULL"
    """SQLite ``synchronous`` in WAL mode. FULL: an acknowledged delivery survives power loss.
    NORMAL survives a crash of the process (kill -9) but may lose the last commits on power loss."""
    workers: int = Field(default=2, ge=1, le=64)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_attempts: int = Field(default=6, ge=1)
    backoff_seconds: float = Field(default=5.0, ge=0)
    """First retry delay; doubles per attempt (with jitter), capped by ``backoff_max_seconds``."""
    backoff_max_seconds: float = Field(default=900.0, ge=0)
    lease_seconds: float = Field(default=120.0, gt=0)
    """How long a worker owns a claimed job; renewed while it runs, re-claimed after a crash."""
    reconcile_minutes: float = Field(default=15.0, ge=0)
    coalesce_seconds: float = Field(default=2.0, ge=0)
    """A new job waits this long, absorbing further deliveries for the same item."""
    echo_window_seconds: float = Field(default=10.0, ge=0)
    """After applying actions to an item, unattributed deliveries for it are dropped this long."""
    shutdown_timeout: float = Field(default=20.0, ge=0)
    identity_refresh_minutes: float = Field(default=60.0, gt=0)
    """How often each tracker is asked again who trackerguard writes as (``bot_identity``);
    the lookups run in background threads, never while a delivery waits (failures retried
    sooner, from 5 s doubling)."""
    identity_wait_seconds: float = Field(default=1.0, ge=0)
    """At start, how long serving waits for the first identity lookups (all trackers
    together); a tracker that has not answered by then is looked up in the background."""
    parse_timeout_seconds: float = Field(default=5.0, gt=0)
    """Longest wait for an adapter's ``parse_webhook`` (503, retried by the sender, beyond)."""
    poll_seconds: float = Field(default=0.2, gt=0)
    """How often idle workers look for due jobs (they are also woken on every enqueue)."""
