"""A stateful Linear simulator over real HTTP on 127.0.0.1 (Starlette + uvicorn in a thread).

One endpoint, ``POST /graphql``, like Linear's. Every document it receives is validated
against the shared Linear schema (``schema.py``); problems are collected in
:attr:`LinearSimulator.invalid_queries` (tests fail on any) and answered like Linear does
(HTTP 400, ``GRAPHQL_VALIDATION_FAILED``). Queries and mutations then run with graphql-core
over the world (``resolvers.py``). Authentication is Linear's: ``Authorization: <api key>``
without ``Bearer``; a wrong key gets HTTP 400 with ``AUTHENTICATION_ERROR``. Faults are
injected on demand: ``ratelimited`` (HTTP 400 + ``RATELIMITED`` + ``X-RateLimit-*`` reset
headers in epoch ms), ``429`` (+ ``Retry-After``), ``5xx``, ``error200`` (HTTP 200 with an
``errors`` list and no data). Requests are counted as ``read`` / ``write`` / ``total``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import uvicorn
from graphql import OperationDefinitionNode, OperationType, execute, parse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..sim_support import ThreadedServer
from .resolvers import Ctx, ListingFault, Root
from .schema import shared_schema, validate_document
from .state import World

API_KEY = "lin_api_simulatedKEY0123456789abcdef"
BOT_ID = "bot-user-0001"


@dataclass
class Fault:
    """Answer the next ``count`` matching requests with an error."""

    kind: str  # "ratelimited" | "429" | "5xx" | "error200"
    count: int = 1
    on: str = "any"  # "any" | "read" | "write"
    reset_in: float = 0.2


class LinearSimulator(ThreadedServer):
    """Owns the world, the HTTP server thread, faults and counters."""

    def __init__(self, *, bot_id: str = BOT_ID, strict: bool = True) -> None:
        self.strict = strict
        """Spec minimum (the default in tests): root listings answer at most
        ``resolvers.SHORT_PAGE`` nodes per page, cursors are opaque. ``strict=False`` fills
        pages up to ``first`` (benchmarks)."""
        self.world = World()
        self.world.user("trackerguard", bot_id)
        self.bot_id = bot_id
        self.faults: list[Fault] = []
        self.listing_fault: ListingFault | None = None
        self.counts: Counter[str] = Counter()
        self.queries: list[str] = []
        self.invalid_queries: list[tuple[str, list[str]]] = []
        self.mutations: list[str] = []
        self.auth_headers: list[str] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self.app = Starlette(routes=[Route("/graphql", self.graphql, methods=["POST"])])

    def start(self) -> LinearSimulator:
        shared_schema()
        self._serve(self.app, "Linear")
        return self

    @property
    def api_url(self) -> str:
        return self.url + "/graphql"

    def reset_counts(self) -> None:
        self.counts.clear()
        self.mutations.clear()

    # -- the endpoint -------------------------------------------------------------------------
    async def graphql(self, request: Request) -> Response:
        raw = await request.body()
        self.auth_headers.append(request.headers.get("authorization", ""))
        try:
            payload = json.loads(raw)
            query = str(payload["query"])
            variables = payload.get("variables") or {}
        except (ValueError, KeyError, TypeError):
            return _errors(400, "Bad request", "BAD_USER_INPUT")
        kind = _kind(query)
        self.counts[kind] += 1
        self.counts["total"] += 1
        self.queries.append(query)
        fault = self._fault(kind)
        if fault is not None:
            return fault
        if request.headers.get("authorization", "") != API_KEY:
            return _errors(
                400, "Authentication required, not authenticated", "AUTHENTICATION_ERROR"
            )
        problems = validate_document(query)
        if problems:
            self.invalid_queries.append((query, problems))
            return JSONResponse(
                {
                    "errors": [
                        {"message": p, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}
                        for p in problems
                    ]
                },
                400,
            )
        with self.world.lock:
            root = Root(Ctx(self.world, self.bot_id, self.listing_fault, self.strict))
            result = execute(shared_schema(), parse(query), root, variable_values=variables)
            self.mutations.extend(root.writes)
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [
                {
                    "message": e.message,
                    "path": e.path,
                    "extensions": e.extensions or {"code": "INTERNAL_SERVER_ERROR"},
                }
                for e in result.errors
            ]
        return JSONResponse(body, headers=self._rate_headers())

    def _rate_headers(self) -> dict[str, str]:
        reset = str(int((time.time() + 3600) * 1000))
        return {
            "x-ratelimit-requests-limit": "5000",
            "x-ratelimit-requests-remaining": "4999",
            "x-ratelimit-requests-reset": reset,
            "x-complexity": "100",
        }

    def _fault(self, kind: str) -> Response | None:
        for fault in self.faults:
            if fault.count > 0 and fault.on in ("any", kind):
                fault.count -= 1
                self.counts[f"fault_{fault.kind}"] += 1
                reset = str(int((time.time() + fault.reset_in) * 1000))
                if fault.kind == "ratelimited":
                    response = _errors(400, "Rate limit exceeded", "RATELIMITED")
                    response.headers["x-ratelimit-requests-remaining"] = "0"
                    response.headers["x-ratelimit-requests-reset"] = reset
                    response.headers["x-ratelimit-complexity-remaining"] = "100000"
                    response.headers["x-ratelimit-complexity-reset"] = str(
                        int((time.time() + 3600) * 1000)
                    )
                    return response
                if fault.kind == "429":
                    return JSONResponse(
                        {"error": "Too many requests"}, 429, headers={"retry-after": "0"}
                    )
                if fault.kind == "error200":
                    return JSONResponse(
                        {
                            "data": None,
                            "errors": [
                                {"message": "Internal error", "extensions": {"code": "INTERNAL"}}
                            ],
                        }
                    )
                return Response("upstream error", 502)
        return None


def _kind(query: str) -> str:
    try:
        document = parse(query)
    except Exception:
        return "read"
    for definition in document.definitions:
        if (
            isinstance(definition, OperationDefinitionNode)
            and definition.operation == OperationType.MUTATION
        ):
            return "write"
    return "read"


def _errors(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code, "type": code.lower()}}]},
        status,
    )
