"""Signed webhook deliveries and a fast ``[service]`` block, the same for every service test.

Each tracker signs its deliveries its own way (GitHub an HMAC-SHA256 header, Jira a
``sha256=`` HMAC, GitLab a shared token, Linear an HMAC plus a timestamp inside a 60 s
window). The end-to-end, replica and write-fault suites all need exactly these requests;
building them here once means a change to a tracker's delivery contract is made in one
place, and every suite sends what the real tracker sends.

A builder returns ``(path, body, headers)``: the route on the service, the exact bytes
that were signed, and the headers. :func:`post` sends one to a running service.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
from trackerguard.plugins.github.webhooks import signature
from trackerguard.plugins.jira.webhooks import sign

from trackerguard.service.signatures import sign_linear

Delivery = tuple[str, bytes, dict[str, str]]

FAST_SERVICE = {"coalesce_seconds": 0.2, "reconcile_minutes": 0, "poll_seconds": 0.05}
"""Service timings for tests: short coalescing, no reconcile sweep, a quick poll."""


def service_section(*, queue_path: Path | None = None, queue_url: str = "", **options: Any) -> str:
    """A ``[service]`` TOML block: the queue (a SQLite file or a database URL), the fast
    timings of :data:`FAST_SERVICE`, and ``options`` on top of them (numbers as numbers,
    anything else quoted)."""
    lines = ["[service]"]
    if queue_path is not None:
        lines.append(f'queue_path = "{queue_path}"')
    if queue_url:
        lines.append(f'queue_url = "{queue_url}"')
    for name, value in {**FAST_SERVICE, **options}.items():
        shown = value if isinstance(value, int | float) else json.dumps(str(value))
        lines.append(f"{name} = {shown}")
    return "\n".join(lines)


def _json(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def github(
    secret: str, payload: Mapping[str, Any], delivery: str, event: str = "issues"
) -> Delivery:
    """A GitHub delivery: ``X-Hub-Signature-256`` over the body, the event and delivery id."""
    body = _json(payload)
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": signature(secret, body),
    }
    return "/webhooks/github", body, headers


def gitlab(
    token: str, payload: Mapping[str, Any], uuid: str, event: str = "Issue Hook"
) -> Delivery:
    """A GitLab delivery: the shared secret token in ``X-Gitlab-Token``, the event UUID."""
    headers = {
        "Content-Type": "application/json",
        "X-Gitlab-Event": event,
        "X-Gitlab-Event-UUID": uuid,
        "X-Gitlab-Token": token,
    }
    return "/webhooks/gitlab", _json(payload), headers


def jira(secret: str, payload: Mapping[str, Any], delivery: str) -> Delivery:
    """A Jira delivery: ``X-Hub-Signature`` (``sha256=``) and the webhook identifier."""
    body = _json(payload)
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature": sign(body, secret),
        "X-Atlassian-Webhook-Identifier": delivery,
    }
    return "/webhooks/jira", body, headers


def linear(secret: str, payload: Mapping[str, Any], delivery: str) -> Delivery:
    """A Linear delivery, stamped now (Linear's receivers reject a ``webhookTimestamp``
    older than 60 s) and signed in ``Linear-Signature``."""
    body = _json({**payload, "webhookTimestamp": int(time.time() * 1000)})
    headers = {
        "Content-Type": "application/json",
        "Linear-Event": str(payload["type"]),
        "Linear-Delivery": delivery,
        "Linear-Signature": sign_linear(secret, body),
    }
    return "/webhooks/linear", body, headers


def post(base_url: str, delivery: Delivery, timeout: float = 10) -> httpx.Response:
    """Send one delivery to the service at ``base_url``."""
    path, body, headers = delivery
    return httpx.post(base_url + path, content=body, headers=headers, timeout=timeout)
