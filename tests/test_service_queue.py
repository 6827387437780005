"""The SQLite queue: dedupe, coalescing, per-item leases, retries, dead letters, sweep."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_support import helpers as h

from trackerguard.service.queue import Incoming, SQLiteQueue
from trackerguard.service.worker import backoff_delay


def _q(tmp_path: Path, **kw: float) -> SQLiteQueue:
    return SQLiteQueue(tmp_path / "q.db", coalesce_seconds=kw.get("coalesce", 0.0), **{
        k: v for k, v in kw.items() if k != "coalesce"
    })  # fmt: skip


def test_wal_and_synchronous(tmp_path: Path) -> None:
    q = SQLiteQueue(tmp_path / "q.db")
    assert q.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert q.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    normal = SQLiteQueue(tmp_path / "n.db", synchronous="NORMAL")
    assert normal.conn.execute("PRAGMA synchronous").fetchone()[0] == 1


def test_duplicates_and_coalescing(tmp_path: Path) -> None:
    q = _q(tmp_path)
    batch = [Incoming("t", f"d{i}", ("K-1",), True) for i in range(50)]
    assert q.enqueue_many(batch) == ["queued"] * 50
    assert q.enqueue_many([Incoming("t", "d7", ("K-1",), True)]) == ["duplicate"]
    assert q.enqueue_many([Incoming("u", "d7", ("K-1",), True)]) == ["queued"]  # per tracker
    jobs = q.list_jobs()
    assert [(j["tracker"], j["item"], j["deliveries"]) for j in jobs] == [
        ("t", "K-1", 50),
        ("u", "K-1", 1),
    ]


def test_one_live_lease_per_item(tmp_path: Path) -> None:
    q = _q(tmp_path)
    q.enqueue_many([Incoming("t", "a", ("K-1",), True)])
    first = q.claim("w1", 60)
    assert first is not None
    q.enqueue_many([Incoming("t", "b", ("K-1",), True)])  # new pending job, same item
    assert q.claim("w2", 60) is None  # K-1 is held by w1
    q.complete(first, "w1", wrote=False)
    second = q.claim("w2", 60)
    assert second is not None and second.item_key == "K-1"


def test_concurrent_claims_never_share_an_item(tmp_path: Path) -> None:
    q = _q(tmp_path)
    q.enqueue_many([Incoming("t", f"d{i}", (f"K-{i % 5}",), True) for i in range(200)])
    claimed: list[str] = []
    lock = threading.Lock()

    def grab(owner: str) -> None:
        while (job := q.claim(owner, 60)) is not None:
            with lock:
                claimed.append(job.item_key)

    threads = [threading.Thread(target=grab, args=(f"w{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == [f"K-{i}" for i in range(5)]  # each item once, nobody doubled


def test_expired_lease_is_reclaimed(tmp_path: Path) -> None:
    q = _q(tmp_path)
    q.enqueue_many([Incoming("t", "a", ("K-1",), True)])
    job = q.claim("crashed", 0.05)
    assert job is not None
    assert q.claim("w2", 60, now=job.first_received + 0.01) is None
    again = q.claim("w2", 60, now=job.first_received + 10)
    assert again is not None and again.id == job.id and again.attempts == 2


def test_retry_then_dead_letter_then_replay(tmp_path: Path) -> None:
    q = _q(tmp_path)
    q.enqueue_many([Incoming("t", "a", ("K-1",), True)])
    for attempt in (1, 2):
        job = q.claim("w", 60)
        assert job is not None and job.attempts == attempt
        assert q.fail(job, "w", "boom", delay=0, max_attempts=3) == "retry"
    job = q.claim("w", 60)
    assert job is not None
    assert q.fail(job, "w", "boom", delay=0, max_attempts=3) == "dead"
    assert q.list_jobs() == []
    dead = q.list_dead()
    assert [(d["item"], d["attempts"], d["last_error"]) for d in dead] == [("K-1", 3, "boom")]
    assert q.retry_dead(dead[0]["id"]) == 1
    job = q.claim("w", 60)
    assert job is not None and job.attempts == 1 and q.list_dead() == []
    q.complete(job, "w", wrote=True)
    assert q.depth() == {"pending": 0, "running": 0, "dead": 0}


def test_failure_merges_into_newer_pending_job(tmp_path: Path) -> None:
    q = _q(tmp_path)
    q.enqueue_many([Incoming("t", "a", ("K-1",), True)])
    job = q.claim("w", 60)
    assert job is not None
    q.enqueue_many([Incoming("t", "b", ("K-1",), True)])
    assert q.fail(job, "w", "boom", delay=0, max_attempts=5) == "retry"
    jobs = q.list_jobs()
    assert len(jobs) == 1 and jobs[0]["deliveries"] == 2 and jobs[0]["attempts"] == 1


def test_release_does_not_count_the_attempt(tmp_path: Path) -> None:
    q = _q(tmp_path)
    q.enqueue_many([Incoming("t", "a", ("K-1",), True)])
    job = q.claim("w", 60)
    assert job is not None
    q.release(job, "w")
    assert q.list_jobs()[0]["attempts"] == 0 and q.list_jobs()[0]["state"] == "pending"


def test_echo_window_drops_only_unattributed(tmp_path: Path) -> None:
    q = _q(tmp_path, echo_window_seconds=30)
    q.enqueue_many([Incoming("t", "a", ("K-1",), True)])
    job = q.claim("w", 60)
    assert job is not None
    q.complete(job, "w", wrote=True)
    assert q.enqueue_many([Incoming("t", "b", ("K-1",), False)]) == ["echo"]
    assert q.enqueue_many([Incoming("t", "c", ("K-1",), True)]) == ["queued"]
    assert q.enqueue_many([Incoming("t", "d", ("K-2",), False)]) == ["queued"]


def test_oldest_job_age_counts_pending_running_and_retrying_jobs(tmp_path: Path) -> None:
    q = _q(tmp_path)
    assert q.oldest_age() == 0.0
    q.enqueue_many([Incoming("t", "d1", ("K-1",), True)], now=1000.0)
    q.enqueue_many([Incoming("t", "d2", ("K-1",), True)], now=1005.0)  # coalesced
    q.enqueue_many([Incoming("t", "d3", ("K-2",), True)], now=1007.0)
    assert q.oldest_age(now=1010.0) == 10.0
    job = q.claim("w", 60, now=1010.0)
    assert job is not None and job.item_key == "K-1"
    assert q.oldest_age(now=1010.0) == 10.0  # running: not done yet
    assert q.fail(job, "w", "502", delay=3600, max_attempts=5) == "retry"
    assert q.oldest_age(now=1010.0) == 10.0  # backing off: not done yet
    other = q.claim("w", 60, now=1010.0)
    assert other is not None and other.item_key == "K-2"
    q.complete(other, "w", wrote=False)
    assert q.oldest_age(now=1010.0) == 10.0
    q.conn.execute("DELETE FROM jobs")  # (the retry's backoff is an hour: skip it)
    assert q.oldest_age() == 0.0


@pytest.mark.parametrize("attempt", [1, 2, 5, 30])
def test_backoff_grows_with_jitter_and_honours_retry_after(attempt: int) -> None:
    exp = min(100.0, 2.0 * 2 ** (attempt - 1))
    for _ in range(20):
        assert exp / 2 <= backoff_delay(attempt, 2.0, 100.0) <= exp
    assert backoff_delay(attempt, 2.0, 100.0, retry_after=500.0) == 500.0


def test_sweep_queues_items_updated_since_last_sweep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from trackerguard.service.metrics import Metrics
    from trackerguard.service.sweep import Sweeper

    monkeypatch.setenv(h.SECRET_ENV, h.SECRET)
    settings, registry = h.load(h.write_setup(tmp_path, stories=3))
    q = SQLiteQueue(settings.service.queue_path)
    sweeper = Sweeper(settings, registry, q, Metrics(q.depth), ["webfile"])
    assert sweeper.sweep_once("webfile") == 0  # first sweep only records the mark
    path = tmp_path / "backlog.json"
    doc = json.loads(path.read_text())
    doc["items"][3]["updated"] = "2999-01-01T00:00:00Z"  # S-2 changed "now" (missed event)
    path.write_text(json.dumps(doc))
    assert sweeper.sweep_once("webfile") == 1
    assert [(j["item"], j["origin"]) for j in q.list_jobs()] == [("S-2", "sweep")]


def test_write_probe_leaves_nothing_and_sees_a_deleted_file(tmp_path: Path) -> None:
    q = _q(tmp_path)
    assert q.write_probe() is None and q.writable()
    assert q.get_meta("readyz") is None  # rolled back: the probe writes nothing durable
    (tmp_path / "q.db").unlink()  # the open connection would go on writing to the inode
    reason = q.write_probe()
    assert reason is not None and "q.db" in reason
    assert not q.writable()
    q.close()


def test_a_queue_that_cannot_be_created_is_a_queue_error_naming_it(tmp_path: Path) -> None:
    from trackerguard.service.queue import QueueError

    (tmp_path / "not-a-dir").write_text("x")
    with pytest.raises(QueueError, match="not-a-dir"):
        SQLiteQueue(tmp_path / "not-a-dir" / "q.db")


def test_prune_keeps_what_retention_keeps(tmp_path: Path) -> None:
    q = _q(tmp_path, echo_window_seconds=5.0)
    now = 1_000_000.0
    q.enqueue_many([Incoming("t", "old", ("K-1",), True)], now=now - 7200)
    q.enqueue_many([Incoming("t", "new", ("K-2",), True)], now=now - 60)
    with q._tx() as conn:
        conn.execute(
            "INSERT INTO echoes VALUES ('t', 'K-1', ?), ('t', 'K-2', ?)", (now - 1, now + 9)
        )
        conn.execute(
            "INSERT INTO dead (id, tracker, item_key, origin, deliveries, first_received, "
            "attempts, died) VALUES (1, 't', 'K-1', 'delivery', 1, 0, 6, ?), "
            "(2, 't', 'K-2', 'delivery', 1, 0, 6, ?)",
            (now - 40 * 86400, now - 86400),
        )
    removed = q.prune(now, dedupe_seconds=3600, dead_seconds=30 * 86400)
    assert removed == {"deliveries": 1, "echoes": 1, "dead": 1}
    assert [r[0] for r in q.conn.execute("SELECT delivery_id FROM deliveries")] == ["new"]
    assert [r["id"] for r in q.list_dead()] == [2]
    assert q.prune(now, dedupe_seconds=3600) == {"deliveries": 0, "echoes": 0}  # dead kept
    assert q.enqueue_many([Incoming("t", "old", ("K-1",), True)], now=now) == ["queued"]
    q.close()
