"""The Jira adapter (Cloud REST v3 + ADF, Data Center REST v2 + wiki markup).

Reading is shaped around the fewest requests that still never guess:

1. the first page of the query with every needed field (small queries end here);
2. if there is more, the list of matching keys, cheaply (id-only pages hold up to 5,000
   keys on Cloud, 1,000 on DC), so that a run cut short can name exactly what it did not
   judge; on DC past the 10,000-result window the JQL is narrowed by ``created``;
3. the remaining issues by key, in parallel batches of 100 (``issue/bulkfetch`` on Cloud,
   ``key in (…)`` on DC), with trackerguard's issue entity property in the same response
   (``properties=trackerguard``), so the bot state costs no extra request;
4. goals outside the query and children of goals without a live child, in batches
   (``key in``/bulk fetch, ``parent in (…)``/Epic Link/Parent Link JQL).

Step 4 runs inside :meth:`JiraAdapter.scan` before anything is yielded: if the budget or
the server gives out there, the items whose verdict depends on what could not be read are
reported as not judged instead of being judged on a guess. The engine's own
``fetch_items``/``fetch_children`` calls are then answered from the cache.

Writes follow DESIGN.md's comment contract at one write per comment action (decision
0026): the issue edit (``PUT issue/{key}``) that adds, edits or removes trackerguard's
comment also sets the issue entity property (``[jira] property_key``:
``{comment_id, comment_digest, fingerprint, blocked, status_before_block, written_at}``),
so the scan keeps finding the bot's state in the search itself. An added comment's id is
not in Jira's answer; it is looked up among the bot's own comments the first time an edit
needs it. A lost answer on the adding edit is never resent blindly (``create_once``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trackerguard.plugins.jira.client import JiraClient
from trackerguard.plugins.jira.mapping import (
    BOT_WRITE_WINDOW,
    FieldIds,
    Mapper,
    discover_fields,
    parse_time,
)
from trackerguard.plugins.jira.settings import JiraSettings

from trackerguard.adapter import (
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
    TrackerError,
    UsageError,
    WriteDeferred,
)
from trackerguard.graph import StrategyGraph
from trackerguard.model import WorkItem
from trackerguard.text.normalize import normalize

log = logging.getLogger("trackerguard.jira")
_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")
_ORDER_BY = re.compile(r"\border\s+by\b[^\"']*$", re.IGNORECASE)
ID_PAGE = {"cloud": 5000, "datacenter": 1000}
_DEFERRED_ROUNDS = 3
"""Bulk fetches of issues Jira deferred (``issueErrors``) before they are reported."""
_COMMENT_STATE = ("comment_id", "comment_digest", "fingerprint")
"""The part of trackerguard's issue property that describes its comment."""
FORBIDDEN_RETRY = timedelta(days=1)
"""How long a write refused with 403 is not asked again for that issue."""


def _chunks(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _jql_list(keys: Iterable[str]) -> str:
    return ", ".join(f'"{k}"' for k in keys)


def strip_order(jql: str) -> str:
    """The query's condition without its ORDER BY (we order pages ourselves)."""
    return _ORDER_BY.sub("", jql).strip()


_JIRA_URL_KEY = re.compile(r"(?:^/browse/|[?&]selectedIssue=)([A-Z][A-Z0-9_]*-[0-9]+)\b")


class JiraAdapter(TrackerAdapter):
    """Reads issues, judges nothing, writes only what the planner asked for."""

    name: ClassVar[str] = "jira"
    Settings: ClassVar[type[TrackerSettings]] = JiraSettings
    description_format: ClassVar[str] = "adf"
    supports_webhooks: ClassVar[bool] = True

    def __init__(self, settings: TrackerSettings, context: AdapterContext) -> None:
        super().__init__(settings, context)
        assert isinstance(settings, JiraSettings)
        self.cfg: JiraSettings = settings
        self.notes: list[str] = []
        self._client: JiraClient | None = None
        self._mapper: Mapper | None = None
        self._bot_id: str | None = settings.bot_account_id
        self._cache: dict[str, WorkItem] = {}
        self._missing: set[str] = set()
        self._page_served: int | None = None
        """Data Center: the most issues with fields one search page was seen to carry (its
        ``maxResults`` answer), when below ``page_size``; ``key in`` batches are cut to it so
        each costs one page, not three."""
        self._children_done: set[str] = set()
        self._state: dict[str, dict[str, Any]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._last_error: TrackerError | None = None
        self._tz = ZoneInfo("UTC")
        self._deferred: set[str] = set()
        """Items this run did not write because a 403 on them is remembered (a run note)."""
        self._uncertain: set[str] = set()
        """Items whose comment write failed this run: re-read the property before the next
        write of it (see :meth:`_refresh_comment_state`)."""

    # -- connection ----------------------------------------------------------------------------
    @property
    def client(self) -> JiraClient:
        if self._client is None:
            self._client = JiraClient(self.cfg, self.context.requests)
        return self._client

    @property
    def base_url(self) -> str:
        return (self.cfg.url or "").rstrip("/")

    def check_connection(self) -> None:
        me = self.client.connect()
        if self._bot_id is None:
            self._bot_id = str(me.get("accountId") or me.get("name") or "") or None
        try:
            self._tz = ZoneInfo(str(me.get("timeZone") or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            self._tz = ZoneInfo("UTC")
        self.mapper  # noqa: B018 - discover custom fields up front (one request)

    def ensure_identity(self) -> None:
        if self._bot_id is None:
            raise ConfigError(
                "jira.bot_account_id: Jira did not name the token's account (GET myself), so "
                "trackerguard cannot tell its own comments from other people's; set "
                "[jira] bot_account_id (TRACKERGUARD_JIRA__BOT_ACCOUNT_ID)"
            )

    @property
    def mapper(self) -> Mapper:
        if self._mapper is None:
            client = self.client
            cloud = client.cloud
            needs_fields = not cloud or self.cfg.block == "flag" or bool(self.cfg.target_end_field)
            ids = FieldIds()
            if needs_fields:
                ids = discover_fields(
                    client.fields(),
                    epic_link=self.cfg.epic_link_field,
                    parent_link=self.cfg.parent_link_field,
                    flagged=self.cfg.flagged_field,
                    target_end=self.cfg.target_end_field,
                )
                if not cloud and not (ids.epic_link or ids.parent_link):
                    self.notes.append(
                        "jira: no Epic Link / Parent Link field found; stories and epics on "
                        "this site are read without their parents"
                    )
            self._mapper = Mapper(
                base_url=self.base_url,
                cloud=cloud,
                ids=ids,
                levels=self.context.levels,
                statuses=self.context.statuses,
                levels_from=self.cfg.levels_from,
                property_key=self.cfg.property_key,
                extra_fields=tuple(self.cfg.extra_fields),
            )
        return self._mapper

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- low-level reads -----------------------------------------------------------------------
    def _fields(self) -> list[str]:
        fields: list[str] = self.mapper.request_fields(flagged=self.cfg.block == "flag")
        return fields

    def _search_page(
        self, jql: str, *, fields: list[str], size: int, token: str | None = None, start: int = 0
    ) -> dict[str, Any]:
        """One page: ``search/jql`` + ``nextPageToken`` (Cloud), ``search`` + ``startAt`` (DC)."""
        if self.client.cloud:
            body: dict[str, Any] = {"jql": jql, "maxResults": size, "fields": fields}
            if fields != ["id"]:
                body["properties"] = [self.cfg.property_key]
            if token:
                body["nextPageToken"] = token
            result = self.client.call("POST", "search/jql", "searching issues", body=body)
        else:
            body = {
                "jql": jql,
                "startAt": start,
                "maxResults": size,
                "fields": fields,
                "validateQuery": "warn",
            }
            if fields != ["id"]:
                body["properties"] = [self.cfg.property_key]
            result = self.client.call("POST", "search", "searching issues", body=body)
            served = result.get("maxResults") if isinstance(result, dict) else None
            if fields != ["id"] and isinstance(served, int) and 0 < served < size:
                self._page_served = min(served, self._page_served or served)
        return result if isinstance(result, dict) else {}

    def _search_all(self, jql: str, fields: list[str]) -> list[dict[str, Any]]:
        """Every page of a (small) JQL search, e.g. children of a batch of goals."""
        out: list[dict[str, Any]] = []
        token: str | None = None
        start = 0
        seen_tokens: set[str] = set()
        while True:
            page = self._search_page(
                jql, fields=fields, size=self.cfg.page_size, token=token, start=start
            )
            issues = list(page.get("issues") or [])
            out.extend(issues)
            if self.client.cloud:
                token = page.get("nextPageToken")
                if not token or page.get("isLast") is True:
                    return out
                if token in seen_tokens:
                    raise TrackerError(
                        f"searching issues: Jira sent the page token {token[:12]}… twice "
                        f"after {len(out)} issues; the rest of the results were never read"
                    )
                seen_tokens.add(token)
            else:
                start += len(issues)
                total = int(page.get("total") or 0)
                if start >= total:
                    return out
                if not issues:
                    raise TrackerError(
                        f"searching issues: Jira announced {total} issues but sent an empty "
                        f"page after {start}"
                    )

    def _key_pages(self, jql: str) -> Iterator[list[str]]:
        """The keys (Cloud: ids) matching ``jql``, one list per id-only page as it arrives,
        so their bulk fetches start while the next page is requested; DC narrows past the
        window. The whole list goes to the scan ledger once the listing ends."""
        flavor = self.client.detect()
        size = ID_PAGE[flavor]
        keys: list[str] = []
        seen: set[str] = set()
        ledger = self.context.ledger
        if flavor == "cloud":
            # ``fields: ["id"]`` pages carry issue ids only (the spec: "`id` Returns only
            # issue IDs"); the bulk fetch takes ids as well as keys.
            token: str | None = None
            tokens: set[str] = set()
            while True:
                page = self._search_page(jql, fields=["id"], size=size, token=token)
                mark = len(keys)
                for issue in page.get("issues") or []:
                    ident = str(issue.get("id") or issue.get("key") or "")
                    if not ident:
                        ledger.problem(
                            f"not judged: listing issues: an id-only page held an entry "
                            f"without id after {len(keys)} issues"
                        )
                    elif ident not in seen:
                        seen.add(ident)
                        keys.append(ident)
                yield keys[mark:]
                token = page.get("nextPageToken")
                if not token or page.get("isLast") is True:
                    ledger.listed(keys)
                    return
                if token in tokens:
                    ledger.listed(keys)
                    ledger.problem(
                        f"not judged: listing issues: Jira sent the same page token twice "
                        f"after {len(keys)} issues; issues past it were never listed"
                    )
                    return
                tokens.add(token)
        condition = strip_order(jql)
        window = self.cfg.search_window
        narrowed = f"({condition}) ORDER BY created ASC, key ASC"
        start = 0
        last_created: str | None = None
        found_at_restart = -1
        while True:
            page = self._search_page(
                narrowed, fields=["id", "created"], size=min(size, window - start), start=start
            )
            issues = list(page.get("issues") or [])
            mark = len(keys)
            for issue in issues:
                key = str(issue.get("key") or issue.get("id") or "")
                if key and key not in seen:
                    seen.add(key)
                    keys.append(key)
                last_created = (issue.get("fields") or {}).get("created") or last_created
            yield keys[mark:]
            start += len(issues)
            total = int(page.get("total") or 0)
            if not issues or start >= total:
                ledger.listed(keys)
                if not issues and start < total:
                    ledger.announced(total, "listing issues (startAt pages)")
                return
            if start >= window:
                # Past the search window: restart from the last minute seen (JQL dates have
                # minute precision; the overlap is de-duplicated by key).
                if not last_created or len(keys) == found_at_restart:
                    raise TrackerError(
                        f"more than {window} issues share one creation minute; narrow the query"
                    )
                found_at_restart = len(keys)
                when = parse_time(last_created)
                if when is None:
                    raise TrackerError(f"unreadable creation time {last_created!r}")
                # JQL dates are wall-clock times in the bot user's time zone.
                minute = when.astimezone(self._tz).strftime("%Y/%m/%d %H:%M")
                narrowed = f'({condition}) AND created >= "{minute}" ORDER BY created ASC, key ASC'
                start = 0

    def _fetch_batch(self, keys: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
        """Up to 100 issues by id or key in one request; also the ids Jira deferred.

        Cloud's bulk fetch lists in ``issueErrors`` the issues it could not return "due to
        a retriable error or payload constraint"; those are asked for again. Issues that
        do not exist or are not visible are simply absent.
        """
        fields = self._fields()
        if self.client.cloud:
            body = {
                "issueIdsOrKeys": keys,
                "fields": fields,
                "properties": [self.cfg.property_key],
            }
            result = self.client.call("POST", "issue/bulkfetch", "reading issues", body=body)
            result = result if isinstance(result, dict) else {}
            deferred = [
                str(error.get("id"))
                for error in result.get("issueErrors") or []
                if isinstance(error, dict) and error.get("id")
            ]
            return list(result.get("issues") or []), deferred
        jql = f"key in ({_jql_list(keys)})"
        raws = self._search_all(jql, fields) if len(keys) > 1 else []
        if len(keys) == 1:
            raws = list(self._search_page(jql, fields=fields, size=1).get("issues") or [])
        return raws, []

    def _fetch_many(
        self,
        keys: Iterable[str],
        why: str,
        *,
        scanned: bool = False,
        more: Iterable[Sequence[str]] = (),
    ) -> tuple[list[WorkItem], list[str]]:
        """Batches in parallel (bounded by ``concurrency``); returns items and failed keys.

        ``more``: further keys that become known while the first batches are in flight (the
        query's later id pages); each list is fetched as soon as it arrives. ``scanned``:
        the items are the scan's own (judged), so each batch is handed to the runner's
        ``prepare`` as it is mapped, while the next batches are still in flight."""
        prepare = self.context.prepare if scanned else None
        cloud = self.client.cloud
        seen: set[str] = set()

        def usable(candidates: Iterable[str]) -> list[str]:
            out = []
            for k in candidates:
                if k not in seen and (_KEY.match(k) or (cloud and k.isdigit())):
                    seen.add(k)
                    out.append(k)
            return out

        items: list[WorkItem] = []
        failed: list[str] = []
        errors: list[TrackerError] = []

        def run(batch: list[str]) -> tuple[list[dict[str, Any]], list[str]] | TrackerError:
            try:
                return self._fetch_batch(batch)
            except TrackerError as exc:
                return exc

        pending = usable(keys)
        arriving = iter(more)  # exhausted in the first round
        # The later key pages are asked for on a thread of their own, so batches already
        # answered are mapped while the next page is on its way (not after all of them).
        listing_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jira-listing")

        def next_page() -> Sequence[str] | None:
            return next(arriving, None)

        listing: Future[Sequence[str] | None] | None = None
        if more != ():
            listing = listing_pool.submit(next_page)
        for _ in range(_DEFERRED_ROUNDS):
            deferred: list[str] = []
            with ThreadPoolExecutor(max_workers=max(1, self.cfg.concurrency)) as pool:
                queue: deque[tuple[list[str], Future[Any]]] = deque()
                try:
                    for batch in _chunks(pending, self._batch_size()):
                        queue.append((batch, pool.submit(run, batch)))
                    # Results are mapped in order as they arrive, overlapping parsing (and
                    # the rules' prepare) with the network waits of the batches behind.
                    while queue or listing is not None:
                        if listing is not None and (listing.done() or not queue):
                            extra = listing.result()  # a failed listing raises here
                            listing = None
                            if extra is not None:
                                for batch in _chunks(usable(extra), self._batch_size()):
                                    queue.append((batch, pool.submit(run, batch)))
                                listing = listing_pool.submit(next_page)
                            continue
                        batch, future = queue.popleft()
                        result = future.result()
                        if isinstance(result, TrackerError):
                            if isinstance(result, AuthError):
                                raise result
                            failed.extend(batch)
                            errors.append(result)
                            continue
                        raws, later = result
                        start = len(items)
                        for raw in raws:
                            item = self._remember_checked(raw)
                            if item is not None:
                                items.append(item)
                        if prepare is not None:
                            for item in items[start:]:
                                prepare(item)
                        deferred.extend(later)
                except BaseException:
                    for _, future in queue:  # nothing more is sent once the scan has failed
                        future.cancel()
                    listing_pool.shutdown(wait=False, cancel_futures=True)
                    raise
            pending = deferred
            if not pending:
                break
        listing_pool.shutdown(wait=False)
        if pending:
            failed.extend(pending)
            errors.append(
                TrackerError(
                    f"Jira deferred {len(pending)} issues in {_DEFERRED_ROUNDS} bulk fetches "
                    "in a row (issueErrors)"
                )
            )
        if errors:
            log.warning(
                "jira: %s: %d of %d issues unread: %s", why, len(failed), len(seen), errors[0]
            )
            self._last_error = errors[0]
        return items, failed

    def _batch_size(self) -> int:
        """Issues per batch read: ``batch_size``, or on Data Center no more than one search
        page was seen to carry (a batch past it would be read page after page)."""
        configured: int = self.cfg.batch_size
        if self.client.cloud or self._page_served is None:
            return configured
        return max(1, min(configured, self._page_served))

    def _remember_checked(self, raw: Mapping[str, Any]) -> WorkItem | None:
        """Like :meth:`_remember`, but an issue whose key cannot be parsed is named (by
        its id) in the scan ledger instead of being judged under a made-up key."""
        key = str(raw.get("key") or "")
        if not _KEY.match(key):
            ident = str(raw.get("id") or key or "?")
            self.context.ledger.problem(
                f"not judged: Jira returned issue id {ident} with an unparseable key {key!r}",
                item=ident,
            )
            return None
        try:
            return self._remember(raw)
        except DATA_ERRORS as exc:  # a field of an unexpected shape: this issue only
            self.context.item_error(key, f"{key}: could not read the issue: {exc!r}")
            return None

    def _remember(self, raw: Mapping[str, Any]) -> WorkItem:
        item: WorkItem = self.mapper.item(raw)
        ident = raw.get("id")
        if ident:
            self.context.ledger.alias(str(ident), item.key)
        self._cache[item.key] = item
        self._state.setdefault(
            item.key, dict((item.bot.extra if item.bot else {}).get("property") or {})
        )
        return item

    # -- scanning ------------------------------------------------------------------------------
    def _jql(self, request: ScanRequest) -> str | None:
        parts: list[str] = []
        if request.query:
            parts.append(f"({strip_order(request.query)})")
        if request.keys and request.query:
            parts.append(f"key in ({_jql_list(request.keys)})")
        if request.since is not None:
            # JQL dates are read in the bot user's time zone, not UTC.
            when = request.since.astimezone(self._tz).strftime("%Y/%m/%d %H:%M")
            parts.append(f'updated >= "{when}"')
        if not parts or (request.keys and not request.query):
            return None
        return " AND ".join(parts) + " ORDER BY key ASC"

    def scan(self, request: ScanRequest) -> Iterator[WorkItem]:
        if not request.query and not request.keys:
            raise UsageError("jira: give a JQL query (--query or [jira] query) or issue keys")
        self._last_error = None
        jql = self._jql(request)
        scanned: list[WorkItem] = []
        unread: list[str] = []
        if jql is None:
            items, unread = self._fetch_many(
                [k.upper() for k in request.keys], "reading keys", scanned=True
            )
            scanned.extend(items)
        else:
            scanned, unread = self._scan_query(jql)
        for key in unread:
            what = f"issue id {key}: " if key.isdigit() else ""
            self.context.item_error(key, what + self._unjudged_reason(), judged=False)
        blocked = self._complete_context(scanned, set(unread))
        for item in scanned:
            if item.key in blocked:
                continue
            yield item

    def _unjudged_reason(self) -> str:
        err = self._last_error
        return f"not judged: could not be read ({err})" if err else "not judged: could not be read"

    def _scan_query(self, jql: str) -> tuple[list[WorkItem], list[str]]:
        fields = self._fields()
        client = self.client
        first = self._search_page(jql, fields=fields, size=self.cfg.page_size)
        scanned = [
            item
            for item in (self._remember_checked(raw) for raw in first.get("issues") or [])
            if item is not None
        ]
        if client.cloud:
            # The token's absence is the spec's end-of-results signal (isLast is optional).
            more = bool(first.get("nextPageToken")) and first.get("isLast") is not True
        else:
            more = int(first.get("total") or 0) > len(first.get("issues") or [])
        if not more:
            self.context.ledger.listed(
                str(raw.get("id") or "") for raw in first.get("issues") or []
            )
            return scanned, []
        have = {item.key for item in scanned}
        have |= {str((item.raw or {}).get("id")) for item in scanned}
        keys: list[str] = []

        def listed() -> Iterator[list[str]]:
            try:
                for page in self._key_pages(jql):
                    keys.extend(page)
                    yield [k for k in page if k not in have]
            except TrackerError as exc:
                raise type(exc)(
                    f"{exc} — only {len(scanned)} issues were read before the query's key "
                    "list failed; nothing was judged"
                ) from None

        # Each id page's issues are bulk-fetched while the next id page is requested.
        items, failed = self._fetch_many(
            (), "reading the query's issues", scanned=True, more=listed()
        )
        rest = [k for k in keys if k not in have]
        by_ident: dict[str, WorkItem] = {}
        for item in scanned + items:
            by_ident[item.key] = item
            by_ident[str((item.raw or {}).get("id"))] = item
        ordered = list({id(by_ident[k]): by_ident[k] for k in keys if k in by_ident}.values())
        placed = {item.key for item in ordered}
        ordered += [item for item in scanned if item.key not in placed]
        gone = set(rest) - set(failed) - {i.key for i in items}
        gone -= {str((i.raw or {}).get("id")) for i in items}
        for ident in sorted(gone):
            self.context.item_error(
                ident,
                f"not judged: issue {'id ' if ident.isdigit() else ''}{ident} was listed by the "
                "search but the bulk fetch did not return it (deleted, moved or no longer "
                "visible to the bot)",
            )
        return ordered, failed

    def _complete_context(self, scanned: list[WorkItem], unread: set[str]) -> set[str]:
        """Prefetch goals outside the scan and children of goals; return keys not judgeable.

        ``unread`` are keys of the query that could not be read: items depending on them
        are not judged either (their goal might be exactly what could not be read).
        """
        link_types = self.context.settings.graph.goal_link_types
        known: dict[str, WorkItem] = {item.key: item for item in scanned}
        unreadable: set[str] = set(unread)
        frontier: list[WorkItem] = scanned
        for _ in range(self.context.settings.graph.max_fetch_rounds):
            wanted = StrategyGraph.referenced(frontier, link_types) - known.keys() - self._missing
            wanted -= unreadable
            if not wanted:
                break
            fetched, failed = self._fetch_many(sorted(wanted), "reading goals outside the query")
            for item in fetched:
                known.setdefault(item.key, item)
            unreadable |= set(failed)
            self._missing |= wanted - {i.key for i in fetched} - set(failed)
            frontier = fetched
        levels = self.context.levels
        goals = [
            item.key
            for item in scanned
            if levels.is_goal(item.level) and not item.is_closed and item.key not in unreadable
        ]
        if goals:
            probe = StrategyGraph(known, levels, link_types)
            need = [k for k in goals if not probe.has_live_child(k)]
            if need:
                children, failed_goals = self._children(need, known)
                for item in children:
                    known.setdefault(item.key, item)
                unreadable |= set(failed_goals)
        if not unreadable:
            return set()
        # Every scanned item whose goal walk touches an unreadable key cannot be judged.
        graph = StrategyGraph(known, levels, link_types)
        blocked: set[str] = set()
        reason = self._unjudged_reason()
        for item in scanned:
            touched = {item.key} | set(graph.serving_targets(item))
            path = graph.goal_of(item.key)
            touched |= set(path.via) | set(path.dangling)
            hit = sorted(touched & unreadable)
            if hit:
                blocked.add(item.key)
                self.context.item_error(
                    item.key, f"{reason}: depends on {', '.join(hit[:5])}", judged=False
                )
        return blocked

    def _children(
        self, goals: Sequence[str], known: Mapping[str, WorkItem]
    ) -> tuple[list[WorkItem], list[str]]:
        """Direct children of ``goals``: by parent (or Epic/Parent Link) and by goal links."""
        mapper = self.mapper
        clauses = ["parent"]
        if not self.client.cloud:
            clauses += [
                c
                for c in (
                    mapper.ids.clause(mapper.ids.epic_link),
                    mapper.ids.clause(mapper.ids.parent_link),
                )
                if c
            ]
        found: list[WorkItem] = []
        failed: list[str] = []
        link_types = {t.casefold() for t in self.context.settings.graph.goal_link_types}
        linked: set[str] = set()
        for chunk in _chunks(list(goals), 50):
            keys = _jql_list(chunk)
            jql = " OR ".join(f"{c} in ({keys})" for c in clauses) + " ORDER BY key ASC"
            try:
                raws = self._search_all(jql, self._fields())
            except TrackerError as exc:
                if isinstance(exc, AuthError):
                    raise
                self._last_error = exc
                failed.extend(chunk)
                continue
            found.extend(item for raw in raws if (item := self._remember_checked(raw)))
            self._children_done.update(chunk)
            for key in chunk:
                goal = known.get(key)
                for link in goal.links if goal else ():
                    if link.direction == "inward" and (
                        link.type.casefold() in link_types or link.name.casefold() in link_types
                    ):
                        linked.add(link.target)
        linked -= set(known) | {i.key for i in found}
        if linked:
            items, _ = self._fetch_many(sorted(linked), "reading linked children")
            found.extend(items)
        return found, failed

    def fetch_items(self, keys: Sequence[str]) -> list[WorkItem]:
        out = [self._cache[k] for k in keys if k in self._cache]
        todo = [k for k in keys if k not in self._cache and k not in self._missing]
        if todo:
            items, failed = self._fetch_many(todo, "reading goals")
            if failed:
                raise self._last_error or TrackerError("reading goals failed")
            self._missing |= set(todo) - {i.key for i in items}
            out.extend(items)
        return out

    def fetch_children(self, keys: Sequence[str]) -> list[WorkItem]:
        todo = [k for k in keys if k not in self._children_done]
        if todo:
            _, failed = self._children(todo, self._cache)
            if failed:
                raise self._last_error or TrackerError("reading children failed")
        wanted = set(keys)
        link_types = self.context.settings.graph.goal_link_types
        probe = StrategyGraph(self._cache, self.context.levels, link_types)
        out = {child.key: child for key in wanted for child in probe.children(key)}
        return list(out.values())

    # -- acting --------------------------------------------------------------------------------
    def _lock(self, key: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def _render(self, markdown: str) -> Any:
        from trackerguard.text.render import to_adf, to_jira_wiki

        return to_adf(markdown) if self.client.cloud else to_jira_wiki(markdown)

    def apply(self, item: WorkItem, action: Action) -> None:
        with self._lock(item.key):
            self._refuse_if_forbidden(item.key)
            state = self._state.setdefault(
                item.key, dict((item.bot.extra if item.bot else {}).get("property") or {})
            )
            handler = {
                "comment": self._comment,
                "uncomment": self._uncomment,
                "label": self._label,
                "unlabel": self._label,
                "block": self._block,
                "unblock": self._unblock,
            }[action.kind]
            commenting = action.kind in ("comment", "uncomment")
            if not commenting and item.key in self._uncertain:
                self._refresh_comment_state(item, state)
            try:
                handler(item, action, state)
            except TrackerError as exc:
                if commenting:
                    # The comment edit may have been applied (a lost answer the re-read
                    # could not settle): what the property now says is unknown here.
                    self._uncertain.add(item.key)
                if exc.status == 403 and not isinstance(exc, AuthError):
                    self._remember_forbidden(item.key)
                raise

    def _refresh_comment_state(self, item: WorkItem, state: dict[str, Any]) -> None:
        """Take the comment's part of the state from Jira before writing the property again.

        A later write of the same run (a transition, a flag) carries the whole property;
        after a failed comment write the copy held here may be stale, and writing it would
        erase the record of a comment that was in fact added (the next run would comment
        again). The property on the issue is the truth: it changed together with the
        comment, in one edit.
        """
        try:
            found = self.client.call(
                "GET",
                f"issue/{item.key}/properties/{self.cfg.property_key}",
                f"{item.key}: reading trackerguard's state",
            )
        except TrackerError as exc:
            if exc.status != 404:
                raise
            found = None
        value = (found or {}).get("value") if isinstance(found, Mapping) else None
        server = value if isinstance(value, Mapping) else {}
        for key in _COMMENT_STATE:
            if key in server:
                state[key] = server[key]
            else:
                state.pop(key, None)
        self._uncertain.discard(item.key)

    # -- items the bot may not write (403) ------------------------------------------------
    def _remember_forbidden(self, key: str) -> None:
        """A 403 on a write: remember it (state store) so the next runs of the day do not
        ask again; after ``FORBIDDEN_RETRY`` the write is tried once more."""
        store = self.context.state
        if store is not None:
            store.remember("jira.forbidden", key, datetime.now(UTC).isoformat())

    def _refuse_if_forbidden(self, key: str) -> None:
        store = self.context.state
        if store is None:
            return
        seen = store.recall("jira.forbidden", key)
        when = parse_time(seen) if isinstance(seen, str) else None
        if when is None:
            return
        retry_at = when + FORBIDDEN_RETRY
        if datetime.now(UTC) >= retry_at:
            store.forget("jira.forbidden", key)
            return
        with self._locks_guard:
            self._deferred.add(key)
        raise WriteDeferred(
            f"{key}: not written: Jira refused the bot's writes on this issue (HTTP 403) at "
            f"{when:%Y-%m-%d %H:%M} UTC; trying again after {retry_at:%Y-%m-%d %H:%M} UTC"
        )

    def flush(self) -> None:
        """One run note for every item whose writes were deferred after a remembered 403."""
        if self._deferred:
            keys = sorted(self._deferred)
            shown = ", ".join(keys[:10]) + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")
            self.notes.append(
                f"jira: {len(keys)} issue{'s' if len(keys) != 1 else ''} not written because "
                f"Jira refused the bot's writes there in the last day (HTTP 403): {shown}; "
                "grant the bot 'Edit issues' (and 'Add comments') or exclude them; trackerguard "
                "tries again a day after the refusal"
            )
            self._deferred.clear()

    def _stamp(self, item: WorkItem, state: dict[str, Any]) -> dict[str, Any]:
        """The property value to store: state plus when we wrote (bot writes ≠ activity)."""
        out = {k: v for k, v in state.items() if v is not None}
        out["written_at"] = datetime.now(UTC).isoformat()
        activity = item.activity
        if activity is not None:
            out["seen_activity"] = activity.isoformat()
        return out

    @property
    def _quiet(self) -> dict[str, str] | None:
        """``notifyUsers=false`` on edits when ``[jira] notify = false`` (needs admin rights)."""
        return None if self.cfg.notify else {"notifyUsers": "false"}

    def _save_state(self, item: WorkItem, state: dict[str, Any]) -> None:
        self.client.call(
            "PUT",
            f"issue/{item.key}/properties/{self.cfg.property_key}",
            f"{item.key}: saving trackerguard's state",
            body=self._stamp(item, state),
        )

    # -- the comment: one edit carries the comment and the state ------------------------------
    def _edit_with_state(
        self,
        item: WorkItem,
        operation: dict[str, Any],
        state: dict[str, Any],
        what: str,
        *,
        once: bool = False,
        quiet: bool = True,
    ) -> None:
        """One ``PUT issue/{key}``: a comment operation (``add``/``edit``/``remove``, one per
        request) and trackerguard's issue property together, so a comment costs one write
        and the state can never lag behind the comment it describes."""
        self.client.call(
            "PUT",
            f"issue/{item.key}",
            what,
            params=self._quiet if quiet else None,
            body={
                "update": {"comment": [operation]},
                "properties": [{"key": self.cfg.property_key, "value": self._stamp(item, state)}],
            },
            once=once,
        )

    def _bot_comments(self, item: WorkItem, what: str) -> list[dict[str, Any]]:
        """The bot's comments on ``item``, newest first (every page)."""
        out: list[dict[str, Any]] = []
        bots = self._bot_ids()
        start = 0
        while True:
            page = self.client.call(
                "GET",
                f"issue/{item.key}/comment",
                what,
                params={"orderBy": "-created", "startAt": start, "maxResults": 100},
            )
            comments = list((page or {}).get("comments") or [])
            for comment in comments:
                author = comment.get("author") or {}
                who = str(author.get("accountId") or author.get("name") or "")
                if who and who in bots:
                    out.append(comment)
            start += len(comments)
            if not comments or start >= int((page or {}).get("total") or 0):
                return out

    def _find_comment(self, item: WorkItem, state: Mapping[str, Any], what: str) -> str | None:
        """The id of the bot's comment the state describes but whose id it does not hold.

        A comment added through an issue edit comes back without an id, so the state keeps
        a digest of its text and when it was written. The bot's comment with that text is
        it; failing that (a person edited the text), the bot's comment written within
        ``BOT_WRITE_WINDOW`` of the state's write, or its only comment on the issue (the
        clocks disagree). Only the bot's own comments are ever
        considered: a person's comment, whatever it says, is never edited or removed.
        """
        digest = state.get("comment_digest")
        mine = self._bot_comments(item, what)
        for comment in mine:
            if digest and self._digest(comment.get("body")) == digest:
                return str(comment.get("id"))
        written = parse_time(state.get("written_at"))
        for comment in mine if written is not None else ():
            created = parse_time(comment.get("created"))
            if created is not None and abs(created - written) <= BOT_WRITE_WINDOW:
                return str(comment.get("id"))
        # The bot writes one comment per issue: a single one of its own is that one.
        return str(mine[0].get("id")) if len(mine) == 1 else None

    def _digest(self, body: Any) -> str:
        """What identifies the text of a comment across Jira's round trip (ADF or wiki)."""
        text = (
            normalize(body, "adf")
            if isinstance(body, Mapping)
            else normalize(str(body or ""), "jira_wiki")
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def _comment_exists(self, item: WorkItem, comment_id: str, what: str) -> bool:
        return any(str(c.get("id")) == comment_id for c in self._bot_comments(item, what))

    def _comment(self, item: WorkItem, action: Action, state: dict[str, Any]) -> None:
        body = self._render(action.body or "")
        what = f"{item.key}: writing the trackerguard comment"
        comment_id = action.comment_id
        if comment_id == "":  # the state knows of a comment but not its id
            comment_id = self._find_comment(item, state, what)
        new = dict(state, fingerprint=action.fingerprint, comment_digest=self._digest(body))
        if comment_id:
            new["comment_id"] = comment_id
            try:
                self._edit_with_state(item, {"edit": {"id": comment_id, "body": body}}, new, what)
            except TrackerError as exc:
                # Jira answers an edit of a deleted comment with a validation error: look.
                if exc.status not in (400, 404) or self._comment_exists(item, comment_id, what):
                    raise
            else:
                state.clear()
                state.update(new)
                return
        self._create(item, body, new, what)
        state.clear()
        state.update(new)

    def _create(self, item: WorkItem, body: Any, new: dict[str, Any], what: str) -> None:
        """Add the comment and the state in one edit, exactly once.

        The edit is not idempotent (each one adds a comment), so a lost answer raises
        :class:`AmbiguousWrite`; the bot's comments are then read back and the one with
        this text means the edit was applied (its id is stored, which costs a property
        write only in that case). Only when it is absent is the edit sent again.
        """
        new.pop("comment_id", None)

        def add() -> None:
            self._edit_with_state(item, {"add": {"body": body}}, new, what, once=True, quiet=False)

        def applied() -> bool:
            for comment in self._bot_comments(item, f"{item.key}: looking for the comment"):
                if self._digest(comment.get("body")) == new["comment_digest"]:
                    new["comment_id"] = str(comment.get("id"))
                    self._save_state(item, new)
                    return True
            return False

        create_once(add, applied)

    def _uncomment(self, item: WorkItem, action: Action, state: dict[str, Any]) -> None:
        what = f"{item.key}: resolving the trackerguard comment"
        comment_id = action.comment_id
        if comment_id == "":
            comment_id = self._find_comment(item, state, what)
        comment_id = comment_id or state.get("comment_id")
        if action.body is None:  # resolved = "delete"
            new = {
                k: v
                for k, v in state.items()
                if k not in ("comment_id", "fingerprint", "comment_digest")
            }
            operation: dict[str, Any] = {"remove": {"id": comment_id}}
        else:
            body = self._render(action.body)
            new = dict(state, fingerprint=action.fingerprint, comment_digest=self._digest(body))
            new["comment_id"] = comment_id
            operation = {"edit": {"id": comment_id, "body": body}}
        if not comment_id:  # the comment is gone already: only the state changes
            new.pop("comment_id", None)
            new.pop("comment_digest", None)
            self._save_state(item, new)
        else:
            try:
                self._edit_with_state(item, operation, new, what)
            except TrackerError as exc:
                if exc.status not in (400, 404) or self._comment_exists(item, comment_id, what):
                    raise
                new.pop("comment_id", None)
                new.pop("comment_digest", None)
                self._save_state(item, new)  # a person deleted it: forget it
        state.clear()
        state.update(new)

    def _label(self, item: WorkItem, action: Action, state: dict[str, Any]) -> None:
        verb = "add" if action.kind == "label" else "remove"
        self.client.call(
            "PUT",
            f"issue/{item.key}",
            f"{item.key}: {'adding' if verb == 'add' else 'removing'} label '{action.label}'",
            params=self._quiet,
            body={"update": {"labels": [{verb: action.label}]}},
        )

    def _transition_to(self, item: WorkItem, status: str, state: dict[str, Any], what: str) -> None:
        result = self.client.call("GET", f"issue/{item.key}/transitions", what)
        for transition in (result or {}).get("transitions") or []:
            target = (transition.get("to") or {}).get("name") or ""
            if str(target).casefold() == status.casefold():
                self.client.call(
                    "POST",
                    f"issue/{item.key}/transitions",
                    what,
                    body={
                        "transition": {"id": str(transition["id"])},
                        "properties": [
                            {"key": self.cfg.property_key, "value": self._stamp(item, state)}
                        ],
                    },
                )
                return
        raise TrackerError(
            f"{what}: no transition from '{item.status}' to '{status}' is available to the bot "
            '(check the workflow, or set [jira] block = "flag")'
        )

    def _set_flag(self, item: WorkItem, on: bool, state: dict[str, Any], what: str) -> None:
        flagged = self.mapper.ids.flagged
        if not flagged:
            raise TrackerError(f"{what}: this site has no Flagged field (set [jira] flagged_field)")
        self.client.call(
            "PUT",
            f"issue/{item.key}",
            what,
            params=self._quiet,
            body={
                "fields": {flagged: [{"value": "Impediment"}] if on else None},
                "properties": [{"key": self.cfg.property_key, "value": self._stamp(item, state)}],
            },
        )

    def _block(self, item: WorkItem, action: Action, state: dict[str, Any]) -> None:
        what = f"{item.key}: blocking"
        new = dict(state, blocked=True, mode=self.cfg.block)
        if self.cfg.block == "flag":
            self._set_flag(item, True, new, what)
        else:
            if item.status.casefold() == self.cfg.blocked_status.casefold():
                new["status_before_block"] = None
                self._save_state(item, new)
            else:
                new["status_before_block"] = item.status
                self._transition_to(item, self.cfg.blocked_status, new, what)
        state.clear()
        state.update({k: v for k, v in new.items() if v is not None})

    def _unblock(self, item: WorkItem, action: Action, state: dict[str, Any]) -> None:
        what = f"{item.key}: lifting the block"
        new = {
            k: v for k, v in state.items() if k not in ("blocked", "status_before_block", "mode")
        }
        mode = state.get("mode", self.cfg.block)
        before = state.get("status_before_block")
        if mode == "flag":
            self._set_flag(item, False, new, what)
        elif before and item.status.casefold() == self.cfg.blocked_status.casefold():
            self._transition_to(item, str(before), new, what)
        else:
            self._save_state(item, new)  # a human already moved it on: only forget the block
        state.clear()
        state.update(new)

    # -- webhooks ------------------------------------------------------------------------------
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        secret = self.cfg.webhook_secret
        if secret is None:
            return bool(self.cfg.insecure_no_signature)
        from trackerguard.plugins.jira import webhooks  # the service's only: not for check

        ok: bool = webhooks.verify_signature(headers, body, secret.get_secret_value())
        return ok

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        from trackerguard.plugins.jira import webhooks  # its payload models cost ~50 ms

        query = self.context.settings.query
        event: WebhookEvent = webhooks.parse(
            headers,
            body,
            bot_ids=self._bot_ids(),
            property_key=self.cfg.property_key,
            scope=webhooks.JiraScope(strip_order(query) if query else None),
        )
        return event

    def key_from_url(self, url: str) -> str | None:
        """``<url>/browse/ACME-5`` (or ``?selectedIssue=ACME-5`` on board URLs)."""
        rest = path_under(url, self.cfg.url or "")
        found = _JIRA_URL_KEY.search(rest) if rest is not None else None
        return found.group(1) if found else None

    def waiver_texts(self, items: Sequence[WorkItem]) -> Mapping[str, Sequence[str]]:
        """People's comments on the labelled issues (ADF or wiki text); never the bot's."""
        out: dict[str, list[str]] = {}
        bots = self._bot_ids()
        for item in items:
            ours = item.bot.comment.id if item.bot and item.bot.comment else None
            page = self.client.call(
                "GET",
                f"issue/{item.key}/comment",
                f"{item.key}: reading comments for waiver lines",
                params={"maxResults": 100},
            )
            for comment in (page or {}).get("comments") or []:
                author = comment.get("author") or {}
                who = str(author.get("accountId") or author.get("name") or "")
                if str(comment.get("id")) == ours or (who and who in bots):
                    continue
                body = comment.get("body")
                text = normalize(body, "adf") if isinstance(body, Mapping) else str(body or "")
                out.setdefault(item.key, []).append(text)
        return out

    def _bot_ids(self) -> set[str]:
        """Parsing never asks Jira (``/myself`` is :meth:`bot_identity`'s, off the request
        path): the configured or adopted account only."""
        return {self._bot_id} if self._bot_id else set()

    def bot_identity(self) -> str | None:
        """The bot's account (configured ``bot_account_id``, else ``/myself``: the Cloud
        ``accountId`` or the Server/DC user ``name``)."""
        if self.cfg.bot_account_id:
            return str(self.cfg.bot_account_id)
        if not self.cfg.url or self.cfg.token is None:
            return None
        me = self.client.myself()
        return str(me.get("accountId") or me.get("name") or "") or None

    def use_bot_identity(self, identity: str | None) -> None:
        if self.cfg.bot_account_id is None and identity:
            self._bot_id = identity


__all__ = ["JiraAdapter", "strip_order"]
