"""The shared delivery queue for several replicas: PostgreSQL, on procrastinate's job engine.

Same contract as :class:`~trackerguard.service.queue.SQLiteQueue` (the worker pool, the
sweeper, the queue CLI and ``/readyz`` use either), but every job mechanism is the engine's,
called through its own SQL functions and job manager (``docs/decisions/0017``):

* **durable before the 202**: a batch of deliveries, their ids and their jobs are written
  by one statement before the answer (``tg_accept_v1``, our function around the engine's
  ``procrastinate_defer_jobs_v1``: one round trip per batch, deadlock-free across replicas);
* **coalescing**: each job carries the item as *queueing lock*, so at most one job per item
  waits; a burst of deliveries for an item is one job (``AlreadyEnqueued`` = coalesced);
* **per-item serialisation**: the item is also the job's *lock*; the engine never hands out
  a job whose lock a running job holds, whichever replica asks;
* **retries with backoff**: ``procrastinate_retry_job_v2`` with ``retry_at``; dead letters
  after ``max_attempts`` go to our ``tg_dead`` table *with the error text* (the engine keeps
  none) and the engine's job is finished as failed;
* **stalled jobs**: every replica registers as an engine worker and heartbeats; jobs of a
  worker whose heartbeat stopped (kill -9, lost host) are found with the engine's
  ``select_stalled_jobs_by_heartbeat`` and retried;
* **once per cluster**: the reconciliation sweep takes its turn with the engine's periodic
  job deferral (one row per tick, whoever defers first sweeps).

Delivery de-duplication (``tg_deliveries``) and the echo window of the bot's own writes
(``tg_echoes``) are tables of the shared database, so they hold across replicas.

When the engine's retry would collide with a newer waiting job for the same item (its
queueing lock), the failed job is finished instead: the waiting job judges the item anyway.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from trackerguard.service.queue import Incoming, Job, Outcome, QueueError, WriteProbe

log = logging.getLogger("trackerguard.service")

QUEUE_NAME = "trackerguard"
TASK_NAME = "trackerguard.judge"
SWEEP_TASK = "trackerguard.sweep"
_SEP = "\x1f"
"""Separates tracker and item key in lock names (never part of either)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tg_deliveries (
    tracker TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    received DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (tracker, delivery_id)
);
CREATE INDEX IF NOT EXISTS tg_deliveries_received ON tg_deliveries (received);
CREATE TABLE IF NOT EXISTS tg_echoes (
    tracker TEXT NOT NULL,
    item_key TEXT NOT NULL,
    until DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (tracker, item_key)
);
CREATE TABLE IF NOT EXISTS tg_dead (
    id BIGINT PRIMARY KEY,
    tracker TEXT NOT NULL,
    item_key TEXT NOT NULL,
    origin TEXT NOT NULL,
    first_received DOUBLE PRECISION NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    died DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS tg_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- The accept path in one round trip: a batch of deliveries (JSON array of {tracker, id,
-- keys, attributed}) is de-duplicated, echo-checked and deferred with the engine's own
-- procrastinate_defer_jobs_v1, one outcome per delivery (duplicate, queued, echo).
-- Jobs are deferred in lock-name order: two replicas' batches naming the same items never
-- wait on each other's uncommitted job in opposite orders (a deadlock, then a 503).
CREATE OR REPLACE FUNCTION tg_accept_v1(
    batch jsonb, now_epoch double precision, delay double precision,
    queue_name text, task_name text, sep text
) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    delivery jsonb;
    item text;
    queued integer;
    job_trackers text[] := ARRAY[]::text[];
    job_items text[] := ARRAY[]::text[];
    outcomes text[] := ARRAY[]::text[];
    job record;
BEGIN
    FOR delivery IN SELECT value FROM jsonb_array_elements(batch) LOOP
        INSERT INTO tg_deliveries (tracker, delivery_id, received)
            VALUES (delivery->>'tracker', delivery->>'id', now_epoch)
            ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
            outcomes := outcomes || 'duplicate'::text;
            CONTINUE;
        END IF;
        queued := 0;
        FOR item IN SELECT jsonb_array_elements_text(delivery->'keys') LOOP
            CONTINUE WHEN NOT (delivery->>'attributed')::boolean AND EXISTS (
                SELECT 1 FROM tg_echoes e WHERE e.tracker = delivery->>'tracker'
                AND e.item_key = item AND e.until >= now_epoch);
            queued := queued + 1;
            job_trackers := job_trackers || (delivery->>'tracker');
            job_items := job_items || item;
        END LOOP;
        outcomes := outcomes || CASE WHEN queued > 0 OR jsonb_array_length(delivery->'keys') = 0
            THEN 'queued' ELSE 'echo' END;
    END LOOP;
    FOR job IN
        SELECT DISTINCT w.t || sep || w.k AS lock_name, w.t, w.k
        FROM unnest(job_trackers, job_items) AS w(t, k) ORDER BY 1
    LOOP
        -- coalesced: a job for the item already waits (the engine's queueing lock)
        CONTINUE WHEN EXISTS (SELECT 1 FROM procrastinate_jobs j
            WHERE j.queueing_lock = job.lock_name AND j.status = 'todo');
        BEGIN
            PERFORM procrastinate_defer_jobs_v1(ARRAY[ROW(
                queue_name, task_name, 0, job.lock_name, job.lock_name,
                jsonb_build_object('tracker', job.t, 'key', job.k, 'origin', 'delivery',
                                   'first', now_epoch),
                to_timestamp(now_epoch + delay))::procrastinate_job_to_defer_v1]);
        EXCEPTION WHEN unique_violation THEN
            NULL;  -- another replica's job for the item was committed first: coalesced
        END;
    END LOOP;
    RETURN outcomes;
END;
$$;
"""
_OWN_TABLES = ("tg_deliveries", "tg_echoes", "tg_dead", "tg_meta")
_OWN_FUNCTIONS = ("tg_accept_v1(jsonb,double precision,double precision,text,text,text)",)
DEDUPE_SECONDS = 7 * 24 * 3600.0
_OUTCOMES: dict[str, Outcome] = {"queued": "queued", "duplicate": "duplicate", "echo": "echo"}


def redact(url: str) -> str:
    """The URL as it may be shown: any password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def _lock(tracker: str, key: str) -> str:
    return f"{tracker}{_SEP}{key}"


class PostgresQueue(WriteProbe):
    """Thread-safe: one connection pool shared by acceptors, workers and the sweeper."""

    def __init__(
        self,
        url: str,
        *,
        password: str | None = None,
        coalesce_seconds: float = 2.0,
        echo_window_seconds: float = 10.0,
        pool_size: int = 10,
        check_schema: bool = True,
    ) -> None:
        import procrastinate
        import psycopg

        self.url = url
        self.shown_url = redact(url)
        self.coalesce_seconds = coalesce_seconds
        self.echo_window_seconds = echo_window_seconds
        kwargs: dict[str, Any] = {"password": password} if password else {}
        # Autocommit: a single statement is its own transaction (no BEGIN/COMMIT round
        # trips); several statements that belong together use conn.transaction().
        # A short wait for a pooled connection: a delivery must get its 503 long before the
        # sender's own timeout (GitHub and GitLab give up after about 10 s).
        self._connector = procrastinate.SyncPsycopgConnector(
            conninfo=url,
            kwargs={**kwargs, "autocommit": True},
            min_size=min(2, pool_size),
            max_size=pool_size,
            timeout=3,
        )
        self._psycopg = psycopg
        # The engine wraps a database error met in its own calls (a defer) in this one.
        self._engine_error = procrastinate.exceptions.ConnectorException
        try:
            psycopg.connect(url, connect_timeout=5, **kwargs).close()  # fail fast, clearly
            self._connector.open()
        except Exception as exc:
            raise QueueError(
                f"cannot connect to the queue database {self.shown_url}: {exc}"
            ) from None
        self._app = procrastinate.App(connector=self._connector)
        self._manager = self._app.job_manager
        self._workers: dict[str, int] = {}
        self._lock = threading.Lock()
        self._next_recovery = 0.0  # time.monotonic() of this replica's next stalled-job check
        self._closed = False
        if check_schema:
            missing = self.missing_schema()
            if missing:
                self.close()
                raise QueueError(
                    f"the queue database {self.shown_url} lacks {', '.join(missing)}: "
                    "run 'trackerguard queue migrate'"
                )

    # -- schema --------------------------------------------------------------------------------
    def missing_schema(self) -> list[str]:
        rows = self._all(
            "SELECT t, to_regclass(t) IS NOT NULL FROM unnest(%s::text[]) AS t "
            "UNION ALL SELECT f, to_regprocedure(f) IS NOT NULL FROM unnest(%s::text[]) AS f",
            (["procrastinate_jobs", *_OWN_TABLES], list(_OWN_FUNCTIONS)),
        )
        return [str(row[0]).split("(")[0] for row in rows if not row[1]]

    def migrate(self) -> list[str]:
        """Apply the engine's schema (when absent) and ours; return what was created."""
        from procrastinate import schema

        done: list[str] = []
        if "procrastinate_jobs" in self.missing_schema():
            schema.SchemaManager(self._connector).apply_schema()
            done.append("procrastinate schema")
        own = {name.split("(")[0] for name in (*_OWN_TABLES, *_OWN_FUNCTIONS)}
        missing = [t for t in self.missing_schema() if t in own]
        with self._db() as conn:
            conn.execute(_SCHEMA)
        done.extend(missing)
        return done

    # -- plumbing ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _db(self, *, transaction: bool = False) -> Iterator[Any]:
        """A pooled connection (autocommit: each statement commits by itself; the block is
        one transaction when asked); any database error, a pool timeout included, becomes
        a :class:`QueueError` (the app answers 503, a worker logs it and goes on)."""
        try:
            with self._connector.pool.connection() as conn:
                if transaction:
                    with conn.transaction():
                        yield conn
                else:
                    yield conn
        except (self._psycopg.Error, self._engine_error) as exc:
            cause = exc.__cause__ if isinstance(exc, self._engine_error) else None
            raise QueueError(f"queue database: {cause or exc}") from None

    def _all(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
        with self._db() as conn:
            return list(conn.execute(sql, args).fetchall())

    def _exec(self, sql: str, args: Sequence[Any] = ()) -> int:
        with self._db() as conn:
            return int(conn.execute(sql, args).rowcount)

    def _job(self, tracker: str, key: str, origin: str, at: float, first: float) -> Any:
        from procrastinate import jobs

        return jobs.Job(
            id=None,
            queue=QUEUE_NAME,
            lock=_lock(tracker, key),
            queueing_lock=_lock(tracker, key),
            task_name=TASK_NAME,
            task_kwargs={"tracker": tracker, "key": key, "origin": origin, "first": first},
            scheduled_at=dt.datetime.fromtimestamp(at, dt.UTC),
        )

    def _defer(self, conn: Any, job: Any) -> bool:
        """Defer ``job`` inside ``conn``'s transaction; False when coalesced (a job for the
        item already waits: the engine's queueing lock)."""
        from procrastinate import exceptions

        try:
            with conn.transaction():  # a savepoint: a coalesced job leaves the rest intact
                self._manager.batch_defer_jobs([job], connection=conn)
        except exceptions.AlreadyEnqueued:
            return False
        return True

    _META_TABLE = "tg_meta"
    _PARAM = "%s"

    @contextlib.contextmanager
    def _rolled_back(self) -> Iterator[Any]:
        with (
            self._connector.pool.connection(timeout=2) as conn,
            conn.transaction(force_rollback=True),
        ):
            yield conn

    def _probe_failed(self, exc: Exception) -> str:
        return f"queue database {self.shown_url}: {type(exc).__name__}: {str(exc)[:200]}"

    def start_checkpointer(self, interval: float = 0.5) -> None:
        """SQLite needs one; Postgres checkpoints itself."""

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = list(self._workers.values())
            self._workers.clear()
        for worker_id in workers:
            with contextlib.suppress(QueueError):
                self._all("SELECT procrastinate_unregister_worker_v1(%s)", (worker_id,))
        self._connector.close()

    # -- accepting -----------------------------------------------------------------------------
    def enqueue_many(self, batch: Sequence[Incoming], now: float | None = None) -> list[Outcome]:
        """Store deliveries and their jobs in one transaction; return what became of each."""
        now = time.time() if now is None else now
        if not batch:
            return []
        payload = self._psycopg.types.json.Jsonb(
            [
                {
                    "tracker": i.tracker,
                    "id": i.delivery_id,
                    "keys": i.keys,
                    "attributed": i.attributed,
                }
                for i in batch
            ]
        )
        # One statement (autocommit: atomic by itself), so one round trip per batch.
        with self._db() as conn:
            row = conn.execute(
                "SELECT tg_accept_v1(%s, %s, %s, %s, %s, %s)",
                (payload, now, self.coalesce_seconds, QUEUE_NAME, TASK_NAME, _SEP),
            ).fetchone()
        outcomes: list[Outcome] = [_OUTCOMES[str(o)] for o in row[0]]
        return outcomes

    def enqueue_keys(
        self, tracker: str, keys: Iterable[str], *, origin: str, delay: float = 0.0
    ) -> int:
        now = time.time()
        count = 0
        with self._db(transaction=True) as conn:
            for key in sorted(set(keys)):  # in lock order, as tg_accept_v1 (no deadlock)
                self._defer(conn, self._job(tracker, key, origin, now + delay, now))
                count += 1
        return count

    # -- workers -------------------------------------------------------------------------------
    def _worker_id(self, owner: str) -> int:
        with self._lock:
            known = self._workers.get(owner)
        if known is not None:
            return known
        rows = self._all("SELECT worker_id FROM procrastinate_register_worker_v1()")
        worker_id = int(rows[0][0])
        with self._lock:
            self._workers[owner] = worker_id
        return worker_id

    def claim(self, owner: str, lease_seconds: float, now: float | None = None) -> Job | None:
        """The engine's next due job whose item no running job holds (any replica).

        One round trip: jobs of dead replicas are recovered by :meth:`renew`, not here,
        so idle workers polling cost the database only this query."""
        worker_id = self._worker_id(owner)
        rows = self._all(
            "SELECT id, args, attempts FROM procrastinate_fetch_job_v2(%s::varchar[], %s)",
            ([QUEUE_NAME], worker_id),
        )
        if not rows or rows[0][0] is None:
            return None
        job_id, args, attempts = rows[0]
        return Job(
            int(job_id),
            str(args["tracker"]),
            str(args["key"]),
            str(args.get("origin", "delivery")),
            int(attempts) + 1,
            1,
            float(args.get("first", time.time())),
        )

    def renew(self, owner: str, job_ids: Iterable[int], lease_seconds: float) -> None:
        """A heartbeat of this replica's engine worker (the engine's stalled-job detector);
        at most once per ``lease_seconds`` (and at the first call) this replica also gives
        the jobs of workers whose heartbeat stopped back to the queue."""
        worker_id = self._worker_id(owner)
        [(_, known)] = self._all(
            "SELECT procrastinate_update_heartbeat_v1(%s), "
            "EXISTS (SELECT 1 FROM procrastinate_workers WHERE id = %s)",
            (worker_id, worker_id),
        )
        if not known:  # pruned as stalled (a long pause, the database out of reach):
            with self._lock:  # register again, or every claim would fail from now on
                self._workers.pop(owner, None)
            log.warning("queue: this replica's engine worker was pruned as stalled; re-registering")
            self._worker_id(owner)
        now = time.monotonic()
        with self._lock:
            due = now >= self._next_recovery
            if due:
                self._next_recovery = now + lease_seconds
        if due:
            recovered = self.recover_stalled(lease_seconds)
            if recovered:
                log.warning(
                    "queue: %d job(s) of stalled workers (no heartbeat for %.0fs) requeued",
                    recovered, lease_seconds,
                )  # fmt: skip

    def recover_stalled(self, seconds: float) -> int:
        """Give the jobs of workers without a heartbeat for ``seconds`` back to the queue."""
        from procrastinate import sql

        rows = self._all(
            sql.queries["select_stalled_jobs_by_heartbeat"],
            {"queue": QUEUE_NAME, "task_name": TASK_NAME, "seconds_since_heartbeat": seconds},
        )
        for row in rows:
            self._retry_or_drop(int(row[0]), time.time())
        self._all("SELECT * FROM procrastinate_prune_stalled_workers_v1(%s)", (max(seconds, 1.0),))
        return len(rows)

    def _retry_or_drop(self, job_id: int, at: float) -> None:
        """The engine's retry; when a newer job for the item already waits (its queueing
        lock), finish this one instead: the waiting job judges the item anyway."""
        when = dt.datetime.fromtimestamp(at, dt.UTC)
        with self._db() as conn:
            try:
                with conn.transaction():
                    conn.execute(
                        "SELECT procrastinate_retry_job_v2(%s, %s, NULL, NULL, NULL)",
                        (job_id, when),
                    )
            except self._psycopg.errors.UniqueViolation:
                conn.execute("SELECT procrastinate_finish_job_v1(%s, 'succeeded', true)", (job_id,))

    def complete(self, job: Job, owner: str, *, wrote: bool) -> None:
        now = time.time()
        with self._db(transaction=True) as conn:
            conn.execute("SELECT procrastinate_finish_job_v1(%s, 'succeeded', true)", (job.id,))
            if wrote and self.echo_window_seconds > 0:
                conn.execute(
                    "INSERT INTO tg_echoes (tracker, item_key, until) VALUES (%s, %s, %s) "
                    "ON CONFLICT (tracker, item_key) DO UPDATE SET until = excluded.until",
                    (job.tracker, job.item_key, now + self.echo_window_seconds),
                )

    def fail(
        self, job: Job, owner: str, error: str, *, delay: float, max_attempts: int
    ) -> Literal["retry", "dead"]:
        now = time.time()
        if job.attempts >= max_attempts:
            with self._db(transaction=True) as conn:
                conn.execute(
                    "INSERT INTO tg_dead (id, tracker, item_key, origin, first_received, "
                    "attempts, last_error, died) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (id) DO UPDATE SET last_error = excluded.last_error",
                    (
                        job.id,
                        job.tracker,
                        job.item_key,
                        job.origin,
                        job.first_received,
                        job.attempts,
                        error,
                        now,
                    ),
                )
                conn.execute("SELECT procrastinate_finish_job_v1(%s, 'failed', true)", (job.id,))
            return "dead"
        self._retry_or_drop(job.id, now + delay)
        return "retry"

    def release(self, job: Job, owner: str) -> None:
        self._retry_or_drop(job.id, time.time())

    # -- the sweep, once per cluster -----------------------------------------------------------
    def take_sweep_turn(self, tracker: str, tick: int) -> bool:
        """True for exactly one replica per (tracker, tick): the engine's periodic deferral."""
        rows = self._all(
            "SELECT procrastinate_defer_periodic_job_v2(%s, NULL, NULL, %s, 0, %s, %s, %s::jsonb)",
            (QUEUE_NAME + ".sweep", SWEEP_TASK, tracker, tick, "{}"),
        )
        job_id = rows[0][0] if rows else None
        if job_id is None:
            return False
        self._all("SELECT procrastinate_cancel_job_v1(%s, false, true)", (int(job_id),))
        return True

    # -- operations ----------------------------------------------------------------------------
    def depth(self) -> dict[str, int]:
        counts = {"pending": 0, "running": 0, "dead": 0}
        names = {"todo": "pending", "doing": "running"}
        for status, count in self._all(
            "SELECT status::text, count(*) FROM procrastinate_jobs WHERE queue_name = %s "
            "AND status IN ('todo', 'doing') GROUP BY status",
            (QUEUE_NAME,),
        ):
            counts[names[str(status)]] = int(count)
        counts["dead"] = int(self._all("SELECT count(*) FROM tg_dead")[0][0])
        return counts

    def oldest_age(self, now: float | None = None) -> float:
        """Seconds since the oldest job not yet done (waiting, running or backing off
        between retries) was accepted; 0 when none. A job absorbs the deliveries that
        coalesce into it, so its age runs from the first of them."""
        now = time.time() if now is None else now
        rows = self._all(
            "SELECT min((args->>'first')::double precision) FROM procrastinate_jobs "
            "WHERE queue_name = %s AND status IN ('todo', 'doing')",
            (QUEUE_NAME,),
        )
        first = rows[0][0] if rows else None
        return 0.0 if first is None else max(0.0, now - float(first))

    def list_jobs(self) -> list[dict[str, Any]]:
        names = {"todo": "pending", "doing": "running"}
        out = []
        for job_id, status, args, scheduled, attempts in self._all(
            "SELECT id, status::text, args, scheduled_at, attempts FROM procrastinate_jobs "
            "WHERE queue_name = %s AND status IN ('todo', 'doing') ORDER BY scheduled_at, id",
            (QUEUE_NAME,),
        ):
            out.append(
                {
                    "id": int(job_id),
                    "tracker": args.get("tracker"),
                    "item": args.get("key"),
                    "state": names[str(status)],
                    "origin": args.get("origin"),
                    "deliveries": 1,
                    "first_received": args.get("first"),
                    "not_before": scheduled.timestamp() if scheduled else None,
                    "attempts": int(attempts),
                    "last_error": None,
                }
            )
        return out

    def list_dead(self) -> list[dict[str, Any]]:
        keys = (
            "id", "tracker", "item", "origin", "deliveries", "first_received", "attempts",
            "last_error", "died",
        )  # fmt: skip
        rows = self._all(
            "SELECT id, tracker, item_key, origin, 1, first_received, attempts, last_error, "
            "died FROM tg_dead ORDER BY died, id"
        )
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def retry_dead(self, job_id: int | None = None) -> int:
        """Queue a fresh job for one dead letter (or all), due now; attempts start over."""
        now = time.time()
        with self._db(transaction=True) as conn:
            if job_id is None:
                rows = conn.execute("SELECT id, tracker, item_key FROM tg_dead").fetchall()
            else:
                rows = conn.execute(
                    "SELECT id, tracker, item_key FROM tg_dead WHERE id = %s", (job_id,)
                ).fetchall()
            for dead_id, tracker, key in rows:
                self._defer(conn, self._job(tracker, key, "retry", now, now))
                conn.execute("DELETE FROM tg_dead WHERE id = %s", (dead_id,))
        return len(rows)

    def purge_dead(self) -> int:
        return self._exec("DELETE FROM tg_dead")

    def prune(
        self,
        now: float | None = None,
        *,
        dedupe_seconds: float = DEDUPE_SECONDS,
        dead_seconds: float | None = None,
    ) -> dict[str, int]:
        now = time.time() if now is None else now
        removed = {
            "deliveries": self._exec(
                "DELETE FROM tg_deliveries WHERE received < %s", (now - dedupe_seconds,)
            ),
            "echoes": self._exec("DELETE FROM tg_echoes WHERE until < %s", (now,)),
        }
        if dead_seconds is not None:
            removed["dead"] = self._exec(
                "DELETE FROM tg_dead WHERE died < %s", (now - dead_seconds,)
            )
        return removed

    def get_meta(self, key: str) -> str | None:
        rows = self._all("SELECT value FROM tg_meta WHERE key = %s", (key,))
        return None if not rows else str(rows[0][0])

    def set_meta(self, key: str, value: str) -> None:
        self._exec(
            "INSERT INTO tg_meta (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
