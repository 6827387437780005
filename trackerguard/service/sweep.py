"""The reconciliation sweep: repair verdicts for events the service never saw.

Every ``reconcile_minutes`` (0 = off) the sweep asks each served tracker for the items
updated since the last successful sweep (``ScanRequest(query=settings.query, since=...)``,
with a one-minute overlap against clock skew) and queues one job per item (origin
``sweep``). Those jobs are judged by the workers exactly like delivery jobs —
``Runner.check(ScanRequest(keys=(key,)), apply=True)`` — so the sweep inherits the per-item
lease (never two evaluations of one issue at once), retries and dead letters, and its own
comment writes are coalesced with deliveries for the same item. The high-water mark is
stored in the queue database (``meta``), so a restart does not re-sweep everything. The
first sweep of a fresh queue only records the mark.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from trackerguard.adapter import ScanRequest
from trackerguard.run import Runner

if TYPE_CHECKING:
    from trackerguard.plugins_manager import Registry
    from trackerguard.service.backend import QueueStore
    from trackerguard.service.metrics import Metrics
    from trackerguard.settings import Settings

log = logging.getLogger("trackerguard.service")
OVERLAP = timedelta(minutes=1)


class Sweeper:
    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        store: QueueStore,
        metrics: Metrics,
        trackers: list[str],
        on_queued: list[object] | None = None,
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.store = store
        self.metrics = metrics
        self.trackers = trackers
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.wake_workers: list[object] = on_queued or []

    def start(self) -> None:
        minutes = self.settings.service.reconcile_minutes
        if minutes <= 0:
            return
        self._thread = threading.Thread(
            target=self._loop, args=(minutes * 60,), name="tg-sweep", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self, interval: float) -> None:
        for tracker in self.trackers:
            self._mark_if_fresh(tracker)
        while not self._stop.wait(interval):
            for tracker in self.trackers:
                self.sweep_once(tracker)

    def _mark_if_fresh(self, tracker: str) -> None:
        key = f"sweep:{tracker}"
        try:
            if self.store.get_meta(key) is None:
                self.store.set_meta(key, datetime.now(UTC).isoformat())
        except Exception as exc:
            log.error("sweep: cannot read the high-water mark: %s", exc)

    def sweep_once(self, tracker: str) -> int:
        """Queue a job for every item updated since the last sweep; return how many."""
        key = f"sweep:{tracker}"
        started = datetime.now(UTC)
        runner: Runner | None = None
        take_turn = getattr(self.store, "take_sweep_turn", None)
        if take_turn is not None:  # a shared queue: one replica per tick sweeps
            tick = int(time.time() // max(self.settings.service.reconcile_minutes * 60, 1))
            try:
                if not take_turn(tracker, tick):
                    return 0
            except Exception as exc:
                log.error("sweep of %s: cannot take its turn: %s", tracker, exc)
                return 0
        try:
            raw = self.store.get_meta(key)
            if raw is None:
                self.store.set_meta(key, started.isoformat())
                return 0
            since = datetime.fromisoformat(raw) - OVERLAP
            runner = Runner(self.settings, self.registry, tracker)
            adapter = runner.adapter
            adapter.check_connection()
            request = ScanRequest(query=self.settings.query, since=since)
            keys = sorted({item.key for item in adapter.scan(request)})
            count = self.store.enqueue_keys(tracker, keys, origin="sweep")
            self.store.set_meta(key, started.isoformat())
        except Exception as exc:
            self.metrics.sweeps.labels(tracker, "error").inc()
            log.error("sweep of %s failed (will retry next time): %s", tracker, exc)
            return 0
        finally:
            if runner is not None:
                with contextlib.suppress(Exception):
                    runner.close()
        self.metrics.sweeps.labels(tracker, "ok").inc()
        log.info("sweep of %s: %d item(s) updated since %s queued", tracker, count, raw)
        for callback in self.wake_workers:
            if callable(callback):
                callback()
        return count
