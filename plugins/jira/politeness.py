"""Politeness on the wire: request budget, concurrency limit, retries that honour Retry-After.

It lives in a ``requests`` transport adapter mounted on the ``jira`` library's own session
(the library's ``ResilientSession`` is built with ``max_retries=0``), so *every* request the
library sends, wrapped or raw, obeys the same rules:

* a per-run budget: each attempt costs one request; when it is spent
  :class:`~trackerguard.errors.BudgetExhausted` is raised and the adapter reports which
  items were not judged (never a silent truncation);
* at most ``concurrency`` requests in flight;
* 429 and 503 wait ``Retry-After`` (or back off); other 5xx, connection errors and timeouts
  back off exponentially with full jitter; retries are bounded;
* a write that is not idempotent (a POST that creates something, and any request the
  client marks with :data:`ONCE_HEADER`, such as an edit adding a comment) is resent only
  when Jira cannot have applied it: after a 429 (answered *before* the work) or a
  connection that never opened. After a 5xx, a timeout or a connection dropped once the
  request left, it raises :class:`~trackerguard.errors.AmbiguousWrite` and the adapter
  re-reads the issue to find out (decision 0021).
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, MutableMapping
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from trackerguard.errors import AmbiguousWrite, BudgetExhausted

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_READ_POST = re.compile(r"/(search(/jql)?|issue/bulkfetch|search/approximate-count)$")
ONCE_HEADER = "X-Trackerguard-Once"
"""Set by the client on a write that must not be resent once it may have been applied; the
transport removes it before the request leaves (Jira never sees it)."""


def _never_sent(error: Exception) -> bool:
    """A connection that was refused or never opened: the request did not reach Jira."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return isinstance(reason, NewConnectionError)


class Budget:
    """A thread-safe count of the requests one run may still send."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._lock = threading.Lock()

    def take(self) -> None:
        with self._lock:
            if self.used >= self.limit:
                raise BudgetExhausted(
                    f"the request budget of {self.limit} requests is spent "
                    "(raise [jira] request_budget)"
                )
            self.used += 1

    @property
    def exhausted(self) -> bool:
        return self.used >= self.limit


def request_kind(method: str, url: str) -> str:
    """``read`` for GETs and read-only POSTs (searches, bulk fetch), else ``write``."""
    path = url.split("?", 1)[0]
    if method.upper() == "GET" or _READ_POST.search(path):
        return "read"
    return "write"


def retry_after(response: requests.Response | None) -> float | None:
    """Seconds the server asked us to wait (delta-seconds or HTTP date), if it said."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class PoliteAdapter(HTTPAdapter):
    """A transport adapter adding budget, concurrency limit and retries to a session."""

    def __init__(
        self,
        *,
        budget: Budget,
        counters: MutableMapping[str, int],
        concurrency: int = 10,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        max_backoff: float = 30.0,
        max_retry_after: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(pool_connections=concurrency, pool_maxsize=concurrency)
        self.budget = budget
        self.counters = counters
        self.retries = max_retries
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self._slots = threading.BoundedSemaphore(concurrency)
        self._count_lock = threading.Lock()

    def _count(self, kind: str) -> None:
        with self._count_lock:
            self.counters[kind] = self.counters.get(kind, 0) + 1

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter (AWS architecture blog), capped."""
        ceiling = min(self.max_backoff, self.backoff_base * (2**attempt))
        return random.uniform(ceiling / 2, ceiling)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        method = (request.method or "GET").upper()
        url = request.url or ""
        kind = request_kind(method, url)
        marked = request.headers.pop(ONCE_HEADER, None) is not None
        once = marked or (method == "POST" and kind == "write")
        attempt = 0
        while True:
            self.budget.take()
            self._count(kind)
            response: requests.Response | None = None
            error: Exception | None = None
            with self._slots:
                try:
                    response = super().send(request, **kwargs)
                except (requests.ConnectionError, requests.Timeout) as exc:
                    error = exc
            status = response.status_code if response is not None else None
            if status is not None and status not in _RETRY_STATUSES:
                return response  # type: ignore[return-value]
            if once and status != 429 and not (error is not None and _never_sent(error)):
                asked = retry_after(response) if status == 503 else None
                if response is not None:
                    response.close()
                if asked is not None and asked <= self.max_retry_after:
                    # Jira asked for a pause: the look that follows (and any resend) waits.
                    self.sleep(asked)
                path = urlsplit(url).path  # never the host's userinfo or the query
                lost = f"HTTP {status}" if status is not None else type(error).__name__
                raise AmbiguousWrite(
                    f"{method} {path}: the answer was lost ({lost}); the write may have been "
                    "applied",
                    status=status,
                    retryable=True,
                    retry_after=asked,
                )
            if attempt >= self.retries:
                if response is not None:
                    return response
                assert error is not None
                raise error
            wait = retry_after(response) if status in (429, 503) else None
            if wait is None:
                wait = self.backoff(attempt)
            elif wait > self.max_retry_after:
                return response  # type: ignore[return-value]
            if response is not None:
                response.close()
            self._count("retry")
            attempt += 1
            if self.budget.exhausted:
                raise BudgetExhausted(
                    f"the request budget of {self.budget.limit} requests is spent "
                    "(raise [jira] request_budget)"
                )
            self.sleep(wait)
