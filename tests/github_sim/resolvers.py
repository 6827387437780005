"""GraphQL resolvers over the simulator's :class:`~.state.World`.

graphql-core's default resolver reads an attribute (or dict key) named like the field and
calls it with the field arguments when it is callable, so each GitHub object is a small
class whose methods are named exactly like the schema's fields (camelCase on purpose).
Only the fields the adapter (and a typical client) uses are implemented; asking for any
other field resolves to ``None``, which a test would notice immediately.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..sim_support import OpaqueCursors
from .state import Issue, World, iso


class NotFound(Exception):
    """Becomes a GraphQL error of ``type: NOT_FOUND`` (GitHub's shape)."""


CURSORS = OpaqueCursors()
SHORT_PAGE = 37
"""Strict mode answers listing connections (repository issues, search, sub-issues) with at
most this many nodes whatever ``first`` asked: the schema promises "the first n elements"
as an upper bound only, and a client must follow ``hasNextPage``/``endCursor``."""


def _cursor(index: int) -> str:
    return CURSORS.cursor(index)


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    return CURSORS.index(cursor) + 1


def _short(first: int | None, strict: bool) -> int | None:
    return min(first, SHORT_PAGE) if strict and first is not None else first


@dataclass
class ListingFault:
    """A listing that misbehaves, for scan-ledger tests (repository issues and search).

    ``drop``: keys left out of pages while ``totalCount`` still counts them; ``null``: keys
    answered as null nodes; ``repeat_from``: from that page (0-based) on, ``endCursor`` is
    the cursor the client sent (a token that repeats); ``stop_after``: pages after which
    ``hasNextPage`` is false although more exist (a shortened listing)."""

    drop: set[str] = field(default_factory=set)
    null: set[str] = field(default_factory=set)
    repeat_from: int | None = None
    stop_after: int | None = None


def _key_of(item: Any) -> str | None:
    issue = getattr(item, "issue", item)
    return issue.key if isinstance(issue, Issue) else None


def connection(
    items: list[Any],
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    wrap: Any = None,
    fault: ListingFault | None = None,
) -> dict[str, Any]:
    """A GitHub-style connection page; ``wrap`` turns only the returned items into nodes."""
    start = _offset(after)
    window = items[start:]
    if first is not None:
        window = window[:first]
    if last is not None:
        window = window[-last:] if last else []
        start = len(items) - len(window)
    end = start + len(window)
    if wrap is not None:
        window = [wrap(item) for item in window]
    has_next = end < len(items)
    end_cursor = _cursor(end - 1) if window else None
    if fault is not None:
        page_index = start // first if first else 0
        window = [None if _key_of(n) in fault.null else n for n in window]
        window = [n for n in window if n is None or _key_of(n) not in fault.drop]
        if fault.repeat_from is not None and after and page_index >= fault.repeat_from:
            end_cursor = after
        if fault.stop_after is not None and page_index + 1 >= fault.stop_after:
            has_next = False
    return {
        "totalCount": len(items),
        "nodes": window,
        "edges": [{"node": n, "cursor": _cursor(start + i)} for i, n in enumerate(window)],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": start > 0,
            "endCursor": end_cursor,
            "startCursor": _cursor(start) if window else None,
        },
    }


class Sim:
    """What resolvers need besides the world: the viewer and the rate-limit snapshot."""

    def __init__(
        self,
        world: World,
        viewer: str,
        rate: dict[str, Any],
        listing_fault: ListingFault | None = None,
        strict: bool = True,
    ) -> None:
        self.listing_fault = listing_fault
        self.strict = strict
        self.world = world
        self.viewer_login = viewer
        self.rate = rate


class QueryRoot:
    def __init__(self, sim: Sim) -> None:
        self.sim = sim

    def viewer(self, info: Any) -> dict[str, Any]:
        return {"login": self.sim.viewer_login}

    def rateLimit(self, info: Any, dryRun: bool = False) -> dict[str, Any]:
        return self.sim.rate

    def repositoryOwner(self, info: Any, login: str) -> OwnerNode | None:
        world = self.sim.world
        kinds = {p.owner_type for (owner, _), p in world.projects.items() if owner == login}
        if not kinds and not any(r.split("/")[0] == login for r in world.repos):
            return None
        return OwnerNode(self.sim, login, kinds.pop() if kinds else "Organization")

    def repository(self, info: Any, owner: str, name: str, followRenames: bool = True) -> Any:
        repo = self.sim.world.repos.get(f"{owner}/{name}")
        if repo is None:
            raise NotFound(f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        return RepoNode(self.sim, repo.full_name)

    def search(
        self,
        info: Any,
        query: str,
        type: str,
        first: int | None = None,
        after: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        found = [IssueNode(self.sim, i) for i in _search(self.sim.world, query)]
        page = connection(
            found, _short(first, self.sim.strict), after, fault=self.sim.listing_fault
        )
        page["issueCount"] = len(found)
        return page


class OwnerNode:
    """A user or organisation (``RepositoryOwner``), as far as projects go."""

    def __init__(self, sim: Sim, login: str, typename: str) -> None:
        self.sim = sim
        self.login = login
        self.typename = typename
        self.id = f"{typename[0]}_{login}"

    def projectV2(self, info: Any, number: int) -> dict[str, Any]:
        found = self.sim.world.projects.get((self.login, number))
        if found is None or found.owner_type != self.typename:
            raise NotFound(f"Could not resolve to a ProjectV2 with the number {number}.")
        return {"id": found.id, "title": found.title, "number": found.number}


class ProjectItemNode:
    """One issue's membership in one project; field values are looked up by field name."""

    def __init__(self, project: Any, values: dict[str, dict[str, Any]]) -> None:
        self.project = {"id": project.id, "number": project.number, "title": project.title}
        self.id = f"PVTI_{project.id}"
        self._values = values

    def fieldValueByName(self, info: Any, name: str) -> dict[str, Any] | None:
        return self._values.get(name)


class RepoNode:
    def __init__(self, sim: Sim, full_name: str) -> None:
        self.sim = sim
        self.nameWithOwner = full_name
        self.repo = sim.world.repos[full_name]
        self.name = full_name.split("/")[1]

    def label(self, info: Any, name: str) -> dict[str, Any] | None:
        found = self.repo.labels.get(name)
        return {"name": found.name, "color": found.color} if found else None

    def issue(self, info: Any, number: int) -> IssueNode:
        issue = self.repo.issues.get(number)
        if issue is None:
            raise NotFound(f"Could not resolve to an Issue with the number of {number}.")
        return IssueNode(self.sim, issue)

    def issues(
        self,
        info: Any,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        orderBy: dict[str, Any] | None = None,
        filterBy: dict[str, Any] | None = None,
        states: list[str] | None = None,
        labels: list[str] | None = None,
    ) -> dict[str, Any]:
        filters = filterBy or {}
        wanted_states = filters.get("states") or states
        since = filters.get("since")
        items = sorted(self.repo.issues.values(), key=lambda i: i.number)
        if wanted_states:
            items = [i for i in items if i.state in wanted_states]
        if since:
            moment = datetime.fromisoformat(str(since).replace("Z", "+00:00"))
            items = [i for i in items if i.updated_at >= moment]
        if (orderBy or {}).get("direction") == "DESC":
            items.reverse()
        return connection(
            items,
            _short(first, self.sim.strict),
            after,
            last,
            wrap=lambda i: IssueNode(self.sim, i),
            fault=self.sim.listing_fault,
        )


class IssueNode:
    typename = "Issue"

    def __init__(self, sim: Sim, issue: Issue) -> None:
        self.sim = sim
        self.issue = issue
        world = sim.world
        self.id = f"I_{issue.id}"
        self.databaseId = issue.id
        self.number = issue.number
        self.title = issue.title
        self.body = issue.body
        self.url = f"https://github.com/{issue.repo}/issues/{issue.number}"
        self.state = issue.state
        self.createdAt = iso(issue.created_at)
        self.updatedAt = iso(issue.updated_at)
        self.closedAt = iso(issue.closed_at) if issue.closed_at else None
        self.lastEditedAt = iso(issue.last_edited_at) if issue.last_edited_at else None
        self.repository = {"nameWithOwner": issue.repo}
        self.author = {"__typename": "User", "login": issue.author}
        self.issueType = (
            {"id": f"IT_{issue.type}", "name": issue.type, "isEnabled": True}
            if issue.type
            else None
        )
        repo = world.repos[issue.repo]
        m = repo.milestones.get(issue.milestone) if issue.milestone else None
        self.milestone = (
            {"number": m.number, "title": m.title, "dueOn": iso(m.due_on) if m.due_on else None}
            if m
            else None
        )

    def stateReason(self, info: Any, enableDuplicate: bool = False) -> str | None:
        reason = self.issue.state_reason
        if reason == "DUPLICATE" and not enableDuplicate:
            return "NOT_PLANNED"
        return reason

    def assignees(self, info: Any, first: int | None = None, **_: Any) -> dict[str, Any]:
        return connection([{"login": a} for a in self.issue.assignees], first)

    def labels(self, info: Any, first: int | None = None, **_: Any) -> dict[str, Any]:
        return connection([{"name": n} for n in self.issue.labels], first)

    def parent(self, info: Any) -> IssueNode | None:
        found = self.sim.world.get(self.issue.parent) if self.issue.parent else None
        return IssueNode(self.sim, found) if found else None

    def _children(self) -> list[Issue]:
        world = self.sim.world
        return [c for key in world.children.get(self.issue.key, []) if (c := world.get(key))]

    def subIssues(
        self, info: Any, first: int | None = None, after: str | None = None, **_: Any
    ) -> dict[str, Any]:
        children = [IssueNode(self.sim, c) for c in self._children()]
        return connection(children, _short(first, self.sim.strict), after)

    def subIssuesSummary(self, info: Any) -> dict[str, Any]:
        children = self._children()
        done = sum(1 for c in children if c.state == "CLOSED" and c.state_reason != "NOT_PLANNED")
        total = len(children)
        return {
            "total": total,
            "completed": done,
            "percentCompleted": int(100 * done / total) if total else 0,
        }

    def comments(
        self,
        info: Any,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        nodes = [
            {
                "databaseId": c.id,
                "id": f"IC_{c.id}",
                "body": c.body,
                "author": {"__typename": "User", "login": c.author},
                "createdAt": iso(c.created_at),
                "updatedAt": iso(c.updated_at),
            }
            for c in self.sim.world.comments_of(self.issue.repo, self.issue.number)
        ]
        return connection(nodes, first, after, last)

    def projectItems(
        self, info: Any, first: int | None = None, after: str | None = None, **_: Any
    ) -> dict[str, Any]:
        key = self.issue.key
        nodes = [
            ProjectItemNode(project, project.values[key])
            for project in self.sim.world.projects.values()
            if key in project.values
        ]
        return connection(nodes, first, after)

    def closedByPullRequestsReferences(
        self, info: Any, first: int | None = None, includeClosedPrs: bool = False, **_: Any
    ) -> dict[str, Any]:
        world = self.sim.world
        prs = [
            pr
            for pr in world.closing_pulls(self.issue.key)
            if includeClosedPrs or pr.state == "OPEN"
        ]
        nodes = []
        for pr in prs:
            contexts = world.statuses.get((pr.repo, pr.head_sha), {})
            nodes.append(PullNode(pr.repo, pr.number, pr.state, pr.head_sha, contexts))
        return connection(nodes, first)


class PullNode:
    typename = "PullRequest"

    def __init__(
        self, repo: str, number: int, state: str, sha: str, contexts: dict[str, dict[str, Any]]
    ) -> None:
        self.number = number
        self.state = state
        self.headRefOid = sha
        self.repository = {"nameWithOwner": repo}
        self._sha = sha
        self._contexts = contexts

    def commits(
        self, info: Any, last: int | None = None, first: int | None = None, **_: Any
    ) -> dict[str, Any]:
        contexts = self._contexts

        class _Status:
            state = (
                "FAILURE" if any(c["state"] == "FAILURE" for c in contexts.values()) else "SUCCESS"
            )

            def context(self, info: Any, name: str) -> dict[str, Any] | None:
                found = contexts.get(name)
                return {"state": found["state"], "context": name} if found else None

        commit = {"oid": self._sha, "status": _Status() if contexts else None}
        return connection([{"commit": commit}], first, None, last)


def resolve_type(value: Any, info: Any, abstract_type: Any) -> str | None:
    """Concrete type of a union/interface value (``Actor``, ``SearchResultItem``...)."""
    if isinstance(value, dict):
        return value.get("__typename")
    return getattr(value, "typename", None)


_QUALIFIER = re.compile(r'(\w+):("[^"]*"|\S+)')


def _search(world: World, query: str) -> list[Issue]:
    """A small subset of GitHub search: repo:, org:, is:open|closed|issue, label:, milestone:."""
    quals = [(k, v.strip('"')) for k, v in _QUALIFIER.findall(query)]
    words = _QUALIFIER.sub("", query).split()
    repos = {v for k, v in quals if k == "repo"}
    orgs = {v for k, v in quals if k in ("org", "user")}
    found = []
    for repo in world.repos.values():
        if repos and repo.full_name not in repos:
            continue
        if orgs and repo.full_name.split("/")[0] not in orgs:
            continue
        for issue in repo.issues.values():
            ok = True
            for k, v in quals:
                wrong_state = k == "is" and v in ("open", "closed") and issue.state != v.upper()
                if wrong_state or (k == "label" and v not in issue.labels):
                    ok = False
                elif k == "milestone":
                    m = repo.milestones.get(issue.milestone or 0)
                    ok = ok and m is not None and m.title == v
            if ok and all(w.lower() in issue.title.lower() for w in words):
                found.append(issue)
    return sorted(found, key=lambda i: (i.repo, i.number))
