"""GraphQL resolvers over the simulator's :class:`~.state.World`.

graphql-core's default resolver reads an attribute named like the field and calls it with
the field's arguments when it is callable, so each Linear object is a small class with
plain attributes for scalars and methods (named exactly like the schema's fields) for
objects and connections. Only the fields the adapter uses are implemented; any other field
resolves to ``None`` (a non-null one then fails the query loudly).

Filters (``IssueFilter``, ``ProjectFilter``…) are evaluated generically against a plain
"view" of each entity: comparators (``eq``, ``in``, ``nin``, ``gte``, ``null``…), nested
objects, collections (``some`` or implicit any) and ``and``/``or``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from graphql import GraphQLError

from ..sim_support import OpaqueCursors
from .state import Comment, Initiative, Issue, Project, World, iso, now

_COMPARATORS = frozenset(
    {"eq", "neq", "in", "nin", "gt", "gte", "lt", "lte", "null", "contains", "eqIgnoreCase"}
)


class NotFound(GraphQLError):
    def __init__(self, what: str) -> None:
        super().__init__(
            "Entity not found", extensions={"code": "INVALID_INPUT", "userPresentableMessage": what}
        )


# -- filters ---------------------------------------------------------------------------------
def _comparable(value: Any, given: Any) -> tuple[Any, Any]:
    if isinstance(value, datetime) and isinstance(given, str):
        try:
            return value, datetime.fromisoformat(given.replace("Z", "+00:00"))
        except ValueError:
            return value, value
    if isinstance(value, date) and isinstance(given, str):
        return value.isoformat(), given[:10]
    if isinstance(value, int | float) and isinstance(given, int | float):
        return float(value), float(given)
    return value, given


def _compare(value: Any, op: str, given: Any) -> bool:
    if op == "null":
        return (value is None) == bool(given)
    if value is None:
        return op in ("neq", "nin")
    if op in ("in", "nin"):
        pairs = [_comparable(value, g) for g in given or []]
        hit = any(a == b for a, b in pairs)
        return hit if op == "in" else not hit
    if op == "contains":
        return str(given) in str(value)
    if op == "eqIgnoreCase":
        return str(value).casefold() == str(given).casefold()
    a, b = _comparable(value, given)
    return {
        "eq": a == b,
        "neq": a != b,
        "gt": a > b,
        "gte": a >= b,
        "lt": a < b,
        "lte": a <= b,
    }[op]


def matches(view: Any, flt: dict[str, Any] | None) -> bool:
    if not flt:
        return True
    for key, wanted in flt.items():
        if wanted is None:
            continue
        if key == "and":
            if not all(matches(view, f) for f in wanted):
                return False
        elif key == "or":
            if not any(matches(view, f) for f in wanted):
                return False
        elif key in _COMPARATORS:
            if not _compare(view, key, wanted):
                return False
        elif key == "some":
            if not any(matches(v, wanted) for v in view or []):
                return False
        elif key == "every":
            if not all(matches(v, wanted) for v in view or []):
                return False
        else:
            if not isinstance(view, dict) or key not in view:
                raise GraphQLError(f"simulator: filter field '{key}' is not implemented")
            sub = view[key]
            if isinstance(sub, list):
                if {"some", "every"} & set(wanted):
                    if not matches(sub, wanted):
                        return False
                elif not any(matches(v, wanted) for v in sub):
                    return False
            elif sub is None:
                if not (set(wanted) == {"null"} and wanted["null"]):
                    return False
            elif not matches(sub, wanted):
                return False
    return True


# -- connections -----------------------------------------------------------------------------
CURSORS = OpaqueCursors()
SHORT_PAGE = 37
"""Strict mode answers the root listings (issues, projects, initiatives) with at most this
many nodes whatever ``first`` asked (``first`` is an upper bound; clients follow
``pageInfo``)."""


def _cursor(index: int) -> str:
    return CURSORS.cursor(index)


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    return CURSORS.index(cursor) + 1


def _shortened(kw: dict[str, Any], strict: bool) -> dict[str, Any]:
    first = kw.get("first")
    if not strict:
        return kw
    return {**kw, "first": min(int(first), SHORT_PAGE) if first is not None else SHORT_PAGE}


def connection(
    items: list[Any], first: int | None = None, after: str | None = None, last: int | None = None
) -> dict[str, Any]:
    start = _offset(after)
    window = items[start:]
    if first is None and last is None:
        first = 50  # Linear's default page size
    if first is not None:
        window = window[:first]
    if last is not None:
        window = window[-last:] if last else []
        start = len(items) - len(window)
    end = start + len(window)
    return {
        "nodes": window,
        "pageInfo": {
            "hasNextPage": end < len(items),
            "hasPreviousPage": start > 0,
            "endCursor": _cursor(end - 1) if window else None,
            "startCursor": _cursor(start) if window else None,
        },
    }


def _page(items: list[Any], kw: dict[str, Any], view: Any = None) -> dict[str, Any]:
    flt = kw.get("filter")
    if flt and view is not None:
        items = [i for i in items if matches(view(i), flt)]
    return connection(items, kw.get("first"), kw.get("after"), kw.get("last"))


# -- objects ---------------------------------------------------------------------------------
@dataclass
class ListingFault:
    """The root ``issues`` listing misbehaving (scan-ledger tests): from page
    ``repeat_from`` (0-based) on ``endCursor`` is the cursor the client sent; from page
    ``no_cursor_from`` on it is null while ``hasNextPage`` stays true."""

    repeat_from: int | None = None
    no_cursor_from: int | None = None


class Ctx:
    def __init__(
        self,
        world: World,
        viewer_id: str,
        listing_fault: ListingFault | None = None,
        strict: bool = True,
    ) -> None:
        self.strict = strict
        self.world = world
        self.viewer_id = viewer_id
        self.listing_fault = listing_fault

    # views for filters
    def issue_view(self, issue: Issue) -> dict[str, Any]:
        w = self.world
        team = w.teams[issue.team_id]
        state = w.state_of(issue)
        parent = w.issues.get(issue.parent_id or "")
        project = w.projects.get(issue.project_id or "")
        return {
            "id": issue.id,
            "number": issue.number,
            "title": issue.title,
            "team": {"id": team.id, "key": team.key},
            "state": {"id": state.id, "name": state.name, "type": state.type},
            "updatedAt": issue.updated,
            "createdAt": issue.created,
            "completedAt": issue.completed,
            "canceledAt": issue.canceled,
            "labels": [{"id": i, "name": w.labels[i].name} for i in issue.label_ids],
            "parent": self.issue_view(parent) if parent else None,
            "project": self.project_view(project) if project else None,
        }

    def project_view(self, project: Project) -> dict[str, Any]:
        w = self.world
        return {
            "id": project.id,
            "slugId": project.slug,
            "name": project.name,
            "updatedAt": project.updated,
            "accessibleTeams": [
                {"id": t, "key": w.teams[t].key} for t in project.team_ids if t in w.teams
            ],
            "initiatives": [{"id": i} for i in project.initiative_ids],
        }

    def initiative_view(self, initiative: Initiative) -> dict[str, Any]:
        return {"id": initiative.id, "slugId": initiative.slug, "updatedAt": initiative.updated}

    # wrappers
    def user(self, ident: str | None) -> UserR | None:
        user = self.world.users.get(ident or "")
        return UserR(user.id, user.name) if user else None


class UserR:
    def __init__(self, ident: str, name: str) -> None:
        self.id = ident
        self.name = name
        self.displayName = name
        self.email = f"{name.lower()}@example.com"


class TeamR:
    def __init__(self, ctx: Ctx, team_id: str) -> None:
        self.ctx = ctx
        team = ctx.world.teams[team_id]
        self.team = team
        self.id = team.id
        self.key = team.key
        self.name = team.name

    def states(self, info: Any, **kw: Any) -> dict[str, Any]:
        states = [{"id": s.id, "name": s.name, "type": s.type} for s in self.team.states]
        return _page(states, kw, lambda s: s)

    def labels(self, info: Any, **kw: Any) -> dict[str, Any]:
        labels = [
            {"id": label.id, "name": label.name}
            for label in self.ctx.world.labels.values()
            if label.team_id == self.team.id
        ]
        return _page(labels, kw, lambda label: {**label, "team": {"key": self.team.key}})


class CommentR:
    def __init__(self, ctx: Ctx, comment: Comment) -> None:
        self.ctx = ctx
        self.comment = comment
        self.id = comment.id
        self.body = comment.body
        self.createdAt = iso(comment.created)
        self.updatedAt = iso(comment.updated)
        self._user = comment.user_id

    def user(self, info: Any) -> UserR | None:
        return self.ctx.user(self._user)

    def initiative(self, info: Any) -> InitiativeR | None:
        found = self.ctx.world.initiatives.get(self.comment.initiative_id or "")
        return InitiativeR(self.ctx, found) if found else None


def _entity_labels(ctx: Ctx, ids: list[str], kw: dict[str, Any]) -> dict[str, Any]:
    labels = [{"id": i, "name": ctx.world.labels[i].name} for i in ids]
    return _page(labels, kw, lambda label: label)


def _comments(ctx: Ctx, kw: dict[str, Any], **target: str) -> dict[str, Any]:
    found = [CommentR(ctx, c) for c in ctx.world.comments_on(**target)]
    return _page(found, kw)


class IssueR:
    def __init__(self, ctx: Ctx, issue: Issue) -> None:
        self.ctx = ctx
        self.issue = issue
        w = ctx.world
        self.id = issue.id
        self.identifier = w.identifier(issue)
        self.number = issue.number
        self.title = issue.title
        self.description = issue.description
        self.url = f"https://linear.app/{w.url_key}/issue/{self.identifier}"
        self.createdAt = iso(issue.created)
        self.updatedAt = iso(issue.updated)
        self.startedAt = iso(issue.started)
        self.completedAt = iso(issue.completed)
        self.canceledAt = iso(issue.canceled)
        self.dueDate = issue.due.isoformat() if issue.due else None

    def team(self, info: Any) -> TeamR:
        return TeamR(self.ctx, self.issue.team_id)

    def state(self, info: Any) -> dict[str, Any]:
        s = self.ctx.world.state_of(self.issue)
        return {"id": s.id, "name": s.name, "type": s.type}

    def assignee(self, info: Any) -> UserR | None:
        return self.ctx.user(self.issue.assignee_id)

    def labels(self, info: Any, **kw: Any) -> dict[str, Any]:
        w = self.ctx.world
        labels = [{"id": i, "name": w.labels[i].name} for i in self.issue.label_ids]
        return _page(labels, kw, lambda label: label)

    def parent(self, info: Any) -> IssueR | None:
        parent = self.ctx.world.issues.get(self.issue.parent_id or "")
        return IssueR(self.ctx, parent) if parent else None

    def children(self, info: Any, **kw: Any) -> dict[str, Any]:
        w = self.ctx.world
        kids = [i for i in w.issues.values() if i.parent_id == self.issue.id]
        return _page(
            [IssueR(self.ctx, i) for i in kids], kw, lambda r: self.ctx.issue_view(r.issue)
        )

    def project(self, info: Any) -> ProjectR | None:
        project = self.ctx.world.projects.get(self.issue.project_id or "")
        return ProjectR(self.ctx, project) if project else None

    def projectMilestone(self, info: Any) -> dict[str, Any] | None:
        if self.issue.milestone is None:
            return None
        name, target = self.issue.milestone
        return {"name": name, "targetDate": target.isoformat() if target else None}

    def relations(self, info: Any, **kw: Any) -> dict[str, Any]:
        w = self.ctx.world
        rels = [
            {"type": kind, "relatedIssue": IssueR(self.ctx, w.issues[other])}
            for kind, other in self.issue.relations
        ]
        return _page(rels, kw)

    def comments(self, info: Any, **kw: Any) -> dict[str, Any]:
        return _comments(self.ctx, kw, issue_id=self.issue.id)


class ProjectR:
    def __init__(self, ctx: Ctx, project: Project) -> None:
        self.ctx = ctx
        self.project = project
        self.id = project.id
        self.slugId = project.slug
        self.name = project.name
        self.description = project.description
        self.content = project.content
        self.url = f"https://linear.app/{ctx.world.url_key}/project/{project.slug}"
        self.createdAt = iso(project.created)
        self.updatedAt = iso(project.updated)
        self.startedAt = iso(project.started)
        self.completedAt = iso(project.completed)
        self.canceledAt = iso(project.canceled)
        self.targetDate = project.target.isoformat() if project.target else None
        self.state = project.status[1]

    def status(self, info: Any) -> dict[str, Any]:
        return {"name": self.project.status[0], "type": self.project.status[1]}

    def lead(self, info: Any) -> UserR | None:
        return self.ctx.user(self.project.lead_id)

    def labels(self, info: Any, **kw: Any) -> dict[str, Any]:
        return _entity_labels(self.ctx, self.project.label_ids, kw)

    def initiatives(self, info: Any, **kw: Any) -> dict[str, Any]:
        w = self.ctx.world
        return _page(
            [InitiativeR(self.ctx, w.initiatives[i]) for i in self.project.initiative_ids], kw
        )

    def issues(self, info: Any, **kw: Any) -> dict[str, Any]:
        w = self.ctx.world
        found = [IssueR(self.ctx, i) for i in w.issues.values() if i.project_id == self.project.id]
        return _page(found, kw, lambda r: self.ctx.issue_view(r.issue))

    def comments(self, info: Any, **kw: Any) -> dict[str, Any]:
        return _comments(self.ctx, kw, project_id=self.project.id)


class InitiativeR:
    def __init__(self, ctx: Ctx, initiative: Initiative) -> None:
        self.ctx = ctx
        self.initiative = initiative
        self.id = initiative.id
        self.slugId = initiative.slug
        self.name = initiative.name
        self.description = initiative.description
        self.content = initiative.content
        self.url = f"https://linear.app/{ctx.world.url_key}/initiative/{initiative.slug}"
        self.createdAt = iso(initiative.created)
        self.updatedAt = iso(initiative.updated)
        self.targetDate = initiative.target.isoformat() if initiative.target else None
        self.status = initiative.status

    def owner(self, info: Any) -> UserR | None:
        return self.ctx.user(self.initiative.owner_id)

    def labels(self, info: Any, **kw: Any) -> dict[str, Any]:
        return _entity_labels(self.ctx, self.initiative.label_ids, kw)

    def parentInitiative(self, info: Any) -> InitiativeR | None:
        parent = self.ctx.world.initiatives.get(self.initiative.parent_id or "")
        return InitiativeR(self.ctx, parent) if parent else None

    def projects(self, info: Any, **kw: Any) -> dict[str, Any]:
        w = self.ctx.world
        found = [
            ProjectR(self.ctx, p)
            for p in w.projects.values()
            if self.initiative.id in p.initiative_ids
        ]
        return _page(found, kw, lambda r: self.ctx.project_view(r.project))

    def subInitiatives(self, info: Any, **kw: Any) -> dict[str, Any]:
        w = self.ctx.world
        found = [
            InitiativeR(self.ctx, i)
            for i in w.initiatives.values()
            if i.parent_id == self.initiative.id
        ]
        return _page(found, kw, lambda r: self.ctx.initiative_view(r.initiative))


# -- roots -----------------------------------------------------------------------------------
class Root:
    """Query and Mutation root (graphql-core uses one root value for both)."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.world = ctx.world
        self.writes: list[str] = []

    # queries
    def viewer(self, info: Any) -> UserR | None:
        return self.ctx.user(self.ctx.viewer_id)

    def organization(self, info: Any) -> dict[str, Any]:
        return {"id": "org", "name": "Acme", "urlKey": self.world.url_key}

    def teams(self, info: Any, **kw: Any) -> dict[str, Any]:
        teams = [TeamR(self.ctx, t) for t in self.world.teams]
        return _page(teams, kw, lambda r: {"id": r.id, "key": r.key, "name": r.name})

    def _scoped_labels(self, scope: str, kw: dict[str, Any]) -> dict[str, Any]:
        labels = [
            {"id": label.id, "name": label.name}
            for label in self.world.labels.values()
            if label.scope == scope
        ]
        return _page(labels, kw, lambda label: label)

    def projectLabels(self, info: Any, **kw: Any) -> dict[str, Any]:
        return self._scoped_labels("project", kw)

    def initiativeLabels(self, info: Any, **kw: Any) -> dict[str, Any]:
        return self._scoped_labels("initiative", kw)

    def comments(self, info: Any, **kw: Any) -> dict[str, Any]:
        w = self.world
        found = sorted(w.comments.values(), key=lambda c: c.created)

        def view(r: CommentR) -> dict[str, Any]:
            c = r.comment
            initiative = w.initiatives.get(c.initiative_id or "")
            issue = w.issues.get(c.issue_id or "")
            project = w.projects.get(c.project_id or "")
            return {
                "id": c.id,
                "body": c.body,
                "initiative": self.ctx.initiative_view(initiative) if initiative else None,
                "issue": self.ctx.issue_view(issue) if issue else None,
                "project": self.ctx.project_view(project) if project else None,
            }

        return _page([CommentR(self.ctx, c) for c in found], kw, view)

    def issueLabels(self, info: Any, **kw: Any) -> dict[str, Any]:
        w = self.world
        labels = [
            {"id": label.id, "name": label.name, "_team": label.team_id}
            for label in w.labels.values()
            if label.scope == "issue"
        ]

        def view(label: dict[str, Any]) -> dict[str, Any]:
            team = w.teams.get(label["_team"] or "")
            return {
                "id": label["id"],
                "name": label["name"],
                "team": {"id": team.id, "key": team.key} if team else None,
            }

        return _page(labels, kw, view)

    def issues(self, info: Any, **kw: Any) -> dict[str, Any]:
        found = sorted(self.world.issues.values(), key=lambda i: i.created)
        kw = _shortened(kw, self.ctx.strict)
        page = _page(
            [IssueR(self.ctx, i) for i in found], kw, lambda r: self.ctx.issue_view(r.issue)
        )
        fault = self.ctx.listing_fault
        if fault is not None and kw.get("after"):
            index = _offset(kw["after"]) // max(int(kw.get("first") or 50), 1)
            info_ = page["pageInfo"]
            if fault.repeat_from is not None and index >= fault.repeat_from:
                info_["endCursor"] = kw["after"]
            if fault.no_cursor_from is not None and index >= fault.no_cursor_from:
                info_["endCursor"] = None
        return page

    def issue(self, info: Any, id: str) -> IssueR:
        found = self.world.find_issue(id)
        if found is None:
            raise NotFound(f"issue {id}")
        return IssueR(self.ctx, found)

    def projects(self, info: Any, **kw: Any) -> dict[str, Any]:
        found = sorted(self.world.projects.values(), key=lambda p: p.created)
        kw = _shortened(kw, self.ctx.strict)
        return _page(
            [ProjectR(self.ctx, p) for p in found], kw, lambda r: self.ctx.project_view(r.project)
        )

    def initiatives(self, info: Any, **kw: Any) -> dict[str, Any]:
        found = sorted(self.world.initiatives.values(), key=lambda i: i.created)
        kw = _shortened(kw, self.ctx.strict)
        return _page(
            [InitiativeR(self.ctx, i) for i in found],
            kw,
            lambda r: self.ctx.initiative_view(r.initiative),
        )

    # mutations
    def _issue(self, ident: str) -> Issue:
        found = self.world.find_issue(ident)
        if found is None:
            raise NotFound(f"issue {ident}")
        return found

    def commentCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        body = input.get("body")
        if not body:
            raise GraphQLError("Argument Validation Error", extensions={"code": "INVALID_INPUT"})
        target: dict[str, str] = {}
        if input.get("issueId"):
            issue = self._issue(str(input["issueId"]))
            target["issue_id"] = issue.id
        elif input.get("projectId"):
            if input["projectId"] not in self.world.projects:
                raise NotFound("project")
            target["project_id"] = str(input["projectId"])
        elif input.get("initiativeId"):
            if input["initiativeId"] not in self.world.initiatives:
                raise NotFound("initiative")
            target["initiative_id"] = str(input["initiativeId"])
        else:
            raise GraphQLError("Argument Validation Error", extensions={"code": "INVALID_INPUT"})
        comment = self.world.comment(str(body), self.ctx.viewer_id, **target)
        self.writes.append("commentCreate")
        return {"success": True, "lastSyncId": 1.0, "comment": CommentR(self.ctx, comment)}

    def commentUpdate(self, info: Any, id: str, input: dict[str, Any], **_: Any) -> dict[str, Any]:
        comment = self.world.comments.get(id)
        if comment is None:
            raise NotFound("comment")
        if comment.user_id != self.ctx.viewer_id:
            raise GraphQLError("Forbidden", extensions={"code": "FORBIDDEN"})
        if input.get("body") is not None:
            comment.body = str(input["body"])
            comment.updated = now()
        self.writes.append("commentUpdate")
        return {"success": True, "lastSyncId": 1.0, "comment": CommentR(self.ctx, comment)}

    def commentDelete(self, info: Any, id: str) -> dict[str, Any]:
        if self.world.comments.pop(id, None) is None:
            raise NotFound("comment")
        self.writes.append("commentDelete")
        return {"success": True, "lastSyncId": 1.0, "entityId": id}

    def issueAddLabel(self, info: Any, id: str, labelId: str) -> dict[str, Any]:
        issue = self._issue(id)
        label = self.world.labels.get(labelId)
        if label is None:
            raise NotFound("label")
        if label.team_id not in (None, issue.team_id):
            raise GraphQLError("label of another team", extensions={"code": "INVALID_INPUT"})
        if labelId not in issue.label_ids:
            issue.label_ids.append(labelId)
            self.world.touch_issue(issue)
        self.writes.append("issueAddLabel")
        return {"success": True, "lastSyncId": 1.0, "issue": IssueR(self.ctx, issue)}

    def issueRemoveLabel(self, info: Any, id: str, labelId: str) -> dict[str, Any]:
        issue = self._issue(id)
        if labelId in issue.label_ids:
            issue.label_ids.remove(labelId)
            self.world.touch_issue(issue)
        self.writes.append("issueRemoveLabel")
        return {"success": True, "lastSyncId": 1.0, "issue": IssueR(self.ctx, issue)}

    def issueLabelCreate(self, info: Any, input: dict[str, Any], **_: Any) -> dict[str, Any]:
        team_id = input.get("teamId")
        name = str(input["name"])
        for label in self.world.labels.values():
            if label.scope == "issue" and label.name == name and label.team_id in (None, team_id):
                raise GraphQLError("Duplicate label name", extensions={"code": "INVALID_INPUT"})
        label = self.world.label(name, self.world.teams.get(team_id or ""))
        label.color = str(input.get("color") or label.color)
        label.description = str(input.get("description") or "")
        self.writes.append("issueLabelCreate")
        return {"success": True, "lastSyncId": 1.0, "issueLabel": {"id": label.id, "name": name}}

    def _goal(self, kind: str, ident: str) -> Project | Initiative:
        store: dict[str, Any] = self.world.projects if kind == "project" else self.world.initiatives
        found = store.get(ident)
        if found is None:
            raise NotFound(kind)
        return found  # type: ignore[no-any-return]

    def _goal_label(self, kind: str, ident: str, label_id: str, add: bool) -> dict[str, Any]:
        goal = self._goal(kind, ident)
        label = self.world.labels.get(label_id)
        if label is None or label.scope != kind:
            raise NotFound(f"{kind} label")
        if add and label_id not in goal.label_ids:
            goal.label_ids.append(label_id)
        elif not add and label_id in goal.label_ids:
            goal.label_ids.remove(label_id)
        goal.updated = now()
        self.writes.append(f"{kind}{'Add' if add else 'Remove'}Label")
        return {"success": True, "lastSyncId": 1.0}

    def projectAddLabel(self, info: Any, id: str, labelId: str) -> dict[str, Any]:
        return self._goal_label("project", id, labelId, True)

    def projectRemoveLabel(self, info: Any, id: str, labelId: str) -> dict[str, Any]:
        return self._goal_label("project", id, labelId, False)

    def initiativeAddLabel(self, info: Any, id: str, labelId: str) -> dict[str, Any]:
        return self._goal_label("initiative", id, labelId, True)

    def initiativeRemoveLabel(self, info: Any, id: str, labelId: str) -> dict[str, Any]:
        return self._goal_label("initiative", id, labelId, False)

    def _scoped_label_create(self, scope: str, input: dict[str, Any]) -> dict[str, Any]:
        name = str(input["name"])
        if any(lb.name == name and lb.scope == scope for lb in self.world.labels.values()):
            raise GraphQLError("Duplicate label name", extensions={"code": "INVALID_INPUT"})
        label = self.world.label(name, None, scope)
        label.color = str(input.get("color") or label.color)
        label.description = str(input.get("description") or "")
        self.writes.append(f"{scope}LabelCreate")
        return {"success": True, "lastSyncId": 1.0, f"{scope}Label": {"id": label.id, "name": name}}

    def projectLabelCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        return self._scoped_label_create("project", input)

    def initiativeLabelCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        return self._scoped_label_create("initiative", input)

    def issueUpdate(self, info: Any, id: str, input: dict[str, Any]) -> dict[str, Any]:
        issue = self._issue(id)
        state_id = input.get("stateId")
        if state_id is not None:
            team = self.world.teams[issue.team_id]
            state = next((s for s in team.states if s.id == state_id), None)
            if state is None:
                raise GraphQLError("state of another team", extensions={"code": "INVALID_INPUT"})
            issue.state_id = state.id
            if state.type == "started" and issue.started is None:
                issue.started = now()
        self.world.touch_issue(issue)
        self.writes.append("issueUpdate")
        return {"success": True, "lastSyncId": 1.0, "issue": IssueR(self.ctx, issue)}
