"""The durable delivery queue: SQLite in WAL mode.

Tables:

* ``deliveries`` — every accepted delivery id (per tracker), the dedupe key: a replay of the
  same id answers 200 and does nothing. Pruned after :data:`DEDUPE_SECONDS`.
* ``jobs`` — work to do, **one per tracker item**: a partial unique index allows at most one
  *pending* job per item, so a burst of deliveries for an issue is coalesced into one
  evaluation (``deliveries`` counts what it absorbed). A *running* job holds a lease
  (``lease_owner``/``lease_until``) taken in a single ``UPDATE ... RETURNING``; a job is
  claimable only while no live lease exists for the same item, so two workers never judge
  the same issue at once, and an expired lease (a crashed worker) is re-claimed.
* ``dead`` — jobs that failed ``max_attempts`` times (``trackerguard queue list --dead``).
* ``echoes`` — items the service just wrote to (see :meth:`SQLiteQueue.record_write`).
* ``meta`` — the reconciliation sweep's high-water mark.

Durability: ``synchronous=FULL`` by default, so a delivery acknowledged with 202 is on disk
even after a power loss; ``NORMAL`` (configurable) keeps it across a process crash (kill -9)
but may lose the last transactions on power loss. The cost of FULL is one fsync per commit;
:class:`GroupCommitter` amortises it by committing all concurrently arriving deliveries in
one transaction before any of them is acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue as stdqueue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

DEDUPE_SECONDS = 7 * 24 * 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    tracker TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    received REAL NOT NULL,
    PRIMARY KEY (tracker, delivery_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_received ON deliveries (received);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tracker TEXT NOT NULL,
    item_key TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'running')),
    origin TEXT NOT NULL DEFAULT 'delivery',
    deliveries INTEGER NOT NULL DEFAULT 1,
    first_received REAL NOT NULL,
    last_received REAL NOT NULL,
    not_before REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until REAL,
    last_error TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_one_pending ON jobs (tracker, item_key)
    WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, not_before);
CREATE INDEX IF NOT EXISTS jobs_item ON jobs (tracker, item_key, state);
CREATE TABLE IF NOT EXISTS dead (
    id INTEGER PRIMARY KEY,
    tracker TEXT NOT NULL,
    item_key TEXT NOT NULL,
    origin TEXT NOT NULL,
    deliveries INTEGER NOT NULL,
    first_received REAL NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    died REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS echoes (
    tracker TEXT NOT NULL,
    item_key TEXT NOT NULL,
    until REAL NOT NULL,
    PRIMARY KEY (tracker, item_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

Outcome = Literal["queued", "duplicate", "echo"]


@dataclass(frozen=True, slots=True)
class Incoming:
    """One verified, relevant delivery to store."""

    tracker: str
    delivery_id: str
    keys: tuple[str, ...]
    attributed: bool
    """True when the tracker named a (non-bot) actor: such deliveries are never echo-dropped."""


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    tracker: str
    item_key: str
    origin: str
    attempts: int
    deliveries: int
    first_received: float


class BatchStore(Protocol):
    """What the group committer needs of a queue (SQLite or Postgres)."""

    def enqueue_many(
        self, batch: Sequence[Incoming], now: float | None = None
    ) -> list[Outcome]: ...


class QueueError(RuntimeError):
    """The queue could not be written (disk full, locked too long...): answer 503."""


READY_KEY = "readyz"
"""The meta key the readiness probe writes (and rolls back)."""


class WriteProbe:
    """The readiness probe both queues share: ready only while a write into the queue can be
    made and read back, because a delivery is acknowledged only after one commits. The
    write is rolled back: the probe leaves nothing behind. A queue supplies the
    transaction (:meth:`_rolled_back`), its meta table, parameter style and wording."""

    _META_TABLE = "meta"
    _PARAM = "?"

    def _probe_blocker(self) -> str | None:
        """Why not to try at all (SQLite: its file replaced), or None."""
        return None

    def _rolled_back(self) -> contextlib.AbstractContextManager[Any]:
        """A connection in a write transaction that is rolled back at the end."""
        raise NotImplementedError

    def _probe_failed(self, exc: Exception) -> str:
        return f"queue write probe: {exc}"

    def write_probe(self) -> str | None:
        """None when the write succeeds and reads back; else why not."""
        blocker = self._probe_blocker()
        if blocker is not None:
            return blocker
        stamp = str(time.time())
        table, param = self._META_TABLE, self._PARAM
        try:
            with self._rolled_back() as conn:
                conn.execute(
                    f"INSERT INTO {table} (key, value) VALUES ('{READY_KEY}', {param}) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (stamp,),
                )
                row = conn.execute(
                    f"SELECT value FROM {table} WHERE key = '{READY_KEY}'"
                ).fetchone()
        except Exception as exc:  # a probe answers, it never raises
            return self._probe_failed(exc)
        if row is None or row[0] != stamp:
            return "queue write probe: the row written could not be read back"
        return None

    def writable(self) -> bool:
        return self.write_probe() is None


class SQLiteQueue(WriteProbe):
    """Thread-safe facade: one SQLite connection per thread."""

    def __init__(
        self,
        path: Path,
        *,
        synchronous: str = "FULL",
        coalesce_seconds: float = 2.0,
        echo_window_seconds: float = 10.0,
        background_checkpoint: bool = False,
    ) -> None:
        self.path = path
        self.background_checkpoint = background_checkpoint
        self._checkpointer: threading.Thread | None = None
        self._closing = threading.Event()
        self.synchronous = "NORMAL" if synchronous.upper() == "NORMAL" else "FULL"
        self.coalesce_seconds = coalesce_seconds
        self.echo_window_seconds = echo_window_seconds
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # Writers of this process queue on a Python lock rather than on SQLite's busy
        # handler, which sleeps in growing steps (1, 2, 5, 10... ms) and ruins ack latency.
        self._write_lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn.executescript(_SCHEMA)
            stat = os.stat(path)
        except (sqlite3.Error, OSError) as exc:
            self.close()
            raise QueueError(f"cannot open the queue {path}: {exc}") from None
        self._identity = (stat.st_dev, stat.st_ino)
        """The file opened: a deleted or replaced queue file is not ready (its unlinked inode
        would go on taking writes that nobody will ever read)."""

    # -- connections ---------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
            conn.execute("PRAGMA busy_timeout=30000")
            if self.background_checkpoint:
                conn.execute("PRAGMA wal_autocheckpoint=0")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def start_checkpointer(self, interval: float = 0.5) -> None:
        """Checkpoint the WAL from a thread of its own (``background_checkpoint``): an
        automatic checkpoint would otherwise run inside some delivery's COMMIT, adding its
        fsyncs to that delivery's acknowledgement latency."""
        if not self.background_checkpoint or self._checkpointer is not None:
            return
        self._closing.clear()

        def run() -> None:
            while not self._closing.wait(interval):
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

        self._checkpointer = threading.Thread(target=run, name="tg-checkpoint", daemon=True)
        self._checkpointer.start()

    def close(self) -> None:
        self._closing.set()
        if self._checkpointer is not None:
            self._checkpointer.join(5)
            self._checkpointer = None
        if self.background_checkpoint:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._all.clear()
        self._local = threading.local()

    def _probe_blocker(self) -> str | None:
        """A deleted or replaced queue file is not ready (its unlinked inode would go on
        taking writes that nobody will ever read)."""
        try:
            stat = os.stat(self.path)
        except OSError as exc:
            return f"queue file {self.path}: {exc.strerror or exc}"
        if (stat.st_dev, stat.st_ino) != self._identity:
            return f"queue file {self.path} was replaced or deleted since the service opened it"
        return None

    @contextlib.contextmanager
    def _rolled_back(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            finally:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")

    def _tx(self) -> _Transaction:
        try:
            conn = self.conn
        except sqlite3.Error as exc:  # the file cannot be opened (gone, no permission...)
            raise QueueError(f"queue: cannot open {self.path}: {exc}") from exc
        return _Transaction(conn, self._write_lock)

    # -- ingest --------------------------------------------------------------------------------
    def enqueue_many(self, batch: Sequence[Incoming], now: float | None = None) -> list[Outcome]:
        """Store deliveries in one transaction (one fsync); return what happened to each.

        A handful of set-based statements per batch, whatever its size (the batch travels
        as JSON through ``json_each``): Python's sqlite3 releases the GIL around every
        statement step, and while workers judge, each re-acquisition waits up to the
        interpreter's switch interval. Statement-per-delivery cost 3 of those waits per
        delivery, all of them on the acknowledgement path."""
        now = time.time() if now is None else now
        outcomes: list[Outcome] = ["duplicate"] * len(batch)
        first: dict[tuple[str, str], int] = {}  # a repeat inside the batch is a duplicate
        for index, incoming in enumerate(batch):
            first.setdefault((incoming.tracker, incoming.delivery_id), index)
        with self._tx() as conn:
            seen = {
                (str(tracker), str(delivery))
                for tracker, delivery in conn.execute(
                    "SELECT d.tracker, d.delivery_id FROM json_each(?) AS j JOIN deliveries AS d "
                    "ON d.tracker = json_extract(j.value, '$[0]') "
                    "AND d.delivery_id = json_extract(j.value, '$[1]')",
                    (json.dumps(list(first)),),
                )
            }
            new = [first[ident] for ident in first if ident not in seen]
            if not new:
                return outcomes
            conn.execute(
                "INSERT INTO deliveries (tracker, delivery_id, received) "
                "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), ? "
                "FROM json_each(?)",
                (now, json.dumps([[batch[i].tracker, batch[i].delivery_id] for i in new])),
            )
            unattributed = sorted(
                {
                    (batch[i].tracker, key)
                    for i in new
                    if not batch[i].attributed
                    for key in batch[i].keys
                }
            )
            echoing: set[tuple[str, str]] = set()
            if unattributed:
                echoing = {
                    (str(tracker), str(key))
                    for tracker, key in conn.execute(
                        "SELECT e.tracker, e.item_key FROM json_each(?) AS j JOIN echoes AS e "
                        "ON e.tracker = json_extract(j.value, '$[0]') "
                        "AND e.item_key = json_extract(j.value, '$[1]') WHERE e.until >= ?",
                        (json.dumps(unattributed), now),
                    )
                }
            jobs: list[tuple[str, str]] = []  # one row per delivery and key, in order
            for index in new:
                incoming = batch[index]
                queued = 0
                for key in incoming.keys:
                    if not incoming.attributed and (incoming.tracker, key) in echoing:
                        continue
                    jobs.append((incoming.tracker, key))
                    queued += 1
                outcomes[index] = "queued" if queued or not incoming.keys else "echo"
            if jobs:
                conn.execute(
                    "INSERT INTO jobs (tracker, item_key, state, origin, deliveries, "
                    "first_received, last_received, not_before) "
                    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
                    "'pending', 'delivery', 1, :now, :now, :due FROM json_each(:jobs) WHERE true "
                    "ON CONFLICT (tracker, item_key) WHERE state = 'pending' DO UPDATE SET "
                    "deliveries = deliveries + 1, last_received = excluded.last_received",
                    {"now": now, "due": now + self.coalesce_seconds, "jobs": json.dumps(jobs)},
                )
        return outcomes

    def enqueue_keys(
        self, tracker: str, keys: Iterable[str], *, origin: str, delay: float = 0.0
    ) -> int:
        """Queue jobs not caused by a delivery (reconciliation sweep, goals of changed items)."""
        now = time.time()
        count = 0
        with self._tx() as conn:
            for key in keys:
                self._upsert(conn, tracker, key, now, now + delay, origin=origin)
                count += 1
        return count

    @staticmethod
    def _upsert(
        conn: sqlite3.Connection,
        tracker: str,
        key: str,
        now: float,
        not_before: float,
        *,
        origin: str = "delivery",
    ) -> None:
        conn.execute(
            "INSERT INTO jobs (tracker, item_key, state, origin, deliveries, first_received, "
            "last_received, not_before) VALUES (?, ?, 'pending', ?, 1, ?, ?, ?) "
            "ON CONFLICT (tracker, item_key) WHERE state = 'pending' DO UPDATE SET "
            "deliveries = deliveries + 1, last_received = excluded.last_received",
            (tracker, key, origin, now, now, not_before),
        )

    # -- workers -------------------------------------------------------------------------------
    def claim(self, owner: str, lease_seconds: float, now: float | None = None) -> Job | None:
        """Take the next due job whose item nobody else holds, in one UPDATE."""
        now = time.time() if now is None else now
        due = self.conn.execute(  # a read (no write lock) first: idle polls cost nothing
            "SELECT 1 FROM jobs WHERE (state = 'pending' AND not_before <= ?) "
            "OR (state = 'running' AND lease_until < ?) LIMIT 1",
            (now, now),
        ).fetchone()
        if due is None:
            return None
        with self._tx() as conn:
            row = conn.execute(
                "UPDATE jobs SET state = 'running', lease_owner = :owner, "
                "lease_until = :until, attempts = attempts + 1 "
                "WHERE id = (SELECT j.id FROM jobs j WHERE "
                "((j.state = 'pending' AND j.not_before <= :now) "
                " OR (j.state = 'running' AND j.lease_until < :now)) "
                "AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.tracker = j.tracker "
                " AND r.item_key = j.item_key AND r.state = 'running' "
                " AND r.lease_until >= :now AND r.id <> j.id) "
                "ORDER BY j.not_before, j.id LIMIT 1) "
                "RETURNING id, tracker, item_key, origin, attempts, deliveries, first_received",
                {"owner": owner, "until": now + lease_seconds, "now": now},
            ).fetchone()
        if row is None:
            return None
        return Job(int(row[0]), row[1], row[2], row[3], int(row[4]), int(row[5]), float(row[6]))

    def renew(self, owner: str, job_ids: Iterable[int], lease_seconds: float) -> None:
        ids = list(job_ids)
        if not ids:
            return
        until = time.time() + lease_seconds
        with self._tx() as conn:
            conn.executemany(
                "UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_owner = ? "
                "AND state = 'running'",
                [(until, job_id, owner) for job_id in ids],
            )

    def complete(self, job: Job, owner: str, *, wrote: bool) -> None:
        """The job's effects are applied: forget it; remember the write for echo dropping."""
        now = time.time()
        with self._tx() as conn:
            conn.execute("DELETE FROM jobs WHERE id = ? AND lease_owner = ?", (job.id, owner))
            if wrote and self.echo_window_seconds > 0:
                conn.execute(
                    "INSERT INTO echoes (tracker, item_key, until) VALUES (?, ?, ?) "
                    "ON CONFLICT (tracker, item_key) DO UPDATE SET until = excluded.until",
                    (job.tracker, job.item_key, now + self.echo_window_seconds),
                )

    def fail(
        self, job: Job, owner: str, error: str, *, delay: float, max_attempts: int
    ) -> Literal["retry", "dead"]:
        """Schedule a retry after ``delay`` seconds, or dead-letter after ``max_attempts``."""
        now = time.time()
        with self._tx() as conn:
            if job.attempts >= max_attempts:
                conn.execute(
                    "INSERT OR REPLACE INTO dead (id, tracker, item_key, origin, deliveries, "
                    "first_received, attempts, last_error, died) "
                    "SELECT id, tracker, item_key, origin, deliveries, first_received, "
                    "attempts, ?, ? FROM jobs WHERE id = ?",
                    (error, now, job.id),
                )
                conn.execute("DELETE FROM jobs WHERE id = ?", (job.id,))
                return "dead"
            self._to_pending(conn, job.id, owner, now + delay, error, 0)
        return "retry"

    def release(self, job: Job, owner: str) -> None:
        """Give an unfinished job back (shutdown): pending again, the attempt not counted."""
        with self._tx() as conn:
            self._to_pending(conn, job.id, owner, time.time(), None, -1)

    @staticmethod
    def _to_pending(
        conn: sqlite3.Connection,
        job_id: int,
        owner: str,
        not_before: float,
        error: str | None,
        attempts_delta: int,
    ) -> None:
        try:
            conn.execute(
                "UPDATE jobs SET state = 'pending', lease_owner = NULL, lease_until = NULL, "
                "not_before = ?, attempts = max(0, attempts + ?), "
                "last_error = coalesce(?, last_error) WHERE id = ? AND lease_owner = ?",
                (not_before, attempts_delta, error, job_id, owner),
            )
        except sqlite3.IntegrityError:
            # A pending job for the same item absorbed new deliveries meanwhile: merge.
            row = conn.execute(
                "SELECT tracker, item_key, deliveries, attempts FROM jobs WHERE id = ?",
                (job_id,),
            ).fetchone()
            if row is None:
                return
            conn.execute(
                "UPDATE jobs SET deliveries = deliveries + ?, "
                "attempts = max(attempts, ?), not_before = max(not_before, ?), "
                "last_error = coalesce(?, last_error) "
                "WHERE tracker = ? AND item_key = ? AND state = 'pending'",
                (row[2], max(0, row[3] + attempts_delta), not_before, error, row[0], row[1]),
            )
            conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    # -- operations ----------------------------------------------------------------------------
    def depth(self) -> dict[str, int]:
        counts = {"pending": 0, "running": 0, "dead": 0}
        conn = self.conn
        for state, count in conn.execute("SELECT state, count(*) FROM jobs GROUP BY state"):
            counts[str(state)] = int(count)
        counts["dead"] = int(conn.execute("SELECT count(*) FROM dead").fetchone()[0])
        return counts

    def oldest_age(self, now: float | None = None) -> float:
        """Seconds since the oldest job not yet done (pending, running or backing off
        between retries) was accepted; 0 when none. A job absorbs the deliveries that
        coalesce into it, so its age runs from the first of them."""
        now = time.time() if now is None else now
        row = self.conn.execute("SELECT min(first_received) FROM jobs").fetchone()
        return 0.0 if row is None or row[0] is None else max(0.0, now - float(row[0]))

    def list_jobs(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT id, tracker, item_key, state, origin, deliveries, first_received, "
            "not_before, attempts, last_error FROM jobs ORDER BY not_before, id"
        ).fetchall()
        keys = (
            "id", "tracker", "item", "state", "origin", "deliveries", "first_received",
            "not_before", "attempts", "last_error",
        )  # fmt: skip
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def list_dead(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT id, tracker, item_key, origin, deliveries, first_received, attempts, "
            "last_error, died FROM dead ORDER BY died, id"
        ).fetchall()
        keys = (
            "id", "tracker", "item", "origin", "deliveries", "first_received", "attempts",
            "last_error", "died",
        )  # fmt: skip
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def retry_dead(self, job_id: int | None = None) -> int:
        """Move one dead letter (or all) back to the queue, due now, attempts reset."""
        now = time.time()
        with self._tx() as conn:
            if job_id is None:
                rows = conn.execute("SELECT id FROM dead").fetchall()
            else:
                rows = conn.execute("SELECT id FROM dead WHERE id = ?", (job_id,)).fetchall()
            for (dead_id,) in rows:
                conn.execute(
                    "INSERT INTO jobs (id, tracker, item_key, state, origin, deliveries, "
                    "first_received, last_received, not_before, attempts, last_error) "
                    "SELECT id, tracker, item_key, 'pending', 'retry', deliveries, "
                    "first_received, ?, ?, 0, last_error FROM dead WHERE id = ? "
                    "ON CONFLICT (tracker, item_key) WHERE state = 'pending' DO UPDATE SET "
                    "deliveries = deliveries + excluded.deliveries, not_before = ?",
                    (now, now, dead_id, now),
                )
                conn.execute("DELETE FROM dead WHERE id = ?", (dead_id,))
        return len(rows)

    def purge_dead(self) -> int:
        with self._tx() as conn:
            return int(conn.execute("DELETE FROM dead").rowcount)

    def prune(
        self,
        now: float | None = None,
        *,
        dedupe_seconds: float = DEDUPE_SECONDS,
        dead_seconds: float | None = None,
    ) -> dict[str, int]:
        """Forget delivery ids older than ``dedupe_seconds``, expired echo windows and (with
        ``dead_seconds``) dead letters that died longer ago; return the rows removed."""
        now = time.time() if now is None else now
        removed: dict[str, int] = {}
        with self._tx() as conn:
            removed["deliveries"] = conn.execute(
                "DELETE FROM deliveries WHERE received < ?", (now - dedupe_seconds,)
            ).rowcount
            removed["echoes"] = conn.execute("DELETE FROM echoes WHERE until < ?", (now,)).rowcount
            if dead_seconds is not None:
                removed["dead"] = conn.execute(
                    "DELETE FROM dead WHERE died < ?", (now - dead_seconds,)
                ).rowcount
        return removed

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK``); errors become QueueError."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.Lock) -> None:
        self.conn = conn
        self.lock = lock

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            self.lock.release()
            raise QueueError(f"queue: cannot begin a transaction: {exc}") from exc
        return self.conn

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            self._finish(exc_type, exc)
        finally:
            self.lock.release()

    def _finish(self, exc_type: Any, exc: Any) -> None:
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as error:
                self.conn.execute("ROLLBACK")
                raise QueueError(f"queue: commit failed: {error}") from error
        else:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise QueueError(f"queue: {exc}") from exc


class GroupCommitter:
    """Commits concurrently arriving deliveries together: one fsync acknowledges a batch.

    Request handlers ``await`` :meth:`store`; a single thread drains whatever is waiting
    (up to ``max_batch``), writes it in one transaction and resolves the waiters only after
    ``COMMIT`` returned: nothing is acknowledged before it is durable. Waiters of one batch
    are resolved with a single hop into the event loop (not one wake-up per delivery).
    """

    def __init__(self, store: BatchStore, *, max_batch: int = 512) -> None:
        self.store = store
        self.max_batch = max_batch
        self._inbox: stdqueue.SimpleQueue[_Waiter | None] = stdqueue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="tg-queue-writer", daemon=True)
        self._started = False
        self.on_commit: list[Callable[[], None]] = []

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    async def store_delivery(self, incoming: Incoming) -> Outcome:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        self._inbox.put(_Waiter(incoming, loop, future, None))
        return await future

    def submit(self, incoming: Incoming) -> Future[Outcome]:
        """Thread-based variant (tools, tests): a ``concurrent.futures.Future``."""
        future: Future[Outcome] = Future()
        self._inbox.put(_Waiter(incoming, None, None, future))
        return future

    def stop(self, timeout: float = 5.0) -> None:
        if self._started:
            self._inbox.put(None)
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self._inbox.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    extra = self._inbox.get_nowait()
                except stdqueue.Empty:
                    break
                if extra is None:
                    stop = True
                    break
                batch.append(extra)
            results: list[Outcome | BaseException]
            try:
                results = list(self.store.enqueue_many([w.incoming for w in batch]))
            except Exception as exc:  # every waiter answers 503, never 500
                results = [QueueError(str(exc)) for _ in batch]
            else:
                for callback in self.on_commit:
                    callback()
            _resolve(batch, results)
            if stop:
                return


@dataclass(slots=True)
class _Waiter:
    incoming: Incoming
    loop: asyncio.AbstractEventLoop | None
    afuture: asyncio.Future[Outcome] | None
    cfuture: Future[Outcome] | None


def _resolve(batch: list[_Waiter], results: Sequence[Outcome | BaseException]) -> None:
    per_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Waiter, Outcome | BaseException]]] = {}
    for waiter, result in zip(batch, results, strict=True):
        if waiter.cfuture is not None:
            if isinstance(result, BaseException):
                waiter.cfuture.set_exception(result)
            else:
                waiter.cfuture.set_result(result)
        elif waiter.loop is not None:
            per_loop.setdefault(waiter.loop, []).append((waiter, result))
    for loop, pairs in per_loop.items():
        with contextlib.suppress(RuntimeError):  # loop closed: nobody waits any more
            loop.call_soon_threadsafe(_set_all, pairs)


def _set_all(pairs: list[tuple[_Waiter, Outcome | BaseException]]) -> None:
    for waiter, result in pairs:
        future = waiter.afuture
        if future is None or future.done():
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
