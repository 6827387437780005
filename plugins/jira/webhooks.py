"""Jira webhook deliveries → "item changed" events.

Admin webhooks with a secret sign the raw body: ``X-Hub-Signature: sha256=<hex HMAC>``
(Cloud and DC; not ``-256``). The delivery id is ``X-Atlassian-Webhook-Identifier``, constant
across Jira's retries, so duplicates are recognised; without it we hash the body.

Events caused by trackerguard itself (its account, or a comment carrying its comment
property) are marked ``ignored``: reacting to our own writes would loop forever.

Some deliveries name issues by **id** only: Jira Server/DC comment events carry no
``issue`` (the id is in the path of ``comment.self``, ``…/rest/api/2/issue/26313/comment/
31039``; the URL is parsed, never requested) and issue link events carry
``issueLink.sourceIssueId`` / ``destinationIssueId``. Those become a query job
(``id in (…)``, AND-ed with the configured query, so an issue outside it is never judged)
that a worker expands into one job per issue key.

Scope: when the configured query names its projects plainly (``project = ACME AND …``,
``project in (A, B) …``, no ``OR``), a delivery for another project is ``ignored``
as out of scope; with any other query, keyed deliveries become ``key = …`` query jobs AND-ed
with it, so the query decides. Every field read is type-checked (:mod:`trackerguard.payload`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, StringConstraints

from trackerguard.adapter import WebhookError, WebhookEvent, out_of_scope
from trackerguard.payload import PayloadModel, json_object, read_payload
from trackerguard.service import signatures

__all__ = ["EVENTS", "JiraScope", "delivery_id", "parse", "sign", "verify_signature"]

ISSUE_EVENTS = frozenset({"jira:issue_created", "jira:issue_updated", "jira:issue_deleted"})
COMMENT_EVENTS = frozenset({"comment_created", "comment_updated", "comment_deleted"})
LINK_EVENTS = frozenset({"issuelink_created", "issuelink_deleted"})

EVENTS: dict[str, str] = {
    "jira:issue_created": "the issue",
    "jira:issue_updated": "the issue",
    "jira:issue_deleted": "the issue (found gone: nothing to write)",
    "comment_created": "the issue commented on: `issue.key` (Cloud), else the issue id in "
    "`comment.self` (Server/DC); not trackerguard's own comments",
    "comment_updated": "the issue commented on, as for `comment_created`",
    "comment_deleted": "the issue commented on, as for `comment_created`",
    "issuelink_created": "both linked issues (`sourceIssueId`, `destinationIssueId`)",
    "issuelink_deleted": "both formerly linked issues",
}
"""Event (``webhookEvent``) → what is queued; any other event is answered ``ignored``."""

QUERY_PREFIX = "?query:"
_ISSUE_KEY = r"^[A-Z][A-Z0-9_]*-[0-9]+$"
_COMMENT_PATH = re.compile(r"/rest/api/(?:2|3|latest)/issue/([0-9]+)/comment/[0-9]+/?$")
_PLAIN_PROJECTS = re.compile(
    r"""^\s*project\s*(?:=\s*(?P<one>"[^"]+"|[A-Za-z][A-Za-z0-9_]*)
        |\s+in\s*\((?P<many>[^()]*)\))\s*(?:$|\s+AND\s+)""",
    re.IGNORECASE | re.VERBOSE,
)
_OR = re.compile(r"\bOR\b|\|\|", re.IGNORECASE)

IssueKey = Annotated[str, StringConstraints(pattern=_ISSUE_KEY)]
IssueId = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,18}$")]
NumericId = Annotated[int, Field(ge=0, lt=10**18)] | IssueId


class _User(PayloadModel):
    accountId: str | None = None
    name: str | None = None
    key: str | None = None


class _Project(PayloadModel):
    key: str | None = None


class _Fields(PayloadModel):
    project: _Project | None = None


class _Issue(PayloadModel):
    key: IssueKey | None = None
    id: NumericId | None = None
    fields: _Fields | None = None


class _Property(PayloadModel):
    key: str | None = None


class _Comment(PayloadModel):
    self_url: str | None = Field(default=None, alias="self")
    author: _User | None = None
    updateAuthor: _User | None = None
    properties: list[_Property] | None = None


class _IssueLink(PayloadModel):
    sourceIssueId: NumericId | None = None
    destinationIssueId: NumericId | None = None


class _Delivery(PayloadModel):
    webhookEvent: str | None = None
    user: _User | None = None
    issue: _Issue | None = None
    comment: _Comment | None = None
    issueLink: _IssueLink | None = None


class JiraScope:
    """The configured query (its ``ORDER BY`` stripped), and the projects it plainly names."""

    def __init__(self, query: str | None = None) -> None:
        self.query = (query or "").strip() or None
        self.projects = plain_projects(self.query) if self.query else None

    def restrict(self, condition: str) -> str:
        """``condition`` AND-ed with the configured query (the query decides the scope)."""
        return f"({self.query}) AND {condition}" if self.query else condition


def plain_projects(query: str) -> frozenset[str] | None:
    """The project keys a query is limited to, when it says so plainly; else ``None``.

    Only ``project = KEY`` / ``project in (A, B)`` as the first clause, followed by nothing
    or ``AND …``, in a query with no ``OR`` anywhere (so every other clause only narrows),
    with keys written as keys (upper case: ``project = Website`` may be a project *name*):
    anything subtler is left to Jira (the query job), never guessed.
    """
    if _OR.search(query):
        return None
    found = _PLAIN_PROJECTS.match(query)
    if found is None:
        return None
    raw = [found["one"]] if found["one"] else (found["many"] or "").split(",")
    keys = {part.strip().strip('"') for part in raw}
    if not keys or not all(re.fullmatch(r"[A-Z][A-Z0-9_]*", k) for k in keys):
        return None
    return frozenset(keys)


def sign(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature`` value Jira sends for ``body`` (tests and docs use it)."""
    return signatures.sign_sha256_prefixed(secret, body)


def verify_signature(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    """Constant-time check of ``X-Hub-Signature``; a missing header or secret is a failure."""
    return bool(secret) and signatures.verify_jira(secret, headers, body)


def delivery_id(headers: Mapping[str, str], body: bytes) -> str:
    return signatures.delivery_id(headers, body, "X-Atlassian-Webhook-Identifier")


def _user_ids(user: _User | None) -> set[str]:
    if user is None:
        return set()
    return {v for v in (user.accountId, user.name, user.key) if v}


def _is_own_comment(comment: _Comment, bot_ids: set[str], property_key: str) -> bool:
    if (_user_ids(comment.author) | _user_ids(comment.updateAuthor)) & bot_ids:
        return True
    return any(p.key == property_key for p in comment.properties or [])


def comment_issue_id(self_url: str | None) -> str | None:
    """The issue id in a comment's ``self`` URL (``…/issue/26313/comment/31039``)."""
    if not self_url:
        return None
    try:
        path = urlsplit(self_url).path
    except ValueError:
        return None
    found = _COMMENT_PATH.search(path)
    return found.group(1) if found else None


def parse(
    headers: Mapping[str, str],
    body: bytes,
    *,
    bot_ids: Iterable[str] = (),
    property_key: str = "trackerguard",
    scope: JiraScope | None = None,
) -> WebhookEvent:
    """Parse one delivery; raise :class:`WebhookError` for malformed input."""
    payload = read_payload(_Delivery, json_object(body))
    event = payload.webhookEvent
    if not event:
        raise WebhookError("missing 'webhookEvent'")
    scope = scope or JiraScope()
    delivery = delivery_id(headers, body)
    bots = {b for b in bot_ids if b}
    actor_ids = _user_ids(payload.user)
    actor = next(iter(sorted(actor_ids)), None)

    def done(
        keys: tuple[str, ...] = (), ignored: str | None = None, query: str | None = None
    ) -> WebhookEvent:
        return WebhookEvent("jira", delivery, event, keys, actor, ignored, query)

    def by_ids(ids: list[str]) -> WebhookEvent:
        wanted = ", ".join(dict.fromkeys(ids))
        return done(query=scope.restrict(f"id in ({wanted})"))

    def by_issue(issue: _Issue) -> WebhookEvent:
        key = issue.key
        if key is None:
            raise WebhookError(f"'{event}' without issue.key")
        if scope.projects is not None:
            project = key.rpartition("-")[0]
            if project not in scope.projects:
                return done(ignored=out_of_scope(f"project {project} is not in the query"))
            return done((key,))
        if scope.query is not None:
            return done(query=scope.restrict(f'key = "{key}"'))
        return done((key,))

    if event not in EVENTS:
        return done(ignored=f"event '{event}' is not handled")
    if event in LINK_EVENTS:
        link = payload.issueLink
        if link is None or link.sourceIssueId is None or link.destinationIssueId is None:
            raise WebhookError(f"'{event}' without issueLink.sourceIssueId / destinationIssueId")
        if actor_ids & bots:
            return done(ignored="caused by trackerguard itself")
        return by_ids([str(link.sourceIssueId), str(link.destinationIssueId)])
    if event in COMMENT_EVENTS:
        comment = payload.comment
        if comment is None:
            raise WebhookError(f"'{event}' without a comment")
        author = _user_ids(comment.updateAuthor or comment.author)
        actor = actor or next(iter(sorted(author)), None)
        if _is_own_comment(comment, bots, property_key):
            return done(ignored="trackerguard's own comment")
        if payload.issue is not None and payload.issue.key is not None:
            return by_issue(payload.issue)
        ident = comment_issue_id(comment.self_url)
        if ident is None and payload.issue is not None and payload.issue.id is not None:
            ident = str(payload.issue.id)
        if ident is None:
            raise WebhookError(f"'{event}' without issue.key or an issue id in comment.self")
        return by_ids([ident])
    issue = payload.issue
    if issue is None:
        raise WebhookError(f"'{event}' without issue.key")
    if actor_ids & bots:
        return done(ignored="caused by trackerguard itself")
    return by_issue(issue)
