"""The simulated GitLab world: groups, projects, issues (and tasks), epics, notes, links."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Note:
    id: int
    body: str
    author: str
    system: bool = False
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": None,
            "body": self.body,
            "author": {"id": abs(hash(self.author)) % 10_000, "username": self.author},
            "created_at": iso(self.created),
            "updated_at": iso(self.updated),
            "system": self.system,
            "noteable_type": "Issue",
            "internal": False,
        }


@dataclass
class Issue:
    id: int
    iid: int
    project: str
    title: str
    description: str | None = ""
    issue_type: str = "issue"
    state: str = "opened"
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: tuple[str, date | None] | None = None
    due: date | None = None
    parent: str | None = None
    """Key of the hierarchy parent: ``group/project#iid`` (issue) or ``group&iid`` (epic)."""
    status: tuple[str, str] | None = None
    """The work item Status widget: (name, category enum value such as ``IN_PROGRESS``);
    None = no status set (the widget answers ``status: null``)."""
    iteration: tuple[str, date, date] | None = None
    """(title, start date, due date) of the issue's iteration (Premium)."""
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)
    closed: datetime | None = None
    notes: list[Note] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    """(target key, link_type as seen from this issue)."""

    @property
    def key(self) -> str:
        return f"{self.project}#{self.iid}"


@dataclass
class Epic:
    id: int
    iid: int
    group: str
    title: str
    description: str = ""
    state: str = "opened"
    labels: list[str] = field(default_factory=list)
    due: date | None = None
    parent_iid: int | None = None
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)

    @property
    def key(self) -> str:
        return f"{self.group}&{self.iid}"


@dataclass
class Project:
    id: int
    path: str
    issues: dict[int, Issue] = field(default_factory=dict)

    @property
    def group(self) -> str:
        return self.path.rpartition("/")[0]


class World:
    """All simulated data, guarded by one lock (the server runs in another thread)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.projects: dict[str, Project] = {}
        self.groups: dict[str, int] = {}
        self.epics: dict[str, dict[int, Epic]] = {}
        self._ids = 1000
        self.premium = True

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    # -- building ---------------------------------------------------------------------------
    def project(self, path: str) -> Project:
        if path not in self.projects:
            self.projects[path] = Project(self.next_id(), path)
            group = path.rpartition("/")[0]
            while group:
                self.groups.setdefault(group, self.next_id())
                group = group.rpartition("/")[0]
        return self.projects[path]

    def issue(self, project: str, title: str, **fields: Any) -> Issue:
        proj = self.project(project)
        iid = max(proj.issues, default=0) + 1
        created = fields.pop("created", now() - timedelta(days=10))
        issue = Issue(self.next_id(), iid, project, title, created=created, updated=created)
        for name, value in fields.items():
            setattr(issue, name, value)
        proj.issues[iid] = issue
        return issue

    def epic(self, group: str, title: str, **fields: Any) -> Epic:
        self.groups.setdefault(group, self.next_id())
        epics = self.epics.setdefault(group, {})
        epic = Epic(self.next_id(), max(epics, default=0) + 1, group, title)
        for name, value in fields.items():
            setattr(epic, name, value)
        epics[epic.iid] = epic
        return epic

    def note(self, key: str, body: str, author: str, *, system: bool = False) -> Note:
        issue = self.get(key)
        assert issue is not None, key
        note = Note(self.next_id(), body, author, system)
        issue.notes.append(note)
        self.touch(issue)
        return note

    def link(self, source: str, target: str, link_type: str = "relates_to") -> None:
        mirror = {"blocks": "is_blocked_by", "is_blocked_by": "blocks"}.get(link_type, link_type)
        a, b = self.get(source), self.get(target)
        assert a is not None and b is not None
        a.links.append((target, link_type))
        b.links.append((source, mirror))

    # -- lookups ----------------------------------------------------------------------------
    def get(self, key: str) -> Issue | None:
        path, _, iid = key.rpartition("#")
        proj = self.projects.get(path)
        return proj.issues.get(int(iid)) if proj is not None and iid.isdigit() else None

    def get_epic(self, key: str) -> Epic | None:
        group, _, iid = key.rpartition("&")
        return self.epics.get(group, {}).get(int(iid)) if iid.isdigit() else None

    def resolve_project(self, ident: str) -> Project | None:
        if ident.isdigit():
            return next((p for p in self.projects.values() if p.id == int(ident)), None)
        return self.projects.get(ident)

    def resolve_group(self, ident: str) -> str | None:
        if ident.isdigit():
            return next((g for g, i in self.groups.items() if i == int(ident)), None)
        return ident if ident in self.groups else None

    def group_issues(self, group: str) -> list[Issue]:
        return [
            issue
            for path, proj in self.projects.items()
            if path.startswith(group + "/")
            for issue in proj.issues.values()
        ]

    # -- changes ----------------------------------------------------------------------------
    def touch(self, issue: Issue) -> None:
        issue.updated = max(now(), issue.updated + timedelta(milliseconds=1))

    def set_parent(self, key: str, parent: str | None) -> None:
        issue = self.get(key)
        assert issue is not None
        issue.parent = parent
        self.touch(issue)

    def close(self, key: str, days_ago: float = 0, labels: list[str] | None = None) -> None:
        issue = self.get(key)
        assert issue is not None
        issue.state = "closed"
        issue.closed = now() - timedelta(days=days_ago)
        issue.updated = issue.closed
        issue.labels += labels or []

    def bot_notes(self, key: str, marker: str) -> list[Note]:
        issue = self.get(key)
        assert issue is not None
        return [n for n in issue.notes if marker in n.body]
