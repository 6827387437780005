"""Linear webhook deliveries → :class:`~trackerguard.adapter.WebhookEvent` (parsing only).

Verification (``Linear-Signature`` hex HMAC-SHA256 over the raw body plus the 60 s
timestamp window) lives in :func:`trackerguard.service.signatures.verify_linear`. Parsing
reduces a data-change delivery (``Issue``, ``Comment``, ``Project``) to the keys whose
verdict may have changed and marks as ``ignored`` what needs no work — above all
trackerguard's own writes (its user as actor or comment author, or its marker).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from trackerguard.adapter import MARKER, WebhookError, WebhookEvent
from trackerguard.service.signatures import header as _header

from .convert import project_key

_USED = ("Issue", "Comment", "Project")


def _issue_key(issue: Mapping[str, Any]) -> str | None:
    identifier = issue.get("identifier")
    if isinstance(identifier, str) and identifier:
        return identifier
    team = issue.get("team")
    number = issue.get("number")
    if isinstance(team, dict) and isinstance(team.get("key"), str) and isinstance(number, int):
        return f"{team['key']}-{number}"
    return None


def parse_webhook(
    headers: Mapping[str, str], body: bytes, *, tracker: str, bot_user_id: str | None
) -> WebhookEvent:
    """Turn a (verified) delivery into the items to re-judge; raise for malformed input."""
    delivery = _header(headers, "Linear-Delivery")
    if not delivery:
        raise WebhookError("missing Linear-Delivery header")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookError("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookError("the body is not a JSON object")
    entity = payload.get("type") or _header(headers, "Linear-Event")
    if not isinstance(entity, str) or not entity:
        raise WebhookError("the delivery names no entity type ('type' / Linear-Event)")
    action = payload.get("action")
    name = f"{entity}.{action}" if isinstance(action, str) else entity
    actor_node = payload.get("actor")
    actor_id = actor_node.get("id") if isinstance(actor_node, dict) else None
    actor = actor_id if isinstance(actor_id, str) else None

    def done(keys: tuple[str, ...] = (), ignored: str | None = None) -> WebhookEvent:
        return WebhookEvent(tracker, delivery, name, keys, actor, ignored)

    if entity not in _USED:
        return done(ignored=f"event '{entity}' is not used by trackerguard")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise WebhookError("'data' is missing or not an object")
    if bot_user_id and actor == bot_user_id:
        return done(ignored="trackerguard's own write")

    if entity == "Issue":
        key = _issue_key(data)
        if key is None:
            raise WebhookError("Issue event without data.identifier (or team.key + number)")
        if action == "remove":
            return done(ignored="the issue was removed")
        return done((key,))
    if entity == "Comment":
        if MARKER in str(data.get("body") or ""):
            return done(ignored="trackerguard's own comment")
        if bot_user_id and data.get("userId") == bot_user_id:
            return done(ignored="trackerguard's own comment")
        issue = data.get("issue")
        if isinstance(issue, dict):
            key = _issue_key(issue)
            if key is not None:
                return done((key,))
        project = data.get("project")
        if isinstance(project, dict) and isinstance(project.get("slugId"), str):
            return done((project_key(project["slugId"]),))
        return done(ignored="comment on an item trackerguard does not judge")
    # Project
    slug = data.get("slugId")
    if not isinstance(slug, str) or not slug:
        raise WebhookError("Project event without data.slugId")
    if action == "remove":
        return done(ignored="the project was removed")
    return done((project_key(slug),))
