"""The connection: a ``jira.JIRA`` client with our transport, and safe error translation.

We use the ``jira`` package for what it is good at (auth, session, URL building, the
wrapped calls such as ``server_info``/``myself``/``fields``/``transitions``) and its session
for the endpoints it does not wrap (``search/jql`` with ``properties``, ``issue/bulkfetch``,
entity properties in edit bodies). Its retry loop is switched off (``max_retries=0``) and
:class:`~trackerguard.plugins.jira.politeness.PoliteAdapter` is mounted on its session, so
all retries follow one policy.

Error messages are built from the status code and Jira's ``errorMessages`` only: the
library's ``JIRAError`` text can include request headers and URLs, and a secret must never
reach a log or a report.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import requests
from jira import JIRA, JIRAError
from trackerguard.plugins.jira.politeness import ONCE_HEADER, Budget, PoliteAdapter
from trackerguard.plugins.jira.settings import JiraSettings

from trackerguard.errors import AuthError, ConfigError, RateLimited, TrackerError

log = logging.getLogger("trackerguard.jira")
Flavor = Literal["cloud", "datacenter"]


def _messages(response: requests.Response | None) -> str:
    if response is None:
        return ""
    try:
        data = response.json()
    except ValueError:
        return ""
    if not isinstance(data, Mapping):
        return ""
    parts = [str(m) for m in data.get("errorMessages") or []]
    errors = data.get("errors")
    if isinstance(errors, Mapping):
        parts.extend(f"{k}: {v}" for k, v in errors.items())
    text = "; ".join(parts)
    return text[:300]


def translate(exc: Exception, what: str) -> TrackerError:
    """A one-line, secret-free :class:`TrackerError` for a failed request."""
    if isinstance(exc, TrackerError):
        return exc
    if isinstance(exc, JIRAError):
        status = exc.status_code
        detail = _messages(exc.response) or "no details"
        if status == 401:
            return AuthError(f"Jira rejected the credentials ({what}: HTTP 401)", status=401)
        if status == 403:
            return TrackerError(
                f"{what}: permission denied (HTTP 403): {detail}", status=403, retryable=False
            )
        if status == 429:
            return RateLimited(f"{what}: still rate limited after retries (HTTP 429)", status=429)
        retryable = status is not None and status >= 500
        return TrackerError(f"{what}: HTTP {status}: {detail}", status=status, retryable=retryable)
    if isinstance(exc, requests.Timeout):
        return TrackerError(f"{what}: Jira did not answer in time", retryable=True)
    if isinstance(exc, requests.ConnectionError):
        return TrackerError(f"{what}: Jira is unreachable", retryable=True)
    return TrackerError(f"{what}: {type(exc).__name__}")


_IDENTITIES: dict[str, dict[str, Any]] = {}
"""``/myself`` answers by credential fingerprint, for the life of the process: the bot's
identity does not change between checks, and the service must not look it up again for
every job or webhook delivery. Only non-secret fields are kept."""
_IDENTITIES_LOCK = threading.Lock()
_IDENTITY_FIELDS = ("accountId", "name", "key", "timeZone", "displayName")


def _credential_fingerprint(settings: JiraSettings) -> str:
    """A digest of (site, user, token): a rotated token or another site looks itself up."""
    token = settings.token.get_secret_value() if settings.token is not None else ""
    raw = f"{(settings.url or '').rstrip('/')}\0{settings.email or ''}\0{token}"
    return hashlib.sha256(raw.encode()).hexdigest()


def forget_identities() -> None:
    """Drop the cached ``/myself`` answers (tests; a credential known to be revoked)."""
    with _IDENTITIES_LOCK:
        _IDENTITIES.clear()


class JiraClient:
    """A configured ``jira.JIRA`` plus JSON helpers that speak our error types."""

    def __init__(self, settings: JiraSettings, counters: MutableMapping[str, int]) -> None:
        if not settings.url:
            raise ConfigError(
                "configuration: key 'jira.url' is required (or TRACKERGUARD_JIRA__URL)"
            )
        if settings.token is None:
            raise ConfigError(
                "configuration: key 'jira.token' is required; set TRACKERGUARD_JIRA__TOKEN"
            )
        self.settings = settings
        self.budget = Budget(settings.request_budget)
        token = settings.token.get_secret_value()
        auth: dict[str, Any] = (
            {"basic_auth": (settings.email, token)} if settings.email else {"token_auth": token}
        )
        self.flavor: Flavor | None = settings.flavor
        self.jira = JIRA(
            server=settings.url.rstrip("/"),
            options={
                "rest_api_version": "3" if self.flavor == "cloud" else "2",
                "verify": settings.verify_tls,
                "check_update": False,
            },
            get_server_info=False,
            max_retries=0,
            timeout=settings.timeout,
            **auth,
        )
        transport = PoliteAdapter(
            budget=self.budget,
            counters=counters,
            concurrency=settings.concurrency,
            max_retries=settings.max_retries,
            backoff_base=settings.backoff_base,
            max_backoff=settings.max_backoff,
            max_retry_after=settings.max_retry_after,
        )
        self.jira._session.mount("https://", transport)
        self.jira._session.mount("http://", transport)
        self.transport = transport
        self._server_info: dict[str, Any] | None = None

    # -- identity ------------------------------------------------------------------------------
    def detect(self) -> Flavor:
        """Read serverInfo once: flavor (unless configured) and the library's cloud switch."""
        if self._server_info is None and self.flavor is not None:
            # Configured: no request needed; tell the library what it is talking to.
            self._server_info = {}
            self.jira.deploymentType = "Cloud" if self.flavor == "cloud" else "Server"
            self.jira._options["rest_api_version"] = "3" if self.flavor == "cloud" else "2"
        if self._server_info is None:
            try:
                self._server_info = self.jira.server_info()
            except Exception as exc:
                raise translate(exc, "reading serverInfo") from None
            deployment = str(self._server_info.get("deploymentType") or "")
            self.jira.deploymentType = deployment
            if self.flavor is None:
                self.flavor = "cloud" if deployment == "Cloud" else "datacenter"
            self.jira._options["rest_api_version"] = "3" if self.flavor == "cloud" else "2"
        assert self.flavor is not None
        return self.flavor

    @property
    def cloud(self) -> bool:
        return self.detect() == "cloud"

    def connect(self) -> dict[str, Any]:
        """serverInfo and ``/myself`` together: the flavor and who the bot is.

        When neither is known yet (no ``[jira] flavor``, first check of the process) both
        are asked at once, ``/myself`` on REST v2, which Cloud and Data Center both serve
        with the same fields, instead of one round trip after the other: the scan's first
        page cannot leave before both. serverInfo's failure is reported first, as when
        they ran in turn (an unreachable site fails both)."""
        if self._server_info is not None or self._cached_identity() is not None:
            self.detect()
            return self.myself()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="jira-detect") as pool:
            detecting = pool.submit(self.detect)
            try:
                me = self.myself(version="2")
            except TrackerError as exc:
                detecting.result()  # raises serverInfo's own error first
                raise exc from None
            detecting.result()
        return me

    def _cached_identity(self) -> dict[str, Any] | None:
        with _IDENTITIES_LOCK:
            return _IDENTITIES.get(_credential_fingerprint(self.settings))

    def myself(self, *, version: str | None = None) -> dict[str, Any]:
        """Who the bot is: one ``/myself`` per process and credential (see ``_IDENTITIES``);
        a failed look-up is not cached, so bad credentials fail every time. ``version``
        asks a given REST version (before the flavor is known); by default the client's."""
        fingerprint = _credential_fingerprint(self.settings)
        cached = self._cached_identity()
        if cached is not None:
            return dict(cached)
        try:
            if version is None:
                me = dict(self.jira.myself())
            else:
                me = dict(
                    self.jira._get_json("myself", base=f"{{server}}/rest/api/{version}/{{path}}")
                )
        except Exception as exc:
            raise translate(exc, "checking the credentials (/myself)") from None
        kept = {name: me[name] for name in _IDENTITY_FIELDS if name in me}
        with _IDENTITIES_LOCK:
            _IDENTITIES[fingerprint] = kept
        return dict(kept)

    def fields(self) -> list[dict[str, Any]]:
        try:
            return list(self.jira.fields())
        except Exception as exc:
            raise translate(exc, "listing fields (/field)") from None

    # -- raw JSON calls ------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return str(self.jira._get_url(path))

    def call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        once: bool = False,
    ) -> Any:
        """One request through the library's session; JSON answer or ``None``.

        ``once`` marks a write that must not be resent after it may have been applied (an
        edit that adds a comment): a lost answer raises
        :class:`~trackerguard.errors.AmbiguousWrite` instead (see ``politeness``).
        """
        self.detect()
        session = self.jira._session
        kwargs: dict[str, Any] = {"headers": {ONCE_HEADER: "1"}} if once else {}
        if params:
            kwargs["params"] = dict(params)
        if body is not None:
            kwargs["data"] = json.dumps(body)
        try:
            response = session.request(method, self.url(path), **kwargs)
        except Exception as exc:
            raise translate(exc, what) from None
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise TrackerError(f"{what}: Jira answered with something that is not JSON") from None

    def close(self) -> None:
        try:
            self.jira.close()  # type: ignore[no-untyped-call]
        except Exception:  # closing must never mask the run's real outcome
            log.debug("closing the Jira session failed", exc_info=True)
