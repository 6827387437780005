"""The GitHub adapter: issues, sub-issues, issue types and milestones over httpx.

Reading is GraphQL (one request per 100 issues, see :mod:`.graphql`); writing is REST
(:mod:`.rest`). Keys look like ``owner/repo#12``; links point at the configured web host,
never at a URL taken from a payload. "Blocked" on GitHub is a label plus a failing
``trackerguard`` commit status on the head of every open pull request that would close the
issue, so the block actually stops a merge when the status is a required check.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from trackerguard.adapter import (
    Action,
    AdapterContext,
    ScanRequest,
    SummaryIssue,
    TrackerAdapter,
    TrackerSettings,
    WebhookEvent,
)
from trackerguard.bot_comments import create_once
from trackerguard.comment import is_trackerguard_comment
from trackerguard.cross_tracker import path_under
from trackerguard.errors import DATA_ERRORS, AuthError, ConfigError, RateLimited, TrackerError
from trackerguard.model import BotComment, BotState, WorkItem

from . import graphql as gql
from .auth import AppTokens, StaticToken
from .client import EtagCache, GitHubClient, Politeness
from .convert import Converter, parse_time
from .rest import LABEL_DESCRIPTIONS, Rest
from .settings import GitHubSettings
from .webhooks import parse_webhook, verify_signature

log = logging.getLogger("trackerguard.github")

_ITEMS_PER_QUERY = 50
_GOALS_PER_QUERY = 10
_NO_ISSUE_TYPE = "Cannot query field 'issueType'"

_GITHUB_URL_KEY = re.compile(r"^/([\w.-]+/[\w.-]+)/issues/([0-9]+)(?:[/?#]|$)")


def default_urls(api_url: str) -> tuple[str, str]:
    """GraphQL endpoint and web base for an API base (github.com or GHES ``/api/v3``)."""
    api = api_url.rstrip("/")
    if api.endswith("/api/v3"):
        host = api.removesuffix("/api/v3")
        return f"{host}/api/graphql", host
    if api in ("https://api.github.com", "http://api.github.com"):
        return f"{api}/graphql", "https://github.com"
    return f"{api}/graphql", api


class RepoNotFound(TrackerError):
    """A configured repository is missing or hidden from the token (a per-repo error)."""


class GitHubAdapter(TrackerAdapter):
    """Reads and acts on GitHub issues of the configured repositories."""

    name: ClassVar[str] = "github"
    Settings: ClassVar[type[TrackerSettings]] = GitHubSettings
    description_format: ClassVar[str] = "markdown"
    supports_webhooks: ClassVar[bool] = True

    def __init__(
        self, settings: TrackerSettings, context: AdapterContext, **client_options: Any
    ) -> None:
        super().__init__(settings, context)
        assert isinstance(settings, GitHubSettings)
        self.cfg: GitHubSettings = settings
        graphql_url, web_url = default_urls(settings.api_url)
        self.graphql_url = settings.graphql_url or graphql_url
        self.web_url = (settings.web_url or web_url).rstrip("/")
        self.notes: list[str] = []
        self.issue_types = settings.issue_types
        self.bot_login: str | None = settings.bot_login or None  # "" (an unset CI variable) = unset
        self._client_options = client_options
        self._client: GitHubClient | None = None
        self._app: AppTokens | None = None
        self._labels: dict[str, set[str]] = {}
        self._labels_read: set[str] = set()
        """Repos whose trackerguard labels' existence the scan already saw (no GET needed)."""
        self._converter: Converter | None = None
        self._identified = False
        self._no_user = False
        """GET /user answered 403: an installation or Actions token, no user of its own."""
        self.project_id: str | None = None
        project = settings.project
        self._project_fragment = (
            gql.project_fragment(project.status_field, project.horizon_fields)
            if project is not None
            else None
        )

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def client(self) -> GitHubClient:
        if self._client is None:
            cfg = self.cfg
            token: Any
            if cfg.app_id is not None or cfg.app_private_key is not None:
                self._app = token = AppTokens(cfg)
            else:
                token = StaticToken(cfg)
            self._client = GitHubClient(
                cfg.api_url,
                self.graphql_url,
                token,
                self.context.requests,
                Politeness(
                    request_budget=cfg.request_budget,
                    write_interval=cfg.write_interval,
                    writes_per_minute=cfg.writes_per_minute,
                    max_retries=cfg.max_retries,
                    backoff=cfg.backoff,
                    secondary_wait=cfg.secondary_wait,
                    max_wait=cfg.max_wait,
                    timeout=cfg.timeout,
                ),
                etags=EtagCache(self.context.state),
                **self._client_options,
            )
            if self._app is not None:
                self._app.client = self._client
        return self._client

    @property
    def rest(self) -> Rest:
        return Rest(self.client)

    @property
    def converter(self) -> Converter:
        if self._converter is None:
            self._converter = Converter(
                tracker=self.name,
                web_url=self.web_url,
                levels=self.context.levels,
                statuses=self.context.statuses,
                default_level=self.context.levels.resolve_default(
                    self.cfg.default_level, "github.default_level"
                ),
                block_label=self.cfg.block_label,
                bot_login=self.bot_login,
                project_id=self.project_id,
                horizon_fields=tuple(self.cfg.project.horizon_fields) if self.cfg.project else (),
            )
        return self._converter

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- connection -------------------------------------------------------------------------
    def check_connection(self) -> None:
        """Find out who trackerguard is (one request), which also proves the credentials."""
        if not self.cfg.repos:
            raise ConfigError("github.repos: list at least one repository as 'owner/name'")
        self.identify()

    def identify(self) -> str | None:
        """Who trackerguard writes as: ``bot_login``, the App's ``slug[bot]``, the token's
        user (``GET /user``), or ``github-actions[bot]`` for the Actions ``GITHUB_TOKEN``."""
        if self._identified:
            return self.bot_login
        self._identified = True
        if self.bot_login is None:
            if self._app is not None or self.cfg.app_id is not None:
                _ = self.client  # builds the App token provider
                assert self._app is not None
                slug = self._app.slug()
                self.bot_login = f"{slug}[bot]" if slug else None
            elif self.cfg.token is not None:
                try:
                    self.bot_login = self.rest.user_login()
                except AuthError:
                    raise
                except TrackerError as exc:
                    if exc.status != 403:
                        raise
                    self.bot_login = _actions_login(self.cfg.token.get_secret_value())
                    self._no_user = True
            else:
                self.notes.append("github: no token configured; reading anonymously")
        if self.bot_login and self.context.state is not None and not self.cfg.bot_login:
            # The webhook service parses deliveries before any tracker call: it finds the
            # bot's login here to ignore trackerguard's own writes.
            self.context.state.remember("github", "bot_login", self.bot_login)
        if self.bot_login is None and self._no_user:
            self.notes.append(
                "github: the token has no user of its own (GET /user: 403); set [github] "
                "bot_login so trackerguard knows which comments are its own"
            )
        self._resolve_project()
        self._converter = None
        return self.bot_login

    def ensure_identity(self) -> None:
        if self.identify() is not None:
            return
        if self._no_user:
            why = "the token has no user of its own (GET /user answered 403)"
        elif self.cfg.token is None and self.cfg.app_id is None:
            why = "no token is configured (TRACKERGUARD_GITHUB__TOKEN)"
        else:
            why = "GitHub did not say who the token belongs to"
        raise ConfigError(
            f"github.bot_login: {why}, so trackerguard cannot tell its own comments from "
            "other people's; set [github] bot_login (env TRACKERGUARD_GITHUB__BOT_LOGIN) to "
            "the account that writes, e.g. 'github-actions[bot]' for the Actions GITHUB_TOKEN"
        )

    def _resolve_project(self) -> None:
        """Find the configured Project (v2)'s node id (one request per run)."""
        project = self.cfg.project
        if project is None:
            return
        data, errors = self.client.graphql(
            gql.PROJECT_QUERY, {"owner": project.owner, "number": project.number}
        )
        owner = (data or {}).get("repositoryOwner") or {}
        found = owner.get("projectV2") or {}
        if not found.get("id"):
            reason = "; ".join(str(e.get("message", "?")) for e in errors) or "not found"
            raise ConfigError(
                f"github.project: no project number {project.number} owned by "
                f"'{project.owner}' is visible to trackerguard ({reason}); check owner and "
                "number, and that the token may read projects (scope read:project)"
            )
        self.project_id = str(found["id"])

    # -- reading ----------------------------------------------------------------------------
    def scan(self, request: ScanRequest) -> Iterator[WorkItem]:
        self.identify()
        if request.keys:
            yield from self.fetch_items(request.keys)
            return
        if request.query:
            yield from self._search(request.query)
            return
        cutoff = datetime.now(UTC) - timedelta(days=self.cfg.closed_days)
        closed_since = max(cutoff, request.since) if request.since else cutoff
        for repo in self.cfg.repos:
            try:
                yield from self._repo_issues(repo, request.since, closed_since, cutoff)
            except (AuthError, RateLimited):
                # Half a backlog would make verdicts wrong (a goal not read looks missing):
                # stop the run (exit 3) rather than judge on partial data.
                raise
            except RepoNotFound as exc:
                self.context.item_error(repo, f"{repo}: not scanned: {exc}")

    def _repo_issues(
        self, repo: str, open_since: datetime | None, closed_since: datetime, cutoff: datetime
    ) -> Iterator[WorkItem]:
        """Page open and recently closed issues of ``repo`` side by side.

        Each listing is declared to the scan ledger: the keys it held, the ``totalCount``
        GitHub announced on its first page (checked against what the pages delivered), a
        cursor that repeats or is missing while ``hasNextPage`` says more."""
        owner, name = repo.split("/", 1)
        ledger = self.context.ledger
        cursors: dict[str, str | None] = {"open": None, "closed": None}
        pending = {"open": True, "closed": self.cfg.closed_days > 0}
        received = {"open": 0, "closed": 0}
        totals: dict[str, int] = {}
        used: dict[str, set[str]] = {"open": set(), "closed": set()}
        while any(pending.values()):
            variables = {
                "owner": owner,
                "name": name,
                "first": self.cfg.page_size,
                "withOpen": pending["open"],
                "openAfter": cursors["open"],
                "openSince": _iso(open_since),
                "withClosed": pending["closed"],
                "closedAfter": cursors["closed"],
                "closedSince": _iso(closed_since),
                "commentWindow": self.cfg.comment_window,
                "statusContext": self.cfg.status_context,
                "label": self.context.settings.actions.label,
                "blockLabel": self.cfg.block_label,
            }
            data = self._query(gql.ISSUES_QUERY, variables, not_found_ok=True)
            repository = data.get("repository")
            if repository is None:
                raise RepoNotFound(f"repository {repo} not found or not accessible to the token")
            known = self._labels.setdefault(repo, set())
            self._labels_read.add(repo)
            if repository.get("tgLabel"):
                known.add(self.context.settings.actions.label)
            if repository.get("tgBlockLabel"):
                known.add(self.cfg.block_label)
            for which in ("open", "closed"):
                if not pending[which]:
                    continue
                where = f"{repo}: listing {which} issues"
                issues = repository.get(which) or {}
                nodes = list(issues.get("nodes") or [])
                received[which] += len(nodes)
                if which not in totals and isinstance(issues.get("totalCount"), int):
                    totals[which] = issues["totalCount"]
                if which == "closed":
                    nodes = [n for n in nodes if not _closed_before(n, cutoff)]
                yield from self._convert_listed(nodes, where)
                page = issues.get("pageInfo") or {}
                cursor = page.get("endCursor")
                pending[which] = bool(page.get("hasNextPage"))
                if pending[which] and not _next_cursor_ok(cursor, used[which], where, ledger):
                    pending[which] = False
                cursors[which] = cursor
        for which, total in totals.items():
            ledger.announced(total, f"{repo}: listing {which} issues", received=received[which])

    def _search(self, query: str) -> Iterator[WorkItem]:
        q = query if "is:issue" in query else f"{query} is:issue"
        if not any(part in q for part in ("repo:", "org:", "user:")):
            q += "".join(f" repo:{repo}" for repo in self.cfg.repos)
        ledger = self.context.ledger
        where = f"searching {q!r}"
        after: str | None = None
        used: set[str] = set()
        total: int | None = None
        received = 0
        while True:
            data = self._query(
                gql.SEARCH_QUERY,
                {
                    "q": q,
                    "first": self.cfg.page_size,
                    "after": after,
                    "commentWindow": self.cfg.comment_window,
                    "statusContext": self.cfg.status_context,
                },
            )
            found = data["search"]
            if total is None and isinstance(found.get("issueCount"), int):
                total = found["issueCount"]
            nodes = list(found.get("nodes") or [])
            received += len(nodes)
            yield from self._convert_listed(nodes, where)
            page = found.get("pageInfo") or {}
            after = page.get("endCursor")
            if not page.get("hasNextPage") or not _next_cursor_ok(after, used, where, ledger):
                break
        if total is not None:
            # GitHub search stops at 1,000 results: a bigger match is a named shortfall.
            ledger.announced(total, where, received=received)

    def _convert_listed(self, nodes: list[Any], where: str) -> list[WorkItem]:
        """Declare a listing page's keys to the ledger, then convert it; an entry without
        a readable key (a null node, no number) is a named problem, never skipped."""
        keys: list[str] = []
        good: list[dict[str, Any]] = []
        for index, node in enumerate(nodes):
            key = _node_key(node)
            if key is None:
                ident = str(node.get("id")) if isinstance(node, dict) and node.get("id") else None
                self.context.ledger.problem(
                    f"not judged: {where}: GitHub returned an entry without a readable key "
                    f"(entry {index + 1} of its page)",
                    item=ident or "(scan)",
                )
                continue
            keys.append(key)
            good.append(node)
        self.context.ledger.listed(keys)
        return self._convert_all(good)

    def fetch_items(self, keys: Sequence[str]) -> list[WorkItem]:
        parsed = self._parse_keys(keys)
        items: list[WorkItem] = []
        for start in range(0, len(parsed), _ITEMS_PER_QUERY):
            chunk = parsed[start : start + _ITEMS_PER_QUERY]
            data = self._query(gql.items_query(chunk), self._batch_vars(), not_found_ok=True)
            nodes = [node for repo in data.values() if repo for node in repo.values() if node]
            items.extend(self._convert_all(nodes))
        return items

    def fetch_children(self, keys: Sequence[str]) -> list[WorkItem]:
        parsed = self._parse_keys(keys)
        items: list[WorkItem] = []
        for start in range(0, len(parsed), _GOALS_PER_QUERY):
            chunk = parsed[start : start + _GOALS_PER_QUERY]
            data = self._query(
                gql.items_query(chunk, children=True), self._batch_vars(), not_found_ok=True
            )
            nodes: list[dict[str, Any]] = []
            for repo in data.values():
                for goal in (repo or {}).values():
                    if not goal:
                        continue
                    subs = goal.get("subIssues") or {}
                    nodes.extend(child for child in subs.get("nodes") or [] if child)
                    page = subs.get("pageInfo") or {}
                    full = (goal.get("repository") or {}).get("nameWithOwner")
                    if page.get("hasNextPage") and isinstance(full, str) and "/" in full:
                        owner, name = full.split("/", 1)
                        nodes.extend(
                            self._more_children(
                                owner, name, int(goal["number"]), page.get("endCursor")
                            )
                        )
            items.extend(self._convert_all(nodes))
        return items

    def _more_children(
        self, owner: str, name: str, number: int, after: str | None
    ) -> list[dict[str, Any]]:
        """Sub-issues past the first 100 of one goal (a goal's verdict needs all of them)."""
        where = f"{owner}/{name}#{number}: listing sub-issues"
        used: set[str] = set()
        nodes: list[dict[str, Any]] = []
        while _next_cursor_ok(after, used, where, self.context.ledger):
            data = self._query(
                gql.SUB_ISSUES_QUERY,
                {"owner": owner, "name": name, "number": number, "after": after}
                | self._batch_vars(),
                not_found_ok=True,
            )
            subs = ((data.get("repository") or {}).get("issue") or {}).get("subIssues") or {}
            nodes.extend(child for child in subs.get("nodes") or [] if child)
            page = subs.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                break
            after = page.get("endCursor")
        return nodes

    def _parse_keys(self, keys: Sequence[str]) -> list[tuple[str, str, int]]:
        parsed = []
        for key in dict.fromkeys(keys):
            found = gql.parse_key(key)
            if found is not None:
                parsed.append(found)
        return parsed

    def _batch_vars(self) -> dict[str, Any]:
        return {"commentWindow": self.cfg.comment_window, "statusContext": self.cfg.status_context}

    def _query(
        self, document: str, variables: Mapping[str, Any], *, not_found_ok: bool = False
    ) -> dict[str, Any]:
        """Run a document with the issue fragments, dropping issue types if unsupported."""
        while True:
            try:
                data, errors = self.client.graphql(
                    gql.with_fragments(document, self.issue_types, self._project_fragment),
                    variables,
                )
            except TrackerError as exc:
                if self.issue_types and _NO_ISSUE_TYPE in str(exc):
                    self._disable_issue_types()
                    continue
                raise
            serious = [e for e in errors if not (not_found_ok and e.get("type") == "NOT_FOUND")]
            if serious:
                message = "; ".join(str(e.get("message", "?")) for e in serious)
                if self.issue_types and _NO_ISSUE_TYPE in message:
                    self._disable_issue_types()
                    continue
                raise TrackerError(f"GitHub GraphQL query failed: {message}")
            return data

    def _disable_issue_types(self) -> None:
        self.issue_types = False
        self.notes.append(
            "github: this server has no issue types (Issue.issueType); levels come from labels"
        )

    def _convert_all(self, nodes: list[dict[str, Any]]) -> list[WorkItem]:
        converter = self.converter
        items = []
        for node in nodes:
            if not node or "number" not in node:
                continue
            key = f"{node['repository']['nameWithOwner']}#{node['number']}"
            try:
                extra = None
                if converter.needs_comment_lookup(node):
                    extra = self.rest.list_comments(
                        str(node["repository"]["nameWithOwner"]), int(node["number"])
                    )
                items.append(converter.convert(node, extra))
            except (AuthError, RateLimited):
                raise
            except DATA_ERRORS as exc:
                self.context.item_error(key, f"{key}: could not read the issue: {exc!r}")
        return items

    # -- acting -----------------------------------------------------------------------------
    def apply(self, item: WorkItem, action: Action) -> None:
        parsed = gql.parse_key(item.key)
        if parsed is None:
            raise TrackerError(f"{item.key}: not a GitHub issue key")
        owner, name, number = parsed
        repo = f"{owner}/{name}"
        bot = item.bot or BotState()
        if action.kind == "comment":
            self._comment(repo, number, bot.comment, action)
        elif action.kind == "uncomment":
            if action.comment_id is None:
                return
            if action.body is None:
                self.rest.delete_comment(repo, action.comment_id)
            elif bot.comment is None or bot.comment.body != action.body:
                self.rest.edit_comment(repo, action.comment_id, action.body)
        elif action.kind == "label":
            label = action.label or self.context.settings.actions.label
            if label not in item.labels:
                self._ensure_label(repo, label, LABEL_DESCRIPTIONS["default"])
                self.rest.add_label(repo, number, label)
        elif action.kind == "unlabel":
            label = action.label or self.context.settings.actions.label
            if label in item.labels:
                self.rest.remove_label(repo, number, label)
        elif action.kind == "block":
            self._block(item, repo, number, bot)
        elif action.kind == "unblock":
            self._unblock(item, repo, number, bot)
        else:  # pragma: no cover - Action.kind is a closed set
            raise TrackerError(f"unknown action {action.kind}")

    def _comment(self, repo: str, number: int, existing: BotComment | None, action: Action) -> None:
        body = action.body or ""
        comment_id = action.comment_id or (existing.id if existing else None)
        if comment_id is not None:
            if existing is not None and existing.body == body:
                return  # the content did not change: no write at all
            if self.rest.edit_comment(repo, comment_id, body):
                return
        create_once(
            lambda: self.rest.create_comment(repo, number, body),
            lambda: self._has_comment(repo, number, action.fingerprint),
        )

    def _has_comment(self, repo: str, number: int, fingerprint: str) -> bool:
        """Re-read the issue's comments: is the bot's comment with ``fingerprint`` there?"""
        comments = self.rest.list_comments(repo, number, cache=False)
        found = self.converter.bot_comments(comments).comment
        return found is not None and found.fingerprint == fingerprint

    def key_from_url(self, url: str) -> str | None:
        """``<web_url>/OWNER/REPO/issues/N`` → ``OWNER/REPO#N``."""
        rest = path_under(url, self.web_url)
        found = _GITHUB_URL_KEY.match(rest) if rest is not None else None
        return f"{found.group(1)}#{found.group(2)}" if found else None

    def waiver_texts(self, items: Sequence[WorkItem]) -> Mapping[str, Sequence[str]]:
        """People's comments on the labelled issues, read by REST (one list per issue)."""
        out: dict[str, list[str]] = {}
        for item in items:
            parsed = gql.parse_key(item.key)
            if parsed is None:
                continue
            owner, name, number = parsed
            for comment in self.rest.list_comments(f"{owner}/{name}", number):
                body = str(comment.get("body") or "")
                author = (comment.get("author") or {}).get("login")
                if is_trackerguard_comment(body) or (self.bot_login and author == self.bot_login):
                    continue
                out.setdefault(item.key, []).append(body)
        return out

    def upsert_summary(self, title: str, body: str, labels: Sequence[str]) -> SummaryIssue:
        """The summary issue lives in the first configured repository."""
        if not self.cfg.repos:
            raise NotImplementedError
        repo = self.cfg.repos[0]
        existing = self.rest.open_issue_with_label(repo, labels[0])
        if existing is None:
            for label in labels:
                self._ensure_label(repo, label, LABEL_DESCRIPTIONS["default"])
            created = self.rest.create_issue(repo, title, body, list(labels))
            return SummaryIssue(
                f"{repo}#{created.get('number')}", str(created.get("html_url") or ""), "created"
            )
        number = int(existing["number"])
        key, url = f"{repo}#{number}", str(existing.get("html_url") or "")
        if existing.get("body") == body and existing.get("title") == title:
            return SummaryIssue(key, url, "unchanged")
        self.rest.edit_issue(repo, number, title, body)
        return SummaryIssue(key, url, "updated")

    def _ensure_label(self, repo: str, label: str, description: str) -> None:
        known = self._labels.setdefault(repo, set())
        if label in known:
            return
        # The scan query asks whether both trackerguard labels exist: absent there means
        # absent, so only other labels (or repos read via look-ups) need a GET first.
        ours = label in (self.context.settings.actions.label, self.cfg.block_label)
        seen_absent = ours and repo in self._labels_read
        if seen_absent or not self.rest.label_exists(repo, label):
            self.rest.create_label(repo, label, self.cfg.label_color, description)
        known.add(label)

    def _block(self, item: WorkItem, repo: str, number: int, bot: BotState) -> None:
        label = self.cfg.block_label
        if label not in item.labels:
            self._ensure_label(repo, label, LABEL_DESCRIPTIONS["block"])
            self.rest.add_label(repo, number, label)
        for pr in _pull_requests(bot):
            if pr.get("status") != "FAILURE":
                self.rest.set_status(
                    pr["repository"],
                    pr["sha"],
                    "failure",
                    self.cfg.status_context,
                    f"Blocked by trackerguard: {item.key} needs fixing before merge",
                    item.url,
                )

    def _unblock(self, item: WorkItem, repo: str, number: int, bot: BotState) -> None:
        if self.cfg.block_label in item.labels:
            self.rest.remove_label(repo, number, self.cfg.block_label)
        for pr in _pull_requests(bot):
            if pr.get("status") not in (None, "SUCCESS"):
                self.rest.set_status(
                    pr["repository"],
                    pr["sha"],
                    "success",
                    self.cfg.status_context,
                    f"trackerguard: {item.key} is in order",
                    item.url,
                )

    # -- webhooks ---------------------------------------------------------------------------
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        secret = self.cfg.webhook_secret
        if secret is None or not secret.get_secret_value():
            return self.cfg.insecure_no_signature
        return verify_signature(secret.get_secret_value(), headers, body)

    def bot_identity(self) -> str | None:
        """The bot's login (configured, the App's ``slug[bot]``, or ``GET /user``)."""
        return self.identify()

    def use_bot_identity(self, identity: str | None) -> None:
        if self.cfg.bot_login is None and identity:
            self.bot_login = identity
            self._converter = None

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        login = self.bot_login
        if login is None and self.context.state is not None:
            remembered = self.context.state.recall("github", "bot_login")
            login = remembered if isinstance(remembered, str) else None
        return parse_webhook(
            headers, body, tracker=self.name, bot_login=login, repos=self.cfg.repos
        )


def _node_key(node: Any) -> str | None:
    """``owner/repo#12`` of an issue node, or None when the node does not say."""
    if not isinstance(node, dict) or not isinstance(node.get("number"), int):
        return None
    repo = (node.get("repository") or {}).get("nameWithOwner")
    return f"{repo}#{node['number']}" if isinstance(repo, str) and repo else None


def _closed_before(node: Any, cutoff: datetime) -> bool:
    """A closed issue updated recently but closed before the window: not part of the scan."""
    closed = parse_time(node.get("closedAt")) if isinstance(node, dict) else None
    return closed is not None and closed < cutoff


def _next_cursor_ok(cursor: str | None, used: set[str], where: str, ledger: Any) -> bool:
    """Whether paging may go on with ``cursor``; a missing or repeating cursor while the
    page says there is more is a named problem (the rest was never listed)."""
    if not cursor:
        ledger.problem(
            f"not judged: {where}: GitHub said there are more pages but sent no cursor; "
            "the rest was never listed"
        )
        return False
    if cursor in used:
        ledger.problem(
            f"not judged: {where}: GitHub sent the same page cursor twice; "
            "the items past it were never listed"
        )
        return False
    used.add(cursor)
    return True


def _actions_login(token: str) -> str | None:
    """``github-actions[bot]`` when the token is this workflow's own ``GITHUB_TOKEN``.

    Only then is the writer known for sure: another App's installation token also answers
    403 on ``GET /user`` but writes as that App, so it needs ``bot_login``.
    """
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return None
    actions_token = os.environ.get("GITHUB_TOKEN") or ""
    if actions_token and hmac.compare_digest(actions_token.encode(), token.encode()):
        return "github-actions[bot]"
    return None


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _pull_requests(bot: BotState) -> list[dict[str, Any]]:
    prs = bot.extra.get("pull_requests") if bot.extra else None
    return list(prs) if isinstance(prs, list) else []
