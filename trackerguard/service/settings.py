"""``[service]`` configuration section (``trackerguard serve``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from trackerguard.adapter import NameList


class ServiceSettings(BaseModel):
    """Settings of ``trackerguard serve``: queue, workers, limits, sweep.

    Per-tracker webhook secrets do not live here: they are ``webhook_secret`` in each
    tracker's section (``TRACKERGUARD_GITHUB__WEBHOOK_SECRET``...), see ``docs/service.md``.
    """

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    trackers: NameList = Field(default_factory=list)
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
    # -- bounded resources (trackerguard/service/http.py) --------------------------------------
    max_header_bytes: int = Field(default=65_536, ge=1024)
    """Largest request head (request line and headers); beyond, ``431`` and the connection
    closed (uvicorn's ``h11_max_incomplete_event_size`` under h11, counted by trackerguard
    under httptools, which has no limit of its own)."""
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    """Longest time for a request head to arrive, from the connection's first byte (or its
    opening); beyond, the connection is closed (a slow-loris sender holds nothing for long)."""
    body_timeout_seconds: float = Field(default=10.0, gt=0)
    """Longest time for a body to arrive once its head has; beyond, ``408`` and close."""
    keepalive_seconds: int = Field(default=5, ge=1)
    """An idle keep-alive connection is closed after this long (uvicorn's
    ``timeout_keep_alive``)."""
    limit_concurrency: int = Field(default=256, ge=1)
    """Open connections (or requests in progress) beyond which a request is answered ``503``
    at once (uvicorn's ``limit_concurrency``); keep it below ``ulimit -n``."""
    backlog: int = Field(default=1024, ge=1)
    """Connections the kernel queues before they are accepted (``listen()`` backlog)."""
    min_free_disk_mb: float = Field(default=64.0, ge=0)
    """``/readyz`` answers ``503`` when the queue's or the state file's file system has less
    free space than this."""
    # -- retention: what the background pruning removes ---------------------------------------
    dedupe_hours: float = Field(default=168.0, gt=0)
    """How long a delivery id is remembered (a redelivery within it answers ``200
    duplicate``)."""
    dead_retention_days: float = Field(default=30.0, ge=0)
    """Dead letters older than this are deleted (``0``: kept until purged)."""
    prune_minutes: float = Field(default=5.0, gt=0)
    """How often the background task prunes delivery ids, expired echo windows and old
    dead letters."""
