"""Jira webhook deliveries → "item changed" events.

Admin webhooks with a secret sign the raw body: ``X-Hub-Signature: sha256=<hex HMAC>``
(Cloud and DC; not ``-256``). The delivery id is ``X-Atlassian-Webhook-Identifier``, constant
across Jira's retries, so duplicates are recognised; without it we hash the body.

Events caused by trackerguard itself (its account, or a comment carrying its comment
property) are marked ``ignored``: reacting to our own writes would loop forever.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from trackerguard.adapter import WebhookError, WebhookEvent
from trackerguard.service import signatures

ISSUE_EVENTS = frozenset({"jira:issue_created", "jira:issue_updated", "jira:issue_deleted"})
COMMENT_EVENTS = frozenset({"comment_created", "comment_updated", "comment_deleted"})


def sign(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature`` value Jira sends for ``body`` (tests and docs use it)."""
    return signatures.sign_sha256_prefixed(secret, body)


def verify_signature(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    """Constant-time check of ``X-Hub-Signature``; a missing header or secret is a failure."""
    return bool(secret) and signatures.verify_jira(secret, headers, body)


def delivery_id(headers: Mapping[str, str], body: bytes) -> str:
    return signatures.delivery_id(headers, body, "X-Atlassian-Webhook-Identifier")


def _user_ids(user: Any) -> set[str]:
    if not isinstance(user, Mapping):
        return set()
    return {str(user[k]) for k in ("accountId", "name", "key") if user.get(k)}


def _is_own_comment(comment: Mapping[str, Any], bot_ids: set[str], property_key: str) -> bool:
    if (
        _user_ids(comment.get("author")) & bot_ids
        or _user_ids(comment.get("updateAuthor")) & bot_ids
    ):
        return True
    props = comment.get("properties")
    if isinstance(props, list):
        return any(isinstance(p, Mapping) and p.get("key") == property_key for p in props)
    return False


def parse(
    headers: Mapping[str, str],
    body: bytes,
    *,
    bot_ids: Iterable[str] = (),
    property_key: str = "trackerguard",
) -> WebhookEvent:
    """Parse one delivery; raise :class:`WebhookError` for malformed input."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookError("the body is not JSON") from None
    if not isinstance(payload, Mapping):
        raise WebhookError("the body is not a JSON object")
    event = payload.get("webhookEvent")
    if not isinstance(event, str) or not event:
        raise WebhookError("missing 'webhookEvent'")
    delivery = delivery_id(headers, body)
    bots = {b for b in bot_ids if b}
    actor_ids = _user_ids(payload.get("user"))
    actor = next(iter(sorted(actor_ids)), None)
    issue = payload.get("issue")
    key = issue.get("key") if isinstance(issue, Mapping) else None
    if event not in ISSUE_EVENTS | COMMENT_EVENTS:
        return WebhookEvent(
            "jira", delivery, event, actor=actor, ignored=f"event '{event}' is not handled"
        )
    if not isinstance(key, str) or not key:
        raise WebhookError(f"'{event}' without issue.key")
    keys = (key,)
    if event in COMMENT_EVENTS:
        comment = payload.get("comment")
        if not isinstance(comment, Mapping):
            raise WebhookError(f"'{event}' without a comment")
        author = _user_ids(comment.get("updateAuthor") or comment.get("author"))
        actor = actor or next(iter(sorted(author)), None)
        if _is_own_comment(comment, bots, property_key):
            return WebhookEvent("jira", delivery, event, keys, actor, "trackerguard's own comment")
        return WebhookEvent("jira", delivery, event, keys, actor)
    if actor_ids & bots:
        return WebhookEvent("jira", delivery, event, keys, actor, "caused by trackerguard itself")
    return WebhookEvent("jira", delivery, event, keys, actor)
