"""GitHub webhook deliveries → :class:`~trackerguard.adapter.WebhookEvent` (parsing only).

Verification is HMAC-SHA256 over the *raw* body (re-serialised JSON would not match),
compared in constant time by :func:`trackerguard.service.signatures.verify_github`.
Parsing reduces a delivery to the issue keys whose verdict may have changed, and marks as
``ignored`` (with the reason) what needs no work — above all trackerguard's own writes (its
account as sender, or a comment carrying its marker), so a comment it posts never triggers
another evaluation of the same item — and what names a repository outside ``[github]
repos`` (organisation webhooks send every repository's events).

Every field read is type-checked first (:mod:`trackerguard.payload`): a malformed value is
a :class:`~trackerguard.adapter.WebhookError` naming the field, never a made-up key.
:data:`EVENTS` says what each event queues; ``docs/service.md`` shows the same table.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from trackerguard.adapter import MARKER, WebhookError, WebhookEvent, out_of_scope
from trackerguard.payload import ItemNumber, PayloadModel, json_object, read_payload
from trackerguard.service.signatures import header as _header
from trackerguard.service.signatures import sign_sha256_prefixed as signature
from trackerguard.service.signatures import verify_github as verify_signature

from .convert import same_login

__all__ = ["EVENTS", "milestone_query", "parse_webhook", "signature", "verify_signature"]

EVENTS: dict[str, str] = {
    "issues": "the issue (`transferred`: the issue at its new location); "
    "not `pinned`, `unpinned`, `locked`, `unlocked`",
    "issue_comment": "the issue (not comments on pull requests or trackerguard's own)",
    "sub_issues": "the parent and the sub-issue",
    "milestone": "every issue carrying the milestone (`edited`, `closed`, `opened`, "
    "`deleted`), found by a search in a worker",
}
"""Event (``X-GitHub-Event``) → what is queued; any other event is answered ``ignored``."""

# ``issues`` actions that cannot change a verdict.
_INERT_ISSUE_ACTIONS = frozenset({"pinned", "unpinned", "locked", "unlocked"})
_SUB_ISSUE_ACTIONS = frozenset(
    {"sub_issue_added", "sub_issue_removed", "parent_issue_added", "parent_issue_removed"}
)
T = TypeVar("T")
_MILESTONE_ACTIONS = frozenset({"edited", "closed", "opened", "deleted"})
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_UNSAFE_IN_QUOTES = re.compile(r'["\\\x00-\x1f\x7f]+')


class _Repository(PayloadModel):
    full_name: str | None = None


class _User(PayloadModel):
    login: str | None = None


class _Issue(PayloadModel):
    number: ItemNumber | None = None
    repository_url: str | None = None
    pull_request: dict[str, Any] | None = None


class _Comment(PayloadModel):
    body: str | None = None


class _Milestone(PayloadModel):
    number: ItemNumber | None = None
    title: str | None = None


class _Changes(PayloadModel):
    new_issue: _Issue | None = None
    new_repository: _Repository | None = None


class _Delivery(PayloadModel):
    """The fields of a delivery that parsing reads (all events share the names)."""

    action: str | None = None
    sender: _User | None = None
    repository: _Repository | None = None
    issue: _Issue | None = None
    comment: _Comment | None = None
    changes: _Changes | None = None
    parent_issue: _Issue | None = None
    parent_issue_repo: _Repository | None = None
    sub_issue: _Issue | None = None
    milestone: _Milestone | None = None


def _repo_name(
    repository: _Repository | None,
    issue: _Issue | None = None,
    *,
    repo_field: str = "repository",
    issue_field: str = "issue",
) -> str | None:
    """The issue's repository: ``repository_url`` when it names one (cross-repo), else
    the delivery's repository; a name that is not ``owner/name`` is malformed."""
    name: str | None = None
    where = f"{repo_field}.full_name"
    url = issue.repository_url if issue is not None else None
    if url and "/repos/" in url:
        name = url.split("/repos/", 1)[1].rstrip("/")
        where = f"{issue_field}.repository_url"
    elif repository is not None:
        name = repository.full_name
    if name is not None and not _REPO.match(name):
        raise WebhookError(f"malformed payload: {where}: not an 'owner/name' repository")
    return name


def _key(repo: str | None, issue: _Issue | None) -> str | None:
    if repo is None or issue is None or issue.number is None:
        return None
    return f"{repo}#{issue.number}"


class _Scope:
    """The configured repositories (case-insensitive, as GitHub treats names)."""

    def __init__(self, repos: Collection[str] | None) -> None:
        self.repos = {r.casefold() for r in repos} if repos else None

    def holds(self, key: str) -> bool:
        return self.repos is None or key.rpartition("#")[0].casefold() in self.repos


def parse_webhook(
    headers: Mapping[str, str],
    body: bytes,
    *,
    tracker: str,
    bot_login: str | None,
    repos: Collection[str] | None = None,
) -> WebhookEvent:
    """Turn a (verified) delivery into the issues to re-judge; raise for malformed input.

    ``repos`` is the scope (``[github] repos``); ``None`` accepts every repository.
    """
    event = _header(headers, "X-GitHub-Event")
    delivery = _header(headers, "X-GitHub-Delivery")
    if not event:
        raise WebhookError("missing X-GitHub-Event header")
    if not delivery:
        raise WebhookError("missing X-GitHub-Delivery header")
    payload = read_payload(_Delivery, json_object(body))
    action = payload.action
    name = f"{event}.{action}" if action is not None else event
    actor = payload.sender.login if payload.sender is not None else None
    scope = _Scope(repos)

    def done(
        keys: tuple[str, ...] = (), ignored: str | None = None, query: str | None = None
    ) -> WebhookEvent:
        return WebhookEvent(tracker, delivery, name, keys, actor, ignored, query)

    def scoped(keys: list[str | None], what: str) -> WebhookEvent:
        if not keys or any(k is None for k in keys):
            raise WebhookError(f"{name} event without {what}")
        named = [k for k in dict.fromkeys(keys) if k]
        inside = tuple(k for k in named if scope.holds(k))
        if not inside:
            outside = ", ".join(sorted({k.rpartition("#")[0] for k in named}))
            return done(ignored=out_of_scope(f"repository {outside} is not in [github] repos"))
        return done(inside)

    if event == "ping":
        return done(ignored="ping: the webhook is set up")
    if event in ("pull_request", "pull_request_review", "pull_request_review_comment"):
        return done(ignored="pull request events do not change issue verdicts")
    if event not in EVENTS:
        return done(ignored=f"event '{event}' is not used by trackerguard")
    if same_login(actor, bot_login):
        return done(ignored="trackerguard's own write")
    repository = payload.repository

    if event == "issues":
        issue = _required(payload.issue, "issue")
        if action in _INERT_ISSUE_ACTIONS:
            return done(ignored=f"issues.{action} does not change verdicts")
        if action == "transferred":
            # The issue now lives elsewhere (the old number redirects): judge the new one.
            changes = _required(payload.changes, "changes")
            new_issue = _required(changes.new_issue, "changes.new_issue")
            new_repo = _repo_name(
                changes.new_repository,
                new_issue,
                repo_field="changes.new_repository",
                issue_field="changes.new_issue",
            )
            return scoped([_key(new_repo, new_issue)], "changes.new_repository / new_issue")
        key = _key(_repo_name(repository), issue)
        return scoped([key], "repository.full_name / issue.number")
    if event == "issue_comment":
        issue = _required(payload.issue, "issue")
        comment = _required(payload.comment, "comment")
        if issue.pull_request:
            return done(ignored="comment on a pull request")
        if MARKER in (comment.body or ""):
            return done(ignored="trackerguard's own comment")
        key = _key(_repo_name(repository), issue)
        return scoped([key], "repository / issue.number")
    if event == "sub_issues":
        if action not in _SUB_ISSUE_ACTIONS:
            return done(ignored=f"sub_issues.{action} is not used")
        parent = _required(payload.parent_issue, "parent_issue")
        child = _required(payload.sub_issue, "sub_issue")
        parent_repo, field = payload.parent_issue_repo, "parent_issue_repo"
        if parent_repo is None:
            parent_repo, field = repository, "repository"
        keys = [
            _key(
                _repo_name(parent_repo, parent, repo_field=field, issue_field="parent_issue"),
                parent,
            ),
            _key(_repo_name(repository, child, issue_field="sub_issue"), child),
        ]
        return scoped(keys, "parent_issue / sub_issue")
    # milestone: due date / title / state changes alter the horizon of its goals. The event
    # names no issue; the service re-judges what carries the milestone (search query below).
    milestone = _required(payload.milestone, "milestone")
    if action not in _MILESTONE_ACTIONS:
        return done(ignored=f"milestone.{action} is not used")
    if milestone.number is None:
        raise WebhookError("milestone event without milestone.number")
    repo = _repo_name(repository)
    if repo is None or milestone.title is None:
        raise WebhookError("milestone event without repository.full_name / milestone.title")
    if not scope.holds(f"{repo}#0"):
        return done(ignored=out_of_scope(f"repository {repo} is not in [github] repos"))
    query = _milestone_search(repo, milestone.title)
    if query is None:
        return done(ignored="milestone title has nothing searchable (the sweep re-judges)")
    return done((), query=query)


def _milestone_search(repo: str, title: str) -> str | None:
    """``repo:R milestone:"T"`` with ``T`` made safe inside quotes.

    GitHub's search syntax has no escape inside a quoted value, so quotes, backslashes and
    control characters (newlines) are replaced by spaces: the value can never close its
    quotes and add a qualifier (``repo:other/x``). A title that needed this may match
    nothing; the reconciliation sweep re-judges those issues.
    """
    if not _REPO.match(repo):
        return None
    safe = " ".join(_UNSAFE_IN_QUOTES.sub(" ", title).split())
    if not safe:
        return None
    return f'repo:{repo} milestone:"{safe}"'


def milestone_query(headers: Mapping[str, str], body: bytes) -> str | None:
    """A search query for the issues of the milestone an event names (for a sweep)."""
    try:
        payload = read_payload(_Delivery, json_object(body))
        repo = _repo_name(payload.repository)
    except WebhookError:
        return None
    if repo is None or payload.milestone is None or payload.milestone.title is None:
        return None
    return _milestone_search(repo, payload.milestone.title)


def _required(value: T | None, field: str) -> T:
    if value is None:
        raise WebhookError(f"'{field}' is missing or not an object")
    return value
