"""A polite GitLab HTTP client: auth, rate limits, retries and a request budget in one place.

Every request of the adapter goes through :class:`GitLabClient`, which

* sends the token as ``PRIVATE-TOKEN`` (never in a URL, so never in an error or a log);
* waits out rate limits: ``Retry-After`` on a 429 first, then ``RateLimit-Reset``, then
  exponential backoff (GitLab answers some 429s without any header); and when a response
  says ``RateLimit-Remaining: 0`` it waits for the reset *before* spending a request that
  would be refused;
* retries 5xx and network failures with exponential backoff;
* enforces a per-run request budget, raising :class:`BudgetExhausted` rather than silently
  reading half a backlog;
* follows offset pagination by ``X-Next-Page`` (present even above 10,000 rows, where
  ``X-Total*`` disappear);
* counts requests by kind into the adapter context (``read``/``write``/``retry``).

Error messages name the method and the path only: never a header, never a token.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from trackerguard.errors import TrackerError
from trackerguard.http import (
    PoliteClient,
    Reply,
    decode_json,
    failure,
    parse_retry_after,
    tls_context,
)
from trackerguard.ledger import ScanLedger

__all__ = ["GitLabClient", "Politeness", "Reply", "enc"]

log = logging.getLogger("trackerguard.gitlab")

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_USER_AGENT = "trackerguard-gitlab-adapter"


def enc(path_or_id: str) -> str:
    """A project or group id for a URL: ``group/project`` → ``group%2Fproject``."""
    return quote(str(path_or_id), safe="")


@dataclass(frozen=True, slots=True)
class Politeness:
    """The knobs of :class:`GitLabClient` (copied from ``[gitlab]``)."""

    request_budget: int = 5000
    max_retries: int = 5
    backoff: float = 1.0
    max_wait: float = 900.0
    timeout: float = 30.0


class GitLabClient(PoliteClient):
    """Synchronous client over ``httpx.Client``; safe to reuse for a whole run."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        counters: dict[str, int],
        politeness: Politeness | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        base = base_url.rstrip("/")
        self.api_url = f"{base}/api/v4"
        self.graphql_url = f"{base}/api/graphql"
        self.limits = politeness or Politeness()
        headers = {"User-Agent": _USER_AGENT, "Accept": "application/json"}
        if token:
            headers["PRIVATE-TOKEN"] = token
        http = httpx.Client(
            timeout=self.limits.timeout, transport=transport, headers=headers, verify=tls_context()
        )
        super().__init__(
            name="GitLab",
            section="gitlab",
            http=http,
            counters=counters,
            limits=self.limits,
            logger=log,
            sleep=sleep,
            wall=wall,
        )
        self._reset_at: float | None = None
        """Set when a response said ``RateLimit-Remaining: 0``: wait until then."""

    # -- public API ------------------------------------------------------------------------
    def rest(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        body: Any = None,
        ok: tuple[int, ...] = (200, 201, 204),
        missing_ok: bool = False,
    ) -> Reply:
        """One REST call on ``/api/v4``; 404 gives ``Reply(404, None)`` when ``missing_ok``."""
        response = self._call(method, self.api_url + path, path, params=params, body=body)
        if response.status_code == 404 and missing_ok:
            return Reply(404, None, response.headers)
        if response.status_code not in ok:
            raise _failure(method, path, response)
        data = _json(response) if response.content else None
        return Reply(response.status_code, data, response.headers)

    def paginate(
        self,
        path: str,
        params: Any = None,
        *,
        per_page: int = 100,
        ledger: ScanLedger | None = None,
        where: str = "",
    ) -> Iterator[Any]:
        """Every element of a paginated list, following ``X-Next-Page``.

        With a ``ledger`` (a scan's listing) the ``X-Total`` of the first page is declared
        as announced and checked against what the pages delivered, and a next page that
        repeats is a named problem instead of a quiet end."""
        base = list(params.items()) if isinstance(params, Mapping) else list(params or [])
        page = "1"
        seen_pages = {page}
        received = 0
        total: int | None = None
        while True:
            query = [*base, ("per_page", per_page), ("page", page)]
            reply = self.rest("GET", path, params=query)
            rows = reply.data if isinstance(reply.data, list) else []
            received += len(rows)
            if total is None:
                # GitLab leaves X-Total out above 10,000 results (then: not announced).
                announced = (reply.headers.get("x-total") or "").strip()
                total = int(announced) if announced.isdigit() else -1
            yield from rows
            following = (reply.headers.get("x-next-page") or "").strip()
            if following in seen_pages and ledger is not None:
                ledger.problem(
                    f"not judged: {where}: GitLab named page {following} as the next "
                    f"page again after {received} items; the rest was never listed"
                )
            if not following or following in seen_pages:
                if ledger is not None and total >= 0:
                    ledger.announced(total, where, received=received)
                return
            seen_pages.add(following)
            page = following

    def graphql(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Run a GraphQL document; raise ``TrackerError`` when it answers errors without data."""
        body = {"query": query, "variables": dict(variables)}
        response = self._call("POST", self.graphql_url, "graphql", body=body, write=False)
        if response.status_code != 200:
            raise _failure("POST", "/api/graphql", response)
        document = _json(response)
        if not isinstance(document, dict):
            raise TrackerError("GitLab GraphQL answered with a non-object document")
        data = document.get("data")
        errors = document.get("errors") or []
        if errors or not isinstance(data, dict):
            messages = "; ".join(str(e.get("message", "?")) for e in errors if isinstance(e, dict))
            raise TrackerError(f"GitLab GraphQL query failed: {messages or 'no data'}")
        return data

    # -- internals ------------------------------------------------------------------------
    def _call(
        self,
        method: str,
        url: str,
        shown: str,
        *,
        params: Any = None,
        body: Any = None,
        write: bool | None = None,
    ) -> httpx.Response:
        return self._send(
            method,
            url,
            f"{method} {shown}",
            write=method in _WRITE_METHODS if write is None else write,
            params=params,
            content=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"} if body is not None else None,
        )

    def _prepare(self, scope: str, write: bool) -> None:
        self._respect_window()

    def _throttle(self, response: httpx.Response, attempt: int, scope: str) -> float | None:
        self._note_window(response.headers)
        if response.status_code != 429:
            return None
        self._reset_at = None  # the wait covers the window
        return self._retry_after(response.headers, attempt)

    def _note_window(self, headers: Mapping[str, str]) -> None:
        remaining = (headers.get("ratelimit-remaining") or "").strip()
        reset = (headers.get("ratelimit-reset") or "").strip()
        if remaining == "0" and reset.isdigit():
            self._reset_at = float(reset)

    def _respect_window(self) -> None:
        """Don't spend a request we know will be refused: wait for the window to reset."""
        if self._reset_at is None:
            return
        wait = self._reset_at - self._wall()
        self._reset_at = None
        self._wait_for_reset(wait)

    def _retry_after(self, headers: Mapping[str, str], attempt: int) -> float:
        retry_after = parse_retry_after(headers.get("retry-after"), self._wall())
        if retry_after is not None:
            return retry_after
        reset = (headers.get("ratelimit-reset") or "").strip()
        if reset.isdigit():
            return max(float(reset) - self._wall(), 0.0)
        return self._backoff(attempt)


def _json(response: httpx.Response) -> Any:
    return decode_json(response, "GitLab")


def _failure(method: str, path: str, response: httpx.Response) -> TrackerError:
    return failure("GitLab", method, path, response, keys=("message", "error"))
