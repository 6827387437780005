"""The Linear adapter: initiatives, projects and issues over GraphQL (httpx).

Reading is paginated GraphQL (:mod:`.queries`): the scan reads the configured teams'
issues and projects and the workspace's initiatives, each issue/project with its latest
comments so trackerguard's own comment is found in the same request; goals and children
outside the scan are read in batch (one request for many keys). Writing is GraphQL
mutations: ``commentCreate``/``commentUpdate``/``commentDelete``, ``issueAddLabel``/
``issueRemoveLabel`` (creating the label with ``issueLabelCreate`` when the team lacks it)
and ``issueUpdate(stateId)`` to move an issue to the team's Blocked state and back.

Keys: ``ENG-12`` for issues, ``project:<slugId>``, ``initiative:<id>``. Links point at the
configured (or API-reported) workspace URL, never at a URL taken from a payload.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from trackerguard.adapter import (
    MARKER,
    Action,
    AdapterContext,
    ScanRequest,
    TrackerAdapter,
    TrackerSettings,
    WebhookEvent,
)
from trackerguard.bot_comments import create_once
from trackerguard.cross_tracker import path_under
from trackerguard.errors import (
    DATA_ERRORS,
    AuthError,
    ConfigError,
    RateLimited,
    TrackerError,
    UsageError,
)
from trackerguard.model import BotState, WorkItem
from trackerguard.service.signatures import verify_linear

from . import queries as q
from .client import GraphQLErrors, LinearClient, Politeness
from .convert import (
    INITIATIVE_PREFIX,
    PROJECT_PREFIX,
    Converter,
    initiative_key,
    kind_of,
    parse_time,
    project_key,
)
from .settings import LinearSettings
from .webhooks import parse_webhook

log = logging.getLogger("trackerguard.linear")

_ISSUES_PER_BATCH = 50
_BLOCK_NAMESPACE = "linear.block"
_CLOSED_STATE_TYPES = ("completed", "canceled", "duplicate")
_LABEL_DESCRIPTION = "Set by trackerguard: this item has findings to fix"
_BLOCK_DESCRIPTION = "Set by trackerguard: blocked until its findings are fixed"


_LINEAR_ISSUE_KEY = re.compile(r"[A-Z][A-Z0-9]*-[0-9]+")
_LINEAR_URL_KEY = re.compile(r"^(?:/[\w.-]+)?/issue/([A-Z][A-Z0-9]*-[0-9]+)(?:[/?#]|$)")


class LinearAdapter(TrackerAdapter):
    """Reads and acts on the initiatives, projects and issues of a Linear workspace."""

    name: ClassVar[str] = "linear"
    Settings: ClassVar[type[TrackerSettings]] = LinearSettings
    description_format: ClassVar[str] = "markdown"
    supports_webhooks: ClassVar[bool] = True

    def __init__(
        self, settings: TrackerSettings, context: AdapterContext, **client_options: Any
    ) -> None:
        super().__init__(settings, context)
        assert isinstance(settings, LinearSettings)
        self.cfg: LinearSettings = settings
        self.notes: list[str] = []
        self.bot_user_id: str | None = settings.bot_user_id or None
        self.web_url: str | None = settings.web_url.rstrip("/") if settings.web_url else None
        self._client_options = client_options
        self._client: LinearClient | None = None
        self._converter: Converter | None = None
        self._identified = False
        self._teams: dict[str, dict[str, Any]] | None = None
        """Team id → {key, states: {casefolded name: (id, name)}, labels: {name: id}}."""
        self._workspace_labels: dict[str, dict[str, str]] = {
            "issue": {},
            "project": {},
            "initiative": {},
        }
        """Kind → label name → id of the workspace-wide trackerguard labels."""
        self._noted: set[str] = set()

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def client(self) -> LinearClient:
        if self._client is None:
            cfg = self.cfg

            def api_key() -> str | None:
                return cfg.api_key.get_secret_value() if cfg.api_key else None

            self._client = LinearClient(
                cfg.api_url,
                api_key,
                self.context.requests,
                Politeness(
                    request_budget=cfg.request_budget,
                    max_retries=cfg.max_retries,
                    backoff=cfg.backoff,
                    rate_limit_wait=cfg.rate_limit_wait,
                    max_wait=cfg.max_wait,
                    timeout=cfg.timeout,
                ),
                **self._client_options,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _note(self, key: str, text: str) -> None:
        if key not in self._noted:
            self._noted.add(key)
            self.notes.append(text)

    @property
    def converter(self) -> Converter:
        if self._converter is None:
            configured = frozenset(
                t.casefold() for level in self.context.settings.levels for t in level.types
            )
            self._converter = Converter(
                web_url=self.web_url or "https://linear.app",
                levels=self.context.levels,
                configured_types=configured,
                statuses=self.context.statuses,
                bot_user_id=self.bot_user_id,
                blocked_state=self.cfg.blocked_state,
                block_label=self.cfg.block_label,
                blocked_memory=self._recall_block,
            )
        return self._converter

    def _recall_block(self, issue_id: str) -> Any:
        state = self.context.state
        return state.recall(_BLOCK_NAMESPACE, issue_id) if state is not None else None

    # -- connection -------------------------------------------------------------------------
    def check_connection(self) -> None:
        """One cheap authenticated call (viewer + workspace) that proves the API key."""
        if self.cfg.api_key is None or not self.cfg.api_key.get_secret_value():
            raise ConfigError(
                "linear.api_key: set TRACKERGUARD_LINEAR__API_KEY to a Linear API key"
            )
        self.identify()

    def identify(self) -> None:
        if self._identified:
            return
        data = self.client.execute(q.IDENTITY_QUERY, operation="identity")
        self._identified = True
        viewer = data.get("viewer") or {}
        if self.bot_user_id is None and viewer.get("id"):
            self.bot_user_id = str(viewer["id"])
        if self.web_url is None:
            url_key = (data.get("organization") or {}).get("urlKey")
            self.web_url = f"https://linear.app/{url_key}" if url_key else "https://linear.app"
        if self.bot_user_id and self.context.state is not None and self.cfg.bot_user_id is None:
            # The webhook service parses deliveries before any tracker call: it finds the
            # bot's id here to ignore trackerguard's own writes.
            self.context.state.remember("linear", "bot_user_id", self.bot_user_id)
        self._converter = None

    def ensure_identity(self) -> None:
        self.identify()
        if self.bot_user_id is None:
            raise ConfigError(
                "linear.bot_user_id: Linear did not name the API key's user (viewer), so "
                "trackerguard cannot tell its own comments from other people's; set "
                "[linear] bot_user_id"
            )

    def teams(self) -> dict[str, dict[str, Any]]:
        """The scanned teams' workflow states and trackerguard labels (one request)."""
        if self._teams is None:
            wanted = self.cfg.teams
            labels = [self.context.settings.actions.label, self.cfg.block_label]
            data = self.client.execute(
                q.TEAMS_QUERY,
                {"filter": {"key": {"in": wanted}} if wanted else None, "labels": labels},
                operation="teams",
            )
            teams: dict[str, dict[str, Any]] = {}
            for node in (data.get("teams") or {}).get("nodes") or []:
                teams[str(node["id"])] = {
                    "key": node.get("key"),
                    "states": {
                        str(s["name"]).casefold(): (str(s["id"]), str(s["name"]))
                        for s in (node.get("states") or {}).get("nodes") or []
                    },
                    "labels": {
                        str(label["name"]): str(label["id"])
                        for label in (node.get("labels") or {}).get("nodes") or []
                    },
                }
            for kind in ("issue", "project", "initiative"):
                self._workspace_labels[kind] = {
                    str(label["name"]): str(label["id"])
                    for label in (data.get(f"{kind}Labels") or {}).get("nodes") or []
                }
            found = {str(t["key"]) for t in teams.values()}
            missing = [key for key in wanted if key not in found]
            if missing:
                raise ConfigError(
                    f"linear.teams: no team with key {', '.join(missing)} is visible to the API key"
                )
            self._teams = teams
        return self._teams

    # -- reading ----------------------------------------------------------------------------
    def scan(self, request: ScanRequest) -> Iterator[WorkItem]:
        self.identify()
        self.teams()
        if request.keys:
            yield from self.fetch_items(request.keys)
            return
        cutoff = datetime.now(UTC) - timedelta(days=self.cfg.closed_days)
        issue_filter = self._issue_filter(request, cutoff)
        for node in self._pages(q.ISSUES_QUERY, "issues", issue_filter):
            if _recent(node, cutoff) and self._listed("issue", node):
                item = self._convert("issue", node)
                if item is not None:
                    yield item
        if request.query:
            return  # a query selects issues only
        project_filter: dict[str, Any] = {}
        if self.cfg.teams:
            project_filter["accessibleTeams"] = {"some": {"key": {"in": self.cfg.teams}}}
        if request.since:
            project_filter["updatedAt"] = {"gte": _iso(request.since)}
        for node in self._pages(q.PROJECTS_QUERY, "projects", project_filter or None):
            if _recent(node, cutoff) and self._listed("project", node):
                item = self._convert("project", node)
                if item is not None:
                    yield item
        if self.cfg.initiatives:
            page: list[dict[str, Any]] = []
            for node in self._pages(q.INITIATIVES_QUERY, "initiatives", None, comments=False):
                updated = parse_time(node.get("updatedAt"))
                recent = request.since is None or updated is None or updated >= request.since
                if recent and self._listed("initiative", node):
                    page.append(node)
                if len(page) >= self.cfg.page_size:
                    yield from self._initiatives(page)
                    page = []
            yield from self._initiatives(page)

    def _initiatives(self, nodes: list[dict[str, Any]]) -> list[WorkItem]:
        """Convert initiatives with trackerguard's comments (one request per batch)."""
        if not nodes:
            return []
        ids = [str(node["id"]) for node in nodes if node.get("id")]
        data = self._execute(
            q.INITIATIVE_COMMENTS_QUERY, {"ids": ids, "marker": MARKER}, "initiative comments"
        )
        by_initiative: dict[str, list[dict[str, Any]]] = {}
        for comment in (data.get("comments") or {}).get("nodes") or []:
            owner = (comment.get("initiative") or {}).get("id")
            if owner:
                by_initiative.setdefault(str(owner), []).append(comment)
        items = []
        for node in nodes:
            item = self._convert("initiative", node, by_initiative.get(str(node.get("id")), []))
            if item is not None:
                items.append(item)
        return items

    def _issue_filter(self, request: ScanRequest, cutoff: datetime) -> dict[str, Any]:
        parts: list[dict[str, Any]] = []
        if self.cfg.teams:
            parts.append({"team": {"key": {"in": self.cfg.teams}}})
        if request.since:
            parts.append({"updatedAt": {"gte": _iso(request.since)}})
        # Open issues, and closed ones touched within closed_days (they count as children).
        parts.append(
            {
                "or": [
                    {"state": {"type": {"nin": list(_CLOSED_STATE_TYPES)}}},
                    {"updatedAt": {"gte": _iso(cutoff)}},
                ]
            }
        )
        if request.query:
            try:
                extra = json.loads(request.query)
            except ValueError:
                extra = None
            if not isinstance(extra, dict):
                raise UsageError(
                    "--query: for Linear, give an IssueFilter as a JSON object, e.g. "
                    '\'{"labels": {"name": {"eq": "backend"}}}\''
                )
            parts.append(extra)
        return {"and": parts}

    def _pages(
        self,
        document: str,
        field: str,
        filter_: dict[str, Any] | None,
        *,
        comments: bool = True,
    ) -> Iterator[dict[str, Any]]:
        """Every node of a paged listing. Linear's connections announce no total, so what
        the ledger can be told is the listing's shape: a null entry, a cursor missing while
        ``hasNextPage`` says more, a cursor that comes back (each a named problem)."""
        after: str | None = None
        used: set[str] = set()
        ledger = self.context.ledger
        received = 0
        while True:
            variables: dict[str, Any] = {"first": self.cfg.page_size, "after": after}
            if field != "initiatives":
                variables["filter"] = filter_
            if comments:
                variables["commentWindow"] = self.cfg.comment_window
            data = self._execute(document, variables, field)
            connection = data.get(field) or {}
            for node in connection.get("nodes") or []:
                received += 1
                if isinstance(node, dict):
                    yield node
                else:
                    ledger.problem(
                        f"not judged: listing {field}: Linear returned an empty entry "
                        f"(entry {received})"
                    )
            page = connection.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                return
            cursor = page.get("endCursor")
            if not cursor or str(cursor) in used:
                what = "no cursor" if not cursor else "the same page cursor twice"
                ledger.problem(
                    f"not judged: listing {field}: Linear said there are more pages but sent "
                    f"{what} after {received} entries; the rest was never listed"
                )
                return
            after = str(cursor)
            used.add(after)

    def _listed(self, kind: str, node: dict[str, Any]) -> bool:
        """Declare a listed node's key to the scan ledger; a node whose key cannot be
        made out is a named problem (by its id when it has one) instead of a judged item."""
        key = _node_key(kind, node)
        if key is None:
            ident = node.get("id")
            self.context.ledger.problem(
                f"not judged: listing {kind}s: Linear returned an entry without a readable "
                f"key ({_KEY_FIELD[kind]})",
                item=str(ident) if ident else "(scan)",
            )
            return False
        self.context.ledger.listed([key])
        return True

    def _execute(
        self, document: str, variables: Mapping[str, Any], operation: str
    ) -> dict[str, Any]:
        try:
            return self.client.execute(document, variables, operation=operation)
        except GraphQLErrors as exc:
            # Partial data is not enough to judge on: a goal that failed to load would look
            # missing. Stop the run (exit 3) rather than guess.
            raise TrackerError(str(exc)) from None

    def _convert(
        self, kind: str, node: dict[str, Any], comments: list[dict[str, Any]] | None = None
    ) -> WorkItem | None:
        converter = self.converter
        key = str(node.get("identifier") or node.get("slugId") or node.get("id") or "?")
        try:
            if kind == "issue":
                return converter.issue(node)
            if kind == "project":
                return converter.project(node)
            return converter.initiative(node, comments)
        except DATA_ERRORS as exc:
            self.context.item_error(key, f"{key}: could not read the {kind}: {exc!r}")
            return None

    def _batch_variables(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        issues: list[tuple[str, int]] = []
        projects: list[str] = []
        initiatives: list[str] = []
        for key in dict.fromkeys(keys):
            kind = kind_of(key)
            if kind == "project":
                projects.append(key.removeprefix(PROJECT_PREFIX))
            elif kind == "initiative":
                initiatives.append(key.removeprefix(INITIATIVE_PREFIX))
            else:
                team, _, number = key.rpartition("-")
                if team and number.isdigit():
                    issues.append((team, int(number)))
        batches = []
        count = max(len(issues), len(projects), len(initiatives))
        for start in range(0, count, _ISSUES_PER_BATCH):
            chunk = issues[start : start + _ISSUES_PER_BATCH]
            slugs = projects[start : start + _ISSUES_PER_BATCH]
            ids = initiatives[start : start + _ISSUES_PER_BATCH]
            batches.append(
                {
                    "issueFilter": {
                        "or": [
                            {"team": {"key": {"eq": team}}, "number": {"eq": number}}
                            for team, number in chunk
                        ]
                    }
                    if chunk
                    else None,
                    "withIssues": bool(chunk),
                    "projectSlugs": slugs,
                    "withProjects": bool(slugs),
                    "initiativeIds": ids,
                    "withInitiatives": bool(ids) and self.cfg.initiatives,
                    "commentWindow": self.cfg.comment_window,
                }
            )
        return batches

    def waiver_texts(self, items: Sequence[WorkItem]) -> Mapping[str, Sequence[str]]:
        """People's comments on the labelled issues (one query each); never the bot's."""
        out: dict[str, list[str]] = {}
        for item in items:
            if not _LINEAR_ISSUE_KEY.fullmatch(item.key):
                continue  # projects and initiatives: the description only
            data = self._execute(q.WAIVER_COMMENTS_QUERY, {"id": item.key}, "waiver_comments")
            nodes = (((data.get("issue") or {}).get("comments") or {}).get("nodes")) or []
            for node in nodes:
                body = str(node.get("body") or "")
                author = (node.get("user") or {}).get("id")
                if MARKER in body or (self.bot_user_id and author == self.bot_user_id):
                    continue
                out.setdefault(item.key, []).append(body)
        return out

    def key_from_url(self, url: str) -> str | None:
        """``https://linear.app/WORKSPACE/issue/ENG-12/slug`` → ``ENG-12`` (the configured
        workspace's URLs when ``web_url`` is set)."""
        rest = path_under(url, self.web_url or "https://linear.app")
        found = _LINEAR_URL_KEY.search(rest) if rest is not None else None
        return found.group(1) if found else None

    def fetch_items(self, keys: Sequence[str]) -> list[WorkItem]:
        self.identify()
        items: list[WorkItem] = []
        for variables in self._batch_variables(keys):
            data = self._execute(q.BATCH_QUERY, variables, "batch read")
            for kind, field in (("issue", "issues"), ("project", "projects")):
                for node in (data.get(field) or {}).get("nodes") or []:
                    self._append(items, kind, node)
            items.extend(self._initiatives((data.get("initiatives") or {}).get("nodes") or []))
        return items

    def fetch_children(self, keys: Sequence[str]) -> list[WorkItem]:
        self.identify()
        items: list[WorkItem] = []
        for variables in self._batch_variables(keys):
            data = self._execute(q.CHILDREN_QUERY, variables, "children read")
            for goal in (data.get("issues") or {}).get("nodes") or []:
                children = goal.get("children") or {}
                if _more(children) and goal.get("id"):
                    more = {"parent": {"id": {"eq": str(goal["id"])}}}
                    nodes = list(self._pages(q.ISSUES_QUERY, "issues", more))
                else:
                    nodes = children.get("nodes") or []
                for node in nodes:
                    self._append(items, "issue", node)
            for goal in (data.get("projects") or {}).get("nodes") or []:
                issues = goal.get("issues") or {}
                if _more(issues) and goal.get("slugId"):
                    more = {"project": {"slugId": {"eq": str(goal["slugId"])}}}
                    nodes = list(self._pages(q.ISSUES_QUERY, "issues", more))
                else:
                    nodes = issues.get("nodes") or []
                for node in nodes:
                    self._append(items, "issue", node)
            subs: list[dict[str, Any]] = []
            for goal in (data.get("initiatives") or {}).get("nodes") or []:
                if _more(goal.get("projects")) or _more(goal.get("subInitiatives")):
                    ident = str(goal.get("id") or "?")
                    self.context.ledger.problem(
                        f"not judged: initiative {ident} has more than 100 projects or "
                        "sub-initiatives; only the first 100 were read, so its verdict "
                        "would rest on part of its children",
                        item=initiative_key(ident),
                    )
                for node in (goal.get("projects") or {}).get("nodes") or []:
                    self._append(items, "project", node)
                subs += (goal.get("subInitiatives") or {}).get("nodes") or []
            items.extend(self._initiatives(subs))
        return items

    def _append(self, items: list[WorkItem], kind: str, node: Any) -> None:
        if isinstance(node, dict):
            item = self._convert(kind, node)
            if item is not None:
                items.append(item)

    # -- acting -----------------------------------------------------------------------------
    def _write(self, document: str, variables: Mapping[str, Any], operation: str) -> Any:
        try:
            data = self.client.execute(
                document,
                variables,
                write=True,
                operation=operation,
                # Creating (a comment, a label) twice makes two; updates, deletes and
                # label moves end in the same state however often they are sent.
                idempotent=not operation.endswith("Create"),
            )
        except GraphQLErrors as exc:
            raise TrackerError(str(exc)) from None
        result = next(iter(data.values()), None) if data else None
        if not isinstance(result, dict) or not result.get("success"):
            raise TrackerError(f"Linear {operation} did not succeed")
        return result

    def apply(self, item: WorkItem, action: Action) -> None:
        kind = str(item.fields.get("kind") or kind_of(item.key))
        bot = item.bot or BotState()
        target = str(item.fields.get("id") or "")
        if not target:
            raise TrackerError(f"{item.key}: the {kind} id is unknown")
        if action.kind == "comment":
            self._comment(kind, target, bot, action)
        elif action.kind == "uncomment":
            if action.comment_id is None:
                return
            if action.body is None:
                self._write(q.COMMENT_DELETE, {"id": action.comment_id}, "commentDelete")
            elif bot.comment is None or bot.comment.body != action.body:
                variables = {"id": action.comment_id, "body": action.body}
                self._write(q.COMMENT_UPDATE, variables, "commentUpdate")
        elif action.kind == "label":
            self._add_label(item, target, action.label or self.context.settings.actions.label)
        elif action.kind == "unlabel":
            self._remove_label(item, target, action.label or self.context.settings.actions.label)
        elif action.kind == "block":
            if kind == "issue":
                self._block(item, target)
            else:  # projects and initiatives have no workflow state: the block label
                self._add_label(item, target, self.cfg.block_label, _BLOCK_DESCRIPTION)
        elif action.kind == "unblock":
            self._unblock(item, target)
        else:  # pragma: no cover - Action.kind is a closed set
            raise TrackerError(f"unknown action {action.kind}")

    def _comment(self, kind: str, target: str, bot: BotState, action: Action) -> None:
        body = action.body or ""
        existing = bot.comment
        comment_id = action.comment_id or (existing.id if existing else None)
        if comment_id is not None:
            if existing is not None and existing.body == body:
                return  # the content did not change: no write at all
            try:
                self._write(q.COMMENT_UPDATE, {"id": comment_id, "body": body}, "commentUpdate")
                return
            except (AuthError, RateLimited):
                raise
            except TrackerError:
                log.info("trackerguard's comment %s is gone; creating a new one", comment_id)
        field = f"{kind}Id"  # issueId / projectId / initiativeId
        create_once(
            lambda: self._write(
                q.COMMENT_CREATE, {"input": {field: target, "body": body}}, "commentCreate"
            ),
            lambda: self._has_comment(kind, target, action.fingerprint),
        )

    def _has_comment(self, kind: str, target: str, fingerprint: str) -> bool:
        """Re-read the item's marked comments: is the bot's one with ``fingerprint`` there?"""
        data = self._execute(
            q.comments_of(kind), {"id": target, "marker": MARKER}, f"{kind} comments"
        )
        comments = list((data.get("comments") or {}).get("nodes") or [])
        found = self.converter.bot_comments(comments).comment
        return found is not None and found.fingerprint == fingerprint

    def _team_of(self, item: WorkItem) -> dict[str, Any]:
        team = self.teams().get(str(item.fields.get("team_id") or ""))
        if team is None:
            raise TrackerError(f"{item.key}: its team is not among the scanned teams")
        return team

    def _label_id(self, item: WorkItem, kind: str, name: str, description: str) -> str:
        self.teams()
        workspace = self._workspace_labels.setdefault(kind, {})
        known: dict[str, str] = self._team_of(item)["labels"] if kind == "issue" else workspace
        found = known.get(name) or workspace.get(name)
        if found:
            return found
        new: dict[str, Any] = {
            "name": name,
            "color": self.cfg.label_color,
            "description": description,
        }
        if kind == "issue":
            new["teamId"] = str(item.fields.get("team_id") or "")
        create = q.LABEL_MUTATIONS[kind][2]
        result = self._write(create, {"input": new}, f"{kind}LabelCreate")
        label_id = str((result.get(f"{kind}Label") or {}).get("id") or "")
        if not label_id:
            raise TrackerError(f"Linear {kind}LabelCreate returned no label for '{name}'")
        known[name] = label_id
        return label_id

    def _add_label(self, item: WorkItem, target: str, name: str, description: str = "") -> None:
        if name in item.labels:
            return
        kind = str(item.fields.get("kind") or "issue")
        label_id = self._label_id(item, kind, name, description or _LABEL_DESCRIPTION)
        add = q.LABEL_MUTATIONS[kind][0]
        self._write(add, {"id": target, "labelId": label_id}, f"{kind}AddLabel")

    def _remove_label(self, item: WorkItem, target: str, name: str) -> None:
        label_ids: Mapping[str, str] = item.fields.get("label_ids") or {}
        label_id = label_ids.get(name)
        if label_id is None:
            return
        kind = str(item.fields.get("kind") or "issue")
        remove = q.LABEL_MUTATIONS[kind][1]
        self._write(remove, {"id": target, "labelId": label_id}, f"{kind}RemoveLabel")

    def _block(self, item: WorkItem, target: str) -> None:
        team = self._team_of(item)
        blocked = team["states"].get(self.cfg.blocked_state.casefold())
        if blocked is None:
            self._note(
                f"block-label:{team['key']}",
                f"linear: team {team['key']} has no '{self.cfg.blocked_state}' state; "
                f"blocked issues get the label '{self.cfg.block_label}' instead",
            )
            self._add_label(item, target, self.cfg.block_label, _BLOCK_DESCRIPTION)
            return
        state_id, _ = blocked
        if item.fields.get("state_id") == state_id:
            return
        if self.context.state is not None:
            self.context.state.remember(
                _BLOCK_NAMESPACE,
                target,
                {"id": item.fields.get("state_id"), "name": item.status, "key": item.key},
            )
        self._write(q.SET_STATE, {"id": target, "stateId": state_id}, "issueUpdate")

    def _unblock(self, item: WorkItem, target: str) -> None:
        bot = item.bot or BotState()
        if bot.extra.get("block_label"):
            self._remove_label(item, target, self.cfg.block_label)
        memory = self._recall_block(target)
        if bot.extra.get("blocked_state") and isinstance(memory, dict) and memory.get("id"):
            self._write(q.SET_STATE, {"id": target, "stateId": str(memory["id"])}, "issueUpdate")
        if memory is not None and self.context.state is not None:
            self.context.state.forget(_BLOCK_NAMESPACE, target)

    # -- webhooks ---------------------------------------------------------------------------
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        secret = self.cfg.webhook_secret
        if secret is None or not secret.get_secret_value():
            return self.cfg.insecure_no_signature
        return verify_linear(
            secret.get_secret_value(), headers, body, window=self.cfg.replay_window_seconds
        )

    def bot_identity(self) -> str | None:
        """The bot's user id (configured, else the API key's ``viewer``)."""
        if self.cfg.bot_user_id:
            return self.cfg.bot_user_id
        if self.cfg.api_key is None or not self.cfg.api_key.get_secret_value():
            return None
        self.identify()
        return self.bot_user_id

    def use_bot_identity(self, identity: str | None) -> None:
        if self.cfg.bot_user_id is None and identity:
            self.bot_user_id = identity
            self._converter = None

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        bot = self.bot_user_id
        if bot is None and self.context.state is not None:
            remembered = self.context.state.recall("linear", "bot_user_id")
            bot = remembered if isinstance(remembered, str) else None
        return parse_webhook(
            headers,
            body,
            tracker=self.name,
            bot_user_id=bot,
            teams=self.cfg.teams,
            initiatives=self.cfg.initiatives,
        )


def _more(connection: Any) -> bool:
    """Whether a nested connection says it has more than the page it came with."""
    page = connection.get("pageInfo") if isinstance(connection, dict) else None
    return bool(isinstance(page, dict) and page.get("hasNextPage"))


_IDENTIFIER = re.compile(r"^[A-Za-z0-9_]+-[0-9]+$")
_KEY_FIELD = {"issue": "identifier", "project": "slugId", "initiative": "id"}


def _node_key(kind: str, node: Mapping[str, Any]) -> str | None:
    """The trackerguard key a listed node will be judged under, or None if unreadable."""
    value = node.get(_KEY_FIELD[kind])
    if not isinstance(value, str) or not value:
        return None
    if kind == "issue":
        return value if _IDENTIFIER.match(value) else None
    return project_key(value) if kind == "project" else initiative_key(value)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _recent(node: Mapping[str, Any], cutoff: datetime) -> bool:
    """Open, or closed within ``closed_days`` (closed long ago: not read as scanned items)."""
    closed = parse_time(node.get("completedAt")) or parse_time(node.get("canceledAt"))
    return closed is None or closed >= cutoff
