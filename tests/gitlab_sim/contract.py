"""The GitLab request contract the adapter relies on, as data, and the check of every request.

No official machine-readable GitLab spec is in ``/work/shared/reference/specs/`` (GitLab
publishes its REST API as prose pages and an incomplete OpenAPI v2 file for a handful of
endpoints; its GraphQL schema is introspectable on a live instance only). So the contract is
written here from GitLab's REST and GraphQL reference facts, and only for what trackerguard
sends (decision 0011):

* :data:`REST`: each endpoint (method and path template), the query parameters it takes with
  their allowed values, and the JSON body keys (required / allowed). Offset pagination:
  ``page`` ≥ 1, ``per_page`` 1–100 (GitLab caps it at 100); the answer names the next page in
  ``X-Next-Page`` (empty on the last page) and sends ``X-Total``/``X-Total-Pages`` only up to
  10,000 rows.
* :data:`GRAPHQL_SDL`: the subset of GitLab's GraphQL schema the adapter queries (work items
  by ``iids``, the hierarchy and status widgets), with GitLab's nullability; the status
  widget's ``category`` exists since 18.1, the widget itself since 17.11 (Premium).
* transport: the token goes in the ``PRIVATE-TOKEN`` header, never as ``private_token`` in a
  URL; a request with a body says ``Content-Type: application/json``.

:func:`check_request` returns the ways a request breaks the contract, :func:`check_response`
the ways a simulated list answer promises more than GitLab (or omits its pagination
headers); the simulator records
them in ``violations`` and refuses to stop quietly while any is there, so a test whose
adapter sends an undocumented parameter, a label-set replace, or a query GitLab's schema
rejects fails.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graphql import GraphQLSchema, build_schema, parse, validate

_INT = re.compile(r"^[0-9]+$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_ANY = re.compile(r"^.*$", re.S)


@dataclass(frozen=True)
class Param:
    """A query parameter: a pattern its value must match, or a closed set of values."""

    pattern: re.Pattern[str] = _ANY
    values: frozenset[str] = frozenset()
    repeatable: bool = False

    def problem(self, value: str) -> str | None:
        if self.values and value not in self.values:
            return f"not one of {sorted(self.values)}"
        if not self.pattern.match(value):
            return f"does not match {self.pattern.pattern}"
        return None


def _range(low: int, high: int) -> Param:
    return Param(re.compile("^(" + "|".join(str(n) for n in range(low, high + 1)) + ")$"))


PAGE = {"page": Param(re.compile(r"^[1-9][0-9]*$")), "per_page": _range(1, 100)}
ISSUE_STATES = frozenset({"opened", "closed", "all"})
ISSUE_ORDER = frozenset(
    {
        "created_at",
        "updated_at",
        "closed_at",
        "due_date",
        "label_priority",
        "milestone_due",
        "popularity",
        "priority",
        "relative_position",
        "title",
        "weight",
    }
)
SORT = frozenset({"asc", "desc"})
ISSUE_LIST = {
    **PAGE,
    "state": Param(values=ISSUE_STATES),
    "order_by": Param(values=ISSUE_ORDER),
    "sort": Param(values=SORT),
    "iids[]": Param(_INT, repeatable=True),
    "updated_after": Param(_ISO),
    "updated_before": Param(_ISO),
    "created_after": Param(_ISO),
    "created_before": Param(_ISO),
    "due_date": Param(),
    # Filters a team may pass through --query (GitLab's documented issue-list filters).
    "labels": Param(),
    "not[labels]": Param(),
    "milestone": Param(),
    "milestone_id": Param(),
    "iteration_id": Param(),
    "iteration_title": Param(),
    "assignee_id": Param(),
    "assignee_username": Param(),
    "author_id": Param(),
    "author_username": Param(),
    "confidential": Param(values=frozenset({"true", "false"})),
    "issue_type": Param(values=frozenset({"issue", "incident", "test_case", "task"})),
    "epic_id": Param(),
    "health_status": Param(),
    "my_reaction_emoji": Param(),
    "search": Param(),
    "in": Param(),
    "scope": Param(values=frozenset({"created_by_me", "assigned_to_me", "all"})),
    "weight": Param(),
    "with_labels_details": Param(values=frozenset({"true", "false"})),
}
NOTES_LIST = {
    **PAGE,
    "sort": Param(values=SORT),
    "order_by": Param(values=frozenset({"created_at", "updated_at"})),
}
EPIC_LIST = {
    **PAGE,
    "iids[]": Param(_INT, repeatable=True),
    "state": Param(values=frozenset({"opened", "closed", "all"})),
    "order_by": Param(values=frozenset({"created_at", "updated_at", "title"})),
    "sort": Param(values=SORT),
    "labels": Param(),
    "updated_after": Param(_ISO),
}


@dataclass(frozen=True)
class Endpoint:
    """One REST endpoint as the adapter uses it (``{id}`` a project/group id or encoded path)."""

    method: str
    template: str
    params: Mapping[str, Param] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    """JSON body keys that must be there (and not empty)."""
    allowed: frozenset[str] = frozenset()
    """JSON body keys GitLab takes on this endpoint (a key outside is a contract break)."""
    never: Mapping[str, str] = field(default_factory=dict)
    """Body keys GitLab takes but the adapter must not send, and why."""
    paged: bool = False
    """An offset-paginated list: its answer carries the pagination headers."""

    @property
    def pattern(self) -> re.Pattern[str]:
        parts = re.escape(self.template)
        parts = parts.replace(r"\{id\}", r"[^/]+").replace(r"\{n\}", r"[0-9]+")
        return re.compile(f"^{parts}$")


REST: tuple[Endpoint, ...] = (
    Endpoint("GET", "/user"),
    Endpoint("GET", "/projects/{id}/issues", ISSUE_LIST, paged=True),
    Endpoint("GET", "/groups/{id}/issues", ISSUE_LIST, paged=True),
    Endpoint(
        "POST",
        "/projects/{id}/issues",
        required=frozenset({"title"}),
        allowed=frozenset(
            {"title", "description", "labels", "assignee_ids", "milestone_id", "due_date"}
        ),
    ),
    Endpoint(
        "PUT",
        "/projects/{id}/issues/{n}",
        allowed=frozenset({"add_labels", "remove_labels", "title", "description", "labels"}),
        never={"labels": "replaces the whole label set (races with people editing it)"},
    ),
    Endpoint("GET", "/projects/{id}/issues/{n}/notes", NOTES_LIST, paged=True),
    Endpoint(
        "POST",
        "/projects/{id}/issues/{n}/notes",
        required=frozenset({"body"}),
        allowed=frozenset({"body", "internal", "created_at"}),
    ),
    Endpoint(
        "PUT",
        "/projects/{id}/issues/{n}/notes/{n}",
        required=frozenset({"body"}),
        allowed=frozenset({"body", "confidential"}),
    ),
    Endpoint("DELETE", "/projects/{id}/issues/{n}/notes/{n}"),
    Endpoint("GET", "/projects/{id}/issues/{n}/links"),
    Endpoint("GET", "/groups/{id}/epics", EPIC_LIST, paged=True),
    Endpoint("GET", "/groups/{id}/epics/{n}/issues", PAGE, paged=True),
)
TOTALS_UP_TO = 10_000
"""GitLab sends ``X-Total``/``X-Total-Pages`` only for lists of at most this many rows."""
PAGE_HEADERS = ("x-next-page", "x-page", "x-per-page", "x-prev-page")
NOTE_BODY_LIMIT = 1_000_000
"""GitLab refuses note bodies over 1,000,000 characters."""

GRAPHQL_SDL = """
type Query {
  project(fullPath: ID!): Project
  group(fullPath: ID!): Group
}
type Project {
  id: ID!
  fullPath: ID!
  workItems(iid: String, iids: [String!], first: Int, after: String): WorkItemConnection
}
type Group {
  id: ID!
  fullPath: ID!
  workItems(iid: String, iids: [String!], first: Int, after: String): WorkItemConnection
}
type PageInfo {
  hasNextPage: Boolean!
  endCursor: String
}
type WorkItemConnection {
  count: Int!
  nodes: [WorkItem]
  pageInfo: PageInfo!
}
type WorkItemType {
  id: ID!
  name: String!
}
type Namespace {
  id: ID!
  fullPath: ID!
}
type WorkItem {
  id: ID!
  iid: String!
  title: String!
  state: WorkItemState!
  workItemType: WorkItemType!
  namespace: Namespace
  widgets: [WorkItemWidget!]
}
enum WorkItemState { OPEN CLOSED }
enum WorkItemWidgetType { HIERARCHY STATUS MILESTONE ITERATION START_AND_DUE_DATE LABELS }
interface WorkItemWidget {
  type: WorkItemWidgetType
}
type WorkItemWidgetHierarchy implements WorkItemWidget {
  type: WorkItemWidgetType
  hasChildren: Boolean!
  parent: WorkItem
  children(first: Int, after: String): WorkItemConnection
}
type WorkItemWidgetLabels implements WorkItemWidget {
  type: WorkItemWidgetType
}
type WorkItemWidgetStatus implements WorkItemWidget {
  type: WorkItemWidgetType
  status: WorkItemStatus
}
type WorkItemStatus {
  id: ID
  name: String
  iconName: String
  color: String
  position: Int
  description: String
  category: WorkItemStatusCategoryEnum
}
enum WorkItemStatusCategoryEnum { TRIAGE TO_DO IN_PROGRESS DONE CANCELED CANCELLED }
"""
"""GitLab 18.x (Premium): the types and fields of its GraphQL schema the adapter may query."""

_WITHOUT_CATEGORY = "  category: WorkItemStatusCategoryEnum\n"
_STATUS_TYPES = re.compile(
    r"type WorkItemWidgetStatus implements WorkItemWidget \{.*?\n\}\ntype WorkItemStatus \{.*?\n\}\n",
    re.S,
)


@cache
def schema(version: str = "18") -> GraphQLSchema:
    """The contract schema as a server of ``version`` has it: ``"18"`` (18.1+, the status
    widget with ``category``), ``"17.11"`` (the widget without ``category``), ``"free"``
    (no status widget type at all: GitLab Free, or older than 17.11)."""
    sdl = GRAPHQL_SDL
    if version == "17.11":
        sdl = sdl.replace(_WITHOUT_CATEGORY, "")
    elif version == "free":
        sdl = _STATUS_TYPES.sub("", sdl)
    return build_schema(sdl)


def graphql_problems(query: str, version: str = "18") -> list[str]:
    """GraphQL validation errors of ``query`` against :func:`schema` (empty when valid)."""
    try:
        document = parse(query)
    except Exception as exc:  # graphql.GraphQLSyntaxError
        return [f"syntax: {exc}"]
    return [error.message for error in validate(schema(version), document)]


def check_request(
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    body: Any,
) -> list[str]:
    """Every way one request (``path`` under ``/api/v4`` or ``/api/graphql``) breaks the
    contract. ``headers`` are lower-cased names."""
    shown = f"{method} {path}"
    problems: list[str] = []
    if any(name == "private_token" for name, _ in query):
        problems.append(f"{shown}: token in the query string (use the PRIVATE-TOKEN header)")
    if body is not None and "application/json" not in headers.get("content-type", ""):
        problems.append(f"{shown}: a JSON body without Content-Type: application/json")
    if path == "/api/graphql":
        if method != "POST" or not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return [*problems, f"{shown}: GraphQL is a POST of {{query, variables}}"]
        unknown = set(body) - {"query", "variables", "operationName"}
        if unknown:
            problems.append(f"{shown}: unknown GraphQL body keys {sorted(unknown)}")
        problems += [f"{shown}: schema: {p}" for p in graphql_problems(body["query"])]
        return problems
    endpoint = _endpoint(method, path)
    if endpoint is None:
        return [*problems, f"{shown}: not an endpoint of the contract"]
    seen: dict[str, int] = {}
    for name, value in query:
        seen[name] = seen.get(name, 0) + 1
        param = endpoint.params.get(name)
        if param is None:
            problems.append(f"{shown}: undocumented query parameter {name!r}")
            continue
        if seen[name] > 1 and not param.repeatable:
            problems.append(f"{shown}: query parameter {name!r} given twice")
        why = param.problem(value)
        if why:
            problems.append(f"{shown}: {name}={value!r} {why}")
    if method in ("POST", "PUT"):
        fields = body if isinstance(body, dict) else {}
        if body is not None and not isinstance(body, dict):
            problems.append(f"{shown}: the body is not a JSON object")
        for key in sorted(endpoint.required):
            if not str(fields.get(key) or ""):
                problems.append(f"{shown}: body key {key!r} is required")
        for key in sorted(set(fields) - endpoint.allowed):
            problems.append(f"{shown}: body key {key!r} is not taken by this endpoint")
        for key, why in endpoint.never.items():
            if key in fields:
                problems.append(f"{shown}: body key {key!r} {why}")
        if "body" in endpoint.required and len(str(fields.get("body") or "")) > NOTE_BODY_LIMIT:
            problems.append(f"{shown}: note body over {NOTE_BODY_LIMIT:,} characters")
    elif body is not None:
        problems.append(f"{shown}: a {method} with a body")
    return problems


def _endpoint(method: str, path: str) -> Endpoint | None:
    rest = path.removeprefix("/api/v4")
    return next((e for e in REST if e.method == method and e.pattern.match(rest)), None)


def check_response(
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    status: int,
    headers: Mapping[str, str],
    body: Any,
) -> list[str]:
    """Ways a simulated answer to a paged list promises what GitLab does not (or omits what
    it always sends): the pagination headers, a page no longer than ``per_page`` (20 when
    unset), totals only where GitLab sends them. ``headers`` are lower-cased names."""
    endpoint = _endpoint(method, path)
    if endpoint is None or not endpoint.paged or status != 200:
        return []
    shown = f"answer to {method} {path}"
    problems = [f"{shown}: no {name} header" for name in PAGE_HEADERS if name not in headers]
    asked = dict(query).get("per_page", "20")
    limit = min(int(asked), 100) if asked.isdigit() else 20
    if not isinstance(body, list):
        problems.append(f"{shown}: a list endpoint answered with a {type(body).__name__}")
    elif len(body) > limit:
        problems.append(f"{shown}: {len(body)} rows on a page of {limit}")
    total = headers.get("x-total")
    if total is not None and (not total.isdigit() or int(total) > TOTALS_UP_TO):
        problems.append(f"{shown}: X-Total {total!r} (GitLab omits it above {TOTALS_UP_TO:,})")
    following = headers.get("x-next-page", "")
    if following and not _INT.match(following):
        problems.append(f"{shown}: X-Next-Page {following!r} is not a page number")
    return problems
