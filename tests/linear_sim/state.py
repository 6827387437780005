"""The simulator's world: users, teams (states, labels), issues, projects, initiatives,
comments. Plain dataclasses guarded by one lock; ids are UUID-like strings."""

from __future__ import annotations

import itertools
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class User:
    id: str
    name: str


@dataclass
class State:
    id: str
    name: str
    type: str
    team_id: str


@dataclass
class Label:
    id: str
    name: str
    team_id: str | None
    color: str = "#bbbbbb"
    description: str = ""
    scope: str = "issue"  # issue | project | initiative


@dataclass
class Team:
    id: str
    key: str
    name: str
    states: list[State] = field(default_factory=list)
    next_number: int = 1

    def state(self, name: str) -> State:
        return next(s for s in self.states if s.name == name)


@dataclass
class Issue:
    id: str
    team_id: str
    number: int
    title: str
    description: str | None
    state_id: str
    created: datetime
    updated: datetime
    assignee_id: str | None = None
    label_ids: list[str] = field(default_factory=list)
    parent_id: str | None = None
    project_id: str | None = None
    due: date | None = None
    started: datetime | None = None
    completed: datetime | None = None
    canceled: datetime | None = None
    relations: list[tuple[str, str]] = field(default_factory=list)
    milestone: tuple[str, date | None] | None = None


@dataclass
class Project:
    id: str
    slug: str
    name: str
    description: str
    content: str | None
    status: tuple[str, str]  # (name, type)
    created: datetime
    updated: datetime
    team_ids: list[str] = field(default_factory=list)
    lead_id: str | None = None
    target: date | None = None
    initiative_ids: list[str] = field(default_factory=list)
    label_ids: list[str] = field(default_factory=list)
    started: datetime | None = None
    completed: datetime | None = None
    canceled: datetime | None = None


@dataclass
class Initiative:
    id: str
    slug: str
    name: str
    description: str | None
    content: str | None
    status: str
    created: datetime
    updated: datetime
    owner_id: str | None = None
    target: date | None = None
    parent_id: str | None = None
    label_ids: list[str] = field(default_factory=list)


@dataclass
class Comment:
    id: str
    body: str
    user_id: str
    created: datetime
    updated: datetime
    issue_id: str | None = None
    project_id: str | None = None
    initiative_id: str | None = None


class World:
    """Everything the simulated workspace holds."""

    def __init__(self, url_key: str = "acme") -> None:
        self.lock = threading.RLock()
        self.url_key = url_key
        self.users: dict[str, User] = {}
        self.teams: dict[str, Team] = {}
        self.labels: dict[str, Label] = {}
        self.issues: dict[str, Issue] = {}
        self.projects: dict[str, Project] = {}
        self.initiatives: dict[str, Initiative] = {}
        self.comments: dict[str, Comment] = {}
        self._clock = itertools.count()

    # -- building -----------------------------------------------------------------------------
    def user(self, name: str, ident: str | None = None) -> User:
        user = User(ident or new_id(), name)
        self.users[user.id] = user
        return user

    def team(self, key: str, name: str, states: list[tuple[str, str]]) -> Team:
        team = Team(new_id(), key, name)
        team.states = [State(new_id(), n, t, team.id) for n, t in states]
        self.teams[team.id] = team
        return team

    def team_by_key(self, key: str) -> Team:
        return next(t for t in self.teams.values() if t.key == key)

    def label(self, name: str, team: Team | None, scope: str = "issue") -> Label:
        label = Label(new_id(), name, team.id if team else None, scope=scope)
        self.labels[label.id] = label
        return label

    def issue(
        self,
        team: Team,
        title: str,
        description: str | None,
        state: str,
        age_days: float = 10,
        **options: Any,
    ) -> Issue:
        created = now() - timedelta(days=age_days)
        issue = Issue(
            new_id(),
            team.id,
            team.next_number,
            title,
            description,
            team.state(state).id,
            created,
            options.pop("updated", created),
            **options,
        )
        team.next_number += 1
        self.issues[issue.id] = issue
        return issue

    def project(
        self, name: str, teams: list[Team], status: tuple[str, str], **options: Any
    ) -> Project:
        created = options.pop("created", now() - timedelta(days=40))
        slug = options.pop("slug", new_id().replace("-", "")[:12])
        project = Project(
            new_id(),
            slug,
            name,
            options.pop("description", ""),
            options.pop("content", None),
            status,
            created,
            options.pop("updated", created),
            [t.id for t in teams],
            **options,
        )
        self.projects[project.id] = project
        return project

    def initiative(self, name: str, status: str, **options: Any) -> Initiative:
        created = options.pop("created", now() - timedelta(days=60))
        initiative = Initiative(
            new_id(),
            new_id().replace("-", "")[:12],
            name,
            options.pop("description", None),
            options.pop("content", None),
            status,
            created,
            options.pop("updated", created),
            **options,
        )
        self.initiatives[initiative.id] = initiative
        return initiative

    def comment(self, body: str, user_id: str, **target: Any) -> Comment:
        moment = now() + timedelta(microseconds=next(self._clock))
        comment = Comment(new_id(), body, user_id, moment, moment, **target)
        self.comments[comment.id] = comment
        return comment

    # -- look-ups -----------------------------------------------------------------------------
    def identifier(self, issue: Issue) -> str:
        return f"{self.teams[issue.team_id].key}-{issue.number}"

    def find_issue(self, ident: str) -> Issue | None:
        if ident in self.issues:
            return self.issues[ident]
        for issue in self.issues.values():
            if self.identifier(issue) == ident:
                return issue
        return None

    def get(self, identifier: str) -> Issue:
        found = self.find_issue(identifier)
        assert found is not None, identifier
        return found

    def state_of(self, issue: Issue) -> State:
        team = self.teams[issue.team_id]
        return next(s for s in team.states if s.id == issue.state_id)

    def label_names(self, entity: Issue | Project | Initiative) -> list[str]:
        return [self.labels[i].name for i in entity.label_ids]

    def project_by_name(self, name: str) -> Project:
        return next(p for p in self.projects.values() if p.name == name)

    def initiative_by_name(self, name: str) -> Initiative:
        return next(i for i in self.initiatives.values() if i.name == name)

    def comments_on(self, **target: str) -> list[Comment]:
        ((field_name, value),) = target.items()
        found = [c for c in self.comments.values() if getattr(c, field_name) == value]
        return sorted(found, key=lambda c: c.created)

    def touch_issue(self, issue: Issue) -> None:
        issue.updated = now()
