"""Workers: claim a job, run the one code path (``Runner.check`` with the item's key and
``apply=True``), then complete, retry or dead-letter it.

At-least-once: a job is deleted only after its effects are applied, so a crash re-runs it
(its lease expires and another worker re-claims it). Re-running is harmless because of the
comment contract: same findings, no write. Each job gets a fresh :class:`Runner` (cheap,
~0.1 ms) so no adapter cache or error list leaks between jobs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
import threading
import time
import uuid
from typing import TYPE_CHECKING

from trackerguard.adapter import ScanRequest
from trackerguard.errors import TrackerError
from trackerguard.failures import describe
from trackerguard.run import Runner
from trackerguard.service.queue import Job

if TYPE_CHECKING:
    from trackerguard.plugins_manager import Registry
    from trackerguard.report import Report
    from trackerguard.service.backend import QueueStore
    from trackerguard.service.metrics import Metrics
    from trackerguard.settings import Settings

log = logging.getLogger("trackerguard.service")
_NOT_FOUND = "was not found in the tracker"


QUERY_PREFIX = "?query:"
"""Job keys starting with this name a tracker query to expand into item jobs."""


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter (half fixed, half random); ``Retry-After`` wins if longer."""
    exp = min(cap, base * (2 ** max(0, attempt - 1)))
    delay = exp / 2 + random.uniform(0, exp / 2)
    if retry_after is not None and retry_after > delay:
        delay = retry_after
    return float(delay)


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class WorkerPool:
    """``settings.service.workers`` threads plus a lease-renewal thread."""

    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        store: QueueStore,
        metrics: Metrics,
        *,
        owner: str | None = None,
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.store = store
        self.metrics = metrics
        self.owner = owner or new_owner()
        self.cfg = settings.service
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._inflight: dict[int, Job] = {}
        self._threads: list[threading.Thread] = []

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        for index in range(self.cfg.workers):
            thread = threading.Thread(target=self._loop, name=f"tg-worker-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)
        renew = threading.Thread(target=self._renew_loop, name="tg-lease-renew", daemon=True)
        renew.start()
        self._threads.append(renew)

    def wake(self) -> None:
        self._wake.set()

    def stop_claiming(self) -> None:
        """Take no new job (in-flight ones go on)."""
        self._stop.set()
        self._wake.set()

    def stop(self, timeout: float) -> None:
        """Stop claiming; let in-flight jobs finish within ``timeout``; requeue the rest."""
        self.stop_claiming()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            leftover = list(self._inflight.values())
            self._inflight.clear()
        for job in leftover:
            try:
                self.store.release(job, self.owner)
                self.metrics.jobs.labels(job.tracker, "released").inc()
                log.warning("shutdown: job %s (%s) requeued unfinished", job.id, job.item_key)
            except Exception as exc:  # the lease will expire and the job be re-claimed
                log.error("shutdown: cannot requeue job %s: %s", job.id, exc)

    @property
    def inflight(self) -> int:
        with self._lock:
            return len(self._inflight)

    # -- loops ---------------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job = self.store.claim(self.owner, self.cfg.lease_seconds)
            except Exception as exc:
                log.error("queue: cannot claim a job: %s", exc)
                job = None
            if job is None:
                self._wake.wait(self.cfg.poll_seconds)
                self._wake.clear()
                continue
            with self._lock:
                self._inflight[job.id] = job
            try:
                self.process(job)
            finally:
                with self._lock:
                    self._inflight.pop(job.id, None)

    def _renew_loop(self) -> None:
        interval = max(0.05, self.cfg.lease_seconds / 3)
        while not self._stop.wait(interval):
            with self._lock:
                ids = list(self._inflight)
            try:
                self.store.renew(self.owner, ids, self.cfg.lease_seconds)
            except Exception as exc:
                log.error("queue: cannot renew leases: %s", exc)

    # -- one job -------------------------------------------------------------------------------
    def process(self, job: Job) -> None:
        started = time.monotonic()
        tracker = job.tracker
        error: str | None = None
        retry_after: float | None = None
        report: Report | None = None
        runner: Runner | None = None
        try:
            runner = Runner(self.settings, self.registry, tracker)
            if job.item_key.startswith(QUERY_PREFIX):
                self._expand_query(job, runner)
                self._finish(job, wrote=False)
                self.metrics.jobs.labels(tracker, "done").inc()
                return
            report = runner.check(ScanRequest(keys=(job.item_key,)), apply=True)
        except TrackerError as exc:
            error = f"{type(exc).__name__}: {exc}"
            value = getattr(exc, "retry_after", None)
            retry_after = float(value) if isinstance(value, int | float) else None
        except Exception as exc:  # a worker never dies; the job is retried, then dead-lettered
            error = describe(exc)
            log.error(
                "job %s (%s %s) failed unexpectedly: %s",
                job.id, tracker, job.item_key, error,
                exc_info=bool(os.environ.get("TRACKERGUARD_DEBUG")),
            )  # fmt: skip
        finally:
            if runner is not None:
                with contextlib.suppress(Exception):
                    runner.close()
        if report is not None:
            for kind, count in report.requests.items():
                if count:
                    self.metrics.tracker_requests.labels(tracker, kind).inc(count)
            if report.read_error is not None:
                error = f"{type(report.read_error).__name__}: {report.read_error}"
                retry_after = report.read_error.retry_after
            mine = [e for e in report.errors if e.item == job.item_key]
            real = [e for e in mine if _NOT_FOUND not in e.message]
            if real and error is None:
                error = "; ".join(e.message for e in real)
        if error is None:
            wrote = report is not None and any(
                a.item == job.item_key and a.status == "applied" for a in report.actions
            )
            self._finish(job, wrote)
            if report is not None and job.origin == "delivery":
                self._queue_goal(job, report)
            outcome = "done"
        else:
            outcome = self._retry(job, error, retry_after)
        self.metrics.processing.labels(tracker, outcome).observe(time.monotonic() - started)
        self.metrics.jobs.labels(tracker, outcome).inc()

    def _expand_query(self, job: Job, runner: Runner) -> None:
        """Queue one job per item the event's query names (coalesced like any delivery)."""
        query = job.item_key[len(QUERY_PREFIX) :]
        adapter = runner.adapter
        adapter.check_connection()
        keys = sorted({item.key for item in adapter.scan(ScanRequest(query=query))})
        if keys:
            self.store.enqueue_keys(job.tracker, keys, origin="query")
            self.wake()
        log.info("job %s: query %r names %d item(s)", job.id, query, len(keys))

    def _finish(self, job: Job, wrote: bool) -> None:
        try:
            self.store.complete(job, self.owner, wrote=wrote)
        except Exception as exc:  # effects are applied; a re-run is harmless
            log.error("job %s: done but cannot be removed (will re-run): %s", job.id, exc)

    def _queue_goal(self, job: Job, report: Report) -> None:
        """The goal of a changed item may change verdict too (plan, movement): re-judge it,
        coalesced with its other children's changes; goal jobs do not cascade further."""
        try:
            goal = report.graph.goal_of(job.item_key).goal if report.graph else None
        except Exception:
            return
        if goal and goal != job.item_key:
            try:
                self.store.enqueue_keys(
                    job.tracker, [goal], origin="goal", delay=self.cfg.coalesce_seconds
                )
                self.wake()
            except Exception as exc:
                log.error("job %s: cannot queue its goal %s: %s", job.id, goal, exc)

    def _retry(self, job: Job, error: str, retry_after: float | None) -> str:
        delay = backoff_delay(
            job.attempts, self.cfg.backoff_seconds, self.cfg.backoff_max_seconds, retry_after
        )
        try:
            result = self.store.fail(
                job, self.owner, error[:2000], delay=delay, max_attempts=self.cfg.max_attempts
            )
        except Exception as exc:
            log.error("job %s: cannot record the failure (lease will expire): %s", job.id, exc)
            return "retry"
        if result == "dead":
            self.metrics.dead_letters.labels(job.tracker).inc()
            log.error(
                "job %s (%s %s) dead-lettered after %d attempts: %s",
                job.id, job.tracker, job.item_key, job.attempts, error,
            )  # fmt: skip
            return "dead"
        self.metrics.retries.labels(job.tracker).inc()
        log.warning(
            "job %s (%s %s) attempt %d failed, retry in %.1fs: %s",
            job.id, job.tracker, job.item_key, job.attempts, delay, error,
        )  # fmt: skip
        return "retry"
