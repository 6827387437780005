"""The GitLab adapter: issues, tasks, epics, milestones and notes over REST v4 (httpx).

Reading costs, per scanned project (or group) and per page of 100 issues:

* one ``GET .../issues`` (open issues, then recently closed ones);
* one GraphQL request for the page's work item widgets: the parents from the hierarchy (a
  task's parent issue, an issue's parent epic) and the *Status* widget (GitLab 18.x,
  Premium); ``[gitlab] hierarchy = false`` keeps only the REST ``epic`` field as parent,
  ``work_item_status = false`` only the scoped labels as status, both skip the request. A
  server whose schema lacks the status widget (Free, before 17.11) or its ``category``
  (before 18.1) refuses the query once; the adapter then asks for less for the rest of the
  run (status name only, then no status);
* one ``GET .../notes`` per issue **that has user notes** (``user_notes_count > 0``): an
  issue without notes cannot hold trackerguard's note, and one that has notes must be read,
  or the planner would post a second note;
* one ``GET .../links`` per open, parentless work item **only when** ``[graph]
  goal_link_types`` names a GitLab link type (``relates to``, ``blocks``, ``is blocked by``).
  None does by default, so links cost nothing unless a team opts in (GitLab Free has only
  ``relates_to``; counting it means one request per parentless work item).

Goals outside the scan are read in batch: issues by ``iids[]`` per project, epics by
``iids[]`` per group. Acting: one note per issue (``<!-- trackerguard -->`` marker), labels by
``add_labels``/``remove_labels`` (never a read-modify-write of the label set), and "blocked"
is the scoped label ``[gitlab] blocked_label``. Epics are read-only goals.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from trackerguard.adapter import (
    MARKER,
    Action,
    AdapterContext,
    ScanRequest,
    SummaryIssue,
    TrackerAdapter,
    TrackerSettings,
    WebhookEvent,
)
from trackerguard.bot_comments import create_once
from trackerguard.cross_tracker import path_under
from trackerguard.errors import DATA_ERRORS, AuthError, ConfigError, RateLimited, TrackerError
from trackerguard.model import BotState, Link, StatusCategory, WorkItem
from trackerguard.service.signatures import verify_gitlab

from .client import GitLabClient, Politeness, enc
from .convert import (
    LINK_TYPES,
    Converter,
    WidgetStatus,
    convert_links,
    issue_key,
    parse_time,
    split_epic_key,
    split_issue_key,
)
from .settings import GitLabSettings
from .webhooks import EPIC_ISSUES, GitLabScope, parse_webhook

log = logging.getLogger("trackerguard.gitlab")

_BATCH = 100
STATUS_SELECTIONS = ("status { name category }", "status { name }")
"""What the Status widget is asked for, newest server first (``category`` since 18.1)."""
STATUS_CATEGORIES = {
    "TRIAGE": StatusCategory.TODO,
    "TO_DO": StatusCategory.TODO,
    "IN_PROGRESS": StatusCategory.IN_PROGRESS,
    "DONE": StatusCategory.DONE,
    "CANCELED": StatusCategory.CANCELLED,
    "CANCELLED": StatusCategory.CANCELLED,
}
"""``WorkItemStatusCategoryEnum`` → status category (``CANCELLED`` is the pre-18.2 name)."""


def page_query(hierarchy: bool, status: str | None) -> str:
    """The one GraphQL document per page of issues: the widgets asked for, nothing more."""
    widgets = []
    if hierarchy:
        widgets.append(
            "... on WorkItemWidgetHierarchy "
            "{ parent { iid workItemType { name } namespace { fullPath } } }"
        )
    if status:
        widgets.append(f"... on WorkItemWidgetStatus {{ {status} }}")
    selection = "\n          ".join(widgets)
    return f"""
query trackerguardPage($fullPath: ID!, $iids: [String!]) {{
  project(fullPath: $fullPath) {{
    workItems(iids: $iids, first: 100) {{
      nodes {{
        iid
        widgets {{
          {selection}
        }}
      }}
    }}
  }}
}}
"""


CHILDREN_QUERY = """
query trackerguardChildren($fullPath: ID!, $iids: [String!]) {
  project(fullPath: $fullPath) {
    workItems(iids: $iids, first: 100) {
      nodes {
        iid
        widgets {
          ... on WorkItemWidgetHierarchy {
            children(first: 100) { nodes { iid workItemType { name } namespace { fullPath } } }
          }
        }
      }
    }
  }
}
"""


def _ref(node: Mapping[str, Any] | None) -> str | None:
    """A hierarchy node (``iid``, type, namespace) → its trackerguard key."""
    if not node or node.get("iid") is None:
        return None
    path = ((node.get("namespace") or {}).get("fullPath")) or ""
    if not path:
        return None
    kind = str(((node.get("workItemType") or {}).get("name")) or "")
    sep = "&" if kind.casefold() == "epic" else "#"
    return f"{path}{sep}{node['iid']}"


def _widgets(node: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [w for w in node.get("widgets") or [] if isinstance(w, dict)]


def _widget_status(widget: Mapping[str, Any]) -> WidgetStatus | None:
    """The Status widget's (name, category) when a status is set; None otherwise (another
    widget, ``status: null``, or a status without a name)."""
    status = widget.get("status")
    if not isinstance(status, dict):
        return None
    name = str(status.get("name") or "").strip()
    if not name:
        return None
    return name, STATUS_CATEGORIES.get(str(status.get("category") or "").upper())


class SourceNotFound(TrackerError):
    """A configured project or group is missing or hidden from the token."""


_GITLAB_URL_ISSUE = re.compile(
    r"^/([\w.-]+(?:/[\w.-]+)+)/-/(?:issues|work_items)/([0-9]+)(?:[/?#]|$)"
)
_GITLAB_URL_EPIC = re.compile(r"^/groups/([\w.-]+(?:/[\w.-]+)*)/-/epics/([0-9]+)(?:[/?#]|$)")


class GitLabAdapter(TrackerAdapter):
    """Reads and acts on GitLab issues of the configured projects and groups."""

    name: ClassVar[str] = "gitlab"
    Settings: ClassVar[type[TrackerSettings]] = GitLabSettings
    description_format: ClassVar[str] = "markdown"
    supports_webhooks: ClassVar[bool] = True

    def __init__(
        self, settings: TrackerSettings, context: AdapterContext, **client_options: Any
    ) -> None:
        super().__init__(settings, context)
        assert isinstance(settings, GitLabSettings)
        self.cfg: GitLabSettings = settings
        self.web_url = settings.url.rstrip("/")
        self.notes: list[str] = []
        self.bot_username: str | None = settings.bot_username or None
        self.hierarchy = settings.hierarchy
        self._status_selections = list(STATUS_SELECTIONS if settings.work_item_status else ())
        """What is still worth asking of the Status widget (shrinks when the server refuses)."""
        self._client_options = client_options
        self._client: GitLabClient | None = None
        self._converter: Converter | None = None
        self._identified = False
        self._epics_available = settings.epic_source == "epics"

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def client(self) -> GitLabClient:
        if self._client is None:
            cfg = self.cfg
            self._client = GitLabClient(
                cfg.url,
                cfg.token.get_secret_value() if cfg.token is not None else None,
                self.context.requests,
                Politeness(
                    request_budget=cfg.request_budget,
                    max_retries=cfg.max_retries,
                    backoff=cfg.backoff,
                    max_wait=cfg.max_wait,
                    timeout=cfg.timeout,
                ),
                **self._client_options,
            )
        return self._client

    @property
    def converter(self) -> Converter:
        if self._converter is None:
            self._converter = Converter(
                tracker=self.name,
                web_url=self.web_url,
                levels=self.context.levels,
                statuses=self.context.statuses,
                default_level=self.context.levels.resolve_default(
                    self.cfg.default_level, "gitlab.default_level"
                ),
                blocked_label=self.cfg.blocked_label,
                bot_username=self.bot_username,
                cancelled_labels=frozenset(x.casefold() for x in self.cfg.cancelled_labels),
                status_scopes=tuple(x.casefold() for x in self.cfg.status_scopes),
                trackerguard_label=self.context.settings.actions.label,
            )
        return self._converter

    @property
    def _link_types_wanted(self) -> bool:
        wanted = {t.casefold() for t in self.context.settings.graph.goal_link_types}
        return any(k in wanted or v in wanted for k, v in LINK_TYPES.items())

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- connection -------------------------------------------------------------------------
    def check_connection(self) -> None:
        """Find out who trackerguard is (``GET /user``), which also proves the token."""
        if not self.cfg.projects and not self.cfg.groups:
            raise ConfigError("gitlab.projects: list at least one project (or gitlab.groups)")
        self.identify()

    def identify(self) -> str | None:
        if self._identified:
            return self.bot_username
        self._identified = True
        if self.cfg.token is None or not self.cfg.token.get_secret_value():
            self.notes.append("gitlab: no token configured; reading anonymously")
            return self.bot_username
        reply = self.client.rest("GET", "/user", ok=(200,))
        if self.bot_username is None and isinstance(reply.data, dict):
            username = reply.data.get("username")
            self.bot_username = str(username) if username else None
        if self.bot_username and self.context.state is not None and self.cfg.bot_username is None:
            # The webhook service parses deliveries before any tracker call: it finds the
            # bot's username here to ignore trackerguard's own writes.
            self.context.state.remember("gitlab", "bot_username", self.bot_username)
        self._converter = None
        return self.bot_username

    def ensure_identity(self) -> None:
        if self.identify() is not None:
            return
        raise ConfigError(
            "gitlab.bot_username: trackerguard cannot tell its own notes from other people's "
            "without knowing who it writes as; configure a token (TRACKERGUARD_GITLAB__TOKEN), "
            "whose user GET /user names, or set [gitlab] bot_username"
        )

    # -- reading ----------------------------------------------------------------------------
    def scan(self, request: ScanRequest) -> Iterator[WorkItem]:
        self.identify()
        if request.keys:
            yield from self.fetch_items(request.keys)
            return
        if request.query and request.query.startswith(EPIC_ISSUES):
            # The service's job for a changed group epic: re-judge the issues it holds.
            epic = request.query[len(EPIC_ISSUES) :]
            if split_epic_key(epic) is not None:
                yield from self.fetch_children([epic])
            return
        filters = parse_qsl(request.query or "", keep_blank_values=False)
        cutoff = datetime.now(UTC) - timedelta(days=self.cfg.closed_days)
        closed_since = max(cutoff, request.since) if request.since else cutoff
        sources = [("projects", p) for p in self.cfg.projects]
        sources += [("groups", g) for g in self.cfg.groups]
        seen: set[str] = set()
        for kind, source in sources:
            try:
                yield from self._source_issues(
                    kind, source, filters, request.since, closed_since, seen
                )
            except (AuthError, RateLimited):
                # Half a backlog would make verdicts wrong (a goal not read looks missing):
                # stop the run (exit 3) rather than judge on partial data.
                raise
            except SourceNotFound as exc:
                self.context.item_error(source, f"{source}: not scanned: {exc}")

    def _source_issues(
        self,
        kind: str,
        source: str,
        filters: list[tuple[str, str]],
        open_since: datetime | None,
        closed_since: datetime,
        seen: set[str],
    ) -> Iterator[WorkItem]:
        path = f"/{kind}/{enc(source)}/issues"
        states: list[tuple[str, datetime | None]] = [("opened", open_since)]
        if self.cfg.closed_days > 0:
            states.append(("closed", closed_since))
        for state, since in states:
            params = [("state", state), ("order_by", "updated_at"), ("sort", "desc"), *filters]
            if since is not None:
                params.append(("updated_after", _iso(since)))
            page: list[dict[str, Any]] = []
            ledger = self.context.ledger
            where = f"{source}: listing {state} issues"
            try:
                for index, issue in enumerate(
                    self.client.paginate(
                        path, params, per_page=self.cfg.page_size, ledger=ledger, where=where
                    )
                ):
                    if not isinstance(issue, dict) or not _readable_key(issue):
                        ident = issue.get("id") if isinstance(issue, dict) else None
                        ledger.problem(
                            f"not judged: {where}: GitLab returned entry {index + 1} without "
                            "a readable key (project and iid)",
                            item=str(ident) if ident else "(scan)",
                        )
                        continue
                    if state == "closed":
                        closed = parse_time(issue.get("closed_at"))
                        if closed is not None and closed < closed_since:
                            continue
                    key = issue_key(issue)
                    if key in seen:
                        continue
                    seen.add(key)
                    ledger.listed([key])
                    page.append(issue)
                    if len(page) >= self.cfg.page_size:
                        yield from self._convert_page(page)
                        page = []
            except TrackerError as exc:
                if exc.status in (403, 404) and not isinstance(exc, AuthError):
                    raise SourceNotFound(
                        f"{kind[:-1]} {source} not found or not accessible to the token",
                        status=exc.status,
                    ) from None
                raise
            yield from self._convert_page(page)

    def fetch_items(self, keys: Sequence[str]) -> list[WorkItem]:
        by_project: dict[str, list[int]] = defaultdict(list)
        by_group: dict[str, list[int]] = defaultdict(list)
        for key in dict.fromkeys(keys):
            issue = split_issue_key(key)
            epic = split_epic_key(key)
            if issue is not None:
                by_project[issue[0]].append(issue[1])
            elif epic is not None:
                by_group[epic[0]].append(epic[1])
        items: list[WorkItem] = []
        for project, iids in by_project.items():
            for start in range(0, len(iids), _BATCH):
                chunk = iids[start : start + _BATCH]
                params = [("iids[]", str(i)) for i in chunk] + [("state", "all")]
                try:
                    issues = list(self.client.paginate(f"/projects/{enc(project)}/issues", params))
                except (AuthError, RateLimited):
                    raise
                except TrackerError as exc:
                    if exc.status not in (403, 404):
                        raise
                    continue  # unknown project: its keys are simply absent
                items.extend(self._convert_page([i for i in issues if isinstance(i, dict)]))
        if by_group and self._epics_available:
            items.extend(self._fetch_epics(by_group))
        return items

    def _fetch_epics(self, by_group: Mapping[str, list[int]]) -> list[WorkItem]:
        items: list[WorkItem] = []
        for group, iids in by_group.items():
            for start in range(0, len(iids), _BATCH):
                params = [("iids[]", str(i)) for i in iids[start : start + _BATCH]]
                try:
                    epics = list(self.client.paginate(f"/groups/{enc(group)}/epics", params))
                except (AuthError, RateLimited):
                    raise
                except TrackerError as exc:
                    if exc.status == 403:
                        self._epics_available = False
                        self.notes.append(
                            "gitlab: epics are not available (Premium); epic parents stay "
                            'unresolved. Set [gitlab] epic_source = "labels" to stop asking.'
                        )
                        return items
                    if exc.status == 404:
                        continue
                    raise
                for epic in epics:
                    if not isinstance(epic, dict):
                        continue
                    try:
                        items.append(self.converter.convert_epic(epic, group))
                    except (KeyError, TypeError, ValueError) as exc:
                        self.context.item_error(
                            f"{group}&{epic.get('iid')}", f"could not read the epic: {exc}"
                        )
        return items

    def fetch_children(self, keys: Sequence[str]) -> list[WorkItem]:
        """Children from the work item hierarchy (issue goals) and epic issue lists."""
        children: list[str] = []
        by_project: dict[str, list[int]] = defaultdict(list)
        epics: list[tuple[str, int]] = []
        for key in dict.fromkeys(keys):
            issue = split_issue_key(key)
            epic = split_epic_key(key)
            if issue is not None:
                by_project[issue[0]].append(issue[1])
            elif epic is not None and self._epics_available:
                epics.append(epic)
        if self.hierarchy:
            for project, iids in by_project.items():
                for start in range(0, len(iids), _BATCH):
                    nodes = self._hierarchy(CHILDREN_QUERY, project, iids[start : start + _BATCH])
                    for node in nodes:
                        for widget in _widgets(node):
                            found = ((widget.get("children") or {}).get("nodes")) or []
                            children.extend(k for k in map(_ref, found) if k)
        items = self.fetch_items(children) if children else []
        for group, iid in epics:  # GitLab has no batch endpoint for the issues of many epics
            try:
                issues = list(self.client.paginate(f"/groups/{enc(group)}/epics/{iid}/issues"))
            except (AuthError, RateLimited):
                raise
            except TrackerError as exc:
                if exc.status not in (403, 404):
                    raise
                continue
            items.extend(self._convert_page([i for i in issues if isinstance(i, dict)]))
        return items

    def _hierarchy(self, query: str, project: str, iids: Sequence[int]) -> list[dict[str, Any]]:
        """Work item nodes of ``iids`` in ``project``; [] (and hierarchy off) if unsupported."""
        if not self.hierarchy or not iids:
            return []
        try:
            data = self.client.graphql(query, {"fullPath": project, "iids": [str(i) for i in iids]})
        except (AuthError, RateLimited):
            raise
        except TrackerError as exc:
            if exc.status is not None and exc.status >= 500:
                raise
            self.hierarchy = False
            self.notes.append(
                "gitlab: the work item hierarchy is not available on this server "
                f"({exc}); parents come from the REST epic field only"
            )
            return []
        project_node = data.get("project") or {}
        return [n for n in ((project_node.get("workItems") or {}).get("nodes") or []) if n]

    def _page_widgets(
        self, issues: Iterable[dict[str, Any]]
    ) -> tuple[dict[str, str], dict[str, WidgetStatus]]:
        """Parents and Status widgets of a page of issues: one GraphQL request per project."""
        by_project: dict[str, list[int]] = defaultdict(list)
        for issue in issues:
            parsed = split_issue_key(issue_key(issue))
            if parsed is not None:
                by_project[parsed[0]].append(parsed[1])
        parents: dict[str, str] = {}
        statuses: dict[str, WidgetStatus] = {}
        for project, iids in by_project.items():
            for node in self._page_nodes(project, iids):
                key = f"{project}#{node.get('iid')}"
                for widget in _widgets(node):
                    parent = _ref(widget.get("parent"))
                    if parent is not None:
                        parents[key] = parent
                    status = _widget_status(widget)
                    if status is not None:
                        statuses[key] = status
        return parents, statuses

    def _page_nodes(self, project: str, iids: Sequence[int]) -> list[dict[str, Any]]:
        """The page's work item nodes, asking only for what this server has: a query refused
        for the Status widget (its type or its ``category`` unknown) drops ``category``, then
        the widget; any other refusal means no work item API (hierarchy and status off)."""
        variables = {"fullPath": project, "iids": [str(i) for i in iids]}
        while iids:
            status = self._status_selections[0] if self._status_selections else None
            if not self.hierarchy and status is None:
                return []
            try:
                data = self.client.graphql(page_query(self.hierarchy, status), variables)
            except (AuthError, RateLimited):
                raise
            except TrackerError as exc:
                if exc.status is not None and exc.status >= 500:
                    raise
                about_status = any(
                    t in str(exc) for t in ("WorkItemWidgetStatus", "WorkItemStatus")
                )
                if status is None or not about_status:
                    # Not the Status widget: the server has no work item API at all.
                    self.hierarchy = False
                    self._status_selections.clear()
                    self.notes.append(
                        "gitlab: the work item hierarchy is not available on this server "
                        f"({exc}); parents come from the REST epic field only"
                    )
                    return []
                self._status_selections.pop(0)
                if self._status_selections:
                    self.notes.append(
                        "gitlab: the work item Status widget has no category on this server "
                        "(before 18.1); status names are mapped through [status]"
                    )
                else:
                    self.notes.append(
                        "gitlab: the work item Status widget is not available on this server "
                        "(GitLab Free, or before 17.11); statuses come from scoped labels "
                        "([gitlab] status_scopes). Set [gitlab] work_item_status = false to "
                        "stop asking."
                    )
                continue
            project_node = data.get("project") or {}
            nodes = (project_node.get("workItems") or {}).get("nodes") or []
            return [n for n in nodes if isinstance(n, dict)]
        return []

    def _convert_page(self, issues: list[dict[str, Any]]) -> list[WorkItem]:
        if not issues:
            return []
        converter = self.converter
        parents, statuses = self._page_widgets(issues)
        links_wanted = self._link_types_wanted
        items = []
        for issue in issues:
            key = issue_key(issue)
            try:
                notes = self._notes(key) if int(issue.get("user_notes_count") or 0) > 0 else []
                item = converter.convert_issue(
                    issue, notes, parents.get(key), widget_status=statuses.get(key)
                )
                if links_wanted and self._needs_links(item):
                    item = _with_links(item, self._links(key))
                items.append(item)
            except (AuthError, RateLimited):
                raise
            except DATA_ERRORS as exc:
                self.context.item_error(key, f"{key}: could not read the issue: {exc}")
        return items

    def _needs_links(self, item: WorkItem) -> bool:
        return (
            not item.is_closed and item.parent is None and self.context.levels.is_work(item.level)
        )

    def key_from_url(self, url: str) -> str | None:
        """``<url>/GROUP/PROJECT/-/issues/N`` (or ``/-/work_items/N``) → ``GROUP/PROJECT#N``;
        ``<url>/groups/GROUP/-/epics/N`` → ``GROUP&N``."""
        rest = path_under(url, self.cfg.url)
        if rest is None:
            return None
        epic = _GITLAB_URL_EPIC.match(rest)
        if epic:
            return f"{epic.group(1)}&{epic.group(2)}"
        found = _GITLAB_URL_ISSUE.match(rest)
        return f"{found.group(1)}#{found.group(2)}" if found else None

    def upsert_summary(self, title: str, body: str, labels: Sequence[str]) -> SummaryIssue:
        """The summary issue lives in the first configured project."""
        if not self.cfg.projects:
            raise NotImplementedError
        project = enc(self.cfg.projects[0])
        path = f"/projects/{project}/issues"
        params = [("labels", labels[0]), ("state", "opened"), ("sort", "asc")]
        existing = next(
            (
                i
                for i in self.client.paginate(path, [*params, ("order_by", "created_at")])
                if isinstance(i, dict)
            ),
            None,
        )
        if existing is None:
            reply = self.client.rest(
                "POST", path, body={"title": title, "description": body, "labels": ",".join(labels)}
            )
            made = reply.data if isinstance(reply.data, dict) else {}
            return SummaryIssue(issue_key(made), str(made.get("web_url") or ""), "created")
        key, url = issue_key(existing), str(existing.get("web_url") or "")
        if existing.get("description") == body and existing.get("title") == title:
            return SummaryIssue(key, url, "unchanged")
        self.client.rest(
            "PUT", f"{path}/{existing['iid']}", body={"title": title, "description": body}
        )
        return SummaryIssue(key, url, "updated")

    def waiver_texts(self, items: Sequence[WorkItem]) -> Mapping[str, Sequence[str]]:
        """People's notes on the labelled issues (not system notes, not the bot's)."""
        out: dict[str, list[str]] = {}
        for item in items:
            if split_issue_key(item.key) is None:
                continue
            for note in self._notes(item.key):
                body = str(note.get("body") or "")
                author = str((note.get("author") or {}).get("username") or "")
                by_bot = (
                    bool(self.bot_username)
                    and author.casefold() == str(self.bot_username).casefold()
                )
                if note.get("system") or MARKER in body or by_bot:
                    continue
                out.setdefault(item.key, []).append(body)
        return out

    def _notes(self, key: str) -> list[dict[str, Any]]:
        project, iid = _split(key)
        path = f"/projects/{enc(project)}/issues/{iid}/notes"
        params = [("sort", "asc"), ("order_by", "created_at")]
        return [n for n in self.client.paginate(path, params) if isinstance(n, dict)]

    def _links(self, key: str) -> tuple[Link, ...]:
        project, iid = _split(key)
        reply = self.client.rest("GET", f"/projects/{enc(project)}/issues/{iid}/links")
        return convert_links([r for r in reply.data or [] if isinstance(r, dict)])

    # -- acting -----------------------------------------------------------------------------
    def apply(self, item: WorkItem, action: Action) -> None:
        if split_issue_key(item.key) is None:
            raise TrackerError(f"{item.key}: trackerguard acts on GitLab issues only")
        project, iid = _split(item.key)
        base = f"/projects/{enc(project)}/issues/{iid}"
        bot = item.bot or BotState()
        if action.kind == "comment":
            body = action.body or ""
            note_id = action.comment_id or (bot.comment.id if bot.comment else None)
            if note_id is not None:
                if bot.comment is not None and bot.comment.body == body:
                    return  # the content did not change: no write at all
                reply = self.client.rest(
                    "PUT", f"{base}/notes/{note_id}", body={"body": body}, missing_ok=True
                )
                if reply.status != 404:
                    return
            create_once(
                lambda: self.client.rest("POST", f"{base}/notes", body={"body": body}, ok=(201,)),
                lambda: self._has_note(item.key, action.fingerprint),
            )
        elif action.kind == "uncomment":
            if action.comment_id is None:
                return
            if action.body is None:
                self.client.rest(
                    "DELETE", f"{base}/notes/{action.comment_id}", ok=(204,), missing_ok=True
                )
            elif bot.comment is None or bot.comment.body != action.body:
                self.client.rest(
                    "PUT",
                    f"{base}/notes/{action.comment_id}",
                    body={"body": action.body},
                    missing_ok=True,
                )
        elif action.kind in ("label", "block"):
            label = self._label_of(action)
            if label not in item.labels:
                self.client.rest("PUT", base, body={"add_labels": label})
        elif action.kind in ("unlabel", "unblock"):
            label = self._label_of(action)
            if label in item.labels:
                self.client.rest("PUT", base, body={"remove_labels": label})
        else:  # pragma: no cover - Action.kind is a closed set
            raise TrackerError(f"unknown action {action.kind}")

    def _has_note(self, key: str, fingerprint: str) -> bool:
        """Re-read the issue's notes: is the bot's note with ``fingerprint`` there?"""
        found = self.converter.bot_comments(self._notes(key)).comment
        return found is not None and found.fingerprint == fingerprint

    def _label_of(self, action: Action) -> str:
        if action.kind in ("block", "unblock"):
            return self.cfg.blocked_label
        return action.label or self.context.settings.actions.label

    # -- webhooks ---------------------------------------------------------------------------
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        secret = self.cfg.webhook_secret
        if secret is None or not secret.get_secret_value():
            return self.cfg.insecure_no_signature
        return verify_gitlab(secret.get_secret_value(), headers, body)

    def bot_identity(self) -> str | None:
        """The bot's username (configured, else ``GET /user``)."""
        if self.cfg.bot_username:
            return self.cfg.bot_username
        return self.identify()

    def use_bot_identity(self, identity: str | None) -> None:
        if self.cfg.bot_username is None and identity:
            self.bot_username = identity
            self._converter = None

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        username = self.bot_username
        if username is None and self.context.state is not None:
            remembered = self.context.state.recall("gitlab", "bot_username")
            username = remembered if isinstance(remembered, str) else None
        own = (self.context.settings.actions.label, self.cfg.blocked_label)
        return parse_webhook(
            headers,
            body,
            tracker=self.name,
            bot_username=username,
            own_labels=own,
            scope=GitLabScope(self.cfg.projects, self.cfg.groups),
            base_url=self.web_url,
        )


def _readable_key(issue: Mapping[str, Any]) -> bool:
    """Whether a listed issue names its project and iid (else its key would be made up)."""
    full = str((issue.get("references") or {}).get("full") or "")
    if split_issue_key(full) is not None:
        return True
    return isinstance(issue.get("iid"), int) and issue.get("project_id") is not None


def _split(key: str) -> tuple[str, int]:
    parsed = split_issue_key(key)
    if parsed is None:
        raise TrackerError(f"{key}: not a GitLab issue key (group/project#iid)")
    return parsed


def _with_links(item: WorkItem, links: tuple[Link, ...]) -> WorkItem:
    from dataclasses import replace

    return replace(item, links=links)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
