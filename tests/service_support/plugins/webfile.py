"""Test-only tracker ``webfile``: the file tracker plus webhooks (and knobs for tests).

* ``scheme`` selects the signature scheme to verify (github, jira, gitlab, linear), using
  ``trackerguard.service.signatures``; the secret is ``webhook_secret`` in the section or
  ``TRACKERGUARD_WEBFILE__WEBHOOK_SECRET``.
* Payload: ``{"event": "updated"|"comment"|..., "key": "S-1", "actor": "ana", "body": "..."}``;
  the delivery id comes from the scheme's idempotency header.
* ``eval_log``: every scanned key is appended (counts evaluations).
* ``outage_file``: while it exists, every read raises ``TrackerError`` (tracker outage).
* ``delay``: seconds to sleep per scan (keeps jobs in flight for kill tests).
* An exclusive ``flock`` on ``<backlog>.lock`` is held from load to flush/close, so several
  workers (or processes) never overwrite each other's writes to the one backlog file.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from trackerguard.plugins.file.adapter import BOT_AUTHOR, FileAdapter
from trackerguard.plugins.file.settings import FileSettings

from trackerguard.adapter import MARKER, AdapterContext, ScanRequest, WebhookError, WebhookEvent
from trackerguard.errors import TrackerError
from trackerguard.hooks import RegisterTracker, hookimpl
from trackerguard.model import WorkItem
from trackerguard.service import signatures

_DELIVERY_HEADERS = {
    "github": "X-GitHub-Delivery",
    "jira": "X-Atlassian-Webhook-Identifier",
    "gitlab": "Idempotency-Key",
    "linear": "Linear-Delivery",
}
_RELEVANT = frozenset({"updated", "created", "comment", "labeled"})


class WebFileSettings(FileSettings):
    scheme: Literal["github", "jira", "gitlab", "linear"] = "github"
    webhook_secret: str | None = None
    insecure_no_signature: bool = False
    eval_log: Path | None = None
    outage_file: Path | None = None
    delay: float = 0.0


class WebFileAdapter(FileAdapter):
    name: ClassVar[str] = "webfile"
    Settings = WebFileSettings
    supports_webhooks: ClassVar[bool] = True

    def __init__(self, settings: WebFileSettings, context: AdapterContext) -> None:  # type: ignore[override]
        super().__init__(settings, context)
        self.cfg = settings
        self._lock_fd: int | None = None

    # -- locking -------------------------------------------------------------------------
    def _load(self) -> None:
        if self._document is None and self._lock_fd is None:
            fd = os.open(str(self.path) + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._lock_fd = fd
        super()._load()

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def flush(self) -> None:
        try:
            super().flush()
        finally:
            self._unlock()

    def close(self) -> None:
        self._unlock()

    # -- knobs -----------------------------------------------------------------------------
    def check_connection(self) -> None:
        if self.cfg.outage_file is not None and self.cfg.outage_file.exists():
            raise TrackerError("webfile: tracker unavailable (outage)", status=503, retryable=True)
        super().check_connection()

    def scan(self, request: ScanRequest) -> Iterator[WorkItem]:
        if self.cfg.delay:
            time.sleep(self.cfg.delay)
        for item in super().scan(request):
            if self.cfg.eval_log is not None:
                with self.cfg.eval_log.open("a", encoding="utf-8") as log:
                    log.write(item.key + "\n")
            yield item

    # -- webhooks --------------------------------------------------------------------------
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        secret = signatures.webhook_secret(self.cfg, self.name)
        if not secret:
            return self.cfg.insecure_no_signature
        scheme = self.cfg.scheme
        if scheme == "github":
            return signatures.verify_github(secret, headers, body)
        if scheme == "jira":
            return signatures.verify_jira(secret, headers, body)
        if scheme == "gitlab":
            return signatures.verify_gitlab(secret, headers, body)
        return signatures.verify_linear(secret, headers, body)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        try:
            document: Any = json.loads(body)
        except ValueError:
            raise WebhookError("body is not JSON") from None
        if not isinstance(document, dict):
            raise WebhookError("expected a JSON object")
        delivery = signatures.header(headers, _DELIVERY_HEADERS[self.cfg.scheme]) or ""
        event = document.get("event")
        if not isinstance(event, str):
            raise WebhookError("missing 'event'")
        actor = document.get("actor")
        actor = actor if isinstance(actor, str) else None
        if event not in _RELEVANT:
            return WebhookEvent(self.name, delivery, event, (), actor, f"event '{event}' unused")
        key = document.get("key")
        if not isinstance(key, str) or not key:
            raise WebhookError("missing 'key'")
        if actor == BOT_AUTHOR or (event == "comment" and MARKER in str(document.get("body"))):
            return WebhookEvent(
                self.name, delivery, event, (key,), actor, "trackerguard's own write"
            )
        return WebhookEvent(self.name, delivery, event, (key,), actor)


@hookimpl
def trackerguard_register_trackers(register: RegisterTracker) -> None:
    register("webfile", WebFileAdapter)
