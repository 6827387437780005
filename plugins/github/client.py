"""A polite GitHub HTTP client: one place for auth, rate limits, retries, pacing and budget.

GitHub punishes clients that ignore its limits (secondary limits escalate to temporary bans),
so every request of the adapter goes through :class:`GitHubClient`, which

* waits out primary limits (``x-ratelimit-remaining: 0`` until ``x-ratelimit-reset``) and
  secondary ones (``retry-after``, else a minute, doubling), as GitHub's docs prescribe;
* retries 5xx and network failures with exponential backoff;
* spaces mutating requests (``write_interval``, ≥ 1 s by default) and keeps them under the
  content-creation ceiling (``writes_per_minute``, 80 by default);
* enforces a per-run request budget, raising :class:`BudgetExhausted` rather than silently
  reading half a backlog;
* revalidates cacheable REST reads with ``If-None-Match`` (a 304 costs no primary quota);
* counts requests by kind into the adapter context (``read``/``write``/``retry``).

Error messages name the method and path only: never a header, never a token.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from trackerguard.errors import RateLimited, TrackerError
from trackerguard.http import (
    PoliteClient,
    Reply,
    decode_json,
    failure,
    parse_retry_after,
    tls_context,
)
from trackerguard.urls import redacted, same_origin

__all__ = ["EtagCache", "GitHubClient", "Politeness", "Reply"]

log = logging.getLogger("trackerguard.github")

_WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
_USER_AGENT = "trackerguard-github-adapter"


@dataclass(frozen=True, slots=True)
class Politeness:
    """The knobs of :class:`GitHubClient` (copied from ``[github]``)."""

    request_budget: int = 5000
    write_interval: float = 1.0
    writes_per_minute: int = 80
    max_retries: int = 5
    backoff: float = 1.0
    secondary_wait: float = 60.0
    max_wait: float = 900.0
    timeout: float = 30.0


class GitHubClient(PoliteClient):
    """Synchronous client over ``httpx.Client``; safe to reuse for a whole run."""

    def __init__(
        self,
        api_url: str,
        graphql_url: str,
        token: Callable[[], str | None],
        counters: dict[str, int],
        politeness: Politeness | None = None,
        *,
        etags: EtagCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.graphql_url = graphql_url
        self._token = token
        self.limits = politeness or Politeness()
        self.etags = etags or EtagCache()
        self._clock = clock
        http = httpx.Client(
            timeout=self.limits.timeout,
            transport=transport,
            verify=tls_context(),
            headers={
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": _USER_AGENT,
            },
        )
        super().__init__(
            name="GitHub",
            section="github",
            http=http,
            counters=counters,
            limits=self.limits,
            logger=log,
            sleep=sleep,
            wall=wall,
        )
        self._windows: dict[str, tuple[int, float]] = {}
        """Primary rate-limit window per resource (``core`` REST, ``graphql``): remaining, reset."""
        self._last_write: float | None = None
        self._writes: deque[float] = deque()

    # -- public API ------------------------------------------------------------------------
    def rest(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        ok: tuple[int, ...] = (200, 201, 204),
        missing_ok: bool = False,
        cache: bool = False,
        token: str | None = None,
        write: bool | None = None,
        idempotent: bool | None = None,
    ) -> Reply:
        """One REST call; 404 gives ``Reply(404, None)`` when ``missing_ok``.

        ``write`` overrides the method-based guess (minting a token is a POST that creates
        no content: it is neither paced nor counted as a write). ``idempotent`` marks a POST
        that may be resent after a lost answer (adding a label twice adds it once); other
        POSTs raise :class:`~trackerguard.errors.AmbiguousWrite` instead.
        """
        if path.startswith(("http://", "https://")) or "://" in path:
            # An absolute URL comes from an answer (a ``Link`` header): the token goes
            # only to the configured origin, never wherever a reply points.
            if not same_origin(path, self.api_url):
                raise TrackerError(
                    f"GitHub sent a link to {redacted(path)!r}, outside the configured "
                    f"api_url {redacted(self.api_url)!r}; not followed (the token is sent only "
                    "to the configured origin)"
                )
            url = path
        else:
            url = f"{self.api_url}{path}"
        headers: dict[str, str] = {}
        cached = self.etags.get(url, params) if cache and method == "GET" else None
        if cached is not None:
            headers["If-None-Match"] = cached[0]
        response = self._call(
            method,
            url,
            params=params,
            body=body,
            headers=headers,
            token=token,
            write=write,
            idempotent=idempotent,
        )
        if response.status_code == 304 and cached is not None:
            self.counters["not_modified"] = self.counters.get("not_modified", 0) + 1
            return Reply(200, cached[1], response.headers)
        if response.status_code == 404 and missing_ok:
            return Reply(404, None, response.headers)
        if response.status_code not in ok:
            raise _failure(method, path, response)
        data = _json(response) if response.content else None
        etag = response.headers.get("etag")
        if cache and method == "GET" and etag:
            self.etags.put(url, params, etag, data)
        return Reply(response.status_code, data, response.headers)

    def paginate(
        self, path: str, params: Mapping[str, Any] | None = None, *, cache: bool = False
    ) -> Iterator[Any]:
        """Every element of a paginated REST list, following ``Link: rel="next"``."""
        query: Mapping[str, Any] | None = {"per_page": 100, **(params or {})}
        url = path
        while True:
            reply = self.rest("GET", url, params=query, cache=cache)
            yield from reply.data or []
            next_url = _next_link(reply.headers.get("link", ""))
            if not next_url:
                return
            url, query = next_url, None

    def graphql(
        self, query: str, variables: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Run a query; returns ``(data, errors)``. Rate-limit errors are waited out."""
        payload = {"query": query, "variables": dict(variables or {})}
        for attempt in range(self.limits.max_retries + 1):
            response = self._call("POST", self.graphql_url, body=payload, graphql=True)
            if response.status_code != 200:
                raise _failure("POST", "graphql", response)
            document = _json(response)
            if not isinstance(document, dict):
                raise TrackerError("GitHub GraphQL answered with a non-object document")
            errors = list(document.get("errors") or [])
            if any(e.get("type") == "RATE_LIMITED" for e in errors):
                wait = self._until_reset(response.headers) or self.limits.secondary_wait
                self._windows.pop("graphql", None)  # this pause covers the primary window
                self._pause(wait, "GraphQL rate limit", attempt)
                continue
            data = document.get("data")
            if data is None:
                messages = "; ".join(str(e.get("message", "?")) for e in errors) or "no data"
                raise TrackerError(f"GitHub GraphQL query failed: {messages}")
            return data, errors
        raise RateLimited("GitHub GraphQL rate limit persisted through every retry")

    # -- internals ------------------------------------------------------------------------
    def _call(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        graphql: bool = False,
        token: str | None = None,
        write: bool | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        writes = (method in _WRITE_METHODS and not graphql) if write is None else write
        shown = "graphql" if graphql else url.removeprefix(self.api_url)
        return self._send(
            method,
            url,
            f"{method} {shown}",
            write=writes,
            scope="graphql" if graphql else "core",
            params=params,
            content=None if body is None else json.dumps(body).encode(),
            headers=headers,
            auth=None if token is None else (lambda: _bearer(token)),
            idempotent=idempotent,
        )

    def _auth_headers(self) -> dict[str, str]:
        return _bearer(self._token())

    def _prepare(self, scope: str, write: bool) -> None:
        self._respect_primary(scope)
        if write:
            self._pace_writes()

    def _throttle(self, response: httpx.Response, attempt: int, scope: str) -> float | None:
        self._note_limits(response.headers, scope)
        if _rate_limited(response):
            return self._rate_limit_wait(response, attempt, scope)
        return None

    def _note_limits(self, headers: Mapping[str, str], resource: str) -> None:
        remaining = headers.get("x-ratelimit-remaining")
        reset = headers.get("x-ratelimit-reset")
        if remaining is not None and remaining.isdigit() and reset is not None and reset.isdigit():
            self._windows[headers.get("x-ratelimit-resource") or resource] = (
                int(remaining),
                float(reset),
            )

    def _respect_primary(self, resource: str) -> None:
        """Don't spend a request we know will be refused: wait for the window to reset."""
        remaining, reset_at = self._windows.get(resource, (None, None))
        if remaining == 0 and reset_at is not None:
            self._wait_for_reset(reset_at - self._wall() + 1)
            self._windows.pop(resource, None)

    def _until_reset(self, headers: Mapping[str, str]) -> float | None:
        reset = headers.get("x-ratelimit-reset")
        if reset is None or not reset.isdigit():
            return None
        return max(float(reset) - self._wall() + 1, 0.0)

    def _rate_limit_wait(self, response: httpx.Response, attempt: int, resource: str) -> float:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if retry_after is not None:
            return retry_after
        if response.headers.get("x-ratelimit-remaining") == "0":
            self._windows.pop(response.headers.get("x-ratelimit-resource") or resource, None)
            return self._until_reset(response.headers) or self.limits.secondary_wait
        return float(self.limits.secondary_wait * 2**attempt)

    def _pace_writes(self) -> None:
        now = self._clock()
        if self._last_write is not None:
            gap = self._last_write + self.limits.write_interval - now
            if gap > 0:
                self._sleep_for(gap)
                now = self._clock()
        window = self._writes
        while window and now - window[0] >= 60.0:
            window.popleft()
        if len(window) >= self.limits.writes_per_minute:
            self._sleep_for(60.0 - (now - window[0]))
            now = self._clock()
            window.popleft()
        window.append(now)
        self._last_write = now


class EtagCache:
    """ETag → body memory for conditional GETs; optionally persisted between runs."""

    def __init__(self, store: Any = None, namespace: str = "github.etag") -> None:
        self._store = store
        self._namespace = namespace
        self._memory: dict[str, tuple[str, Any]] = {}

    @staticmethod
    def _key(url: str, params: Mapping[str, Any] | None) -> str:
        return url + "?" + json.dumps(sorted((params or {}).items()), default=str)

    def get(self, url: str, params: Mapping[str, Any] | None) -> tuple[str, Any] | None:
        key = self._key(url, params)
        if key in self._memory:
            return self._memory[key]
        if self._store is not None:
            try:
                found = self._store.recall(self._namespace, key)
            except Exception:
                return None
            if isinstance(found, list) and len(found) == 2:
                self._memory[key] = (str(found[0]), found[1])
                return self._memory[key]
        return None

    def put(self, url: str, params: Mapping[str, Any] | None, etag: str, data: Any) -> None:
        key = self._key(url, params)
        self._memory[key] = (etag, data)
        if self._store is not None:
            try:
                self._store.remember(self._namespace, key, [etag, data])
            except Exception:
                log.debug("could not persist an ETag", exc_info=True)


def _rate_limited(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    if "retry-after" in response.headers or response.headers.get("x-ratelimit-remaining") == "0":
        return True
    try:
        message = str(response.json().get("message", ""))
    except ValueError:
        return False
    return "rate limit" in message.lower()


def _bearer(secret: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"} if secret else {}


def _json(response: httpx.Response) -> Any:
    return decode_json(response, "GitHub")


def _failure(method: str, path: str, response: httpx.Response) -> TrackerError:
    return failure("GitHub", method, path, response)


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        section = part.split(";")
        if len(section) < 2:
            continue
        if any(p.strip() == 'rel="next"' for p in section[1:]):
            return section[0].strip().strip("<>")
    return None
