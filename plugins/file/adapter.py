"""The file tracker: a backlog in one JSON or YAML file.

It lets anyone try the whole loop (judge, comment, label, block, fix, resolve) without a
tracker, and is the reference adapter for plugin authors. Schema (``docs/file-tracker.md``)::

    {"items": [{"key", "type", "title", "description", "status", "status_category",
                "parent", "links": [{"type", "target", "direction"}], "assignee", "due",
                "milestone", "milestone_due", "labels", "created", "updated", "fields",
                "comments": [{"id", "author", "body", "created"}]}]}

With ``--apply`` the adapter edits only what it owns (its comment, its label, the status
while blocked, and a ``trackerguard`` memo per item) and writes the file back atomically
(temp file in the same directory, fsync, rename): an interrupted run never leaves a torn
backlog, and every other field, including unknown ones, is kept as it was. The file stays
the person's: the text is edited in place (``rewrite.py``: only the members written change,
so a git diff shows just them, YAML comments included), the mode and owner are kept, and a
symlinked backlog is written through (the link stays a link).
"""

from __future__ import annotations

import copy
import json
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

import yaml

from trackerguard.adapter import (
    Action,
    AdapterContext,
    ScanRequest,
    SummaryIssue,
    TrackerAdapter,
)
from trackerguard.bot_comments import SeenComment, sort_comments
from trackerguard.comment import is_trackerguard_comment
from trackerguard.errors import ConfigError, TrackerError, UsageError
from trackerguard.model import BotState, Link, StatusCategory, WorkItem
from trackerguard.text.normalize import normalize

from .rewrite import rewrite
from .settings import FileSettings

BOT_AUTHOR = "trackerguard"
MAX_DEPTH = 64
"""Deepest nesting a backlog may have: deeper data is refused with a clear error before
anything recursive (JSON encoders, CEL, the state store) could fail on it."""
SUMMARY_KEY = "TRACKERGUARD-SUMMARY"
BLOCKED_STATUS = "Blocked"
_CATEGORIES = {category.value: category for category in StatusCategory}


class FileAdapter(TrackerAdapter):
    """Reads and writes a local backlog file."""

    name: ClassVar[str] = "file"
    Settings = FileSettings
    description_format: ClassVar[str] = "markdown"

    def __init__(self, settings: FileSettings, context: AdapterContext) -> None:
        super().__init__(settings, context)
        self.settings: FileSettings = settings
        self.path = settings.path
        self._document: dict[str, Any] | None = None
        self._text = ""
        self._read_items: list[dict[str, Any]] = []
        self._raw_by_key: dict[str, dict[str, Any]] = {}
        self._items: dict[str, WorkItem] = {}
        self._dirty = False

    # -- loading -------------------------------------------------------------------------------
    def _format(self) -> str:
        if self.settings.format != "auto":
            return self.settings.format
        return "yaml" if self.path.suffix.lower() in (".yaml", ".yml") else "json"

    def _where(self) -> str:
        """The config file (or variable) and key that named the backlog, for error messages."""
        return f"{self.context.settings.source_of(('file', 'path'))}: key 'file.path'"

    def _load(self) -> None:
        if self._document is not None:
            return
        try:
            with self.path.open(encoding="utf-8", newline="") as handle:  # keep CRLF as written
                text = handle.read()
        except FileNotFoundError:
            raise ConfigError(
                f"{self._where()}: backlog file '{self.path}' does not exist"
            ) from None
        except OSError as exc:
            raise ConfigError(
                f"{self._where()}: cannot read '{self.path}': {exc.strerror}"
            ) from None
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{self.path}: not UTF-8 text (byte {exc.start}); a backlog is a JSON or YAML file"
            ) from None
        try:
            document = yaml.safe_load(text) if self._format() == "yaml" else json.loads(text)
        except RecursionError:
            raise ConfigError(
                f"{self.path}: values nested deeper than the parser can follow; "
                f"a backlog nests at most {MAX_DEPTH} levels"
            ) from None
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{self.path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise ConfigError(f"{self.path}: invalid YAML{where}: {problem}") from None
        if not isinstance(document, dict) or not isinstance(document.get("items"), list):
            raise ConfigError(f"{self.path}: expected an object with an 'items' list")
        if _deeper_than(document, MAX_DEPTH):
            raise ConfigError(
                f"{self.path}: values nested deeper than {MAX_DEPTH} levels; a backlog item's "
                "fields are plain data a few levels deep"
            )
        self._document = document
        self._text = text
        self._read_items = copy.deepcopy(document["items"])
        for index, raw in enumerate(document["items"]):
            item = self._to_item(raw, index)
            if item.key in self._items:
                raise ConfigError(f"{self.path}: items[{index}]: duplicate key '{item.key}'")
            self._raw_by_key[item.key] = raw
            self._items[item.key] = item

    def _to_item(self, raw: Any, index: int) -> WorkItem:
        where = f"{self.path}: items[{index}]"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: expected an object")
        key = raw.get("key")
        if not isinstance(key, str | int) or not str(key).strip():
            raise ConfigError(f"{where}: missing 'key'")
        key = str(key)
        where = f"{self.path}: item '{key}'"
        title = raw.get("title")
        if not isinstance(title, str):
            raise ConfigError(f"{where}: missing 'title'")
        type_name = str(raw.get("type") or "")
        labels = raw.get("labels") or []
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise ConfigError(f"{where}: 'labels' must be a list of strings")
        status = str(raw.get("status") or "")
        category_raw = raw.get("status_category")
        if category_raw is not None:
            if category_raw not in _CATEGORIES:
                raise ConfigError(
                    f"{where}: 'status_category' must be one of {', '.join(_CATEGORIES)}"
                )
            category = _CATEGORIES[category_raw]
            if status and self.context.statuses.categorize(status) is StatusCategory.CANCELLED:
                category = StatusCategory.CANCELLED
        else:
            category = self.context.statuses.categorize(status)
        links = tuple(self._links(raw.get("links") or [], where))
        fields = raw.get("fields") or {}
        if not isinstance(fields, dict):
            raise ConfigError(f"{where}: 'fields' must be an object")
        stored = raw.get("trackerguard")
        if stored is not None and not isinstance(stored, dict):
            raise ConfigError(
                f"{where}: 'trackerguard' (the memo trackerguard keeps) must be an object"
            )
        memo: Mapping[str, Any] = stored or {}
        comments = raw.get("comments")
        if comments is not None and not (
            isinstance(comments, list) and all(isinstance(entry, dict) for entry in comments)
        ):
            raise ConfigError(f"{where}: 'comments' must be a list of objects")
        return WorkItem(
            tracker=self.name,
            key=key,
            title=title,
            type=type_name,
            url=str(raw.get("url") or ""),
            level=self.context.levels.classify(type_name, labels),
            status=status,
            status_category=category,
            description=normalize(raw.get("description"), self.description_format),  # type: ignore[arg-type]
            parent=str(raw["parent"]) if raw.get("parent") not in (None, "") else None,
            links=links,
            assignee=str(raw["assignee"]) if raw.get("assignee") else None,
            due=_date(raw.get("due"), f"{where}: 'due'"),
            milestone=str(raw["milestone"]) if raw.get("milestone") else None,
            milestone_due=_date(raw.get("milestone_due"), f"{where}: 'milestone_due'"),
            labels=frozenset(labels),
            fields=fields,
            created=_datetime(raw.get("created"), f"{where}: 'created'"),
            updated=_datetime(raw.get("updated"), f"{where}: 'updated'"),
            bot=self._bot_state(raw, memo),
            raw=None,
        )

    @staticmethod
    def _links(raw_links: Any, where: str) -> Iterator[Link]:
        if not isinstance(raw_links, list):
            raise ConfigError(f"{where}: 'links' must be a list")
        for link in raw_links:
            if not isinstance(link, dict) or not link.get("type") or not link.get("target"):
                raise ConfigError(f"{where}: each link needs 'type' and 'target'")
            direction = link.get("direction", "outward")
            if direction not in ("outward", "inward"):
                raise ConfigError(f"{where}: link direction must be 'outward' or 'inward'")
            yield Link(str(link["type"]), direction, str(link["target"]))

    @staticmethod
    def _bot_state(raw: Mapping[str, Any], memo: Mapping[str, Any]) -> BotState:
        """trackerguard's comment is one it wrote (``author`` ``trackerguard``) with the
        marker: a person's comment that quotes the marker is never edited or deleted."""
        entries = raw.get("comments")
        found = sort_comments(
            (
                SeenComment(
                    str(entry.get("id", "")),
                    str(entry.get("body", "")),
                    str(entry.get("author") or ""),
                    position,
                )
                for position, entry in enumerate(entries if isinstance(entries, list) else [])
                if isinstance(entry, dict)
            ),
            lambda author: author == BOT_AUTHOR,
        )
        return BotState(
            comment=found.comment,
            blocked=bool(memo.get("blocked")),
            status_before_block=memo.get("status_before_block"),
            duplicates=found.duplicates,
            foreign_markers=found.foreign,
        )

    # -- reading -------------------------------------------------------------------------------
    def waiver_texts(self, items: Sequence[WorkItem]) -> Mapping[str, Sequence[str]]:
        """People's comments on the labelled items (waiver lines may stand there)."""
        out: dict[str, list[str]] = {}
        for item in items:
            raw = self._raw_by_key.get(item.key) or {}
            comments = raw.get("comments")
            for entry in comments if isinstance(comments, list) else []:
                if not isinstance(entry, dict):
                    continue
                body = str(entry.get("body") or "")
                if entry.get("author") == BOT_AUTHOR or is_trackerguard_comment(body):
                    continue
                out.setdefault(item.key, []).append(body)
        return out

    def key_from_url(self, url: str) -> str | None:
        """The item whose ``url`` field is exactly ``url`` (the file tracker has no web UI)."""
        self._load()
        wanted = url.strip()
        return next((item.key for item in self._items.values() if item.url == wanted), None)

    def check_connection(self) -> None:
        self._load()

    def total_hint(self, request: ScanRequest) -> int | None:
        self._load()
        return len(request.keys) if request.keys else len(self._items)

    def scan(self, request: ScanRequest) -> Iterator[WorkItem]:
        self._load()
        if request.query:
            raise UsageError("--query: the file tracker has no query language; pass keys instead")
        if request.keys:
            found = [self._items[key] for key in request.keys if key in self._items]
        else:
            since = request.since
            found = [
                item
                for item in self._items.values()
                if since is None or (item.updated is not None and item.updated >= since)
            ]
        # Declared to the core's ledger, so a subclass dropping items cannot do it silently.
        self.context.ledger.listed(item.key for item in found)
        yield from found

    def fetch_items(self, keys: Sequence[str]) -> list[WorkItem]:
        self._load()
        return [self._items[key] for key in keys if key in self._items]

    def fetch_children(self, keys: Sequence[str]) -> list[WorkItem]:
        self._load()
        wanted = set(keys)
        return [
            item
            for item in self._items.values()
            if item.parent in wanted or any(link.target in wanted for link in item.links)
        ]

    # -- acting --------------------------------------------------------------------------------
    def apply(self, item: WorkItem, action: Action) -> None:
        self._load()
        raw = self._raw_by_key.get(item.key)
        if raw is None:
            raise TrackerError(f"{item.key} is no longer in {self.path}")
        kind = action.kind
        if kind in ("comment", "uncomment"):
            self._write_comment(raw, action)
        elif kind in ("label", "unlabel"):
            labels = [label for label in raw.get("labels") or [] if label != action.label]
            if kind == "label" and action.label:
                labels.append(action.label)
            raw["labels"] = labels
        elif kind == "block":
            memo = raw.setdefault("trackerguard", {})
            memo["blocked"] = True
            memo["status_before_block"] = raw.get("status")
            raw["status"] = BLOCKED_STATUS
        elif kind == "unblock":
            memo = raw.get("trackerguard") or {}
            previous = memo.get("status_before_block")
            if raw.get("status") == BLOCKED_STATUS:
                raw["status"] = previous or "To Do"
            raw.pop("trackerguard", None)
        self._dirty = True

    def _write_comment(self, raw: dict[str, Any], action: Action) -> None:
        comments = raw.setdefault("comments", [])
        mine = [entry for entry in comments if _is_own_comment(entry)]
        by_id = {str(entry.get("id", "")): entry for entry in mine}
        if action.comment_id is not None:
            existing = by_id.get(action.comment_id)
        else:
            existing = mine[-1] if mine else None
        if action.body is None:
            if existing is not None:
                comments.remove(existing)
            return
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if existing is None:
            taken = {str(entry.get("id", "")) for entry in comments if isinstance(entry, dict)}
            number = len(comments) + 1
            while f"tg-{number}" in taken:
                number += 1
            comments.append(
                {
                    "id": f"tg-{number}",
                    "author": BOT_AUTHOR,
                    "body": action.body,
                    "created": now,
                }
            )
        else:
            existing["body"] = action.body
            existing["updated"] = now

    def upsert_summary(self, title: str, body: str, labels: Sequence[str]) -> SummaryIssue:
        """The summary as an item of the backlog (key ``TRACKERGUARD-SUMMARY`` when new),
        found again by its label; written at once, like every apply, atomically."""
        self._load()
        assert self._document is not None
        found = next(
            (
                raw
                for raw in self._document["items"]
                if isinstance(raw, dict) and labels[0] in (raw.get("labels") or [])
            ),
            None,
        )
        status: Literal["created", "updated", "unchanged"]
        if found is None:
            key = SUMMARY_KEY
            while key in self._raw_by_key:
                key += "-1"
            found = {"key": key, "type": "Summary", "title": title, "labels": list(labels)}
            self._document["items"].append(found)
            self._raw_by_key[key] = found
            status = "created"
        elif found.get("description") == body and found.get("title") == title:
            return SummaryIssue(str(found["key"]), status="unchanged")
        else:
            status = "updated"
        found["title"] = title
        found["description"] = body
        found["updated"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._dirty = True
        self.flush()
        return SummaryIssue(str(found["key"]), status=status)

    def flush(self) -> None:
        if not self._dirty or self._document is None:
            return
        fmt = self._format()
        text = rewrite(self._text, fmt, self._read_items, self._document["items"], self._document)
        if text is None:  # a layout the in-place editor cannot follow: dump it all
            if fmt == "yaml":
                text = yaml.safe_dump(self._document, sort_keys=False, allow_unicode=True)
            else:
                text = json.dumps(self._document, indent=2, ensure_ascii=False) + "\n"
        self._replace(text)
        self._text = text
        self._read_items = copy.deepcopy(self._document["items"])
        self._dirty = False

    def _replace(self, text: str) -> None:
        """Atomically replace the backlog (through a symlink), keeping its mode and owner;
        the temp file is gone on any exit: an error, Ctrl-C, or SIGTERM."""
        target = Path(os.path.realpath(self.path))
        directory = target.parent
        try:
            before = target.stat()
        except OSError as exc:
            raise TrackerError(f"cannot write '{self.path}': {exc.strerror}") from None
        temp_name = ""
        try:
            with _terminate_as_exit():
                handle, temp_name = tempfile.mkstemp(
                    prefix=f".{target.name}.", suffix=".tmp", dir=directory
                )
                with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                    os.fchmod(out.fileno(), stat.S_IMODE(before.st_mode))
                    if (before.st_uid, before.st_gid) != (os.geteuid(), os.getegid()):
                        with suppress(PermissionError):  # only root may give a file away
                            os.fchown(out.fileno(), before.st_uid, before.st_gid)
                    out.write(text)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temp_name, target)
                temp_name = ""
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            raise TrackerError(f"cannot write '{self.path}': {exc.strerror}") from None
        finally:
            if temp_name:
                Path(temp_name).unlink(missing_ok=True)


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """While the backlog is being replaced, SIGTERM unwinds like Ctrl-C (so ``finally``
    removes the temp file) instead of killing the process mid-write. Only the main thread
    can handle signals; elsewhere (service workers) the service's own shutdown applies."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)

    def _exit(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _is_own_comment(entry: Any) -> bool:
    """A comment trackerguard wrote: its author and its marker (either alone is not enough)."""
    return (
        isinstance(entry, dict)
        and entry.get("author") == BOT_AUTHOR
        and is_trackerguard_comment(str(entry.get("body", "")))
    )


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ConfigError(f"{where}: expected a date like 2026-12-31, got {value!r}") from None


def _datetime(value: Any, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(
                f"{where}: expected a timestamp like 2026-11-27T10:00:00Z, got {value!r}"
            ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _deeper_than(document: Any, limit: int) -> bool:
    """Whether any value sits more than ``limit`` containers deep (iterative, so the check
    itself cannot hit the recursion limit; shared YAML aliases are walked once)."""
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, dict | list) or id(value) in seen:
            continue
        if depth >= limit:
            return True
        seen.add(id(value))
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children)
    return False
