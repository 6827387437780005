"""The Redmine adapter: reads issues in pages of 100 and acts through notes and statuses.

Requests per full scan, for N issues of which M carry an earlier trackerguard write:
``ceil(N/100)`` issue pages (relations included) + ``ceil(M/100)`` pages of the issues the API
user has written on (Redmine's ``updated_by`` filter) + one ``/issues/:id.json?include=journals``
per such issue *that changed since the last run* (Redmine 5.0 lists journals only per issue;
the facts are cached in the state store by ``updated_on``, see :mod:`.cache`) + one versions
list per project + two small look-ups (current user, statuses). ``--since last`` adds
``updated_on>=…`` to both lists, so its cost follows the number of changed issues, not the
size of the project.

Nothing is written while reading: every write happens in :meth:`apply`, after the whole scan
and its context reads have succeeded, so a Redmine that stops answering mid-scan leaves no
half-done verdicts behind (exit 3 names the items that were not judged).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from trackerguard.plugins.redmine.cache import JournalCache
from trackerguard.plugins.redmine.client import RedmineClient, RedmineDown
from trackerguard.plugins.redmine.formatting import check_formatting
from trackerguard.plugins.redmine.mapping import (
    MappingContext,
    Version,
    find_custom_field,
    issue_id,
    issue_key,
    label_values,
    to_item,
    to_version,
)
from trackerguard.plugins.redmine.notes import (
    JournalFacts,
    note_fingerprint,
    read_journals,
    render_note,
)
from trackerguard.plugins.redmine.settings import RedmineSettings

from trackerguard.adapter import Action, AdapterContext, ScanRequest, TrackerAdapter
from trackerguard.bot_comments import create_once
from trackerguard.cross_tracker import path_under
from trackerguard.errors import DATA_ERRORS, AuthError, ConfigError, TrackerError
from trackerguard.model import BotComment, WorkItem

log = logging.getLogger("trackerguard.redmine")

_ID_CHUNK = 100
"""Ids per ``issue_id=``/``parent_id=`` filter: keeps URLs far below WEBrick's 2 KB limit."""
_PREVIEW = 20


class RedmineAdapter(TrackerAdapter):
    """Redmine 5.0+ over REST (``X-Redmine-API-Key``)."""

    name: ClassVar[str] = "redmine"
    Settings: ClassVar[type[RedmineSettings]] = RedmineSettings
    description_format: ClassVar[str] = "textile"
    supports_webhooks: ClassVar[bool] = False

    def __init__(
        self,
        settings: RedmineSettings,
        context: AdapterContext,
        *,
        client: RedmineClient | None = None,
    ) -> None:
        super().__init__(settings, context)
        self.config = settings
        if not settings.url:
            raise ConfigError(
                "redmine.url: not set (put url under [redmine] or set TRACKERGUARD_REDMINE__URL)"
            )
        parts = urlsplit(settings.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"redmine.url: expected an http(s) URL, got '{settings.url}'")
        if settings.api_key is None or not settings.api_key.get_secret_value():
            raise ConfigError(
                "redmine.api_key: not set (set TRACKERGUARD_REDMINE__API_KEY to the bot's API key)"
            )
        self.base_url = settings.url.rstrip("/")
        self.client = client or RedmineClient(
            self.base_url,
            settings.api_key.get_secret_value(),
            counters=context.requests,
            timeout=settings.timeout,
            retries=settings.retries,
            max_wait=settings.max_wait,
        )
        self.notes: list[str] = []
        """Per-run notes for the report (e.g. why labels were skipped)."""
        self._user_id: int | None = None
        self._statuses: dict[int, tuple[str, bool]] | None = None
        self._versions: dict[int, Version] = {}
        self._version_projects: set[int] = set()
        self._scanned: list[str] = []
        self._apply_down_reported = False
        self.journal_cache = JournalCache(context.state, self.base_url)

    @staticmethod
    def canonical_key(key: str) -> str:
        """``12`` and ``#12`` name the same issue; keys are reported as ``#12``."""
        number = issue_id(key)
        return issue_key(number) if number is not None else key

    def labels_note(self) -> str:
        return (
            "labels skipped: Redmine has no labels; set [redmine] label_field to a list "
            "custom field (with the label as a possible value) to get them"
        )

    @property
    def supports_labels(self) -> bool:
        """Labels need a configured custom field; without one, label actions are no-ops."""
        return bool(self.config.label_field)

    # -- small look-ups ------------------------------------------------------------------------
    def check_connection(self) -> None:
        """``GET /users/current.json``: 401 for a bad key even where projects are public."""
        try:
            user = self.client.get("/users/current.json").get("user") or {}
        except AuthError:
            raise
        except RedmineDown as exc:
            raise TrackerError(f"{exc}; check [redmine] url") from None
        except TrackerError as exc:
            if exc.status == 403:
                raise AuthError(
                    "Redmine refused the API key (403 on /users/current.json); "
                    "check that the REST API is enabled and the account is active",
                    status=403,
                ) from None
            raise
        if not user.get("id"):
            raise AuthError("Redmine did not identify the API user (is the REST API enabled?)")
        self._user_id = int(user["id"])

    def ensure_identity(self) -> None:
        """The API user (``/users/current``) writes every note: known before any write."""
        _ = self.user_id

    @property
    def user_id(self) -> int:
        if self._user_id is None:
            self.check_connection()
        assert self._user_id is not None
        return self._user_id

    @property
    def statuses(self) -> dict[int, tuple[str, bool]]:
        """Status id → (name, is_closed), read once per run."""
        if self._statuses is None:
            rows = self.client.get("/issue_statuses.json").get("issue_statuses") or []
            self._statuses = {
                int(r["id"]): (str(r.get("name") or ""), bool(r.get("is_closed"))) for r in rows
            }
        return self._statuses

    def status_id(self, name: str) -> int | None:
        folded = name.strip().casefold()
        for sid, (sname, _closed) in self.statuses.items():
            if sname.casefold() == folded:
                return sid
        return None

    def _load_versions(self, issues: Iterable[Mapping[str, Any]]) -> None:
        """Batch-read versions (with due dates) once per project that uses them."""
        wanted: set[int] = set()
        for issue in issues:
            version = issue.get("fixed_version") or {}
            if version.get("id") and int(version["id"]) not in self._versions:
                project = (issue.get("project") or {}).get("id")
                if project and int(project) not in self._version_projects:
                    wanted.add(int(project))
        for project in sorted(wanted):
            self._version_projects.add(project)
            try:
                rows = self.client.get(f"/projects/{project}/versions.json").get("versions") or []
            except RedmineDown:
                raise
            except TrackerError as exc:  # e.g. versions not visible: milestones lose due dates
                log.warning("cannot read versions of project %s: %s", project, exc)
                continue
            for row in rows:
                version = to_version(row)
                self._versions[version.id] = version

    def _mapping(self) -> MappingContext:
        fmt = "textile" if self.config.text_formatting == "textile" else "markdown"
        return MappingContext(
            base_url=self.base_url,
            levels=self.context.levels,
            statuses=self.context.statuses,
            text_format=fmt,
            versions=self._versions,
            label_field=self.config.label_field,
        )

    # -- reading -------------------------------------------------------------------------------
    def _base_params(self, request: ScanRequest) -> dict[str, str | int]:
        params: dict[str, str | int] = {
            "status_id": "*" if self.config.include_closed else "open",
            "include": "relations",
            "sort": "id",
        }
        if request.since is not None:
            since = request.since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            params["updated_on"] = f">={since}"
        if request.query:
            # The query is a Redmine issue filter in URL form, e.g. "tracker_id=5&query_id=3".
            params.update(dict(parse_qsl(request.query.lstrip("?"), keep_blank_values=True)))
        return params

    def _scopes(self, request: ScanRequest) -> list[dict[str, str | int]]:
        base = self._base_params(request)
        if request.keys:
            ids = sorted({i for i in (issue_id(k) for k in request.keys) if i is not None})
            return [
                {**base, "status_id": "*", "issue_id": ",".join(map(str, chunk))}
                for chunk in _chunks(ids, _ID_CHUNK)
            ]
        if self.config.projects:
            return [{**base, "project_id": project} for project in self.config.projects]
        return [base]

    def _list(
        self, scopes: Sequence[Mapping[str, str | int]], *, declare: bool = False
    ) -> dict[int, dict[str, Any]]:
        """Issues of every scope by id; with ``declare`` the listing is the scan's, told to
        the ledger (ids listed, ``total_count`` against what came, entries without an id)."""
        issues: dict[int, dict[str, Any]] = {}
        ledger = self.context.ledger if declare else None
        for params in scopes:
            where = "listing issues" + (
                f" of project {params['project_id']}" if "project_id" in params else ""
            )
            for index, issue in enumerate(
                self.client.paginate(
                    "/issues.json",
                    "issues",
                    params,
                    self.config.page_size,
                    ledger=ledger,
                    where=where,
                )
            ):
                number = issue.get("id") if isinstance(issue, dict) else None
                if not isinstance(number, int) or number <= 0:
                    if ledger is not None:
                        ledger.problem(
                            f"not judged: {where}: Redmine returned entry {index + 1} "
                            f"without a readable id ({number!r})"
                        )
                    continue
                if ledger is not None:
                    ledger.listed([issue_key(number)])
                issues.setdefault(number, issue)
        return issues

    def scan(self, request: ScanRequest) -> Iterator[WorkItem]:
        """Yield the requested issues, each with the state of trackerguard's earlier writes."""
        issues: dict[int, dict[str, Any]] = {}
        try:
            if request.keys and not any(issue_id(k) is not None for k in request.keys):
                return
            scopes = self._scopes(request)
            issues = self._list(scopes, declare=not request.keys)
            self._scanned = [issue_key(i) for i in issues]
            touched = self._list([{**s, "updated_by": self.user_id} for s in scopes])
            self._load_versions(issues.values())
            self._check_formatting(issues.values())
            items = self._with_bot_state(issues, touched.keys() & issues.keys())
        except RedmineDown as exc:
            raise TrackerError(
                self._down_message(str(exc), [issue_key(i) for i in issues])
            ) from None
        yield from items

    def _with_bot_state(
        self, issues: Mapping[int, Mapping[str, Any]], touched: set[int]
    ) -> list[WorkItem]:
        """Map every issue; read the journals of those the API user has written on."""
        ctx = self._mapping()
        blocked_id = self.status_id(self.config.blocked_status) if touched else None
        names = {sid: name for sid, (name, _) in self.statuses.items()} if touched else {}
        items: list[WorkItem] = []
        for number, issue in issues.items():
            if number not in touched:
                self._append_item(items, issue, ctx)
                continue
            stamp = {
                "updated_on": issue.get("updated_on"),
                "user": self.user_id,
                "blocked": blocked_id,
            }
            facts = self.journal_cache.get(number, stamp)
            if facts is not None:
                self._append_item(items, issue, ctx, facts)
                continue
            try:
                full = self.client.get(f"/issues/{number}.json", {"include": "journals"})
            except RedmineDown:
                raise
            except TrackerError as exc:
                self.context.item_error(issue_key(number), f"cannot read its notes: {exc}")
                continue
            journals = (full.get("issue") or {}).get("journals") or []
            label_cf = (
                find_custom_field(issue, self.config.label_field)
                if self.config.label_field
                else None
            )
            facts = read_journals(
                journals,
                bot_user_id=self.user_id,
                current_status_id=(issue.get("status") or {}).get("id"),
                blocked_status_id=blocked_id,
                status_names=names,
                label_field_id=int(label_cf["id"]) if label_cf and label_cf.get("id") else None,
            )
            self.journal_cache.put(number, stamp, facts)
            self._append_item(items, issue, ctx, facts)
        return items

    def _append_item(
        self,
        items: list[WorkItem],
        issue: Mapping[str, Any],
        ctx: MappingContext,
        facts: JournalFacts | None = None,
    ) -> None:
        """Map one issue; data of an unexpected shape is an error for that issue only."""
        try:
            item = to_item(issue, ctx, facts.bot if facts else None)
        except DATA_ERRORS as exc:
            key = issue_key(str(issue.get("id", "?")))
            self.context.item_error(key, f"{key}: could not read the issue: {exc!r}")
            return
        items.append(_with_facts(item, facts) if facts else item)

    def key_from_url(self, url: str) -> str | None:
        """``<url>/issues/N`` → ``#N``."""
        rest = path_under(url, self.base_url)
        found = re.match(r"^/issues/([0-9]+)(?:[/?#.]|$)", rest) if rest is not None else None
        return issue_key(found.group(1)) if found else None

    def waiver_texts(self, items: Sequence[WorkItem]) -> Mapping[str, Sequence[str]]:
        """People's notes (journals) on the labelled issues; the bot's notes never count."""
        out: dict[str, list[str]] = {}
        for item in items:
            number = issue_id(item.key)
            if number is None:
                continue
            full = self.client.get(f"/issues/{number}.json", {"include": "journals"})
            for journal in (full.get("issue") or {}).get("journals") or []:
                notes = str(journal.get("notes") or "")
                by_bot = (journal.get("user") or {}).get("id") == self.user_id
                if notes and not by_bot and note_fingerprint(notes) is None:
                    out.setdefault(item.key, []).append(notes)
        return out

    def _check_formatting(self, issues: Iterable[Mapping[str, Any]]) -> None:
        """One run note when the descriptions are clearly in another format than configured."""
        found = check_formatting(str(issue.get("description") or "") for issue in issues)
        note = found.note(self.config.text_formatting)
        if note and note not in self.notes:
            self.notes.append(note)

    def _down_message(self, reason: str, read: Sequence[str]) -> str:
        keys = list(read or self._scanned)
        if not keys:
            return f"{reason}; no issue was judged and nothing was written"
        preview = ", ".join(keys[:_PREVIEW]) + (
            f" and {len(keys) - _PREVIEW} more" if len(keys) > _PREVIEW else ""
        )
        return (
            f"{reason}; the scan stopped and nothing was written: "
            f"{len(keys)} issue{'s' if len(keys) != 1 else ''} not judged: {preview}"
        )

    def _fetch(self, keys: Sequence[str], field: str, chunk: int) -> list[WorkItem]:
        ids = sorted({i for i in (issue_id(k) for k in keys) if i is not None})
        scopes = [
            {
                "status_id": "*",
                "include": "relations",
                "sort": "id",
                field: ",".join(map(str, part)),
            }
            for part in _chunks(ids, chunk)
        ]
        try:
            issues = self._list(scopes)
            # The same activity as in a scan: issues the API user wrote on are read through
            # their journals, so trackerguard's own notes never count as movement below a goal.
            touched = (
                self._list([{**s, "updated_by": self.user_id} for s in scopes]) if issues else {}
            )
            self._load_versions(issues.values())
            return self._with_bot_state(issues, touched.keys() & issues.keys())
        except RedmineDown as exc:
            raise TrackerError(self._down_message(str(exc), self._scanned)) from None

    def fetch_items(self, keys: Sequence[str]) -> list[WorkItem]:
        """Goals outside the scan, 100 ids per request (``issue_id=1,2,3``)."""
        return self._fetch(keys, "issue_id", _ID_CHUNK)

    def fetch_children(self, keys: Sequence[str]) -> list[WorkItem]:
        """Direct children of the given goals, in any project (``parent_id=1,2,3``)."""
        return self._fetch(keys, "parent_id", _ID_CHUNK)

    # -- acting --------------------------------------------------------------------------------
    def apply(self, item: WorkItem, action: Action) -> None:
        """Perform one action; a Redmine that went away stops all further writes at once."""
        number = issue_id(item.key)
        if number is None:
            raise TrackerError(f"{item.key} is not a Redmine issue key")
        try:
            if action.kind in ("comment", "uncomment"):
                self._write_note(number, item, action)
            elif action.kind in ("label", "unlabel"):
                self._write_label(number, item, action)
            elif action.kind == "block":
                self._set_status(number, item, self._blocked_status_id(), "block")
            elif action.kind == "unblock":
                # Only lift our own block: a person who already moved the issue on (e.g. to
                # Closed) must not see it reopened.
                if item.status.casefold() == self.config.blocked_status.casefold():
                    self._set_status(number, item, self._restore_status_id(item), "unblock")
            else:
                raise TrackerError(f"unknown action '{action.kind}'")
        except RedmineDown as exc:
            if not self._apply_down_reported:
                self._apply_down_reported = True
                self.context.item_error(
                    item.key,
                    f"{exc}; this and the remaining actions were not applied",
                )
            raise TrackerError(str(exc)) from None

    def _write_note(self, number: int, item: WorkItem, action: Action) -> None:
        if action.kind == "uncomment" and action.body is None:
            if action.comment_id:  # Redmine destroys a journal whose notes become empty
                try:
                    self.client.put(
                        f"/journals/{action.comment_id}.json", {"journal": {"notes": ""}}
                    )
                except TrackerError as exc:
                    if exc.status != 404:  # already gone: what we wanted
                        raise
                duplicate = item.bot is not None and action.comment_id in item.bot.duplicates
                if duplicate:
                    self.journal_cache.note_edited(number, None, deleted=action.comment_id)
                else:
                    self.journal_cache.note_edited(number, None)
            return
        body = render_note(action.body or "", action.fingerprint, self.config.text_formatting)
        if action.comment_id:
            try:
                self.client.put(f"/journals/{action.comment_id}.json", {"journal": {"notes": body}})
                comment = BotComment(action.comment_id, body, action.fingerprint)
                self.journal_cache.note_edited(number, comment)
                return
            except TrackerError as exc:
                if exc.status != 404:  # our note was deleted meanwhile: post a new one
                    raise
        create_once(
            lambda: self.client.put(
                f"/issues/{number}.json", {"issue": {"notes": body}}, idempotent=False
            ),
            lambda: self._has_note(number, action.fingerprint),
        )

    def _has_note(self, number: int, fingerprint: str) -> bool:
        """Re-read the issue's journals: is the bot's note with ``fingerprint`` there?"""
        full = self.client.get(f"/issues/{number}.json", {"include": "journals"})
        facts = read_journals(
            (full.get("issue") or {}).get("journals") or [],
            bot_user_id=self.user_id,
            current_status_id=None,
            blocked_status_id=None,
            status_names={},
        )
        found = facts.bot.comment
        return found is not None and found.fingerprint == fingerprint

    def _write_label(self, number: int, item: WorkItem, action: Action) -> None:
        field_name = self.config.label_field
        label = action.label or ""
        if not field_name:
            message = (
                "labels skipped: Redmine has no labels; set [redmine] label_field to a list "
                "custom field (with the label as a possible value) to get them"
            )
            if message not in self.notes:
                self.notes.append(message)
            return
        cf = find_custom_field(item.raw or {}, field_name)
        if cf is None:
            raise TrackerError(
                f"custom field '{field_name}' is not enabled for {item.key} ({item.type}); "
                "enable it for the tracker and project"
            )
        values = label_values(cf.get("value"))
        if action.kind == "label" and label not in values:
            values.append(label)
        elif action.kind == "unlabel":
            values = [v for v in values if v != label]
        value: Any = values if cf.get("multiple") else ", ".join(values)
        self.client.put(
            f"/issues/{number}.json",
            {"issue": {"custom_fields": [{"id": cf["id"], "value": value}]}},
        )

    def _blocked_status_id(self) -> int:
        sid = self.status_id(self.config.blocked_status)
        if sid is None:
            raise TrackerError(
                f"Redmine has no status named '{self.config.blocked_status}' "
                "(create it, or set [redmine] blocked_status)"
            )
        return sid

    def _restore_status_id(self, item: WorkItem) -> int:
        before = item.bot.status_before_block if item.bot else None
        if before:
            sid = self.status_id(before)
            if sid is not None:
                return sid
        # Unknown earlier status: the first open status (Redmine's default "New").
        for sid, (_name, closed) in sorted(self.statuses.items()):
            if not closed and sid != self.status_id(self.config.blocked_status):
                return sid
        raise TrackerError("Redmine has no open status to return to")

    def _set_status(self, number: int, item: WorkItem, target: int, verb: str) -> None:
        """Change the status and read it back: Redmine ignores workflow-invalid changes."""
        self.client.put(f"/issues/{number}.json", {"issue": {"status_id": target}})
        issue = self.client.get(f"/issues/{number}.json").get("issue") or {}
        now = (issue.get("status") or {}).get("id")
        if now != target:
            name = self.statuses.get(target, (str(target), False))[0]
            raise TrackerError(
                f"Redmine did not {verb} {item.key}: the move from '{item.status}' to '{name}' "
                f"is not allowed by the workflow of the API user's role for tracker "
                f"'{item.type}' (Administration > Workflow)"
            )

    def close(self) -> None:
        self.client.close()


def _chunks(values: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _with_facts(item: WorkItem, facts: JournalFacts) -> WorkItem:
    """Last activity without the bot's own writes (they must not count as movement)."""
    last = facts.last_activity or item.created
    if item.created and last and last < item.created:
        last = item.created
    return replace(item, last_activity=last)
