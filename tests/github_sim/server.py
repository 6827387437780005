"""A stateful GitHub simulator over real HTTP on 127.0.0.1 (Starlette + uvicorn in a thread).

It answers the REST endpoints and the GraphQL endpoint the adapter uses, with GitHub's
shapes and quirks (comment edit/delete paths without the issue number, ``Link`` pagination,
ETags and 304s that cost no quota, ``x-ratelimit-*`` headers, NOT_FOUND GraphQL errors with
partial data). Every GraphQL document it receives is validated against the shared schema
(see ``schema.py``); problems are collected in :attr:`GitHubSimulator.invalid_queries` and
answered like GitHub would (HTTP 200 with ``errors``). Faults are injected on demand:
primary rate limit (403, ``x-ratelimit-remaining: 0`` + reset), secondary rate limit (403 +
``retry-after``), 5xx. Requests are counted by kind: ``graphql``, ``rest_read``, ``write``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import uvicorn
from graphql import GraphQLError, execute, parse, validate
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..sim_support import ThreadedServer
from .resolvers import ListingFault, NotFound, QueryRoot, Sim, resolve_type
from .schema import derived_schema, shared_schema, validate_document
from .state import Label, World, iso, now

TOKEN = "ghp_simulatedTOKEN0123456789"
INSTALLATION_TOKEN = "ghs_simulatedINSTALLATION0123"


@dataclass
class Fault:
    """Answer the next ``count`` matching requests with an error."""

    kind: str  # "primary" | "secondary" | "5xx"
    count: int = 1
    on: str = "any"  # "any" | "graphql" | "rest_read" | "write"
    retry_after: int = 1
    reset_in: int = 1


@dataclass
class Logged:
    method: str
    path: str
    kind: str
    status: int
    at: float


class GitHubSimulator(ThreadedServer):
    """Owns the world, the HTTP server thread, faults and counters."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        bot_login: str = "trackerguard-bot",
        prefix: str = "",
        graphql_path: str = "/graphql",
        strict: bool = True,
    ) -> None:
        self.strict = strict
        """Spec minimum (the default in tests): listing connections answer at most
        ``SHORT_PAGE`` nodes per page and every cursor is opaque. ``strict=False`` (benchmarks)
        fills pages up to ``first``."""
        self.world = World()
        self.latency = latency
        self.bot_login = bot_login
        self.prefix = prefix
        self.graphql_path = graphql_path
        self.faults: list[Fault] = []
        self.listing_fault: ListingFault | None = None
        """Makes repository-issue and search listings misbehave (see :class:`ListingFault`)."""
        self.counts: Counter[str] = Counter()
        self.log: list[Logged] = []
        self.invalid_queries: list[tuple[str, list[str]]] = []
        self.queries: list[str] = []
        self.rate_limit = 5000
        self.rate_remaining = 5000
        self.app_public_key: str | None = None
        self.app_slug = "trackerguard-app"
        self.validate = True
        self.busy = 0.0
        """Seconds spent computing answers (excluding simulated latency)."""
        self.issue_types = True
        """False simulates a server without issue types (older GHES): ``issueType`` fails."""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self.app = Starlette(routes=self._routes())

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> GitHubSimulator:
        derived_schema()  # build once (seconds) before any request is timed
        self._serve(self.app, "GitHub")
        return self

    @property
    def api_url(self) -> str:
        return self.url + self.prefix

    @property
    def graphql_url(self) -> str:
        return self.url + self.graphql_path

    def reset_counts(self) -> None:
        self.busy = 0.0
        self.counts.clear()
        self.log.clear()

    @property
    def writes(self) -> list[Logged]:
        return [entry for entry in self.log if entry.kind == "write"]

    # -- plumbing ---------------------------------------------------------------------------
    def _routes(self) -> list[Route]:
        p = self.prefix
        rest = [
            ("/user", self.get_user, ["GET"]),
            ("/rate_limit", self.get_rate_limit, ["GET"]),
            ("/app", self.get_app, ["GET"]),
            ("/repos/{owner}/{repo}/installation", self.get_installation, ["GET"]),
            ("/app/installations/{iid}/access_tokens", self.post_access_token, ["POST"]),
            ("/repos/{owner}/{repo}/issues", self.issues, ["GET", "POST"]),
            ("/repos/{owner}/{repo}/issues/{number:int}", self.edit_issue, ["PATCH"]),
            ("/repos/{owner}/{repo}/issues/comments/{cid:int}", self.comment, ["PATCH", "DELETE"]),
            ("/repos/{owner}/{repo}/issues/{number:int}/comments", self.comments, ["GET", "POST"]),
            ("/repos/{owner}/{repo}/issues/{number:int}/labels", self.add_labels, ["POST"]),
            (
                "/repos/{owner}/{repo}/issues/{number:int}/labels/{name:path}",
                self.remove_label,
                ["DELETE"],
            ),
            ("/repos/{owner}/{repo}/labels", self.create_label, ["POST"]),
            ("/repos/{owner}/{repo}/labels/{name:path}", self.get_label, ["GET"]),
            ("/repos/{owner}/{repo}/statuses/{sha}", self.post_status, ["POST"]),
        ]
        routes = [Route(self.graphql_path, self._wrap(self.graphql, "graphql"), methods=["POST"])]
        routes += [
            Route(p + path, self._wrap(handler), methods=methods) for path, handler, methods in rest
        ]
        return routes

    def _wrap(self, handler: Any, forced_kind: str | None = None) -> Any:
        async def endpoint(request: Request) -> Response:
            kind = forced_kind or ("rest_read" if request.method == "GET" else "write")
            if handler == self.post_access_token:
                kind = "auth"
            if self.latency:
                await asyncio.sleep(self.latency)
            self.counts[kind] += 1
            self.counts["total"] += 1
            began = time.perf_counter()
            response = self._fault(kind) or self._auth(request, handler)
            if response is None:
                body = await request.body()
                with self.world.lock:
                    response = handler(request, json.loads(body) if body else None)
            if response.status_code == 304:
                self.counts["not_modified"] += 1
            elif response.status_code < 400 or response.status_code == 404:
                self.rate_remaining = max(self.rate_remaining - 1, 0)
            for name, value in self._rate_headers(kind).items():
                response.headers.setdefault(name, value)
            self.busy += time.perf_counter() - began
            self.log.append(
                Logged(
                    request.method, request.url.path, kind, response.status_code, time.monotonic()
                )
            )
            return response

        return endpoint

    def _rate_headers(self, kind: str) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.rate_limit),
            "x-ratelimit-remaining": str(self.rate_remaining),
            "x-ratelimit-used": str(self.rate_limit - self.rate_remaining),
            "x-ratelimit-reset": str(int(time.time()) + 3600),
            "x-ratelimit-resource": "graphql" if kind == "graphql" else "core",
        }

    def _fault(self, kind: str) -> Response | None:
        for fault in self.faults:
            if fault.count > 0 and fault.on in ("any", kind):
                fault.count -= 1
                self.counts[f"fault_{fault.kind}"] += 1
                if fault.kind == "primary":
                    return JSONResponse(
                        {"message": "API rate limit exceeded for user."},
                        403,
                        headers={
                            "x-ratelimit-remaining": "0",
                            "x-ratelimit-reset": str(int(time.time()) + fault.reset_in),
                        },
                    )
                if fault.kind == "secondary":
                    return JSONResponse(
                        {"message": "You have exceeded a secondary rate limit."},
                        403,
                        headers={"retry-after": str(fault.retry_after)},
                    )
                return JSONResponse({"message": "Server Error"}, 502)
        return None

    def _auth(self, request: Request, handler: Any) -> Response | None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip()
        app_only = handler in (self.get_app, self.get_installation, self.post_access_token)
        if app_only:
            return (
                None
                if self._valid_jwt(token)
                else JSONResponse({"message": "A JSON web token could not be decoded"}, 401)
            )
        if token in (TOKEN, INSTALLATION_TOKEN):
            return None
        return JSONResponse({"message": "Bad credentials"}, 401)

    def _valid_jwt(self, token: str) -> bool:
        if self.app_public_key is None:
            return False
        import jwt

        try:
            jwt.decode(token, self.app_public_key, algorithms=["RS256"])
        except jwt.PyJWTError:
            return False
        return True

    # -- GraphQL ----------------------------------------------------------------------------
    def graphql(self, request: Request, payload: Any) -> Response:
        query = str((payload or {}).get("query", ""))
        variables = (payload or {}).get("variables") or {}
        self.queries.append(query)
        if not self.issue_types:
            document = parse(query)
            problems = [e.message for e in validate(shared_schema(), document)]
            if problems:
                return JSONResponse({"errors": [{"message": p} for p in problems]})
        elif self.validate:
            problems = validate_document(query)
            if problems:
                self.invalid_queries.append((query, problems))
                return JSONResponse({"errors": [{"message": p} for p in problems]})
        rate = {
            "cost": 1,
            "limit": self.rate_limit,
            "remaining": self.rate_remaining,
            "resetAt": iso(now() + timedelta(hours=1)),
            "used": 0,
            "nodeCount": 0,
        }
        sim = Sim(self.world, self.bot_login, rate, self.listing_fault, self.strict)
        result = execute(
            derived_schema(),
            parse(query),
            root_value=QueryRoot(sim),
            variable_values=variables,
            type_resolver=resolve_type,
        )
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [_error(e) for e in result.errors]
        return JSONResponse(body)

    # -- REST -------------------------------------------------------------------------------
    def get_user(self, request: Request, _: Any) -> Response:
        if "ghs_" in request.headers.get("authorization", ""):
            return JSONResponse({"message": "Resource not accessible by integration"}, 403)
        return self._etagged(request, {"login": self.bot_login, "id": 1, "type": "User"})

    def get_rate_limit(self, request: Request, _: Any) -> Response:
        return JSONResponse({"resources": {"core": {"remaining": self.rate_remaining}}})

    def get_app(self, request: Request, _: Any) -> Response:
        return JSONResponse({"slug": self.app_slug, "id": 42})

    def get_installation(self, request: Request, _: Any) -> Response:
        return JSONResponse({"id": 7})

    def post_access_token(self, request: Request, _: Any) -> Response:
        expires = iso(now() + timedelta(hours=1))
        return JSONResponse({"token": INSTALLATION_TOKEN, "expires_at": expires}, 201)

    def _repo(self, request: Request) -> str:
        return f"{request.path_params['owner']}/{request.path_params['repo']}"

    def comments(self, request: Request, payload: Any) -> Response:
        repo = self._repo(request)
        number = request.path_params["number"]
        issue = self.world.get(f"{repo}#{number}")
        if issue is None:
            return JSONResponse({"message": "Not Found"}, 404)
        if request.method == "POST":
            body = str((payload or {}).get("body", ""))
            c = self.world.comment(repo, number, body, self._actor(request))
            self.world.touch(issue)
            return JSONResponse(_comment_json(c), 201)
        all_comments = self.world.comments_of(repo, number)
        per_page = int(request.query_params.get("per_page", 30))
        page = int(request.query_params.get("page", 1))
        chunk = all_comments[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(all_comments):
            nxt = (
                f"{self.api_url}/repos/{repo}/issues/{number}/comments"
                f"?per_page={per_page}&page={page + 1}"
            )
            headers["link"] = f'<{nxt}>; rel="next"'
        return self._etagged(request, [_comment_json(c) for c in chunk], headers)

    def issues(self, request: Request, payload: Any) -> Response:
        """``GET /repos/{o}/{r}/issues`` (open or all, label filter, oldest first, paged) and
        ``POST`` to create; only the fields the adapter reads from the spec's issue object."""
        repo = self._repo(request)
        if request.method == "POST":
            title = str((payload or {}).get("title") or "")
            if not title:
                return JSONResponse({"message": "Validation Failed"}, 422)
            issue = self.world.issue(
                repo,
                title,
                body=str(payload.get("body") or ""),
                labels=[str(n) for n in payload.get("labels") or []],
                author=self._actor(request),
            )
            return JSONResponse(self._issue_json(issue), 201)
        wanted = [n for n in request.query_params.get("labels", "").split(",") if n]
        state = request.query_params.get("state", "open")
        found = [
            i
            for i in sorted(self.world.repo(repo).issues.values(), key=lambda i: i.number)
            if (state == "all" or i.state.lower() == state) and all(n in i.labels for n in wanted)
        ]
        if request.query_params.get("direction", "desc") == "desc":
            found.reverse()
        per_page = int(request.query_params.get("per_page", 30))
        page = int(request.query_params.get("page", 1))
        chunk = found[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(found):
            query = dict(request.query_params) | {"page": str(page + 1)}
            nxt = f"{self.api_url}/repos/{repo}/issues?" + "&".join(
                f"{k}={v}" for k, v in query.items()
            )
            headers["link"] = f'<{nxt}>; rel="next"'
        return self._etagged(request, [self._issue_json(i) for i in chunk], headers)

    def edit_issue(self, request: Request, payload: Any) -> Response:
        issue = self.world.get(f"{self._repo(request)}#{request.path_params['number']}")
        if issue is None:
            return JSONResponse({"message": "Not Found"}, 404)
        for name in ("title", "body"):
            if name in (payload or {}):
                setattr(issue, name, str(payload[name]))
        self.world.touch(issue)
        return JSONResponse(self._issue_json(issue))

    def _issue_json(self, issue: Any) -> dict[str, Any]:
        web = self.api_url.rsplit("/api", 1)[0]
        return {
            "id": issue.id,
            "number": issue.number,
            "title": issue.title,
            "body": issue.body,
            "state": issue.state.lower(),
            "labels": [{"name": n} for n in issue.labels],
            "html_url": f"{web}/{issue.repo}/issues/{issue.number}",
            "user": {"login": issue.author},
        }

    def comment(self, request: Request, payload: Any) -> Response:
        c = self.world.comments.get(request.path_params["cid"])
        if c is None or c.repo != self._repo(request):
            return JSONResponse({"message": "Not Found"}, 404)
        issue = self.world.get(f"{c.repo}#{c.number}")
        if request.method == "DELETE":
            self.world.delete_comment(c.id)
            if issue:
                self.world.touch(issue)
            return Response(status_code=204)
        c.body = str((payload or {}).get("body", ""))
        c.updated_at = now()
        if issue:
            self.world.touch(issue)
        return JSONResponse(_comment_json(c))

    def add_labels(self, request: Request, payload: Any) -> Response:
        repo = self.world.repo(self._repo(request))
        issue = repo.issues.get(request.path_params["number"])
        if issue is None:
            return JSONResponse({"message": "Not Found"}, 404)
        for name in (payload or {}).get("labels", []):
            repo.labels.setdefault(name, Label(name))  # GitHub auto-creates, grey
            if name not in issue.labels:
                issue.labels.append(name)
        self.world.touch(issue)
        return JSONResponse([{"name": n} for n in issue.labels])

    def remove_label(self, request: Request, _: Any) -> Response:
        repo = self.world.repo(self._repo(request))
        issue = repo.issues.get(request.path_params["number"])
        name = unquote(request.path_params["name"])
        if issue is None or name not in issue.labels:
            return JSONResponse({"message": "Label does not exist"}, 404)
        issue.labels.remove(name)
        self.world.touch(issue)
        return JSONResponse([{"name": n} for n in issue.labels])

    def get_label(self, request: Request, _: Any) -> Response:
        repo = self.world.repo(self._repo(request))
        found = repo.labels.get(unquote(request.path_params["name"]))
        if found is None:
            return JSONResponse({"message": "Not Found"}, 404)
        return self._etagged(
            request, {"name": found.name, "color": found.color, "description": found.description}
        )

    def create_label(self, request: Request, payload: Any) -> Response:
        repo = self.world.repo(self._repo(request))
        name = str((payload or {}).get("name", ""))
        if name in repo.labels:
            return JSONResponse(
                {"message": "Validation Failed", "errors": [{"code": "already_exists"}]}, 422
            )
        repo.labels[name] = Label(
            name, str(payload.get("color", "ededed")), str(payload.get("description", ""))
        )
        return JSONResponse({"name": name}, 201)

    def post_status(self, request: Request, payload: Any) -> Response:
        state = str((payload or {}).get("state", ""))
        if state not in ("error", "failure", "pending", "success"):
            return JSONResponse({"message": "Validation Failed"}, 422)
        context = str(payload.get("context") or "default")
        key = (self._repo(request), request.path_params["sha"])
        self.world.statuses.setdefault(key, {})[context] = {
            "state": state.upper(),
            "description": payload.get("description"),
            "target_url": payload.get("target_url"),
        }
        return JSONResponse({"state": state, "context": context}, 201)

    # -- helpers ----------------------------------------------------------------------------
    def _actor(self, request: Request) -> str:
        if "ghs_" in request.headers.get("authorization", ""):
            return f"{self.app_slug}[bot]"
        return self.bot_login

    def _etagged(
        self, request: Request, data: Any, headers: dict[str, str] | None = None
    ) -> Response:
        raw = json.dumps(data, sort_keys=True).encode()
        etag = 'W/"' + hashlib.sha1(raw).hexdigest() + '"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"etag": etag})
        return JSONResponse(data, headers={"etag": etag, **(headers or {})})


def _comment_json(c: Any) -> dict[str, Any]:
    return {
        "id": c.id,
        "body": c.body,
        "user": {"login": c.author},
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
    }


def _error(error: GraphQLError) -> dict[str, Any]:
    out: dict[str, Any] = {"message": error.message, "path": error.path}
    if isinstance(error.original_error, NotFound):
        out["type"] = "NOT_FOUND"
    return out
