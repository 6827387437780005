"""GitLab REST issues and epics → :class:`~trackerguard.model.WorkItem`.

Mapping decisions (GitLab issues have a state, not a status):

* **Keys** are GitLab's full references: ``group/project#12`` for issues and tasks,
  ``group&5`` for epics. URLs are built from the configured instance URL.
* **Type** comes from ``issue_type``: ``issue`` → ``Issue``, ``task`` → ``Task``,
  ``incident`` → ``Incident``, ``test_case`` → ``Test Case``; epics are ``Epic``.
* **Level**: a scoped label ``level::<name>`` naming a configured level wins (the team said
  so explicitly); else ``levels.classify(type, labels)`` (``Task`` and ``Epic`` match the
  default levels, ``[[levels]] labels`` match labels); else ``[gitlab] default_level``
  (unset: the bottom level), because a plain GitLab ``Issue`` is usually work.
* **Status**: the work item *Status* widget (GitLab 18.x, Premium; read over GraphQL with
  the page's hierarchy) when the item has a status there: its name, mapped through
  ``[status]`` with the widget's category (``TRIAGE``/``TO_DO`` → todo, ``IN_PROGRESS`` →
  in progress, ``DONE`` → done, ``CANCELED`` → cancelled) as the hint — a cancelled name
  always wins. Else the scoped labels: a closed item is *done*, or *cancelled* when it
  carries one of ``cancelled_labels`` or a status label (``workflow::Won't do``) naming a
  cancelled status; an open item takes its status from a ``workflow::``/``status::`` scoped
  label when it has one (``workflow::In Progress`` → in progress), else ``Open`` (todo).
  Either way an open item is never done (a "Done" status on an open issue is still in
  progress) and a closed one never open.
* **Horizon**: the issue's due date, else its iteration's end (``iteration.due_date``,
  Premium), and its milestone's due date; an epic's due (or end) date.
* **Blocked** means the configured scoped ``blocked_label`` is on the item.
* ``last_activity`` ignores trackerguard's own writes: when the bot left traces on an item
  its ``updated_at`` may be ours, so activity is rebuilt from creation, closing and human
  notes.
"""

from __future__ import annotations

from collections.abc import Iterable
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

WidgetStatus = tuple[str, StatusCategory | None]
"""The Status widget of a work item: its name and the category GitLab files it under."""

ISSUE_TYPES = {"issue": "Issue", "task": "Task", "incident": "Incident", "test_case": "Test Case"}
LINK_TYPES = {
    "relates_to": "relates to",
    "blocks": "blocks",
    "is_blocked_by": "is blocked by",
}


def parse_time(value: Any) -> datetime | None:
    """An aware timestamp, or ``None`` (a naive one could not be compared with the others)."""
    moment = parse_timestamp(value)
    return moment if moment is not None and moment.tzinfo is not None else None


def split_issue_key(key: str) -> tuple[str, int] | None:
    """``group/project#12`` → (``group/project``, 12); None for anything else."""
    path, sep, iid = key.rpartition("#")
    if not sep or not path or not iid.isdigit() or "&" in path:
        return None
    return path, int(iid)


def split_epic_key(key: str) -> tuple[str, int] | None:
    """``group&5`` → (``group``, 5); None for anything else."""
    path, sep, iid = key.rpartition("&")
    if not sep or not path or not iid.isdigit() or "#" in path:
        return None
    return path, int(iid)


def issue_key(issue: dict[str, Any]) -> str:
    full = str((issue.get("references") or {}).get("full") or "")
    if split_issue_key(full) is not None:
        return full
    return f"{issue.get('project_id')}#{issue.get('iid')}"


def epic_key(epic: dict[str, Any], group: str | None = None) -> str:
    full = str((epic.get("references") or {}).get("full") or "")
    if split_epic_key(full) is not None:
        return full
    return f"{group or epic.get('group_id')}&{epic.get('iid')}"


def epic_key_of_issue(issue: dict[str, Any]) -> str | None:
    """The parent epic named by an issue's REST ``epic`` field (Premium), if any."""
    epic = issue.get("epic")
    if not isinstance(epic, dict) or epic.get("iid") is None:
        return None
    url = str(epic.get("url") or epic.get("web_url") or "")
    marker = "/-/epics/"
    if marker in url:
        group = url.split(marker, 1)[0]
        group = group.split("/groups/", 1)[1] if "/groups/" in group else group.lstrip("/")
        if group:
            return f"{group}&{epic['iid']}"
    if epic.get("group_id") is not None:
        return f"{epic['group_id']}&{epic['iid']}"
    return None


@dataclass
class Converter:
    """Per-run conversion context (config maps, who the bot is, where the instance lives)."""

    tracker: str
    web_url: str
    levels: LevelMap
    statuses: StatusMap
    default_level: str | None
    blocked_label: str
    bot_username: str | None
    cancelled_labels: frozenset[str] = frozenset()
    status_scopes: tuple[str, ...] = ("workflow", "status")
    trackerguard_label: str = "trackerguard"

    # -- urls -------------------------------------------------------------------------------
    def issue_url(self, key: str) -> str:
        parsed = split_issue_key(key)
        if parsed is None:
            return ""
        path, iid = parsed
        return f"{self.web_url}/{path}/-/issues/{iid}"

    def epic_url(self, key: str) -> str:
        parsed = split_epic_key(key)
        if parsed is None:
            return ""
        group, iid = parsed
        return f"{self.web_url}/groups/{group}/-/epics/{iid}"

    # -- classification -----------------------------------------------------------------------
    def level_of(self, type_name: str, labels: Iterable[str]) -> str | None:
        for label in labels:
            scope, sep, value = label.partition("::")
            if sep and scope.strip().casefold() == "level":
                name = value.strip()
                for level in self.levels.names:
                    if level.casefold() == name.casefold():
                        return level
        found = self.levels.classify(type_name, labels)
        if found is None and self.default_level in self.levels.index:
            return self.default_level
        return found

    def status_of(
        self, state: str, labels: Iterable[str], widget: WidgetStatus | None = None
    ) -> tuple[str, StatusCategory | None]:
        """(status name, category hint) of an issue: the Status widget first, else labels."""
        if widget is not None:
            return self._widget_status(state, labels, widget)
        scoped = ""
        for label in labels:
            scope, sep, value = label.partition("::")
            if sep and scope.strip().casefold() in self.status_scopes and value.strip():
                scoped = value.strip()
        if state == "closed":
            if any(label.casefold() in self.cancelled_labels for label in labels):
                return "Cancelled", StatusCategory.CANCELLED
            return (scoped or "Closed"), StatusCategory.DONE
        if scoped:
            category = self.statuses.categorize(scoped)
            if category is StatusCategory.DONE:
                # An open issue labelled "done" is not closed yet: still in progress.
                return scoped, StatusCategory.IN_PROGRESS
            return scoped, category
        return "Open", None

    def _widget_status(
        self, state: str, labels: Iterable[str], widget: WidgetStatus
    ) -> tuple[str, StatusCategory | None]:
        name, hint = widget
        category = self.statuses.categorize(name, hint)
        if state == "closed":
            cancelled = any(label.casefold() in self.cancelled_labels for label in labels)
            if category is StatusCategory.CANCELLED or cancelled:
                return name, StatusCategory.CANCELLED
            return name, StatusCategory.DONE
        if category is StatusCategory.DONE:
            return name, StatusCategory.IN_PROGRESS  # open: not delivered yet
        if category is StatusCategory.CANCELLED:
            return name, StatusCategory.CANCELLED
        return name, category

    # -- the bot's note -----------------------------------------------------------------------
    def is_bot_note(self, note: dict[str, Any]) -> bool:
        if note.get("system") or MARKER not in str(note.get("body") or ""):
            return False
        if self.bot_username is None:
            return True  # identity unknown: the marker alone decides
        author = str((note.get("author") or {}).get("username") or "")
        return author.casefold() == self.bot_username.casefold()

    def bot_comments(self, notes: list[dict[str, Any]]) -> FoundComments:
        """The bot's newest marked note, its older duplicates, and foreign markers."""
        users = [n for n in notes if not n.get("system")]
        return sort_comments(
            (
                SeenComment(
                    str(n.get("id")),
                    str(n.get("body") or ""),
                    str((n.get("author") or {}).get("username") or ""),
                    (str(n.get("created_at") or ""), int(n.get("id") or 0)),
                )
                for n in users
            ),
            lambda author: (
                self.bot_username is None
                or (author or "").casefold() == self.bot_username.casefold()
            ),
        )

    def bot_comment(self, notes: list[dict[str, Any]]) -> BotComment | None:
        return self.bot_comments(notes).comment

    def touched(self, labels: frozenset[str]) -> bool:
        return self.blocked_label in labels or self.trackerguard_label in labels

    # -- conversion ---------------------------------------------------------------------------
    def convert_issue(
        self,
        issue: dict[str, Any],
        notes: list[dict[str, Any]] | None = None,
        parent: str | None = None,
        links: tuple[Link, ...] = (),
        widget_status: WidgetStatus | None = None,
    ) -> WorkItem:
        key = issue_key(issue)
        labels = frozenset(str(label) for label in issue.get("labels") or [])
        type_name = ISSUE_TYPES.get(str(issue.get("issue_type") or "issue"), "Issue")
        state = str(issue.get("state") or "opened")
        status, hint = self.status_of(state, labels, widget_status)
        milestone = issue.get("milestone") or None
        iteration = issue.get("iteration") or {}
        assignees = [
            str(a.get("username")) for a in issue.get("assignees") or [] if a and a.get("username")
        ]
        if not assignees and isinstance(issue.get("assignee"), dict):
            assignees = [str(issue["assignee"].get("username"))]
        found = self.bot_comments(notes or [])
        bot_comment = found.comment
        created = parse_time(issue.get("created_at"))
        updated = parse_time(issue.get("updated_at"))
        closed = parse_time(issue.get("closed_at"))
        return WorkItem(
            tracker=self.tracker,
            key=key,
            title=str(issue.get("title") or ""),
            type=type_name,
            url=self.issue_url(key),
            level=self.level_of(type_name, labels),
            status=status,
            status_category=self.statuses.categorize(status, hint),
            description=normalize(issue.get("description") or "", "markdown"),
            parent=parent or epic_key_of_issue(issue),
            links=links,
            assignee=assignees[0] if assignees else None,
            due=parse_day(issue.get("due_date")) or parse_day(iteration.get("due_date")),
            milestone=str(milestone["title"]) if milestone else None,
            milestone_due=parse_day(milestone.get("due_date")) if milestone else None,
            labels=labels,
            fields={
                "iteration": iteration.get("title") or iteration.get("id") or None,
                "project_id": issue.get("project_id"),
                "iid": issue.get("iid"),
                "id": issue.get("id"),
                "issue_type": issue.get("issue_type"),
                "assignees": assignees,
                "author": (issue.get("author") or {}).get("username"),
                "user_notes_count": issue.get("user_notes_count"),
                "milestone_id": milestone.get("id") if milestone else None,
                "status_source": "widget" if widget_status is not None else "labels",
            },
            created=created,
            updated=updated,
            last_activity=self._activity(notes, bot_comment, labels, created, updated, closed),
            bot=BotState(
                comment=bot_comment,
                blocked=self.blocked_label in labels,
                duplicates=found.duplicates,
                foreign_markers=found.foreign,
            ),
            raw=issue,
        )

    def convert_epic(self, epic: dict[str, Any], group: str | None = None) -> WorkItem:
        """A group epic (read-only goal: trackerguard judges and acts on issues only)."""
        key = epic_key(epic, group)
        path = key.rpartition("&")[0]
        labels = frozenset(str(label) for label in epic.get("labels") or [])
        state = "closed" if epic.get("state") == "closed" else "opened"
        status, hint = self.status_of(state, labels)
        parent_iid = epic.get("parent_iid")
        return WorkItem(
            tracker=self.tracker,
            key=key,
            title=str(epic.get("title") or ""),
            type="Epic",
            url=self.epic_url(key),
            level=self.level_of("Epic", labels),
            status=status,
            status_category=self.statuses.categorize(status, hint),
            description=normalize(epic.get("description") or "", "markdown"),
            parent=f"{path}&{parent_iid}" if parent_iid else None,
            due=parse_day(epic.get("due_date") or epic.get("end_date")),
            labels=labels,
            fields={"id": epic.get("id"), "iid": epic.get("iid"), "group_id": epic.get("group_id")},
            created=parse_time(epic.get("created_at")),
            updated=parse_time(epic.get("updated_at")),
            raw=epic,
        )

    def _activity(
        self,
        notes: list[dict[str, Any]] | None,
        bot_comment: BotComment | None,
        labels: frozenset[str],
        created: datetime | None,
        updated: datetime | None,
        closed: datetime | None,
    ) -> datetime | None:
        if bot_comment is None and not self.touched(labels):
            return updated
        moments = [created, closed]
        bot = (self.bot_username or "").casefold()
        for note in notes or []:
            if note.get("system"):
                # A system note records a change and who made it ("changed the description",
                # "added ~label"): a person's change is movement, the bot's label or block is
                # not. Without the bot's identity no system note can be told apart.
                author = str((note.get("author") or {}).get("username") or "").casefold()
                if not bot or author == bot:
                    continue
            elif self.is_bot_note(note):
                continue
            moments.append(parse_time(note.get("updated_at") or note.get("created_at")))
        known = [m for m in moments if m is not None]
        return max(known) if known else updated


def convert_links(links: list[dict[str, Any]]) -> tuple[Link, ...]:
    """``GET .../links`` rows → links seen from the issue that was asked about.

    GitLab reports each row with ``link_type`` from the asked issue's point of view
    (``blocks`` / ``is_blocked_by`` / ``relates_to``), so every link is outward from it.
    """
    out = []
    for row in links:
        full = str((row.get("references") or {}).get("full") or "")
        if split_issue_key(full) is None:
            continue
        raw_type = str(row.get("link_type") or "relates_to")
        out.append(Link(LINK_TYPES.get(raw_type, raw_type), "outward", full, raw_type))
    return tuple(out)
