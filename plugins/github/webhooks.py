"""GitHub webhook deliveries → :class:`~trackerguard.adapter.WebhookEvent` (parsing only).

Verification is HMAC-SHA256 over the *raw* body (re-serialised JSON would not match),
compared in constant time by :func:`trackerguard.service.signatures.verify_github`.
Parsing reduces a delivery to the issue keys whose verdict may have changed, and marks as
``ignored`` (with the reason) what needs no work — above all trackerguard's own writes (its
account as sender, or a comment carrying its marker), so a comment it posts never triggers
another evaluation of the same item.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from trackerguard.adapter import MARKER, WebhookError, WebhookEvent
from trackerguard.service.signatures import header as _header
from trackerguard.service.signatures import sign_sha256_prefixed as signature
from trackerguard.service.signatures import verify_github as verify_signature

from .convert import same_login

__all__ = ["milestone_query", "parse_webhook", "signature", "verify_signature"]

# ``issues`` actions that cannot change a verdict.
_INERT_ISSUE_ACTIONS = frozenset({"pinned", "unpinned", "locked", "unlocked"})
_SUB_ISSUE_ACTIONS = frozenset(
    {"sub_issue_added", "sub_issue_removed", "parent_issue_added", "parent_issue_removed"}
)


def _key(repository: Mapping[str, Any] | None, issue: Mapping[str, Any] | None) -> str | None:
    if not repository or not issue:
        return None
    repo = repository.get("full_name")
    number = issue.get("number")
    if not isinstance(repo, str) or not isinstance(number, int):
        return None
    return f"{repo}#{number}"


def _repo_of_issue(issue: Mapping[str, Any], fallback: Mapping[str, Any] | None) -> Any:
    """The repository of an issue in a sub_issues payload (``repository_url`` when cross-repo)."""
    url = issue.get("repository_url")
    if isinstance(url, str) and "/repos/" in url:
        return {"full_name": url.split("/repos/", 1)[1]}
    return fallback


def parse_webhook(
    headers: Mapping[str, str], body: bytes, *, tracker: str, bot_login: str | None
) -> WebhookEvent:
    """Turn a (verified) delivery into the issues to re-judge; raise for malformed input."""
    event = _header(headers, "X-GitHub-Event")
    delivery = _header(headers, "X-GitHub-Delivery")
    if not event:
        raise WebhookError("missing X-GitHub-Event header")
    if not delivery:
        raise WebhookError("missing X-GitHub-Delivery header")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookError("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookError("the body is not a JSON object")
    action = payload.get("action")
    name = f"{event}.{action}" if isinstance(action, str) else event
    sender = payload.get("sender")
    login = sender.get("login") if isinstance(sender, dict) else None
    actor = login if isinstance(login, str) else None

    def done(
        keys: tuple[str, ...] = (), ignored: str | None = None, query: str | None = None
    ) -> WebhookEvent:
        return WebhookEvent(tracker, delivery, name, keys, actor, ignored, query)

    if event == "ping":
        return done(ignored="ping: the webhook is set up")
    if event in ("pull_request", "pull_request_review", "pull_request_review_comment"):
        return done(ignored="pull request events do not change issue verdicts")
    if event not in ("issues", "issue_comment", "sub_issues", "milestone"):
        return done(ignored=f"event '{event}' is not used by trackerguard")
    if same_login(actor, bot_login):
        return done(ignored="trackerguard's own write")
    repository = payload.get("repository")
    if repository is not None and not isinstance(repository, dict):
        raise WebhookError("'repository' is not an object")

    if event == "issues":
        issue = _object(payload, "issue")
        if action in _INERT_ISSUE_ACTIONS:
            return done(ignored=f"issues.{action} does not change verdicts")
        key = _key(repository, issue)
        if key is None:
            raise WebhookError("issues event without repository.full_name / issue.number")
        return done((key,))
    if event == "issue_comment":
        issue = _object(payload, "issue")
        comment = _object(payload, "comment")
        if issue.get("pull_request"):
            return done(ignored="comment on a pull request")
        if MARKER in str(comment.get("body") or ""):
            return done(ignored="trackerguard's own comment")
        key = _key(repository, issue)
        if key is None:
            raise WebhookError("issue_comment event without repository / issue.number")
        return done((key,))
    if event == "sub_issues":
        if action not in _SUB_ISSUE_ACTIONS:
            return done(ignored=f"sub_issues.{action} is not used")
        keys = []
        for field in ("parent_issue", "sub_issue"):
            issue = _object(payload, field)
            repo = _repo_of_issue(issue, repository)
            if field == "parent_issue" and isinstance(payload.get("parent_issue_repo"), dict):
                repo = payload["parent_issue_repo"]
            key = _key(repo, issue)
            if key is None:
                raise WebhookError(f"sub_issues event without a usable '{field}'")
            keys.append(key)
        return done(tuple(dict.fromkeys(keys)))
    # milestone: due date / title / state changes alter the horizon of its goals. The event
    # names no issue; the service re-judges what carries the milestone (search query below).
    milestone = _object(payload, "milestone")
    if action not in ("edited", "closed", "opened", "deleted"):
        return done(ignored=f"milestone.{action} is not used")
    if not isinstance(milestone.get("number"), int):
        raise WebhookError("milestone event without milestone.number")
    query = milestone_query(headers, body)
    if query is None:
        raise WebhookError("milestone event without repository.full_name / milestone.title")
    return done((), query=query)


def milestone_query(headers: Mapping[str, str], body: bytes) -> str | None:
    """A search query for the issues of the milestone an event names (for a sweep)."""
    try:
        payload = json.loads(body)
        repo = payload["repository"]["full_name"]
        title = payload["milestone"]["title"]
    except (ValueError, KeyError, TypeError):
        return None
    return f'repo:{repo} milestone:"{title}"'


def _object(payload: Mapping[str, Any], field: str) -> dict[str, Any]:
    value = payload.get(field)
    if not isinstance(value, dict):
        raise WebhookError(f"'{field}' is missing or not an object")
    return value
