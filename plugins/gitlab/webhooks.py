"""GitLab webhook deliveries → :class:`~trackerguard.adapter.WebhookEvent` (parsing only).

GitLab does not sign deliveries: it echoes the hook's secret token in ``X-Gitlab-Token``,
which :func:`trackerguard.service.signatures.verify_gitlab` compares in constant time.
Parsing reduces ``Issue Hook`` / ``Note Hook`` deliveries (and their confidential and work
item variants) to the keys whose verdict may have changed, and marks as ``ignored`` what
needs no work: trackerguard's own writes (its account as the actor, a note carrying its
marker, a change touching only its own labels), system notes, notes on merge requests,
snippets or commits, and projects or groups outside ``[gitlab] projects`` / ``groups``.

Group-level work items (epics, GitLab ≥ 17.2 "new look") reach only **group** webhooks,
as ``Issue Hook`` deliveries with ``object_kind: work_item`` and no ``project``: their
group comes from the path of ``object_attributes.url`` (``…/groups/G/-/epics/7``, or
``/-/work_items/7``) when that URL starts with the configured ``[gitlab] url``. trackerguard
judges and writes issues, not epics (``G&7`` is a goal it reads), so what an epic change
needs is its issues re-judged (a done or cancelled epic changes TG102 on each of them): the
event becomes the query job :data:`EPIC_ISSUES` + ``G&7``, which a worker expands through
the adapter's scan into one job per issue of the epic. The URL is only parsed, never
requested.

The delivery id is ``Idempotency-Key`` (stable across GitLab's retries and manual
resends), else ``X-Gitlab-Event-UUID``, else a hash of the body (older GitLab versions).
Every field read is type-checked first (:mod:`trackerguard.payload`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from trackerguard.adapter import MARKER, WebhookError, WebhookEvent, out_of_scope
from trackerguard.payload import ItemNumber, PayloadModel, json_object, read_payload
from trackerguard.service.signatures import delivery_id as _delivery_id
from trackerguard.service.signatures import header

__all__ = ["EPIC_ISSUES", "EVENTS", "GitLabScope", "delivery_id", "parse_webhook"]

EVENTS: dict[str, str] = {
    "Issue Hook": "the issue (`object_kind: issue`), or the work item: a project's task or "
    "issue (`project#iid`); for a group's epic (group webhooks only) the issues of the epic, "
    "found in a worker",
    "Confidential Issue Hook": "the issue, as for `Issue Hook`",
    "Work Item Hook": "the work item, as for `Issue Hook`",
    "Note Hook": "the issue commented on (not notes on merge requests, snippets, commits; "
    "not system notes or trackerguard's own)",
    "Confidential Note Hook": "the issue commented on, as for `Note Hook`",
}
"""Event (``X-Gitlab-Event``) → what is queued; any other event is answered ``ignored``."""

EPIC_ISSUES = "epic-issues:"
"""Query prefix naming an epic (``group&iid``) whose issues a worker re-judges."""

_ISSUE_EVENTS = frozenset({"Issue Hook", "Confidential Issue Hook", "Work Item Hook"})
_NOTE_EVENTS = frozenset({"Note Hook", "Confidential Note Hook"})
T = TypeVar("T")
_QUIET_CHANGES = frozenset({"labels", "updated_at", "updated_by_id"})
_GROUP_ITEM = re.compile(r"^/groups/(?P<group>[^?#]+?)/-/(?:epics|work_items)/(?P<iid>\d+)/?$")


class _User(PayloadModel):
    username: str | None = None


class _Project(PayloadModel):
    id: int | None = None
    path_with_namespace: str | None = None


class _Attributes(PayloadModel):
    iid: ItemNumber | None = None
    action: str | None = None
    url: str | None = None
    noteable_type: str | None = None
    system: bool | None = None
    note: str | None = None


class _Issue(PayloadModel):
    iid: ItemNumber | None = None


class _Delivery(PayloadModel):
    object_kind: str | None = None
    user: _User | None = None
    project: _Project | None = None
    object_attributes: _Attributes | None = None
    issue: _Issue | None = None
    changes: dict[str, Any] | None = None


class GitLabScope:
    """``[gitlab] projects`` / ``groups``: paths (case-insensitive) or numeric ids.

    A project is inside when its path or id is listed, or its path lies under a listed
    group path. A group given by numeric id cannot be matched from a delivery (payloads
    name groups by path only): while one is configured, projects not otherwise matched are
    accepted. An epic is inside when its group is a listed group or lies under one.
    """

    def __init__(self, projects: Collection[str] = (), groups: Collection[str] = ()) -> None:
        self.any = not projects and not groups
        self.project_paths = {p.casefold().strip("/") for p in projects if not p.isdigit()}
        self.project_ids = {int(p) for p in projects if p.isdigit()}
        self.group_paths = {g.casefold().strip("/") for g in groups if not g.isdigit()}
        self.group_ids = any(g.isdigit() for g in groups)

    def _under_group(self, path: str) -> bool:
        return any(path == g or path.startswith(g + "/") for g in self.group_paths)

    def holds_project(self, path: str, ident: int | None) -> bool:
        folded = path.casefold()
        return (
            self.any
            or self.group_ids
            or folded in self.project_paths
            or (ident is not None and ident in self.project_ids)
            or self._under_group(folded)
        )

    def holds_group(self, path: str) -> bool:
        return self.any or self.group_ids or self._under_group(path.casefold())


def delivery_id(headers: Mapping[str, str], body: bytes) -> str:
    return _delivery_id(headers, body, "Idempotency-Key", "X-Gitlab-Event-UUID")


def _label_titles(value: Any) -> set[str]:
    if not isinstance(value, list):
        return set()
    return {str(v.get("title")) for v in value if isinstance(v, dict) and v.get("title")}


def _only_our_labels(changes: Mapping[str, Any] | None, ours: Collection[str]) -> bool:
    if not changes or "labels" not in changes:
        return False
    if not set(changes) <= _QUIET_CHANGES:
        return False
    labels = changes["labels"]
    if not isinstance(labels, dict):
        return False
    changed = _label_titles(labels.get("previous")) ^ _label_titles(labels.get("current"))
    return bool(changed) and changed <= set(ours)


def _group_item(url: str | None, base_url: str | None) -> tuple[str, int] | None:
    """``(group, iid)`` from a group work item's web URL on the configured instance."""
    if not url or not base_url:
        return None
    base = base_url.rstrip("/")
    if not url.startswith(base + "/groups/"):
        return None
    found = _GROUP_ITEM.match(url[len(base) :])
    if found is None:
        return None
    return found["group"], int(found["iid"])


def parse_webhook(
    headers: Mapping[str, str],
    body: bytes,
    *,
    tracker: str,
    bot_username: str | None,
    own_labels: Collection[str] = (),
    scope: GitLabScope | None = None,
    base_url: str | None = None,
) -> WebhookEvent:
    """Turn a (verified) delivery into the items to re-judge; raise for malformed input.

    ``scope`` (``None``: everything) decides what is out of scope; ``base_url`` is the
    configured instance, the only one whose group work item URLs are read.
    """
    event = header(headers, "X-Gitlab-Event")
    if not event:
        raise WebhookError("missing X-Gitlab-Event header")
    delivery = delivery_id(headers, body)
    payload = read_payload(_Delivery, json_object(body))
    scope = scope or GitLabScope()
    actor = payload.user.username if payload.user is not None else None
    kind = payload.object_kind
    attributes = payload.object_attributes
    action = attributes.action if attributes is not None else None
    name = f"{kind}.{action}" if kind is not None and action is not None else event

    def done(
        keys: tuple[str, ...] = (), ignored: str | None = None, query: str | None = None
    ) -> WebhookEvent:
        return WebhookEvent(tracker, delivery, name, keys, actor, ignored, query)

    def project_item(iid: int | None, what: str) -> WebhookEvent:
        project = payload.project
        path = project.path_with_namespace if project is not None else None
        if not path or iid is None:
            raise WebhookError(f"{what} without project.path_with_namespace / iid")
        if not scope.holds_project(path, project.id if project is not None else None):
            return done(ignored=out_of_scope(f"project {path} is not in [gitlab] projects/groups"))
        return done((f"{path}#{iid}",))

    if event not in _ISSUE_EVENTS | _NOTE_EVENTS:
        return done(ignored=f"event '{event}' is not used by trackerguard")
    bot = bool(actor and bot_username and actor.casefold() == bot_username.casefold())

    if event in _ISSUE_EVENTS:
        if kind not in ("issue", "work_item"):
            raise WebhookError(f"'{event}' delivery with object_kind {kind!r}")
        issue = _required(attributes, "object_attributes")
        if bot:
            return done(ignored="trackerguard's own write")
        if _only_our_labels(payload.changes, own_labels):
            return done(ignored="only trackerguard's labels changed")
        if kind == "work_item" and payload.project is None:
            found = _group_item(issue.url, base_url)
            if found is None:
                return done(ignored="group work item on another instance, or its URL unreadable")
            group, iid = found
            if issue.iid is not None and issue.iid != iid:
                raise WebhookError("malformed payload: object_attributes.url names another iid")
            if not scope.holds_group(group):
                return done(ignored=out_of_scope(f"group {group} is not in [gitlab] groups"))
            return done(query=f"{EPIC_ISSUES}{group}&{iid}")
        return project_item(issue.iid, "issue event")

    if kind != "note":
        raise WebhookError(f"'{event}' delivery with object_kind {kind!r}")
    note = _required(attributes, "object_attributes")
    if note.noteable_type != "Issue":
        return done(ignored=f"note on a {note.noteable_type or 'non-issue'}")
    if note.system:
        return done(ignored="system note")
    if bot or MARKER in (note.note or ""):
        return done(ignored="trackerguard's own note")
    issue_ref = _required(payload.issue, "issue")
    return project_item(issue_ref.iid, "note event")


def _required(value: T | None, field: str) -> T:
    if value is None:
        raise WebhookError(f"'{field}' is missing or not an object")
    return value
