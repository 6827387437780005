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
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from trackerguard.errors import AuthError, BudgetExhausted, RateLimited, TrackerError

log = logging.getLogger("trackerguard.gitlab")

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_USER_AGENT = "trackerguard-gitlab-adapter"


def enc(path_or_id: str) -> str:
    """A project or group id for a URL: ``group/project`` → ``group%2Fproject``."""
    return quote(str(path_or_id), safe="")


@dataclass(frozen=True, slots=True)
class Reply:
    """A decoded response: status, JSON body (or None) and headers."""

    status: int
    data: Any
    headers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Politeness:
    """The knobs of :class:`GitLabClient` (copied from ``[gitlab]``)."""

    request_budget: int = 5000
    max_retries: int = 5
    backoff: float = 1.0
    max_wait: float = 900.0
    timeout: float = 30.0


class GitLabClient:
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
        self.counters = counters
        self.limits = politeness or Politeness()
        self._sleep = sleep
        self._wall = wall
        headers = {"User-Agent": _USER_AGENT, "Accept": "application/json"}
        if token:
            headers["PRIVATE-TOKEN"] = token
        self._http = httpx.Client(timeout=self.limits.timeout, transport=transport, headers=headers)
        self.used = 0
        self.waited = 0.0
        self._reset_at: float | None = None
        """Set when a response said ``RateLimit-Remaining: 0``: wait until then."""

    def close(self) -> None:
        self._http.close()

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
        response = self._send(method, self.api_url + path, path, params=params, body=body)
        if response.status_code == 404 and missing_ok:
            return Reply(404, None, response.headers)
        if response.status_code not in ok:
            raise _failure(method, path, response)
        data = _json(response) if response.content else None
        return Reply(response.status_code, data, response.headers)

    def paginate(self, path: str, params: Any = None, *, per_page: int = 100) -> Iterator[Any]:
        """Every element of a paginated list, following ``X-Next-Page``."""
        base = list(params.items()) if isinstance(params, Mapping) else list(params or [])
        page = "1"
        while True:
            query = [*base, ("per_page", per_page), ("page", page)]
            reply = self.rest("GET", path, params=query)
            yield from reply.data or []
            following = (reply.headers.get("x-next-page") or "").strip()
            if not following or following == page:
                return
            page = following

    def graphql(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Run a GraphQL document; raise ``TrackerError`` when it answers errors without data."""
        body = {"query": query, "variables": dict(variables)}
        response = self._send("POST", self.graphql_url, "graphql", body=body, write=False)
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
    def _send(
        self,
        method: str,
        url: str,
        shown: str,
        *,
        params: Any = None,
        body: Any = None,
        write: bool | None = None,
    ) -> httpx.Response:
        writes = method in _WRITE_METHODS if write is None else write
        kind = "write" if writes else "read"
        for attempt in range(self.limits.max_retries + 1):
            budget = self.limits.request_budget
            if budget and self.used >= budget:
                raise BudgetExhausted(
                    f"request budget of {budget} requests spent (raise [gitlab] request_budget)"
                )
            self._respect_window()
            self.used += 1
            counter = "retry" if attempt else kind
            self.counters[counter] = self.counters.get(counter, 0) + 1
            try:
                response = self._http.request(
                    method,
                    url,
                    params=params,
                    content=None if body is None else json.dumps(body).encode(),
                    headers={"Content-Type": "application/json"} if body is not None else None,
                )
            except httpx.TransportError as exc:
                if attempt >= self.limits.max_retries:
                    raise TrackerError(
                        f"GitLab unreachable ({method} {shown}): {type(exc).__name__}",
                        retryable=True,
                    ) from None
                self._pause(self.limits.backoff * 2**attempt, "network error", attempt)
                continue
            self._note_window(response.headers)
            if response.status_code == 429:
                self._reset_at = None  # the wait below covers the window
                wait = self._retry_after(response.headers, attempt)
                self._pause(wait, f"rate limited on {method} {shown}", attempt)
                continue
            if response.status_code >= 500:
                if attempt >= self.limits.max_retries:
                    return response
                self._pause(
                    self.limits.backoff * 2**attempt, f"HTTP {response.status_code}", attempt
                )
                continue
            return response
        raise RateLimited(f"GitLab kept refusing {method} {shown} after every retry")

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
        if wait <= 0:
            return
        if wait > self.limits.max_wait:
            raise RateLimited(
                f"GitLab rate limit exhausted; it resets in {int(wait)} s, longer than "
                f"[gitlab] max_wait ({int(self.limits.max_wait)} s)"
            )
        log.warning("GitLab rate limit exhausted; waiting %.0f s for the reset", wait)
        self._sleep_for(wait)

    def _retry_after(self, headers: Mapping[str, str], attempt: int) -> float:
        value = (headers.get("retry-after") or "").strip()
        if value:
            try:
                return max(float(value), 0.0)
            except ValueError:
                try:
                    return max(parsedate_to_datetime(value).timestamp() - self._wall(), 0.0)
                except (TypeError, ValueError):
                    pass
        reset = (headers.get("ratelimit-reset") or "").strip()
        if reset.isdigit():
            return max(float(reset) - self._wall(), 0.0)
        return float(self.limits.backoff * 2**attempt)

    def _pause(self, wait: float, why: str, attempt: int) -> None:
        if attempt >= self.limits.max_retries:
            raise RateLimited(f"GitLab: {why}; giving up after {attempt + 1} attempts")
        if wait > self.limits.max_wait:
            raise RateLimited(
                f"GitLab: {why}; asked to wait {int(wait)} s, longer than [gitlab] max_wait"
            )
        log.info("GitLab: %s; retrying in %.1f s", why, wait)
        self._sleep_for(wait)

    def _sleep_for(self, seconds: float) -> None:
        if seconds > 0:
            self.waited += seconds
            self._sleep(seconds)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise TrackerError(
            f"GitLab answered HTTP {response.status_code} with a body that is not JSON"
        ) from None


def _failure(method: str, path: str, response: httpx.Response) -> TrackerError:
    message = ""
    try:
        body = response.json()
        if isinstance(body, dict):
            message = str(body.get("message") or body.get("error") or "")
    except ValueError:
        pass
    status = response.status_code
    text = f"GitLab {method} {path} failed: HTTP {status}" + (f" ({message})" if message else "")
    if status == 401:
        return AuthError(text + ": the token was rejected", status=status)
    return TrackerError(text, status=status, retryable=status >= 500)
