"""A stateful GitLab simulator over real HTTP on 127.0.0.1 (Starlette + uvicorn in a thread).

It answers the REST v4 endpoints and the GraphQL work item queries the adapter uses, with
GitLab's shapes and quirks: projects and groups addressed by id or URL-encoded path
(``group%2Fproject``, read from the *raw* path), offset pagination with ``X-Next-Page``,
``iids[]`` filters, system notes in note lists, ``add_labels``/``remove_labels`` with
scoped-label exclusivity, ``RateLimit-*`` headers. Faults are injected on demand (429 with
or without ``Retry-After``, 5xx). Requests are counted by kind: ``read``, ``write``,
``graphql``; protocol misuse (a token in a URL, a label-set replace) is collected in
:attr:`GitLabSimulator.violations`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

import uvicorn
from graphql import execute, parse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..sim_support import ThreadedServer
from . import contract
from .state import Epic, Issue, Note, World, iso, now

TOKEN = "glpat-simulatedTOKEN0123456789"
BOT = "trackerguard-bot"


@dataclass
class Fault:
    """Answer the next ``count`` matching requests with an error."""

    kind: str  # "429" | "429_bare" | "5xx"
    count: int = 1
    on: str = "any"  # "any" | "read" | "write" | "graphql"
    retry_after: int = 1


@dataclass
class ListingFault:
    """An issue listing that misbehaves (scan-ledger tests); look-ups by ``iids[]`` are spared.

    ``drop``: keys left out of pages while ``X-Total`` counts them; ``keyless``: keys whose
    entry comes without ``iid`` and ``references``; ``repeat_from``: from that page (1-based)
    on, ``X-Next-Page`` names the current page again; ``stop_after``: pages after which
    ``X-Next-Page`` is empty although more exist."""

    drop: set[str] = field(default_factory=set)
    keyless: set[str] = field(default_factory=set)
    repeat_from: int | None = None
    stop_after: int | None = None


@dataclass
class Logged:
    method: str
    path: str
    kind: str
    status: int


class GitLabSimulator(ThreadedServer):
    """Owns the world, the HTTP server thread, faults and counters."""

    def __init__(self, *, bot_username: str = BOT) -> None:
        self.world = World()
        self.bot_username = bot_username
        self.faults: list[Fault] = []
        self.listing_fault: ListingFault | None = None
        self.totals_up_to = 10_000
        """Lists longer than this come without ``X-Total``/``X-Total-Pages`` (GitLab's rule);
        a test lowers it to see an adapter that must not rely on the totals."""
        self.counts: Counter[str] = Counter()
        self.log: list[Logged] = []
        self.violations: list[str] = []
        self.hierarchy = True
        """False simulates a server without the work item GraphQL API."""
        self.queries: list[str] = []
        """Every GraphQL document received, in order."""
        self.version = "18"
        """The GraphQL schema the server has (``contract.schema``): ``"18"`` (the Status
        widget with ``category``), ``"17.11"`` (without ``category``), ``"free"`` (none)."""
        self.rate_limit = 2000
        self.rate_remaining = 2000
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self.app = Starlette(
            routes=[
                Route("/api/graphql", self._wrap(self.graphql, "graphql"), methods=["POST"]),
                Route(
                    "/api/v4/{rest:path}",
                    self._wrap(self.rest),
                    methods=["GET", "POST", "PUT", "DELETE"],
                ),
            ]
        )

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> GitLabSimulator:
        self._serve(self.app, "GitLab")
        return self

    def stop(self) -> None:
        """Stop the server; a request that broke the contract fails the test that made it."""
        super().stop()
        broken = [v for v in self.violations if v.startswith("contract: ")]
        assert not broken, broken

    def reset_counts(self) -> None:
        self.counts.clear()
        self.log.clear()
        self.queries.clear()

    @property
    def writes(self) -> list[Logged]:
        return [entry for entry in self.log if entry.kind == "write"]

    # -- plumbing ---------------------------------------------------------------------------
    def _wrap(self, handler: Any, forced: str | None = None) -> Any:
        async def endpoint(request: Request) -> Response:
            kind = forced or ("read" if request.method == "GET" else "write")
            self.counts[kind] += 1
            self.counts["total"] += 1
            response = self._fault(kind) or self._auth(request)
            body = await request.body()
            try:
                payload = json.loads(body) if body else None
            except ValueError:
                payload = None
                response = response or JSONResponse({"message": "400 Bad request"}, 400)
            raw_path = (request.scope.get("raw_path") or b"").decode().split("?", 1)[0]
            problems = contract.check_request(
                request.method,
                raw_path,
                parse_qsl(request.url.query, keep_blank_values=True),
                {k.lower(): v for k, v in request.headers.items()},
                payload,
            )
            self.violations += [f"contract: {p}" for p in problems]
            if response is None:
                with self.world.lock:
                    response = handler(request, payload)
                self.rate_remaining = max(self.rate_remaining - 1, 0)
            if response.status_code != 429 or "Retry-After" in response.headers:
                # GitLab answers some 429s with no rate-limit header at all ("429_bare").
                response.headers.setdefault("RateLimit-Limit", str(self.rate_limit))
                response.headers.setdefault("RateLimit-Remaining", str(self.rate_remaining))
                response.headers.setdefault("RateLimit-Reset", str(int(time.time()) + 60))
            if request.method == "GET" and response.status_code == 200:
                answer = json.loads(bytes(response.body)) if response.body else None
                self.violations += [
                    f"contract: {p}"
                    for p in contract.check_response(
                        request.method,
                        raw_path,
                        parse_qsl(request.url.query, keep_blank_values=True),
                        response.status_code,
                        {k.lower(): v for k, v in response.headers.items()},
                        answer,
                    )
                ]
            raw = request.scope.get("raw_path") or b""
            self.log.append(Logged(request.method, raw.decode(), kind, response.status_code))
            return response

        return endpoint

    def _fault(self, kind: str) -> Response | None:
        for fault in self.faults:
            if fault.count > 0 and fault.on in ("any", kind):
                fault.count -= 1
                self.counts[f"fault_{fault.kind}"] += 1
                if fault.kind == "5xx":
                    return JSONResponse({"message": "502 Bad Gateway"}, 502)
                headers = (
                    {} if fault.kind == "429_bare" else {"Retry-After": str(fault.retry_after)}
                )
                if fault.kind == "429":
                    headers["RateLimit-Remaining"] = "0"
                    headers["RateLimit-Reset"] = str(int(time.time()) + fault.retry_after)
                return Response("Retry later\n", 429, headers=headers)
        return None

    def _auth(self, request: Request) -> Response | None:
        token = request.headers.get("private-token")
        if token is not None and token != TOKEN:
            return JSONResponse({"message": "401 Unauthorized"}, 401)
        if token is None and request.method != "GET":
            return JSONResponse({"message": "401 Unauthorized"}, 401)
        return None

    # -- REST -------------------------------------------------------------------------------
    def rest(self, request: Request, payload: Any) -> Response:
        raw = (request.scope.get("raw_path") or b"").decode().split("?", 1)[0]
        parts = [unquote(p) for p in raw.removeprefix("/api/v4/").split("/") if p]
        query = parse_qsl(request.url.query, keep_blank_values=True)
        method = request.method
        if parts == ["user"] and method == "GET":
            if request.headers.get("private-token") is None:
                return JSONResponse({"message": "401 Unauthorized"}, 401)
            return JSONResponse({"id": 7, "username": self.bot_username, "name": "trackerguard"})
        if len(parts) >= 3 and parts[0] == "projects" and parts[2] == "issues":
            project = self.world.resolve_project(parts[1])
            if project is None:
                return _not_found("Project")
            rest = parts[3:]
            if not rest and method == "GET":
                return self._issue_list(list(project.issues.values()), query)
            if not rest and method == "POST":
                fields = payload or {}
                if not str(fields.get("title") or ""):
                    return JSONResponse({"message": "400 Bad request - title is missing"}, 400)
                created = self.world.issue(
                    project.path,
                    str(fields["title"]),
                    description=str(fields.get("description") or ""),
                    labels=_split_labels(fields.get("labels")),
                    created=now(),
                )
                return JSONResponse(self._issue_json(created), 201)
            if not rest or not rest[0].isdigit():
                return _not_found()
            issue = project.issues.get(int(rest[0]))
            if issue is None:
                return _not_found("Issue")
            return self._issue_route(issue, rest[1:], method, query, payload)
        if len(parts) >= 3 and parts[0] == "groups":
            group = self.world.resolve_group(parts[1])
            if group is None:
                return _not_found("Group")
            if parts[2:] == ["issues"] and method == "GET":
                return self._issue_list(self.world.group_issues(group), query)
            if parts[2] == "epics":
                if not self.world.premium:
                    return JSONResponse({"message": "403 Forbidden"}, 403)
                epics = self.world.epics.get(group, {})
                if len(parts) == 3 and method == "GET":
                    wanted = {int(v) for k, v in query if k == "iids[]"}
                    found = [e for e in epics.values() if not wanted or e.iid in wanted]
                    return self._page([self._epic_json(e) for e in found], query)
                if len(parts) == 5 and parts[4] == "issues" and parts[3].isdigit():
                    epic = epics.get(int(parts[3]))
                    if epic is None:
                        return _not_found("Epic")
                    children = [
                        i
                        for p in self.world.projects.values()
                        for i in p.issues.values()
                        if i.parent == epic.key
                    ]
                    return self._page([self._issue_json(i) for i in children], query)
        return _not_found()

    def _issue_route(
        self, issue: Issue, rest: list[str], method: str, query: list[tuple[str, str]], body: Any
    ) -> Response:
        if not rest and method == "PUT":
            body = body or {}
            for label in _split_labels(body.get("add_labels")):
                scope = label.rpartition("::")[0]
                if scope:
                    issue.labels = [x for x in issue.labels if x.rpartition("::")[0] != scope]
                if label not in issue.labels:
                    issue.labels.append(label)
            removed = set(_split_labels(body.get("remove_labels")))
            issue.labels = [x for x in issue.labels if x not in removed]
            for name in ("title", "description"):
                if name in body:
                    setattr(issue, name, str(body[name]))
            self.world.touch(issue)
            return JSONResponse(self._issue_json(issue))
        if rest == ["notes"]:
            if method == "GET":
                notes = sorted(issue.notes, key=lambda n: (n.created, n.id))
                if dict(query).get("sort", "desc") == "desc":
                    notes.reverse()
                return self._page([n.to_json() for n in notes], query)
            if method == "POST":
                text = str((body or {}).get("body") or "")
                if not text:
                    return JSONResponse({"message": "400 Bad request - body is missing"}, 400)
                note = Note(self.world.next_id(), text, self.bot_username)
                issue.notes.append(note)
                self.world.touch(issue)
                return JSONResponse(note.to_json(), 201)
        if len(rest) == 2 and rest[0] == "notes" and rest[1].isdigit():
            found = next((n for n in issue.notes if n.id == int(rest[1])), None)
            if found is None:
                return _not_found("Note")
            note = found
            if note.author != self.bot_username:
                return JSONResponse({"message": "403 Forbidden"}, 403)
            if method == "PUT":
                note.body = str((body or {}).get("body") or "")
                note.updated = max(note.updated, note.created)
                self.world.touch(issue)
                return JSONResponse(note.to_json())
            if method == "DELETE":
                issue.notes.remove(note)
                self.world.touch(issue)
                return Response(status_code=204)
        if rest == ["links"] and method == "GET":
            out = []
            for target, link_type in issue.links:
                other = self.world.get(target)
                if other is not None:
                    row = self._issue_json(other)
                    row.update({"issue_link_id": self.world.next_id(), "link_type": link_type})
                    out.append(row)
            return JSONResponse(out)
        return _not_found()

    def _issue_list(self, issues: list[Issue], query: list[tuple[str, str]]) -> Response:
        params = dict(query)
        state = params.get("state", "all")
        wanted = {int(v) for k, v in query if k == "iids[]"}
        since = params.get("updated_after")
        labels = [x for x in (params.get("labels") or "").split(",") if x]
        found = [
            i
            for i in issues
            if (state == "all" or i.state == state)
            and (not wanted or i.iid in wanted)
            and (since is None or iso(i.updated) >= since.replace("Z", ".000Z"))
            and all(label in i.labels for label in labels)
        ]
        found.sort(key=lambda i: i.updated, reverse=params.get("sort", "desc") == "desc")
        fault = None if wanted else self.listing_fault
        return self._page([self._issue_json(i) for i in found], query, fault)

    def _page(
        self, rows: list[Any], query: list[tuple[str, str]], fault: ListingFault | None = None
    ) -> Response:
        params = dict(query)
        per_page = min(int(params.get("per_page", 20)), 100)
        page = max(int(params.get("page", 1)), 1)
        chunk = rows[(page - 1) * per_page : page * per_page]
        more = page * per_page < len(rows)
        following = str(page + 1) if more else ""
        if fault is not None:
            chunk = [r for r in chunk if r["references"]["full"] not in fault.drop]
            chunk = [_keyless(r) if r["references"]["full"] in fault.keyless else r for r in chunk]
            if fault.repeat_from is not None and page >= fault.repeat_from:
                following = str(page)
            if fault.stop_after is not None and page >= fault.stop_after:
                following = ""
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Next-Page": following,
            "X-Prev-Page": str(page - 1) if page > 1 else "",
        }
        if len(rows) <= self.totals_up_to:
            # GitLab leaves X-Total and X-Total-Pages out above 10,000 rows.
            headers["X-Total"] = str(len(rows))
            headers["X-Total-Pages"] = str(max(1, -(-len(rows) // per_page)))
        return JSONResponse(chunk, headers=headers)

    def _issue_json(self, issue: Issue) -> dict[str, Any]:
        project = self.world.projects[issue.project]
        milestone = None
        if issue.milestone is not None:
            title, due = issue.milestone
            milestone = {
                "id": abs(hash(title)) % 10_000,
                "iid": 1,
                "title": title,
                "due_date": due.isoformat() if due else None,
                "state": "active",
            }
        epic = None
        if issue.parent and "&" in issue.parent and self.world.premium:
            found = self.world.get_epic(issue.parent)
            if found is not None:
                epic = {
                    "id": found.id,
                    "iid": found.iid,
                    "title": found.title,
                    "url": f"/groups/{found.group}/-/epics/{found.iid}",
                    "group_id": self.world.groups[found.group],
                }
        iteration = None
        if issue.iteration is not None and self.world.premium:
            title, start, due = issue.iteration
            iteration = {
                "id": abs(hash(title)) % 10_000,
                "iid": 1,
                "sequence": 1,
                "group_id": self.world.groups.get(project.group),
                "title": title,
                "state": 2,
                "start_date": start.isoformat(),
                "due_date": due.isoformat(),
            }
        users = [{"id": abs(hash(a)) % 10_000, "username": a} for a in issue.assignees]
        return {
            "id": issue.id,
            "iid": issue.iid,
            "project_id": project.id,
            "title": issue.title,
            "description": issue.description,
            "state": issue.state,
            "created_at": iso(issue.created),
            "updated_at": iso(issue.updated),
            "closed_at": iso(issue.closed) if issue.closed else None,
            "labels": list(issue.labels),
            "milestone": milestone,
            "assignees": users,
            "assignee": users[0] if users else None,
            "author": {"id": 1, "username": "alice"},
            "type": issue.issue_type.upper(),
            "issue_type": issue.issue_type,
            "user_notes_count": sum(1 for n in issue.notes if not n.system),
            "due_date": issue.due.isoformat() if issue.due else None,
            "iteration": iteration,
            "web_url": f"{self.url}/{issue.project}/-/issues/{issue.iid}",
            "references": {
                "short": f"#{issue.iid}",
                "relative": f"#{issue.iid}",
                "full": issue.key,
            },
            "epic_iid": epic["iid"] if epic else None,
            "epic": epic,
        }

    def _epic_json(self, epic: Epic) -> dict[str, Any]:
        parent = self.world.epics.get(epic.group, {}).get(epic.parent_iid or -1)
        return {
            "id": epic.id,
            "iid": epic.iid,
            "group_id": self.world.groups[epic.group],
            "parent_id": parent.id if parent else None,
            "parent_iid": parent.iid if parent else None,
            "title": epic.title,
            "description": epic.description,
            "state": epic.state,
            "labels": list(epic.labels),
            "due_date": epic.due.isoformat() if epic.due else None,
            "end_date": epic.due.isoformat() if epic.due else None,
            "web_url": f"{self.url}/groups/{epic.group}/-/epics/{epic.iid}",
            "references": {"short": f"&{epic.iid}", "full": epic.key},
            "created_at": iso(epic.created),
            "updated_at": iso(epic.updated),
        }

    # -- GraphQL: executed against the contract schema of the server's version ------------
    def graphql(self, request: Request, payload: Any) -> Response:
        """Validate against the schema this server has (``version``) and execute: the answer
        holds exactly the fields asked for, with GitLab's nulls (a status not set is null)."""
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return JSONResponse({"errors": [{"message": "no query"}]}, 400)
        query = payload["query"]
        variables = payload.get("variables") or {}
        self.queries.append(query)
        if not self.hierarchy:
            return JSONResponse(
                {"errors": [{"message": "Field 'workItems' doesn't exist on type 'Project'"}]}
            )
        problems = contract.graphql_problems(query, self.version)
        if problems:
            # GitLab answers a query its schema rejects with 200 and errors, no data.
            return JSONResponse({"errors": [{"message": p} for p in problems]})
        root = {"project": self._project_node, "group": lambda info, fullPath: None}
        result = execute(
            contract.schema(self.version), parse(query), root_value=root, variable_values=variables
        )
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [{"message": e.message} for e in result.errors]
        return JSONResponse(body)

    def _project_node(self, info: Any, fullPath: str) -> dict[str, Any] | None:
        project = self.world.projects.get(fullPath)
        if project is None:
            return None

        def work_items(info: Any, iids: list[str] | None = None, **_: Any) -> dict[str, Any]:
            found = [project.issues.get(int(i)) for i in iids or [] if str(i).isdigit()]
            nodes = [self._work_item(i) for i in found if i is not None]
            return {"count": len(nodes), "nodes": nodes, "pageInfo": _last_page()}

        return {
            "id": f"gid://gitlab/Project/{project.id}",
            "fullPath": fullPath,
            "workItems": work_items,
        }

    def _work_item(self, issue: Issue | Epic) -> dict[str, Any]:
        if isinstance(issue, Epic):
            kind, path, state = "Epic", issue.group, issue.state
            widgets: list[dict[str, Any]] = []
        else:
            kind = "Task" if issue.issue_type == "task" else "Issue"
            path, state = issue.project, issue.state
            widgets = self._widgets(issue)
        return {
            "id": f"gid://gitlab/WorkItem/{issue.id}",
            "iid": str(issue.iid),
            "title": issue.title,
            "state": "CLOSED" if state == "closed" else "OPEN",
            "workItemType": {"id": f"gid://gitlab/WorkItems::Type/{kind}", "name": kind},
            "namespace": {"id": f"gid://gitlab/Namespace/{path}", "fullPath": path},
            "widgets": widgets,
        }

    def _widgets(self, issue: Issue) -> list[dict[str, Any]]:
        def kids() -> list[Issue]:
            return [
                i
                for p in self.world.projects.values()
                for i in p.issues.values()
                if i.parent == issue.key
            ]

        def children(info: Any, **_: Any) -> dict[str, Any]:
            nodes = [self._work_item(i) for i in kids()]
            return {"count": len(nodes), "nodes": nodes, "pageInfo": _last_page()}

        parent = None
        if issue.parent is not None:
            found = (
                self.world.get_epic(issue.parent)
                if "&" in issue.parent
                else self.world.get(issue.parent)
            )
            parent = self._work_item(found) if found is not None else None
        widgets: list[dict[str, Any]] = [
            {"__typename": "WorkItemWidgetLabels", "type": "LABELS"},
            {
                "__typename": "WorkItemWidgetHierarchy",
                "type": "HIERARCHY",
                "hasChildren": lambda info: bool(kids()),
                "parent": parent,
                "children": children,
            },
        ]
        if self.version != "free" and self.world.premium:
            status = None
            if issue.status is not None:
                name, category = issue.status
                status = {
                    "id": f"gid://gitlab/WorkItems::Statuses::Custom::Status/{abs(hash(name)) % 999}",
                    "name": name,
                    "iconName": "status-neutral",
                    "color": "#737278",
                    "position": 0,
                    "description": None,
                    "category": category,
                }
            widgets.append(
                {"__typename": "WorkItemWidgetStatus", "type": "STATUS", "status": status}
            )
        return widgets


def _last_page() -> dict[str, Any]:
    return {"hasNextPage": False, "endCursor": None}


def _split_labels(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return []


def _not_found(what: str = "") -> Response:
    return JSONResponse({"message": f"404 {what} Not Found".replace("  ", " ")}, 404)


def _keyless(row: dict[str, Any]) -> dict[str, Any]:
    """An issue entry that lost what its key is made of (iid and references)."""
    return {k: v for k, v in row.items() if k not in ("iid", "references")}
