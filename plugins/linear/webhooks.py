"""Linear webhook deliveries → :class:`~trackerguard.adapter.WebhookEvent` (parsing only).

Verification (``Linear-Signature`` hex HMAC-SHA256 over the raw body plus the timestamp
window) lives in :func:`trackerguard.service.signatures.verify_linear`. Parsing reduces a
data-change delivery (``Issue``, ``Comment``, ``Project``, ``Initiative``) to the keys
whose verdict may have changed and marks as ``ignored`` what needs no work — above all
trackerguard's own writes (its user as actor or comment author, or its marker) — and what
lies outside ``[linear] teams`` / ``initiatives``.

Comment payloads come in several shapes, all understood: the current one (``data.issue``
with ``identifier``), the 2021–2023 one (``data.issue = {id, title}`` plus ``data.issueId``
and a top-level ``url`` ending ``/issue/ENG-28#comment-…``), a bare ``issueId`` (queued as
a query job by id, restricted to the configured teams, expanded by a worker), and comments
on projects (``data.project.slugId``, or the ``/project/<name>-<slugId>`` path of the
``url``). URLs are only parsed, never requested. Every field read is type-checked first
(:mod:`trackerguard.payload`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import StringConstraints

from trackerguard.adapter import MARKER, WebhookError, WebhookEvent, out_of_scope
from trackerguard.payload import PayloadModel, json_object, read_payload
from trackerguard.service.signatures import header as _header

from .convert import initiative_key, project_key

__all__ = ["EVENTS", "parse_webhook"]

EVENTS: dict[str, str] = {
    "Issue": "the issue (not `remove`)",
    "Comment": "the issue or project commented on (not trackerguard's own comments)",
    "Project": "the project (not `remove`)",
    "Initiative": "the initiative (not `remove`; only with `[linear] initiatives = true`)",
}
"""Entity (``type`` / ``Linear-Event``) → what is queued; others are answered ``ignored``."""

_IDENTIFIER = r"^[A-Za-z][A-Za-z0-9_]*-[0-9]+$"
_ISSUE_PATH = re.compile(r"/issue/([A-Za-z][A-Za-z0-9_]*-[0-9]+)(?:/[^/]*)?/?$")
_PROJECT_PATH = re.compile(r"/project/(?:[^/]*-)?([0-9a-f]{8,})(?:/[^/]*)?/?$")
_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

Identifier = Annotated[str, StringConstraints(pattern=_IDENTIFIER)]
Slug = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,64}$")]
Uuid = Annotated[str, StringConstraints(pattern=_UUID)]


class _Actor(PayloadModel):
    id: str | None = None


class _Team(PayloadModel):
    key: str | None = None


class _IssueRef(PayloadModel):
    id: str | None = None
    identifier: Identifier | None = None
    number: int | None = None
    team: _Team | None = None


class _ProjectRef(PayloadModel):
    slugId: Slug | None = None


class _Data(PayloadModel):
    id: str | None = None
    identifier: Identifier | None = None
    number: int | None = None
    team: _Team | None = None
    slugId: Slug | None = None
    body: str | None = None
    userId: str | None = None
    issueId: Uuid | None = None
    issue: _IssueRef | None = None
    project: _ProjectRef | None = None


class _Delivery(PayloadModel):
    type: str | None = None
    action: str | None = None
    actor: _Actor | None = None
    url: str | None = None
    data: _Data | None = None


def _issue_key(issue: _IssueRef | _Data) -> str | None:
    if issue.identifier:
        return issue.identifier
    if issue.team is not None and issue.team.key and issue.number is not None:
        return f"{issue.team.key}-{issue.number}"
    return None


def _url_path(url: str | None) -> str:
    if not url:
        return ""
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def parse_webhook(
    headers: Mapping[str, str],
    body: bytes,
    *,
    tracker: str,
    bot_user_id: str | None,
    teams: Collection[str] = (),
    initiatives: bool = True,
) -> WebhookEvent:
    """Turn a (verified) delivery into the items to re-judge; raise for malformed input.

    ``teams`` (team keys, empty = every team) and ``initiatives`` are the scope.
    """
    delivery = _header(headers, "Linear-Delivery")
    if not delivery:
        raise WebhookError("missing Linear-Delivery header")
    payload = read_payload(_Delivery, json_object(body))
    entity = payload.type or _header(headers, "Linear-Event")
    if not entity:
        raise WebhookError("the delivery names no entity type ('type' / Linear-Event)")
    action = payload.action
    name = f"{entity}.{action}" if action is not None else entity
    actor = payload.actor.id if payload.actor is not None else None
    wanted_teams = {t.casefold() for t in teams}

    def done(
        keys: tuple[str, ...] = (), ignored: str | None = None, query: str | None = None
    ) -> WebhookEvent:
        return WebhookEvent(tracker, delivery, name, keys, actor, ignored, query)

    def issue_event(key: str) -> WebhookEvent:
        team = key.rpartition("-")[0]
        if wanted_teams and team.casefold() not in wanted_teams:
            return done(ignored=out_of_scope(f"team {team} is not in [linear] teams"))
        return done((key,))

    if entity not in EVENTS:
        return done(ignored=f"event '{entity}' is not used by trackerguard")
    data = payload.data
    if data is None:
        raise WebhookError("'data' is missing or not an object")
    if bot_user_id and actor == bot_user_id:
        return done(ignored="trackerguard's own write")

    if entity == "Issue":
        key = _issue_key(data)
        if key is None:
            raise WebhookError("Issue event without data.identifier (or team.key + number)")
        if action == "remove":
            return done(ignored="the issue was removed")
        return issue_event(key)
    if entity == "Comment":
        if MARKER in (data.body or ""):
            return done(ignored="trackerguard's own comment")
        if bot_user_id and data.userId == bot_user_id:
            return done(ignored="trackerguard's own comment")
        key = _issue_key(data.issue) if data.issue is not None else None
        path = _url_path(payload.url)
        if key is None and (found := _ISSUE_PATH.search(path)):
            key = found.group(1)
        if key is not None:
            return issue_event(key)
        if data.project is not None and data.project.slugId:
            return done((project_key(data.project.slugId),))
        if found := _PROJECT_PATH.search(path):
            return done((project_key(found.group(1)),))
        issue_id = data.issueId or (data.issue.id if data.issue is not None else None)
        if issue_id is not None:
            if not re.match(_UUID, issue_id):
                raise WebhookError("malformed payload: data.issue.id is not a Linear id")
            # An IssueFilter; the adapter adds the [linear] teams filter to every scan.
            return done(query=json.dumps({"id": {"eq": issue_id}}))
        return done(ignored="comment on an item trackerguard does not judge")
    if entity == "Initiative":
        if not data.id:
            raise WebhookError("Initiative event without data.id")
        if action == "remove":
            return done(ignored="the initiative was removed")
        if not initiatives:
            return done(ignored=out_of_scope("[linear] initiatives = false"))
        return done((initiative_key(data.id),))
    # Project (a project spans teams, named by id only: the configured teams cannot be
    # matched here; the scan reads projects of the configured teams, so the sweep agrees)
    if not data.slugId:
        raise WebhookError("Project event without data.slugId")
    if action == "remove":
        return done(ignored="the project was removed")
    return done((project_key(data.slugId),))
