"""The Postgres queue on a real PostgreSQL: the engine's coalescing, per-item locks, retries,
dead letters, stalled-job recovery and once-per-cluster sweep, with two replicas' stores."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from trackerguard.service.pg_queue import PostgresQueue, redact
from trackerguard.service.queue import Incoming, QueueError


def _store(db: tuple[str, str], **kw: float) -> PostgresQueue:
    url, password = db
    return PostgresQueue(url, password=password, coalesce_seconds=0, **kw)


@pytest.fixture
def stores(pg_migrated: tuple[str, str]) -> Iterator[tuple[PostgresQueue, PostgresQueue]]:
    a, b = _store(pg_migrated), _store(pg_migrated)  # two replicas, one database
    yield a, b
    a.close()
    b.close()


def test_start_without_migrations_names_the_command(pg_database: tuple[str, str]) -> None:
    with pytest.raises(QueueError, match="run 'trackerguard queue migrate'") as caught:
        _store(pg_database)
    assert pg_database[1] not in str(caught.value)
    first = PostgresQueue(pg_database[0], password=pg_database[1], check_schema=False)
    assert set(first.migrate()) >= {"procrastinate schema", "tg_deliveries", "tg_dead"}
    assert first.migrate() == []  # idempotent
    # A database migrated by an older release lacks the accept function: named, then added.
    first._exec("DROP FUNCTION tg_accept_v1")
    assert first.missing_schema() == ["tg_accept_v1"]
    assert first.migrate() == ["tg_accept_v1"]
    first.close()
    _store(pg_database).close()  # now it starts


def test_unreachable_database_names_the_url_without_its_password() -> None:
    with pytest.raises(QueueError) as caught:
        PostgresQueue("postgresql://tg:s3cret@127.0.0.1:9/none", password=None)
    assert "postgresql://tg:***@127.0.0.1:9/none" in str(caught.value)
    assert "s3cret" not in str(caught.value)
    assert redact("postgresql://u:p@h:5/d") == "postgresql://u:***@h:5/d"


def test_duplicates_and_bursts_coalesce_across_replicas(
    stores: tuple[PostgresQueue, PostgresQueue],
) -> None:
    a, b = stores
    burst = [Incoming("github", f"d{n}", ("acme/web#1",), True) for n in range(20)]
    outcomes = a.enqueue_many(burst[:10]) + b.enqueue_many(burst[10:])
    assert outcomes == ["queued"] * 20
    assert b.enqueue_many([burst[3]]) == ["duplicate"]  # the other replica saw it
    assert a.depth() == {"pending": 1, "running": 0, "dead": 0}  # one job for the item
    assert [j["item"] for j in b.list_jobs()] == ["acme/web#1"]


def test_concurrent_batches_on_three_replicas_neither_deadlock_nor_duplicate(
    stores: tuple[PostgresQueue, PostgresQueue], pg_migrated: tuple[str, str]
) -> None:
    import random

    c = _store(pg_migrated)
    replicas = [*stores, c]
    errors: list[Exception] = []
    outcomes: list[str] = []
    lock = threading.Lock()

    def send(store: PostgresQueue, lane: int) -> None:
        rng = random.Random(lane)
        for round_ in range(15):  # batches naming the same items in opposite orders
            keys = [f"K-{n}" for n in rng.sample(range(12), 12)]
            batch = [Incoming("t", f"{lane}-{round_}-{k}", (k,), True) for k in keys]
            try:
                result = store.enqueue_many(batch)
            except Exception as exc:
                errors.append(exc)
                return
            with lock:
                outcomes.extend(result)

    threads = [threading.Thread(target=send, args=(replicas[lane % 3], lane)) for lane in range(6)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        c.close()
    assert errors == []
    assert outcomes == ["queued"] * (6 * 15 * 12)
    jobs = stores[0].list_jobs()
    assert sorted(j["item"] for j in jobs) == sorted(f"K-{n}" for n in range(12))  # one each


def test_per_item_lock_holds_across_replicas(stores: tuple[PostgresQueue, PostgresQueue]) -> None:
    a, b = stores
    a.enqueue_many([Incoming("github", "d1", ("acme/web#1",), True)])
    job = a.claim("replica-a", 30)
    assert job is not None and job.item_key == "acme/web#1" and job.attempts == 1
    # A new delivery for the same item while it runs: queued, but not handed out.
    b.enqueue_many([Incoming("github", "d2", ("acme/web#1",), True)])
    assert b.claim("replica-b", 30) is None
    a.complete(job, "replica-a", wrote=True)
    second = b.claim("replica-b", 30)
    assert second is not None and second.item_key == "acme/web#1"
    b.complete(second, "replica-b", wrote=False)
    assert a.depth()["pending"] == 0


def test_echo_window_is_shared(stores: tuple[PostgresQueue, PostgresQueue]) -> None:
    a, b = stores
    a.enqueue_many([Incoming("github", "d1", ("acme/web#1",), True)])
    job = a.claim("replica-a", 30)
    assert job is not None
    a.complete(job, "replica-a", wrote=True)
    # The bot's own write comes back as an unattributed delivery to the OTHER replica.
    assert b.enqueue_many([Incoming("github", "d-echo", ("acme/web#1",), False)]) == ["echo"]


def test_retries_then_dead_letter_with_the_error_then_retry_dead(
    stores: tuple[PostgresQueue, PostgresQueue],
) -> None:
    a, _ = stores
    a.enqueue_many([Incoming("jira", "d1", ("ACME-1",), True)])
    for attempt in (1, 2):
        job = a.claim("w", 30)
        assert job is not None and job.attempts == attempt
        assert a.fail(job, "w", "TrackerError: 502", delay=0, max_attempts=3) == "retry"
    job = a.claim("w", 30)
    assert job is not None and job.attempts == 3
    assert a.fail(job, "w", "TrackerError: 502 again", delay=0, max_attempts=3) == "dead"
    [dead] = a.list_dead()
    assert dead["item"] == "ACME-1" and dead["last_error"] == "TrackerError: 502 again"
    assert a.depth() == {"pending": 0, "running": 0, "dead": 1}
    assert a.retry_dead() == 1
    job = a.claim("w", 30)
    assert job is not None and job.item_key == "ACME-1" and job.attempts == 1


def test_a_retry_that_meets_a_newer_waiting_job_merges(
    stores: tuple[PostgresQueue, PostgresQueue],
) -> None:
    a, b = stores
    a.enqueue_many([Incoming("jira", "d1", ("ACME-1",), True)])
    job = a.claim("w", 30)
    assert job is not None
    b.enqueue_many([Incoming("jira", "d2", ("ACME-1",), True)])  # waits behind the lock
    assert a.fail(job, "w", "boom", delay=0, max_attempts=5) == "retry"
    assert a.depth()["pending"] == 1  # one job for the item, not two


def _stall(store: PostgresQueue, owner: str) -> None:
    """The replica ``store`` dies: its engine worker's heartbeat is an hour old."""
    store._exec(
        "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour' WHERE id = %s",
        (store._worker_id(owner),),
    )


def test_jobs_of_a_dead_replica_are_recovered_by_renew_not_by_every_poll(
    stores: tuple[PostgresQueue, PostgresQueue], pg_migrated: tuple[str, str]
) -> None:
    a, b = stores
    c = _store(pg_migrated)  # a third replica (connected now: connecting takes a while)
    try:
        a.enqueue_many([Incoming("gitlab", "d1", ("g/p#1",), True)])
        job = a.claim("replica-a", 30)
        assert job is not None
        _stall(a, "replica-a")
        for _ in range(20):  # idle polls only fetch: the stalled job stays with the dead one
            assert b.claim("replica-b", 30) is None
        b.renew("replica-b", [], 3)  # the first renew checks for stalled workers
        again = b.claim("replica-b", 30)
        assert again is not None and again.item_key == "g/p#1" and again.attempts == 2
        b.complete(again, "replica-b", wrote=False)

        c.enqueue_many([Incoming("gitlab", "d2", ("g/p#2",), True)])  # c takes a job, dies
        assert c.claim("replica-c", 30) is not None
        _stall(c, "replica-c")
        b.renew("replica-b", [], 3)  # b checked less than a lease ago: a heartbeat only
        assert b.claim("replica-b", 30) is None
        time.sleep(3.1)
        b.renew("replica-b", [], 3)  # a lease later: checked again, recovered
        late = b.claim("replica-b", 30)
        assert late is not None and late.item_key == "g/p#2"
    finally:
        c.close()


def test_a_replica_pruned_as_stalled_registers_again(
    stores: tuple[PostgresQueue, PostgresQueue],
) -> None:
    a, b = stores
    assert a.claim("replica-a", 30) is None  # registered
    _stall(a, "replica-a")  # a long pause: the others think it died and prune it
    b.renew("replica-b", [], 1)
    assert a._all("SELECT count(*) FROM procrastinate_workers")[0][0] == 1  # only b's
    a.renew("replica-a", [], 30)  # back: its heartbeat finds its worker gone, registers anew
    b.enqueue_many([Incoming("gitlab", "d1", ("g/p#1",), True)])
    job = a.claim("replica-a", 30)
    assert job is not None and job.item_key == "g/p#1"


def test_oldest_job_age_counts_waiting_running_and_retrying_jobs(
    stores: tuple[PostgresQueue, PostgresQueue],
) -> None:
    from prometheus_client import generate_latest

    from trackerguard.service.metrics import Metrics

    a, b = stores
    assert a.oldest_age() == 0.0
    a.enqueue_many([Incoming("jira", "d1", ("ACME-1",), True)], now=1000.0)
    b.enqueue_many([Incoming("jira", "d2", ("ACME-1",), True)], now=1005.0)  # coalesced
    b.enqueue_many([Incoming("jira", "d3", ("ACME-2",), True)], now=1007.0)
    assert a.oldest_age(now=1010.0) == pytest.approx(10.0)
    job = a.claim("w", 30)
    assert job is not None and job.item_key == "ACME-1"
    assert b.oldest_age(now=1010.0) == pytest.approx(10.0)  # running: not done yet
    assert a.fail(job, "w", "502", delay=3600, max_attempts=5) == "retry"
    assert b.oldest_age(now=1010.0) == pytest.approx(10.0)  # backing off: not done yet
    text = generate_latest(Metrics(a.depth, a.oldest_age).registry).decode()
    [line] = [x for x in text.splitlines() if x.startswith("trackerguard_queue_oldest_job_age")]
    assert float(line.rsplit(" ", 1)[1]) > 50 * 365 * 86400  # accepted in 1970, as given
    a._exec("UPDATE procrastinate_jobs SET scheduled_at = now()")  # the retry is due
    for _ in range(2):
        done = b.claim("w", 30)
        assert done is not None
        b.complete(done, "w", wrote=False)
    assert a.oldest_age() == 0.0


def test_the_sweep_runs_once_per_cluster_per_tick(
    stores: tuple[PostgresQueue, PostgresQueue],
) -> None:
    a, b = stores
    tick = int(time.time() // 60)
    turns: list[bool] = []
    threads = [
        threading.Thread(target=lambda s=s: turns.append(s.take_sweep_turn("jira", tick)))
        for s in (a, b, a, b)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(turns) == [False, False, False, True]
    assert a.take_sweep_turn("jira", tick + 1) and a.take_sweep_turn("github", tick)


def test_readiness_probe_writes_and_rolls_back(stores: tuple[PostgresQueue, PostgresQueue]) -> None:
    a, _ = stores
    assert a.writable() and a.write_probe() is None
    assert a.get_meta("readyz") is None  # rolled back


def test_prune_keeps_what_retention_keeps(stores: tuple[PostgresQueue, PostgresQueue]) -> None:
    a, _ = stores
    now = time.time()
    a.enqueue_many([Incoming("github", "old", ("acme/web#1",), True)], now=now - 7200)
    a.enqueue_many([Incoming("github", "new", ("acme/web#2",), True)], now=now - 60)
    a._exec(
        "INSERT INTO tg_dead (id, tracker, item_key, origin, first_received, attempts, died) "
        "VALUES (1, 'github', 'acme/web#1', 'delivery', 0, 6, %s), "
        "(2, 'github', 'acme/web#2', 'delivery', 0, 6, %s)",
        (now - 40 * 86400, now - 86400),
    )
    removed = a.prune(now, dedupe_seconds=3600, dead_seconds=30 * 86400)
    assert removed == {"deliveries": 1, "echoes": 0, "dead": 1}
    assert [d["id"] for d in a.list_dead()] == [2]
    assert a.enqueue_many([Incoming("github", "old", ("acme/web#1",), True)]) == ["queued"]


def test_database_lost_while_running_then_back_without_a_restart(
    stores: tuple[PostgresQueue, PostgresQueue], pg_migrated: tuple[str, str]
) -> None:
    import psycopg

    a, _ = stores
    url, password = pg_migrated
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, password=password, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        with pytest.raises(QueueError):  # the app answers 503 + Retry-After for this
            a.enqueue_many([Incoming("github", "lost-1", ("acme/web#1",), True)])
        assert not a.writable()
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    assert a.enqueue_many([Incoming("github", "lost-1", ("acme/web#1",), True)]) == ["queued"]
    assert a.writable()


def test_concurrent_claims_on_two_replicas_never_share_an_item(
    stores: tuple[PostgresQueue, PostgresQueue],
) -> None:
    a, b = stores
    a.enqueue_many([Incoming("t", f"d{i}", (f"K-{i % 5}",), True) for i in range(100)])
    running: set[str] = set()
    overlaps: list[str] = []
    done: list[str] = []
    lock = threading.Lock()

    def work(store: PostgresQueue, owner: str) -> None:
        while (job := store.claim(owner, 30)) is not None:
            with lock:
                if job.item_key in running:
                    overlaps.append(job.item_key)
                running.add(job.item_key)
            time.sleep(0.02)  # judging takes a moment: a second claim would overlap here
            with lock:
                running.discard(job.item_key)
                done.append(job.item_key)
            store.complete(job, owner, wrote=False)

    threads = [
        threading.Thread(target=work, args=(store, f"{name}-{i}"))
        for i in range(4)
        for name, store in (("a", a), ("b", b))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
    assert sorted(done) == [f"K-{i}" for i in range(5)]  # coalesced: each item judged once
