"""A polite Linear GraphQL client: auth, ``errors[]``, rate limits, retries and budget.

Linear answers most failures with a GraphQL ``errors`` list, often with HTTP 200 (and HTTP
400 for authentication and rate-limit errors), so every answer is inspected:

* ``extensions.code == "RATELIMITED"`` or HTTP 429 → wait for the reset named by
  ``Retry-After`` or ``X-RateLimit-{Requests,Complexity}-Reset`` (epoch ms), else
  ``rate_limit_wait``; give up (:class:`RateLimited`) past ``max_retries`` or ``max_wait``;
* ``AUTHENTICATION_ERROR``/``FORBIDDEN`` or HTTP 401/403 → :class:`AuthError`;
* 5xx and network failures → exponential backoff, then :class:`TrackerError`;
* a per-run request budget → :class:`BudgetExhausted` (the scan is reported partial).

Requests are counted into the adapter context (``read``/``write``/``retry``). Error messages
name the operation only: never a header, never the API key.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from trackerguard.errors import AuthError, TrackerError
from trackerguard.http import PoliteClient, parse_retry_after, tls_context

log = logging.getLogger("trackerguard.linear")

_AUTH_CODES = frozenset({"AUTHENTICATION_ERROR", "FORBIDDEN"})
_RESET_HEADERS = ("x-ratelimit-requests-reset", "x-ratelimit-complexity-reset")
_USER_AGENT = "trackerguard-linear-adapter"


@dataclass(frozen=True, slots=True)
class Politeness:
    """The knobs of :class:`LinearClient` (copied from ``[linear]``)."""

    request_budget: int = 2000
    max_retries: int = 5
    backoff: float = 1.0
    rate_limit_wait: float = 60.0
    max_wait: float = 900.0
    timeout: float = 30.0


class GraphQLErrors(TrackerError):
    """The query ran but Linear reported errors (``errors[]``); ``data`` may be partial."""

    def __init__(self, message: str, errors: list[dict[str, Any]], data: Any) -> None:
        super().__init__(message)
        self.errors = errors
        self.data = data


def _codes(errors: list[dict[str, Any]]) -> set[str]:
    codes = set()
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if isinstance(extensions, dict) and isinstance(extensions.get("code"), str):
            codes.add(extensions["code"])
    return codes


def _messages(errors: list[dict[str, Any]]) -> str:
    return "; ".join(str(e.get("message", "?")) for e in errors if isinstance(e, dict)) or "?"


class LinearClient(PoliteClient):
    """Synchronous client over ``httpx.Client``; one per run."""

    rate_limited_why = "rate limited ({what})"

    def __init__(
        self,
        url: str,
        api_key: Callable[[], str | None],
        counters: dict[str, int],
        politeness: Politeness | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self._key = api_key
        self.limits = politeness or Politeness()
        http = httpx.Client(
            timeout=self.limits.timeout,
            transport=transport,
            verify=tls_context(),
            headers={"Content-Type": "application/json", "User-Agent": _USER_AGENT},
        )
        super().__init__(
            name="Linear",
            section="linear",
            http=http,
            counters=counters,
            limits=self.limits,
            logger=log,
            sleep=sleep,
            wall=wall,
        )

    def execute(
        self,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        write: bool = False,
        operation: str = "query",
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Run one document; return ``data`` or raise (``GraphQLErrors`` for ``errors[]``).

        A mutation (``write``) is not resent after a lost answer unless ``idempotent``.
        """
        payload = json.dumps({"query": document, "variables": dict(variables or {})}).encode()
        response = self._send(
            "POST",
            self.url,
            operation,
            write=write,
            scope=operation,
            content=payload,
            idempotent=idempotent,
        )
        status = response.status_code
        if status >= 500:  # still failing once the retries are spent
            raise TrackerError(
                f"Linear {operation} failed: HTTP {status}", status=status, retryable=True
            )
        errors, data = _parse(response)
        if errors:
            raise GraphQLErrors(f"Linear {operation} failed: {_messages(errors)}", errors, data)
        if status != 200 or not isinstance(data, dict):
            raise TrackerError(f"Linear {operation} failed: HTTP {status}", status=status)
        return data

    # -- internals ------------------------------------------------------------------------
    def _auth_headers(self) -> dict[str, str]:
        key = self._key()
        return {"Authorization": key} if key else {}  # Linear API keys are not Bearer tokens

    def _throttle(self, response: httpx.Response, attempt: int, scope: str) -> float | None:
        """Rate limits and auth failures arrive as HTTP statuses or as ``errors[]`` codes."""
        status = response.status_code
        codes = _codes(_parse(response)[0])
        if status == 429 or "RATELIMITED" in codes:
            return self._reset_wait(response)
        if status in (401, 403) or codes & _AUTH_CODES:
            raise AuthError(f"Linear rejected the API key ({scope}): HTTP {status}", status=status)
        return None

    def _reset_wait(self, response: httpx.Response) -> float:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if retry_after is not None:
            return retry_after
        resets = []
        for name in _RESET_HEADERS:
            raw = response.headers.get(name)
            remaining = response.headers.get(name.replace("-reset", "-remaining"))
            if raw is None or remaining not in (None, "0"):
                continue  # a budget that is not spent does not decide the wait
            try:
                resets.append(float(raw) / 1000.0 - self._wall())
            except ValueError:
                continue
        if resets:
            return max(max(resets), 0.0) + 0.05
        return self.limits.rate_limit_wait


def _parse(response: httpx.Response) -> tuple[list[dict[str, Any]], Any]:
    """``(errors, data)`` of a GraphQL answer (empty and ``None`` when it is not an object)."""
    document = _json(response)
    if not isinstance(document, dict):
        return [], None
    errors = [e for e in document.get("errors") or [] if isinstance(e, dict)]
    return errors, document.get("data")


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        if response.status_code >= 500 or response.status_code == 429:
            return None
        raise TrackerError(
            f"Linear answered HTTP {response.status_code} with a body that is not JSON",
            status=response.status_code,
        ) from None
