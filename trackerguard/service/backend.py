"""Which queue the service uses: SQLite (one process, nothing to install) or PostgreSQL
(any number of replicas), chosen by ``[service] queue_url``.

:class:`QueueStore` is the contract both keep; the worker pool, the sweeper, ``/readyz``,
``/metrics`` and the ``trackerguard queue`` commands see only it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol

from trackerguard.errors import ConfigError
from trackerguard.service.queue import Incoming, Job, Outcome, QueueError, SQLiteQueue

if TYPE_CHECKING:
    from trackerguard.service.settings import ServiceSettings


class QueueStore(Protocol):
    """The durable queue of deliveries and jobs (see ``SQLiteQueue`` for the semantics)."""

    def enqueue_many(
        self, batch: Sequence[Incoming], now: float | None = None
    ) -> list[Outcome]: ...
    def enqueue_keys(
        self, tracker: str, keys: Iterable[str], *, origin: str, delay: float = 0.0
    ) -> int: ...
    def claim(self, owner: str, lease_seconds: float, now: float | None = None) -> Job | None: ...
    def renew(self, owner: str, job_ids: Iterable[int], lease_seconds: float) -> None: ...
    def complete(self, job: Job, owner: str, *, wrote: bool) -> None: ...
    def fail(
        self, job: Job, owner: str, error: str, *, delay: float, max_attempts: int
    ) -> Literal["retry", "dead"]: ...
    def release(self, job: Job, owner: str) -> None: ...
    def depth(self) -> dict[str, int]: ...
    def oldest_age(self, now: float | None = None) -> float: ...
    def list_jobs(self) -> list[dict[str, Any]]: ...
    def list_dead(self) -> list[dict[str, Any]]: ...
    def retry_dead(self, job_id: int | None = None) -> int: ...
    def purge_dead(self) -> int: ...
    def prune(
        self,
        now: float | None = None,
        *,
        dedupe_seconds: float = ...,
        dead_seconds: float | None = None,
    ) -> dict[str, int]: ...
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def write_probe(self) -> str | None:
        """None when a write (insert, read back, rolled back) succeeds; else the reason."""
        ...

    def writable(self) -> bool: ...
    def start_checkpointer(self, interval: float = 0.5) -> None: ...
    def close(self) -> None: ...


def open_queue(
    cfg: ServiceSettings, *, background_checkpoint: bool = False, check_schema: bool = True
) -> QueueStore:
    """The configured queue; a queue file that cannot be opened or created, or an
    unreachable or unmigrated database, is a config error (exit 2) that names the file, or
    the URL without its password."""
    if not cfg.queue_url:
        try:
            return SQLiteQueue(
                cfg.queue_path,
                synchronous=cfg.synchronous,
                coalesce_seconds=cfg.coalesce_seconds,
                echo_window_seconds=cfg.echo_window_seconds,
                background_checkpoint=background_checkpoint,
            )
        except QueueError as exc:
            raise ConfigError(f"service.queue_path: {exc}") from None
    if not cfg.queue_url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            "service.queue_url: expected a postgresql://USER@HOST:PORT/DATABASE URL "
            "(the password from TRACKERGUARD_SERVICE__QUEUE_PASSWORD or ..._FILE)"
        )
    try:
        import procrastinate  # noqa: F401
    except ImportError:
        raise ConfigError(
            "service.queue_url: the Postgres queue needs the 'postgres' extra "
            "(pip install 'trackerguard[postgres]')"
        ) from None
    from trackerguard.service.pg_queue import PostgresQueue

    password = cfg.queue_password.get_secret_value() if cfg.queue_password else None
    try:
        return PostgresQueue(
            cfg.queue_url,
            password=password,
            coalesce_seconds=cfg.coalesce_seconds,
            echo_window_seconds=cfg.echo_window_seconds,
            check_schema=check_schema,
            # workers, the group committer, lease renewal, sweeper, /metrics and /readyz
            pool_size=cfg.workers + 4,
        )
    except QueueError as exc:
        raise ConfigError(f"service.queue_url: {exc}") from None
