"""Prometheus metrics of one service instance (its own ``CollectorRegistry``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
_ACK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)


class _QueueCollector(Collector):
    """Gauges read from the queue at scrape time (from the shared database on Postgres, so
    every replica reports the cluster's queue). A gauge whose query fails is left out of
    that scrape: a scrape must never fail because the queue is busy or unreachable."""

    def __init__(
        self, depth: Callable[[], dict[str, int]], oldest_age: Callable[[], float] | None
    ) -> None:
        self._depth = depth
        self._oldest_age = oldest_age

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "trackerguard_queue_depth", "Jobs in the queue by state", labels=["state"]
        )
        try:
            depth = self._depth()
        except Exception:
            depth = {}
        for state, count in sorted(depth.items()):
            family.add_metric([state], count)
        yield family
        if self._oldest_age is None:
            return
        try:
            age = self._oldest_age()
        except Exception:
            return
        yield GaugeMetricFamily(
            "trackerguard_queue_oldest_job_age_seconds",
            "Seconds since the oldest job not yet done was accepted (0: none waiting)",
            value=age,
        )


class Metrics:
    """Every metric the service exports."""

    def __init__(
        self,
        depth: Callable[[], dict[str, int]] | None = None,
        oldest_age: Callable[[], float] | None = None,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.received = Counter(
            "trackerguard_webhook_deliveries_received",
            "Webhook deliveries received",
            ["tracker"],
            registry=r,
        )
        self.accepted = Counter(
            "trackerguard_webhook_deliveries_accepted",
            "Deliveries accepted, by outcome (queued, duplicate, ignored, echo)",
            ["tracker", "outcome"],
            registry=r,
        )
        self.rejected = Counter(
            "trackerguard_webhook_deliveries_rejected",
            "Deliveries rejected, by reason",
            ["tracker", "reason"],
            registry=r,
        )
        self.ack_latency = Histogram(
            "trackerguard_webhook_ack_seconds",
            "Time from request to acknowledgement (durable write included)",
            registry=r,
            buckets=_ACK_BUCKETS,
        )
        self.processing = Histogram(
            "trackerguard_job_processing_seconds",
            "Time to evaluate one job (read, judge, apply)",
            ["tracker", "outcome"],
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        self.jobs = Counter(
            "trackerguard_jobs_processed",
            "Jobs processed, by outcome (done, retry, dead, released)",
            ["tracker", "outcome"],
            registry=r,
        )
        self.tracker_requests = Counter(
            "trackerguard_tracker_requests",
            "Tracker API requests made by workers (kind: read, write, retry)",
            ["tracker", "kind"],
            registry=r,
        )
        self.retries = Counter(
            "trackerguard_job_retries", "Jobs scheduled for a retry", ["tracker"], registry=r
        )
        self.dead_letters = Counter(
            "trackerguard_dead_letters",
            "Jobs moved to the dead-letter table",
            ["tracker"],
            registry=r,
        )
        self.sweeps = Counter(
            "trackerguard_reconcile_sweeps",
            "Reconciliation sweeps, by outcome (ok, error)",
            ["tracker", "outcome"],
            registry=r,
        )
        if depth is not None:
            r.register(_QueueCollector(depth, oldest_age))
