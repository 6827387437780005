"""GitLab webhook deliveries → :class:`~trackerguard.adapter.WebhookEvent` (parsing only).

GitLab does not sign deliveries: it echoes the hook's secret token in ``X-Gitlab-Token``,
which :func:`trackerguard.service.signatures.verify_gitlab` compares in constant time.
Parsing reduces ``Issue Hook`` / ``Note Hook`` deliveries (and their confidential and work
item variants) to the issue keys whose verdict may have changed, and marks as ``ignored``
what needs no work: trackerguard's own writes (its account as the actor, a note carrying
its marker, a change touching only its own labels), system notes and notes on merge
requests, snippets or commits.

The delivery id is ``Idempotency-Key`` (stable across GitLab's retries and manual
resends), else ``X-Gitlab-Event-UUID``, else a hash of the body (older GitLab versions).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from trackerguard.adapter import MARKER, WebhookError, WebhookEvent
from trackerguard.service.signatures import delivery_id as _delivery_id
from trackerguard.service.signatures import header

_ISSUE_EVENTS = frozenset({"Issue Hook", "Confidential Issue Hook", "Work Item Hook"})
_NOTE_EVENTS = frozenset({"Note Hook", "Confidential Note Hook"})
_QUIET_CHANGES = frozenset({"labels", "updated_at", "updated_by_id"})


def delivery_id(headers: Mapping[str, str], body: bytes) -> str:
    return _delivery_id(headers, body, "Idempotency-Key", "X-Gitlab-Event-UUID")


def _project_path(payload: Mapping[str, Any]) -> str | None:
    project = payload.get("project")
    if project is not None and not isinstance(project, dict):
        raise WebhookError("'project' is not an object")
    path = (project or {}).get("path_with_namespace")
    return path if isinstance(path, str) and path else None


def _object(payload: Mapping[str, Any], field: str) -> dict[str, Any]:
    value = payload.get(field)
    if not isinstance(value, dict):
        raise WebhookError(f"'{field}' is missing or not an object")
    return value


def _label_titles(value: Any) -> set[str]:
    if not isinstance(value, list):
        return set()
    return {str(v.get("title")) for v in value if isinstance(v, dict) and v.get("title")}


def _only_our_labels(payload: Mapping[str, Any], ours: Collection[str]) -> bool:
    changes = payload.get("changes")
    if not isinstance(changes, dict) or not changes or "labels" not in changes:
        return False
    if not set(changes) <= _QUIET_CHANGES:
        return False
    labels = changes["labels"]
    if not isinstance(labels, dict):
        return False
    changed = _label_titles(labels.get("previous")) ^ _label_titles(labels.get("current"))
    return bool(changed) and changed <= set(ours)


def parse_webhook(
    headers: Mapping[str, str],
    body: bytes,
    *,
    tracker: str,
    bot_username: str | None,
    own_labels: Collection[str] = (),
) -> WebhookEvent:
    """Turn a (verified) delivery into the issues to re-judge; raise for malformed input."""
    event = header(headers, "X-Gitlab-Event")
    if not event:
        raise WebhookError("missing X-Gitlab-Event header")
    delivery = delivery_id(headers, body)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookError("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookError("the body is not a JSON object")
    user = payload.get("user")
    username = user.get("username") if isinstance(user, dict) else None
    actor = username if isinstance(username, str) else None
    kind = payload.get("object_kind")
    attributes = payload.get("object_attributes")
    action = attributes.get("action") if isinstance(attributes, dict) else None
    name = f"{kind}.{action}" if isinstance(kind, str) and isinstance(action, str) else event

    def done(keys: tuple[str, ...] = (), ignored: str | None = None) -> WebhookEvent:
        return WebhookEvent(tracker, delivery, name, keys, actor, ignored)

    if event not in _ISSUE_EVENTS | _NOTE_EVENTS:
        return done(ignored=f"event '{event}' is not used by trackerguard")
    bot = bool(actor and bot_username and actor.casefold() == bot_username.casefold())

    if event in _ISSUE_EVENTS:
        if kind not in ("issue", "work_item"):
            raise WebhookError(f"'{event}' delivery with object_kind {kind!r}")
        issue = _object(payload, "object_attributes")
        if bot:
            return done(ignored="trackerguard's own write")
        if _only_our_labels(payload, own_labels):
            return done(ignored="only trackerguard's labels changed")
        path = _project_path(payload)
        iid = issue.get("iid")
        if path is None or not isinstance(iid, int):
            if kind == "work_item":
                return done(ignored="work item outside a project (group-level)")
            raise WebhookError("issue event without project.path_with_namespace / iid")
        return done((f"{path}#{iid}",))

    if kind != "note":
        raise WebhookError(f"'{event}' delivery with object_kind {kind!r}")
    note = _object(payload, "object_attributes")
    noteable = note.get("noteable_type")
    if noteable != "Issue":
        return done(ignored=f"note on a {noteable or 'non-issue'}")
    if note.get("system"):
        return done(ignored="system note")
    if bot or MARKER in str(note.get("note") or ""):
        return done(ignored="trackerguard's own note")
    issue = _object(payload, "issue")
    path = _project_path(payload)
    iid = issue.get("iid")
    if path is None or not isinstance(iid, int):
        raise WebhookError("note event without project.path_with_namespace / issue.iid")
    return done((f"{path}#{iid}",))
