"""GraphQL issue nodes → :class:`~trackerguard.model.WorkItem`, including the bot's traces.

Mapping decisions (GitHub has no status names, only ``state`` + ``state_reason``):

* ``CLOSED`` + ``NOT_PLANNED``/``DUPLICATE`` → cancelled, other closed → done;
* an open issue is *in progress* once work on it is visible (a sub-issue completed or an
  open pull request that would close it), otherwise *todo*;
* the level comes from the issue type, else from level labels (``[[levels]] labels``), else
  ``[github] default_level`` for issues with no type at all;
* ``last_activity`` ignores trackerguard's own writes: when the bot left traces on an issue,
  its ``updatedAt`` may be ours, so activity is rebuilt from creation, body edits, closing and
  human comments;
* with ``[github] project``, an open issue in that Project (v2) takes its status from the
  project's Status option (mapped through ``[status]``: "In Progress" → in progress, "Done" →
  done, "Todo" → to do) and its horizon from the first set date or iteration field (an
  iteration ends on its last day); a person moving the card or its date is activity
  (trackerguard never writes project fields). Issues outside the project keep the mapping
  above.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from trackerguard.adapter import MARKER
from trackerguard.bot_comments import FoundComments, SeenComment, sort_comments
from trackerguard.levels import LevelMap
from trackerguard.model import BotComment, BotState, StatusCategory, WorkItem
from trackerguard.status import StatusMap
from trackerguard.text.normalize import normalize
from trackerguard.timeparse import parse_timestamp

_CANCELLED_REASONS = frozenset({"NOT_PLANNED", "DUPLICATE"})


def same_login(a: str | None, b: str | None) -> bool:
    """GraphQL shows a bot as ``app-slug``, REST as ``app-slug[bot]``: compare both ways."""
    if not a or not b:
        return False
    return a.casefold().removesuffix("[bot]") == b.casefold().removesuffix("[bot]")


parse_time = parse_timestamp


def seen_comment(comment: dict[str, Any]) -> SeenComment:
    """A GraphQL comment node (or a REST one reshaped like it) for :func:`sort_comments`."""
    ident = str(comment.get("databaseId") or comment.get("id"))
    return SeenComment(
        id=ident,
        body=str(comment.get("body") or ""),
        author=(comment.get("author") or {}).get("login"),
        order=(str(comment.get("createdAt") or ""), int(ident) if ident.isdigit() else 0),
    )


def parse_day(value: Any) -> date | None:
    """The date of a timestamp (GitHub sends dates as full timestamps), or ``None``."""
    moment = parse_time(value)
    return moment.date() if moment else None


@dataclass
class Converter:
    """Per-run conversion context (config maps, who the bot is, where issues live)."""

    tracker: str
    web_url: str
    levels: LevelMap
    statuses: StatusMap
    default_level: str | None
    block_label: str
    bot_login: str | None
    project_id: str | None = None
    """Node id of the configured Project (v2), when one is configured and was found."""
    horizon_fields: tuple[str, ...] = ()

    def key_of(self, repo: str, number: int) -> str:
        return f"{repo}#{number}"

    def url_of(self, repo: str, number: int) -> str:
        return f"{self.web_url}/{repo}/issues/{number}"

    def level_of(self, type_name: str, labels: frozenset[str]) -> str | None:
        level = self.levels.classify(type_name, labels)
        if level is None and not type_name and self.default_level in self.levels.index:
            return self.default_level
        return level

    def is_bot_comment(self, comment: dict[str, Any]) -> bool:
        if MARKER not in str(comment.get("body") or ""):
            return False
        if self.bot_login is None:
            return True  # identity unknown (e.g. GITHUB_TOKEN): the marker alone decides
        author = (comment.get("author") or {}).get("login")
        return same_login(author, self.bot_login)

    def bot_comments(self, comments: list[dict[str, Any]]) -> FoundComments:
        """The bot's newest marked comment, its older duplicates, and foreign markers."""
        return sort_comments(
            (seen_comment(c) for c in comments),
            lambda author: self.bot_login is None or same_login(author, self.bot_login),
        )

    def bot_comment(self, comments: list[dict[str, Any]]) -> BotComment | None:
        return self.bot_comments(comments).comment

    def needs_comment_lookup(self, node: dict[str, Any]) -> bool:
        """True when trackerguard's comment may sit beyond the comments read with the issue."""
        comments = node.get("comments") or {}
        nodes = comments.get("nodes") or []
        if any(self.is_bot_comment(c) for c in nodes):
            return False
        return int(comments.get("totalCount") or 0) > len(nodes)

    def convert(
        self, node: dict[str, Any], extra_comments: list[dict[str, Any]] | None = None
    ) -> WorkItem:
        repo = str(node["repository"]["nameWithOwner"])
        number = int(node["number"])
        labels = frozenset(
            str(label["name"]) for label in (node.get("labels") or {}).get("nodes") or []
        )
        type_name = str(((node.get("issueType") or {}).get("name")) or "")
        comments = list((node.get("comments") or {}).get("nodes") or [])
        if extra_comments:
            comments = extra_comments
        found = self.bot_comments(comments)
        bot_comment = found.comment
        prs = _closing_prs(node)
        status, hint = _status(node, prs)
        parent = node.get("parent")
        milestone = node.get("milestone") or None
        assignees = [str(a["login"]) for a in (node.get("assignees") or {}).get("nodes") or [] if a]
        summary = node.get("subIssuesSummary") or {}
        has_label = self.block_label in labels
        failing = [pr for pr in prs if pr["status"] == "FAILURE"]
        blocked = all(pr["status"] == "FAILURE" for pr in prs) if has_label else bool(failing)
        bot = BotState(
            comment=bot_comment,
            blocked=blocked,
            extra={"pull_requests": prs, "block_label": has_label},
            duplicates=found.duplicates,
            foreign_markers=found.foreign,
        )
        created = parse_time(node.get("createdAt"))
        updated = parse_time(node.get("updatedAt"))
        plan = self.project_plan(node)
        category = self.statuses.categorize(status, hint)
        if plan.status and node.get("state") != "CLOSED":
            status, category = plan.status, self.statuses.categorize(plan.status)
        activity = self._activity(node, comments, bot_comment, labels, created, updated)
        moved = [m for m in (activity, *plan.moved) if m is not None]
        return WorkItem(
            tracker=self.tracker,
            key=self.key_of(repo, number),
            title=str(node.get("title") or ""),
            type=type_name,
            url=self.url_of(repo, number),
            level=self.level_of(type_name, labels),
            status=status,
            status_category=category,
            description=normalize(node.get("body") or "", "markdown"),
            parent=(
                self.key_of(str(parent["repository"]["nameWithOwner"]), int(parent["number"]))
                if parent
                else None
            ),
            assignee=assignees[0] if assignees else None,
            due=plan.horizon,
            milestone=str(milestone["title"]) if milestone else None,
            milestone_due=parse_day(milestone.get("dueOn")) if milestone else None,
            labels=labels,
            fields={
                "repository": repo,
                "number": number,
                "database_id": node.get("databaseId"),
                "node_id": node.get("id"),
                "state_reason": node.get("stateReason"),
                "assignees": assignees,
                "author": (node.get("author") or {}).get("login"),
                "sub_issues_total": int(summary.get("total") or 0),
                "sub_issues_completed": int(summary.get("completed") or 0),
                "milestone_number": milestone.get("number") if milestone else None,
                "project_status": plan.status,
                "project_horizon_field": plan.horizon_field,
            },
            created=created,
            updated=updated,
            last_activity=max(moved) if moved else None,
            bot=bot,
            raw=node,
        )

    def project_plan(self, node: dict[str, Any]) -> ProjectPlan:
        """Status and horizon of the issue in the configured project (empty when not in it)."""
        if self.project_id is None:
            return ProjectPlan()
        for membership in (node.get("projectItems") or {}).get("nodes") or []:
            if not membership or (membership.get("project") or {}).get("id") != self.project_id:
                continue
            value = membership.get("status") or {}
            status = str(value.get("name") or "") or None
            moved = [parse_time(value.get("updatedAt"))] if status else []
            horizon: date | None = None
            horizon_field: str | None = None
            for index, name in enumerate(self.horizon_fields):
                field_value = membership.get(f"h{index}") or {}
                horizon = _horizon(field_value)
                if horizon is not None:
                    horizon_field = name
                    moved.append(parse_time(field_value.get("updatedAt")))
                    break
            return ProjectPlan(
                status, horizon, horizon_field, tuple(m for m in moved if m is not None)
            )
        return ProjectPlan()

    def _activity(
        self,
        node: dict[str, Any],
        comments: list[dict[str, Any]],
        bot_comment: BotComment | None,
        labels: frozenset[str],
        created: datetime | None,
        updated: datetime | None,
    ) -> datetime | None:
        touched = bot_comment is not None or self.block_label in labels
        if not touched:
            return updated
        moments = [created, parse_time(node.get("lastEditedAt")), parse_time(node.get("closedAt"))]
        latest = list((node.get("latestComments") or {}).get("nodes") or [])
        for comment in [*comments, *latest]:  # the newest ones even past the comment window
            if comment and not self.is_bot_comment(comment):
                moments.append(parse_time(comment.get("updatedAt") or comment.get("createdAt")))
        known = [m for m in moments if m is not None]
        return max(known) if known else updated


@dataclass(frozen=True)
class ProjectPlan:
    """What the configured project says about one issue."""

    status: str | None = None
    horizon: date | None = None
    horizon_field: str | None = None
    moved: tuple[datetime, ...] = ()
    """When people last set those project fields (activity trackerguard never causes)."""


def _horizon(value: dict[str, Any]) -> date | None:
    """A date field's date, or an iteration's last day (start + duration - 1)."""
    if value.get("date"):
        try:
            return date.fromisoformat(str(value["date"])[:10])
        except ValueError:
            return None
    if value.get("startDate") and value.get("duration"):
        try:
            start = date.fromisoformat(str(value["startDate"])[:10])
        except ValueError:
            return None
        return start + timedelta(days=int(value["duration"]) - 1)
    return None


def _closing_prs(node: dict[str, Any]) -> list[dict[str, Any]]:
    """Open pull requests that would close the issue, with their head and our status."""
    found = []
    for pr in (node.get("closedByPullRequestsReferences") or {}).get("nodes") or []:
        if not pr or pr.get("state") != "OPEN":
            continue
        commits = (pr.get("commits") or {}).get("nodes") or []
        commit = (commits[-1] or {}).get("commit") if commits else None
        if not commit:
            continue
        context = ((commit.get("status") or {}).get("context")) or {}
        found.append(
            {
                "repository": str(pr["repository"]["nameWithOwner"]),
                "number": int(pr["number"]),
                "sha": str(commit["oid"]),
                "status": context.get("state"),
            }
        )
    return found


def _status(node: dict[str, Any], prs: list[dict[str, Any]]) -> tuple[str, StatusCategory | None]:
    if node.get("state") == "CLOSED":
        reason = node.get("stateReason")
        if reason in _CANCELLED_REASONS:
            return ("Not planned" if reason == "NOT_PLANNED" else "Duplicate"), (
                StatusCategory.CANCELLED
            )
        return "Closed", StatusCategory.DONE
    summary = node.get("subIssuesSummary") or {}
    if prs or int(summary.get("completed") or 0) > 0:
        return "Open", StatusCategory.IN_PROGRESS
    return "Open", None
