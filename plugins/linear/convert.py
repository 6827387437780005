"""Linear GraphQL nodes → :class:`~trackerguard.model.WorkItem`, including the bot's traces.

Mapping (documented in ``docs/linear.md``):

* keys: issues by identifier (``ENG-12``), projects ``project:<slugId>``, initiatives
  ``initiative:<id>``; types ``Issue`` / ``Project`` / ``Initiative``;
* levels: ``[[levels]]`` wins when a level lists the type (or, for issues, one of its
  labels); otherwise the adapter's own mapping: Initiative → top level, Project → the level
  below it, Issue → bottom level;
* goal chain: an issue's parent is its parent issue, else its project; a project's parent
  is its first initiative (others become ``part of`` links); an initiative's parent is its
  parent initiative; issue relations (``blocks``, ``related``…) are links that never count;
* status: an issue's workflow state (its ``type`` is the category hint), a project's
  status, an initiative's status;
* ``last_activity`` ignores trackerguard's own writes (its comment, its block).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trackerguard.adapter import MARKER
from trackerguard.bot_comments import FoundComments, SeenComment, sort_comments
from trackerguard.levels import LevelMap
from trackerguard.model import BotComment, BotState, Link, StatusCategory, WorkItem
from trackerguard.status import StatusMap
from trackerguard.text.normalize import normalize
from trackerguard.timeparse import parse_day, parse_timestamp

PROJECT_PREFIX = "project:"
INITIATIVE_PREFIX = "initiative:"

_STATE_TYPES = {
    "completed": StatusCategory.DONE,
    "canceled": StatusCategory.CANCELLED,
    "duplicate": StatusCategory.CANCELLED,
    "started": StatusCategory.IN_PROGRESS,
    "triage": StatusCategory.TODO,
    "backlog": StatusCategory.TODO,
    "unstarted": StatusCategory.TODO,
}
_PROJECT_TYPES = {
    "completed": StatusCategory.DONE,
    "canceled": StatusCategory.CANCELLED,
    "started": StatusCategory.IN_PROGRESS,
    "paused": StatusCategory.TODO,
    "planned": StatusCategory.TODO,
    "backlog": StatusCategory.TODO,
}
_INITIATIVE_STATUSES = {
    "Active": StatusCategory.IN_PROGRESS,
    "Completed": StatusCategory.DONE,
    "Canceled": StatusCategory.CANCELLED,
    "Planned": StatusCategory.TODO,
    "Proposed": StatusCategory.TODO,
}


parse_time = parse_timestamp


def project_key(slug: str) -> str:
    return f"{PROJECT_PREFIX}{slug}"


def initiative_key(ident: str) -> str:
    return f"{INITIATIVE_PREFIX}{ident}"


def kind_of(key: str) -> str:
    """``issue`` / ``project`` / ``initiative`` for a trackerguard key."""
    if key.startswith(PROJECT_PREFIX):
        return "project"
    if key.startswith(INITIATIVE_PREFIX):
        return "initiative"
    return "issue"


def _nodes(connection: Any) -> list[dict[str, Any]]:
    if not isinstance(connection, dict):
        return []
    return [node for node in connection.get("nodes") or [] if isinstance(node, dict)]


def _name(user: Any) -> str | None:
    if not isinstance(user, dict):
        return None
    value = user.get("displayName") or user.get("name") or user.get("id")
    return str(value) if value else None


@dataclass
class Converter:
    """Per-run conversion context: config maps, who the bot is, where links point."""

    web_url: str
    levels: LevelMap
    configured_types: frozenset[str]
    """Casefolded types that some ``[[levels]]`` entry names (they override the own mapping)."""
    statuses: StatusMap
    bot_user_id: str | None
    blocked_state: str
    block_label: str
    blocked_memory: Callable[[str], Any]
    """Issue id → the state trackerguard moved it out of when blocking (from the state store)."""
    tracker: str = "linear"

    # -- levels -------------------------------------------------------------------------------
    def level_of(self, type_name: str, labels: frozenset[str] = frozenset()) -> str | None:
        names = self.levels.names
        if type_name.casefold() in self.configured_types:
            return self.levels.classify(type_name, labels)
        if labels:
            by_label = self.levels.classify("", labels)
            if by_label is not None and by_label != self.levels.default:
                return by_label
        if type_name == "Initiative":
            return names[0]
        if type_name == "Project":
            return names[1] if len(names) > 2 else names[0]
        return names[-1]

    # -- bot traces ---------------------------------------------------------------------------
    def is_bot_comment(self, comment: dict[str, Any]) -> bool:
        if MARKER not in str(comment.get("body") or ""):
            return False
        if self.bot_user_id is None:
            return True
        return (comment.get("user") or {}).get("id") == self.bot_user_id

    def bot_comments(self, comments: list[dict[str, Any]]) -> FoundComments:
        """The bot's newest marked comment, its older duplicates, and foreign markers."""
        return sort_comments(
            (
                SeenComment(
                    str(c.get("id")),
                    str(c.get("body") or ""),
                    (c.get("user") or {}).get("id"),
                    str(c.get("createdAt") or ""),
                )
                for c in comments
            ),
            lambda author: self.bot_user_id is None or author == self.bot_user_id,
        )

    def bot_comment(self, comments: list[dict[str, Any]]) -> BotComment | None:
        return self.bot_comments(comments).comment

    def _activity(
        self,
        moments: list[datetime | None],
        comments: list[dict[str, Any]],
        touched: bool,
        updated: datetime | None,
    ) -> datetime | None:
        if not touched:
            return updated
        for comment in comments:
            if not self.is_bot_comment(comment):
                moments.append(parse_time(comment.get("updatedAt") or comment.get("createdAt")))
        known = [m for m in moments if m is not None]
        return max(known) if known else updated

    # -- issues -------------------------------------------------------------------------------
    def issue(self, node: dict[str, Any]) -> WorkItem:
        key = str(node["identifier"])
        label_nodes = _nodes(node.get("labels"))
        labels = frozenset(str(label["name"]) for label in label_nodes)
        state = node.get("state") or {}
        status = str(state.get("name") or "")
        hint = _STATE_TYPES.get(str(state.get("type") or ""))
        comments = _nodes(node.get("comments"))
        comments.sort(key=lambda c: str(c.get("createdAt") or ""))
        found = self.bot_comments(comments)
        bot_comment = found.comment
        in_blocked_state = status.casefold() == self.blocked_state.casefold()
        memory = self.blocked_memory(str(node["id"])) if in_blocked_state else None
        has_block_label = self.block_label in labels
        blocked = (in_blocked_state and memory is not None) or has_block_label
        parent = (node.get("parent") or {}).get("identifier")
        project = (node.get("project") or {}).get("slugId")
        links = tuple(
            Link(
                type=str(rel.get("type") or "related"),
                direction="outward",
                target=str(rel["relatedIssue"]["identifier"]),
                name=str(rel.get("type") or "related"),
            )
            for rel in _nodes(node.get("relations"))
            if isinstance(rel.get("relatedIssue"), dict)
        )
        if parent and project:
            links += (Link("part of", "outward", project_key(str(project)), "project"),)
        milestone = node.get("projectMilestone") or None
        team = node.get("team") or {}
        created = parse_time(node.get("createdAt"))
        updated = parse_time(node.get("updatedAt"))
        moments = [created, *(parse_time(node.get(f)) for f in ("completedAt", "canceledAt"))]
        return WorkItem(
            tracker=self.tracker,
            key=key,
            title=str(node.get("title") or ""),
            type="Issue",
            url=f"{self.web_url}/issue/{key}",
            level=self.level_of("Issue", labels),
            status=status,
            status_category=self.statuses.categorize(status, hint),
            description=normalize(node.get("description") or "", "markdown"),
            parent=str(parent) if parent else (project_key(str(project)) if project else None),
            links=links,
            assignee=_name(node.get("assignee")),
            due=parse_day(node.get("dueDate")),
            milestone=str(milestone["name"]) if milestone else None,
            milestone_due=parse_day(milestone.get("targetDate")) if milestone else None,
            labels=labels,
            fields={
                "kind": "issue",
                "id": node.get("id"),
                "team_id": team.get("id"),
                "team": team.get("key"),
                "state_id": state.get("id"),
                "state_type": state.get("type"),
                "label_ids": {str(label["name"]): str(label["id"]) for label in label_nodes},
                "project": project,
            },
            created=created,
            updated=updated,
            last_activity=self._activity(
                moments, comments, bot_comment is not None or blocked, updated
            ),
            bot=BotState(
                comment=bot_comment,
                blocked=blocked,
                status_before_block=(memory or {}).get("name") if in_blocked_state else None,
                extra={"block_label": has_block_label, "blocked_state": in_blocked_state},
                duplicates=found.duplicates,
                foreign_markers=found.foreign,
            ),
            raw=node,
        )

    # -- projects -----------------------------------------------------------------------------
    def project(self, node: dict[str, Any]) -> WorkItem:
        slug = str(node["slugId"])
        key = project_key(slug)
        status_node = node.get("status") or {}
        status = str(status_node.get("name") or node.get("state") or "")
        state_type = str(status_node.get("type") or node.get("state") or "").casefold()
        comments = _nodes(node.get("comments"))
        comments.sort(key=lambda c: str(c.get("createdAt") or ""))
        found = self.bot_comments(comments)
        bot_comment = found.comment
        initiatives = sorted(str(i["id"]) for i in _nodes(node.get("initiatives")))
        label_nodes = _nodes(node.get("labels"))
        labels = frozenset(str(label["name"]) for label in label_nodes)
        blocked = self.block_label in labels
        created = parse_time(node.get("createdAt"))
        updated = parse_time(node.get("updatedAt"))
        moments = [
            created,
            *(parse_time(node.get(f)) for f in ("startedAt", "completedAt", "canceledAt")),
        ]
        return WorkItem(
            tracker=self.tracker,
            key=key,
            title=str(node.get("name") or ""),
            type="Project",
            url=f"{self.web_url}/project/{slug}",
            level=self.level_of("Project"),
            status=status,
            status_category=self.statuses.categorize(status, _PROJECT_TYPES.get(state_type)),
            description=_text(node),
            parent=initiative_key(initiatives[0]) if initiatives else None,
            links=tuple(
                Link("part of", "outward", initiative_key(i), "initiative") for i in initiatives[1:]
            ),
            assignee=_name(node.get("lead")),
            due=parse_day(node.get("targetDate")),
            labels=labels,
            fields={
                "kind": "project",
                "id": node.get("id"),
                "slug_id": slug,
                "label_ids": {str(label["name"]): str(label["id"]) for label in label_nodes},
            },
            created=created,
            updated=updated,
            last_activity=self._activity(
                moments, comments, bot_comment is not None or blocked, updated
            ),
            bot=BotState(
                comment=bot_comment,
                blocked=blocked,
                extra={"block_label": blocked},
                duplicates=found.duplicates,
                foreign_markers=found.foreign,
            ),
            raw=node,
        )

    # -- initiatives --------------------------------------------------------------------------
    def initiative(
        self, node: dict[str, Any], comments: list[dict[str, Any]] | None = None
    ) -> WorkItem:
        ident = str(node["id"])
        comments = sorted(comments or [], key=lambda c: str(c.get("createdAt") or ""))
        found = self.bot_comments(comments)
        bot_comment = found.comment
        label_nodes = _nodes(node.get("labels"))
        labels = frozenset(str(label["name"]) for label in label_nodes)
        blocked = self.block_label in labels
        key = initiative_key(ident)
        status = str(node.get("status") or "")
        parent = (node.get("parentInitiative") or {}).get("id")
        slug = node.get("slugId") or ident
        return WorkItem(
            tracker=self.tracker,
            key=key,
            title=str(node.get("name") or ""),
            type="Initiative",
            url=f"{self.web_url}/initiative/{slug}",
            level=self.level_of("Initiative"),
            status=status,
            status_category=self.statuses.categorize(status, _INITIATIVE_STATUSES.get(status)),
            description=_text(node),
            parent=initiative_key(str(parent)) if parent else None,
            assignee=_name(node.get("owner")),
            due=parse_day(node.get("targetDate")),
            labels=labels,
            fields={
                "kind": "initiative",
                "id": ident,
                "slug_id": slug,
                "label_ids": {str(label["name"]): str(label["id"]) for label in label_nodes},
            },
            created=parse_time(node.get("createdAt")),
            updated=parse_time(node.get("updatedAt")),
            bot=BotState(
                comment=bot_comment,
                blocked=blocked,
                extra={"block_label": blocked},
                duplicates=found.duplicates,
                foreign_markers=found.foreign,
            ),
            raw=node,
        )


def _text(node: dict[str, Any]) -> str:
    """A project's/initiative's summary line and its Markdown document, normalised."""
    parts = [str(node.get(f) or "").strip() for f in ("description", "content")]
    return normalize("\n\n".join(p for p in parts if p), "markdown")
