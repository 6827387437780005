"""The simulator's world: repositories, issues, comments, labels, milestones, PRs, statuses.

Plain dataclasses with snake_case names; the GraphQL resolvers (``resolvers.py``) and REST
handlers (``server.py``) both read and change this one state, so a comment written over REST
is what the next GraphQL scan sees, exactly as on github.com.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Milestone:
    number: int
    title: str
    due_on: datetime | None = None
    state: str = "open"


@dataclass
class Label:
    name: str
    color: str = "ededed"
    description: str = ""


@dataclass
class Comment:
    id: int
    repo: str
    number: int
    body: str
    author: str
    created_at: datetime
    updated_at: datetime


@dataclass
class PullRequest:
    repo: str
    number: int
    head_sha: str
    closes: list[str]
    state: str = "OPEN"


@dataclass
class Issue:
    repo: str
    number: int
    title: str
    body: str = ""
    type: str | None = None
    state: str = "OPEN"
    state_reason: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: int | None = None
    parent: str | None = None
    author: str = "octocat"
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    closed_at: datetime | None = None
    last_edited_at: datetime | None = None
    id: int = 0

    @property
    def key(self) -> str:
        return f"{self.repo}#{self.number}"


@dataclass
class Project:
    """A Project (v2): fields set per issue, as GitHub's field values (with ``__typename``)."""

    id: str
    owner: str
    owner_type: str
    number: int
    title: str = "Roadmap"
    values: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """Issue key → field name → value (``name``/``date``/``startDate``+``duration``)."""

    def add(self, key: str) -> None:
        self.values.setdefault(key, {})

    def status(self, key: str, option: str, when: datetime | None = None) -> None:
        self.values.setdefault(key, {})["Status"] = {
            "__typename": "ProjectV2ItemFieldSingleSelectValue",
            "name": option,
            "updatedAt": iso(when or now()),
        }

    def date(self, key: str, field_name: str, day: str, when: datetime | None = None) -> None:
        self.values.setdefault(key, {})[field_name] = {
            "__typename": "ProjectV2ItemFieldDateValue",
            "date": day,
            "updatedAt": iso(when or now()),
        }

    def iteration(self, key: str, field_name: str, start: str, duration: int) -> None:
        self.values.setdefault(key, {})[field_name] = {
            "__typename": "ProjectV2ItemFieldIterationValue",
            "startDate": start,
            "duration": duration,
            "title": f"Iteration from {start}",
            "updatedAt": iso(now()),
        }


@dataclass
class Repo:
    full_name: str
    labels: dict[str, Label] = field(default_factory=dict)
    milestones: dict[int, Milestone] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    next_number: int = 1


class World:
    """All simulated data plus a lock (the server runs in another thread)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.repos: dict[str, Repo] = {}
        self.comments: dict[int, Comment] = {}
        self._by_issue: dict[tuple[str, int], list[int]] = {}
        self.pulls: list[PullRequest] = []
        self.statuses: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self.children: dict[str, list[str]] = {}
        self.projects: dict[tuple[str, int], Project] = {}
        self._ids = itertools.count(1000)
        self._comment_ids = itertools.count(50_000)

    # -- building ---------------------------------------------------------------------------
    def repo(self, full_name: str) -> Repo:
        return self.repos.setdefault(full_name, Repo(full_name))

    def project(self, owner: str, number: int, owner_type: str = "Organization") -> Project:
        found = self.projects.get((owner, number))
        if found is None:
            found = Project(f"PVT_{owner}_{number}", owner, owner_type, number)
            self.projects[(owner, number)] = found
        return found

    def milestone(self, repo: str, title: str, due_on: datetime | None = None) -> int:
        r = self.repo(repo)
        number = len(r.milestones) + 1
        r.milestones[number] = Milestone(number, title, due_on)
        return number

    def issue(self, repo: str, title: str, **fields: Any) -> Issue:
        r = self.repo(repo)
        number = fields.pop("number", None) or r.next_number
        r.next_number = max(r.next_number, number + 1)
        item = Issue(repo, number, title, id=next(self._ids), **fields)
        if item.state == "CLOSED" and item.closed_at is None:
            item.closed_at = item.updated_at
        for name in item.labels:
            r.labels.setdefault(name, Label(name))
        r.issues[number] = item
        if item.parent:
            self.children.setdefault(item.parent, []).append(item.key)
        return item

    def comment(
        self, repo: str, number: int, body: str, author: str, when: datetime | None = None
    ) -> Comment:
        moment = when or now()
        c = Comment(next(self._comment_ids), repo, number, body, author, moment, moment)
        self.comments[c.id] = c
        self._by_issue.setdefault((repo, number), []).append(c.id)
        return c

    def delete_comment(self, comment_id: int) -> None:
        c = self.comments.pop(comment_id)
        self._by_issue[(c.repo, c.number)].remove(comment_id)

    def renumber_comment(self, comment_id: int, new_id: int) -> None:
        """Give a comment a later id (so it sorts after others), as if posted later."""
        c = self.comments.pop(comment_id)
        ids = self._by_issue[(c.repo, c.number)]
        ids.remove(comment_id)
        ids.append(new_id)
        c.id = new_id
        self.comments[new_id] = c

    def pull(self, repo: str, number: int, head_sha: str, closes: list[str]) -> PullRequest:
        pr = PullRequest(repo, number, head_sha, closes)
        self.pulls.append(pr)
        return pr

    # -- queries ----------------------------------------------------------------------------
    def get(self, key: str) -> Issue | None:
        repo, _, number = key.partition("#")
        r = self.repos.get(repo)
        return r.issues.get(int(number)) if r and number.isdigit() else None

    def set_parent(self, child: str, parent: str | None) -> None:
        item = self.get(child)
        assert item is not None
        if item.parent:
            self.children.get(item.parent, []).remove(child)
        item.parent = parent
        if parent:
            self.children.setdefault(parent, []).append(child)
        self.touch(item)

    def comments_of(self, repo: str, number: int) -> list[Comment]:
        return sorted(
            (self.comments[i] for i in self._by_issue.get((repo, number), ())),
            key=lambda c: c.id,
        )

    def closing_pulls(self, key: str) -> list[PullRequest]:
        return [pr for pr in self.pulls if key in pr.closes]

    def touch(self, item: Issue) -> None:
        item.updated_at = max(now(), item.updated_at)

    def close(self, key: str, reason: str = "COMPLETED", days_ago: float = 0) -> None:
        item = self.get(key)
        assert item is not None
        item.state = "CLOSED"
        item.state_reason = reason
        item.closed_at = now() - timedelta(days=days_ago)
        item.updated_at = item.closed_at
