"""A small Redmine REST client: JSON in and out, paging, retries, request counting.

Why not a Redmine client library: the adapter needs a handful of endpoints, exact control over
paging (``offset``/``limit``, capped at 100 by the server), per-request accounting for the
report (``context.requests``) and error messages that never carry the API key. The key travels
only in the ``X-Redmine-API-Key`` header, never in a URL, so no URL in a message can leak it.

Once Redmine has stopped answering (connection refused or timed out after the retries), the
client stays *down* for the rest of the run: every later call fails at once instead of
waiting through retries again, and nothing is written to a half-reachable server.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from trackerguard.errors import AmbiguousWrite, AuthError, RateLimited, TrackerError
from trackerguard.http import NOT_SENT, tls_context
from trackerguard.ledger import ScanLedger
from trackerguard.urls import redacted

_RETRY_STATUSES = frozenset({502, 503, 504})
Params = Mapping[str, str | int]


class RedmineDown(TrackerError):
    """Redmine could not be reached (after retries); the run must stop reading and writing."""


class RedmineClient:
    """JSON over HTTP to one Redmine instance."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        counters: dict[str, int],
        timeout: float = 30.0,
        retries: int = 2,
        max_wait: float = 900.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.counters = counters
        self.retries = retries
        self.max_wait = max_wait
        self._sleep = sleep
        self.down: str | None = None
        """Why Redmine is considered unreachable for the rest of the run (None while up)."""
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={
                "X-Redmine-API-Key": api_key,
                "Accept": "application/json",
                "User-Agent": "trackerguard",
            },
            timeout=timeout,
            transport=transport,
            verify=tls_context(),  # one CA bundle load per process, not per client
        )

    # -- primitives ----------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        idempotent: bool = True,
    ) -> httpx.Response:
        """Send one request (retrying transient failures); raise ``TrackerError`` on failure.

        A request that is not ``idempotent`` (a PUT that adds a note creates a journal each
        time) is never resent once it may have been applied: a lost answer raises
        :class:`~trackerguard.errors.AmbiguousWrite` and the caller re-reads the issue.
        """
        if self.down is not None:
            raise RedmineDown(self.down)
        kind = "read" if method == "GET" else "write"
        attempt = 0
        while True:
            self.counters[kind] = self.counters.get(kind, 0) + 1
            try:
                response = self._http.request(method, path, params=params, json=json)
            except httpx.TransportError as exc:
                if not idempotent and not isinstance(exc, NOT_SENT):
                    raise AmbiguousWrite(
                        f"Redmine {method} {path}: the answer was lost ({type(exc).__name__}); "
                        "the write may have been applied",
                        retryable=True,
                    ) from None
                if attempt < self.retries:
                    attempt += 1
                    self._retry_pause(attempt)
                    continue
                self.down = (
                    f"Redmine at {redacted(self.base_url)} is unreachable "
                    f"({type(exc).__name__} on {method} {path})"
                )
                raise RedmineDown(self.down) from None
            if response.status_code == 429 or (
                idempotent
                and response.status_code in _RETRY_STATUSES
                and "Retry-After" in response.headers
            ):
                # Redmine itself never limits, but the proxies in front of it do: a 429 was
                # refused before it reached Redmine, so waiting and resending is safe even
                # for a note; a wait past max_wait stops (RateLimited stops the write phase).
                wait = _retry_after(response.headers.get("Retry-After"))
                if wait > self.max_wait:
                    raise RateLimited(
                        f"Redmine {method} {path}: HTTP {response.status_code} asks to wait "
                        f"{wait:.0f} s, longer than [redmine] max_wait ({self.max_wait:.0f} s)",
                        status=response.status_code,
                    )
                if attempt < self.retries:
                    attempt += 1
                    self.counters["retry"] = self.counters.get("retry", 0) + 1
                    self._sleep(wait)
                    continue
                if response.status_code == 429:
                    raise RateLimited(
                        f"Redmine {method} {path}: still rate limited (HTTP 429) after "
                        f"{self.retries} retries",
                        status=429,
                    )
            if response.status_code >= 500 and not idempotent:
                raise AmbiguousWrite(
                    f"Redmine {method} {path}: HTTP {response.status_code}; "
                    "the write may have been applied",
                    status=response.status_code,
                    retryable=True,
                )
            if response.status_code in _RETRY_STATUSES and attempt < self.retries:
                attempt += 1
                self._retry_pause(attempt)
                continue
            break
        if response.status_code >= 400:
            raise _error(method, path, response)
        return response

    def _retry_pause(self, attempt: int) -> None:
        self.counters["retry"] = self.counters.get("retry", 0) + 1
        self._sleep(0.25 * 2 ** (attempt - 1))

    def get(self, path: str, params: Params | None = None) -> dict[str, Any]:
        body = self.request("GET", path, params=params).json()
        if not isinstance(body, dict):
            raise TrackerError(f"Redmine answered GET {path} with unexpected JSON")
        return body

    def put(self, path: str, payload: Mapping[str, Any], *, idempotent: bool = True) -> None:
        """PUT answers 204 with an empty body: nothing to parse."""
        self.request("PUT", path, json=payload, idempotent=idempotent)

    def post(self, path: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        response = self.request("POST", path, json=payload)
        body = response.json() if response.content else {}
        return body if isinstance(body, dict) else {}

    # -- paging ------------------------------------------------------------------------------------
    def paginate(
        self,
        path: str,
        key: str,
        params: Params,
        page_size: int = 100,
        *,
        ledger: ScanLedger | None = None,
        where: str = "",
    ) -> Iterator[dict[str, Any]]:
        """Every object of a paged list endpoint, following ``total_count``.

        With a ``ledger`` (a scan's listing) the first page's ``total_count`` is declared
        as announced and checked against what the pages delivered: a page that comes back
        empty before the total is reached ends the listing *named*, not quietly."""
        offset = 0
        announced: int | None = None
        distinct: set[Any] = set()
        while True:
            page = self.get(path, {**params, "offset": offset, "limit": page_size})
            objects = page.get(key) or []
            yield from objects
            offset += len(objects)
            # Offsets shift when issues change mid-scan: count what arrived, not the offset.
            distinct.update(o.get("id") for o in objects if isinstance(o, dict))
            total = int(page.get("total_count", 0) or 0)
            if announced is None:
                announced = total
            if not objects or offset >= total:
                if ledger is not None:
                    ledger.announced(announced, where, received=len(distinct - {None}))
                return

    def close(self) -> None:
        self._http.close()


def _retry_after(value: str | None) -> float:
    """Seconds of a ``Retry-After`` (delta-seconds or an HTTP date); 1 s when unreadable."""
    if value is None:
        return 1.0
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 1.0
    return max(0.0, when.timestamp() - time.time())


def _error(method: str, path: str, response: httpx.Response) -> TrackerError:
    """A one-line, secret-free message for a failed request."""
    status = response.status_code
    detail = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        detail = ": " + "; ".join(str(e) for e in body["errors"])
    where = f"{method} {path}"
    if status == 401:
        return AuthError(
            f"Redmine rejected the API key (401 on {where}); check [redmine] api_key "
            "(TRACKERGUARD_REDMINE__API_KEY) and that the REST API is enabled",
            status=status,
        )
    if status == 403:
        return TrackerError(f"Redmine refused {where} (403 forbidden){detail}", status=status)
    if status == 404:
        return TrackerError(f"Redmine has no {path} (404)", status=status)
    if status == 422:
        return TrackerError(f"Redmine rejected {where} (422){detail}", status=status)
    return TrackerError(
        f"Redmine answered {where} with HTTP {status}{detail}",
        status=status,
        retryable=status in _RETRY_STATUSES,
    )
