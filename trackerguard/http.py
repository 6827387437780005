"""The shared mechanism of the polite tracker HTTP clients (GitHub, GitLab, Linear).

Every hosted tracker punishes clients that ignore its limits, and a guard that reads half a
backlog and reports it clean is worse than one that stops. The adapters therefore send every
request through a :class:`PoliteClient` subclass, which owns the parts that are the same for
all of them:

* a per-run request budget, raising :class:`BudgetExhausted` before the request that would
  exceed it (the scan is then reported partial instead of silently incomplete);
* retries of network failures and 5xx answers with exponential backoff, except for a
  non-idempotent write (creating a comment): once such a request may have reached the
  tracker (a 5xx, a timeout, a reset after sending), resending it could write twice, so
  :class:`~trackerguard.errors.AmbiguousWrite` is raised and the adapter re-reads the item
  before any retry. A connection refused before sending, or a rate-limit refusal, is safe
  to retry for every request;
* waits the tracker asks for (``Retry-After``, a reset header) bounded by ``max_wait``, and
  :class:`RateLimited` past ``max_retries`` or ``max_wait`` rather than an endless sleep;
* counting requests by kind (``read``/``write``/``retry``) into the adapter context.

What differs per tracker stays in the subclass, through two hooks: :meth:`PoliteClient._prepare`
(wait for a known-exhausted window, pace writes) and :meth:`PoliteClient._throttle` (read the
tracker's rate-limit headers or error codes and say how long to wait). Credentials are sent
from :meth:`PoliteClient._auth_headers` on each attempt and never appear in an error: messages
name the tracker and the operation only.
"""

from __future__ import annotations

import functools
import logging
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from trackerguard.errors import (
    AmbiguousWrite,
    AuthError,
    BudgetExhausted,
    RateLimited,
    TrackerError,
)

__all__ = [
    "NOT_SENT",
    "Limits",
    "PoliteClient",
    "Reply",
    "decode_json",
    "failure",
    "idempotent_by_default",
    "parse_retry_after",
]


NOT_SENT: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
"""Transport failures that happen before a request leaves: retrying them never writes twice."""


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The one TLS context of this process for every tracker client (``verify=`` it).

    httpx builds a new context for every client, loading the whole CA bundle: about 20 ms
    of CPU each time. A CLI run makes one client, but the service makes one per job (a
    fresh Runner), and on a busy service that CPU was most of a worker's and was taken
    from the acknowledgements. The context is httpx's own default (certificates verified,
    host names checked, ``SSL_CERT_FILE``/``SSL_CERT_DIR`` honoured), created once; an
    ``ssl.SSLContext`` may be shared by the clients of all threads."""
    return httpx.create_ssl_context()


def idempotent_by_default(method: str, write: bool) -> bool:
    """Reads and PUT/PATCH/DELETE (a full replacement, a removal) may be resent; a POST
    that writes creates something each time unless the caller says otherwise."""
    return not write or method.upper() != "POST"


class Limits(Protocol):
    """The politeness knobs every client reads (each adapter's ``Politeness`` has them)."""

    @property
    def request_budget(self) -> int: ...
    @property
    def max_retries(self) -> int: ...
    @property
    def backoff(self) -> float: ...
    @property
    def max_wait(self) -> float: ...
    @property
    def timeout(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Reply:
    """A decoded response: status, JSON body (or None) and headers."""

    status: int
    data: Any
    headers: Mapping[str, str]


class PoliteClient:
    """Budget, retries, bounded waits and request counting around one ``httpx.Client``.

    ``name`` ("GitHub") starts every message; ``section`` ("github") names the config
    section a user should edit when a limit is hit. Subclasses call :meth:`_send` and
    override the hooks; they keep their own public API (REST, GraphQL, pagination).
    """

    rate_limited_why = "rate limited on {what}"
    """How a rate-limit retry is described in logs and in the final :class:`RateLimited`."""

    def __init__(
        self,
        *,
        name: str,
        section: str,
        http: httpx.Client,
        counters: dict[str, int],
        limits: Limits,
        logger: logging.Logger,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.section = section
        self.counters = counters
        self.used = 0
        """Requests sent this run (retries included): what the budget is checked against."""
        self.waited = 0.0
        """Seconds slept for rate limits, resets and backoff this run."""
        self._limits = limits
        self._http = http
        self._log = logger
        self._sleep = sleep
        self._wall = wall

    def close(self) -> None:
        self._http.close()

    # -- hooks --------------------------------------------------------------------------
    def _auth_headers(self) -> dict[str, str]:
        """Credentials for one attempt; asked each time so a refreshed token is used."""
        return {}

    def _prepare(self, scope: str, write: bool) -> None:
        """Before each attempt: wait for a window known to be exhausted, pace writes."""

    def _throttle(self, response: httpx.Response, attempt: int, scope: str) -> float | None:
        """Seconds to wait when ``response`` is a rate-limit refusal, else ``None``.

        Also the place to remember rate-limit headers, and to raise for an answer that no
        retry can fix (Linear's authentication errors arrive in the body).
        """
        return None

    # -- the mechanism --------------------------------------------------------------------
    def _send(
        self,
        method: str,
        url: str,
        what: str,
        *,
        write: bool,
        scope: str = "",
        params: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        auth: Callable[[], Mapping[str, str]] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send with retries; return the final response (a 5xx once retries are spent).

        ``what`` names the request in messages (``GET /issues``, ``query``): never a header.
        ``auth`` replaces :meth:`_auth_headers` for this request. ``idempotent`` says whether
        the request may be resent after it may have been applied (default: every read, and
        writes other than POST, see :func:`idempotent_by_default`); a non-idempotent one
        raises :class:`AmbiguousWrite` instead of resending.
        """
        limits = self._limits
        kind = "write" if write else "read"
        resend = idempotent_by_default(method, write) if idempotent is None else idempotent
        for attempt in range(limits.max_retries + 1):
            budget = limits.request_budget
            if budget and self.used >= budget:
                raise BudgetExhausted(
                    f"request budget of {budget} requests spent "
                    f"(raise [{self.section}] request_budget)"
                )
            self._prepare(scope, write)
            all_headers = dict(headers or {})
            all_headers.update((auth or self._auth_headers)())
            self.used += 1
            self._count("retry" if attempt else kind)
            try:
                response = self._http.request(
                    method, url, params=params, content=content, headers=all_headers or None
                )
            except httpx.TransportError as exc:
                if not resend and not isinstance(exc, NOT_SENT):
                    raise AmbiguousWrite(
                        f"{self.name} {what}: the answer was lost ({type(exc).__name__}); "
                        "the write may have been applied",
                        retryable=True,
                    ) from None
                if attempt >= limits.max_retries:
                    raise TrackerError(
                        f"{self.name} unreachable ({what}): {type(exc).__name__}",
                        retryable=True,
                    ) from None
                self._pause(self._backoff(attempt), "network error", attempt)
                continue
            wait = self._throttle(response, attempt, scope)
            if wait is not None:
                self._pause(wait, self.rate_limited_why.format(what=what), attempt)
                continue
            if response.status_code >= 500:
                if not resend:
                    response.close()
                    raise AmbiguousWrite(
                        f"{self.name} {what}: HTTP {response.status_code}; "
                        "the write may have been applied",
                        status=response.status_code,
                        retryable=True,
                        retry_after=parse_retry_after(response.headers.get("retry-after")),
                    )
                if attempt >= limits.max_retries:
                    return response
                self._pause(self._backoff(attempt), f"HTTP {response.status_code}", attempt)
                continue
            return response
        raise RateLimited(f"{self.name} kept refusing {what} after every retry")

    def _count(self, counter: str) -> None:
        self.counters[counter] = self.counters.get(counter, 0) + 1

    def _backoff(self, attempt: int) -> float:
        return float(self._limits.backoff * 2**attempt)

    def _pause(self, wait: float, why: str, attempt: int) -> None:
        """Sleep before retry ``attempt + 1``, or give up when retries or patience run out."""
        if attempt >= self._limits.max_retries:
            raise RateLimited(f"{self.name}: {why}; giving up after {attempt + 1} attempts")
        if wait > self._limits.max_wait:
            raise RateLimited(
                f"{self.name}: {why}; asked to wait {int(wait)} s, "
                f"longer than [{self.section}] max_wait"
            )
        self._log.info("%s: %s; retrying in %.1f s", self.name, why, wait)
        self._sleep_for(wait)

    def _wait_for_reset(self, wait: float) -> None:
        """Wait for an exhausted window to reset rather than spend a request bound to fail."""
        if wait <= 0:
            return
        max_wait = self._limits.max_wait
        if wait > max_wait:
            raise RateLimited(
                f"{self.name} rate limit exhausted; it resets in {int(wait)} s, longer than "
                f"[{self.section}] max_wait ({int(max_wait)} s)"
            )
        self._log.warning("%s rate limit exhausted; waiting %.0f s for the reset", self.name, wait)
        self._sleep_for(wait)

    def _sleep_for(self, seconds: float) -> None:
        if seconds > 0:
            self.waited += seconds
            self._sleep(seconds)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds named by a ``Retry-After`` header, or ``None`` when absent or unreadable.

    The delta-seconds form is always understood; the HTTP-date form only when ``now`` (the
    wall clock) is given, since only then can it be turned into a wait.
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    if now is None:
        return None
    try:
        return max(parsedate_to_datetime(text).timestamp() - now, 0.0)
    except (TypeError, ValueError):
        return None


def decode_json(response: httpx.Response, name: str) -> Any:
    """The JSON body, or a :class:`TrackerError` naming the tracker and status (not the body)."""
    try:
        return response.json()
    except ValueError:
        raise TrackerError(
            f"{name} answered HTTP {response.status_code} with a body that is not JSON"
        ) from None
    except RecursionError:
        raise TrackerError(
            f"{name} answered HTTP {response.status_code} with JSON nested too deeply to read"
        ) from None


def failure(
    name: str,
    method: str,
    path: str,
    response: httpx.Response,
    keys: tuple[str, ...] = ("message",),
) -> TrackerError:
    """The error for an unexpected REST status: :class:`AuthError` for 401.

    The tracker's own message (the first present of ``keys`` in a JSON object body) is
    quoted because it usually says what was wrong; headers and the token never are.
    """
    message = ""
    try:
        body = response.json()
        if isinstance(body, dict):
            message = str(next((body[key] for key in keys if body.get(key)), ""))
    except ValueError:
        pass
    status = response.status_code
    text = f"{name} {method} {path} failed: HTTP {status}" + (f" ({message})" if message else "")
    if status == 401:
        return AuthError(text + ": the token was rejected", status=status)
    return TrackerError(text, status=status, retryable=status >= 500)
