"""The tracker adapter contract: the one small interface every tracker implements.

Like ``httpx``'s transport base, an adapter has few methods, each a clear duty:

* :meth:`TrackerAdapter.scan` reads the items a run judges (a query, explicit keys, or
  everything updated since a timestamp), each with the bot state trackerguard left on it;
* :meth:`TrackerAdapter.fetch_items` / :meth:`TrackerAdapter.fetch_children` read, *in
  batch*, goals outside the scanned set and children of scanned goals, so verdicts are
  correct and never guessed;
* :meth:`TrackerAdapter.apply` performs one planned action idempotently;
* :meth:`TrackerAdapter.verify_webhook` / :meth:`TrackerAdapter.parse_webhook` turn a
  delivery into "item changed" events for the service.

Adapters register through the ``trackerguard_register_trackers`` hook, exactly like
third-party ones. A failure that loses items must never be silent: adapters raise
:class:`~trackerguard.errors.TrackerError` for a whole-scan failure and call
:meth:`AdapterContext.item_error` for items they could not read or write. What a scan
*listed* (keys or ids on listing pages, announced totals) goes to
:attr:`AdapterContext.ledger`; the runner turns every listed item it did not judge into an
error by key, whatever the adapter yielded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic_settings import NoDecode

from trackerguard.ledger import ScanLedger
from trackerguard.model import WorkItem

if TYPE_CHECKING:
    from trackerguard.levels import LevelMap
    from trackerguard.settings import Settings
    from trackerguard.state import StateStore
    from trackerguard.status import StatusMap

ActionKind = Literal["comment", "uncomment", "label", "unlabel", "block", "unblock"]
ActionStatus = Literal["planned", "applied", "unchanged", "failed"]
MARKER = "<!-- trackerguard -->"
"""Hidden marker that identifies trackerguard's comment in Markdown trackers."""


def _one_or_many(value: object) -> object:
    """``"acme/web, acme/api"`` or ``'["acme/web"]'`` (an environment variable) and
    ``["acme/web"]`` (TOML) all give a list of names; numbers (GitLab project ids) become
    text."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import json

            try:
                value = json.loads(text)
            except ValueError:
                raise ValueError(
                    "expected names separated by commas, or a JSON list such as "
                    '["acme/web", "acme/api"]'
                ) from None
        else:
            return [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(value, list):
        return [str(part) if isinstance(part, int | float) else part for part in value]
    return value


NameList = Annotated[list[str], NoDecode, BeforeValidator(_one_or_many)]
"""A setting that lists names (repositories, projects, teams, fields): a TOML list, or one
string of comma-separated names, which is how an environment variable gives it
(``TRACKERGUARD_GITHUB__REPOS=acme/web,acme/api``). Without this, the settings library
would read such a variable as JSON and fail on a plain name."""


class TrackerSettings(BaseModel):
    """Base of every ``[tracker]`` config section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True, slots=True)
class ScanRequest:
    """What to read: a tracker query, explicit keys, and/or items updated since a time."""

    query: str | None = None
    keys: tuple[str, ...] = ()
    since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Action:
    """One write the planner wants; ``body`` is the comment in canonical Markdown.

    ``fingerprint`` identifies the findings the comment describes, so adapters can store it
    next to the comment and the planner can tell "same findings as last time" without
    comparing prose. ``label`` names the label for label/unlabel.
    """

    item: str
    kind: ActionKind
    detail: str
    body: str | None = None
    label: str | None = None
    fingerprint: str = ""
    comment_id: str | None = None
    status: ActionStatus = "planned"
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "item": self.item,
            "kind": self.kind,
            "status": self.status,
            "detail": self.detail,
        }
        if self.error:
            out["error"] = self.error
        return out


@dataclass(frozen=True, slots=True)
class ItemError:
    """An item that could not be read, judged or written: it goes to the report's ``errors``."""

    item: str
    message: str
    judged: bool = False
    """False when the item's verdict is missing (makes the scan partial, exit 3)."""
    rule: str | None = None
    """The rule that raised on the item, when that is why it was not judged."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"item": self.item, "message": self.message}
        if self.rule is not None:
            out["rule"] = self.rule
        return out


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A verified delivery, reduced to what the service needs: which items to re-judge."""

    tracker: str
    delivery_id: str
    event: str
    keys: tuple[str, ...] = ()
    actor: str | None = None
    ignored: str | None = None
    """Why the event needs no work (unknown type, the bot's own write...), else ``None``."""
    query: str | None = None
    """A tracker query naming items to re-judge when the event names none directly
    (a GitHub milestone's issues); the service expands it with a scan, in a worker."""


@dataclass(frozen=True, slots=True)
class SummaryIssue:
    """Where the summary issue lives and what this run did to it."""

    key: str
    url: str = ""
    status: Literal["created", "updated", "unchanged"] = "updated"

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "url": self.url, "status": self.status}


OUT_OF_SCOPE = "out of scope"
"""How every ``ignored`` reason for a delivery outside the configuration begins."""


def out_of_scope(what: str) -> str:
    """The ``ignored`` reason for a delivery naming an item outside the configuration."""
    return f"{OUT_OF_SCOPE}: {what}"


class WebhookError(ValueError):
    """A delivery that is malformed (answer 400). The message is safe to return to the sender."""


@dataclass
class AdapterContext:
    """What the engine lends an adapter: config maps, the state store, error reporting."""

    settings: Settings
    levels: LevelMap
    statuses: StatusMap
    state: StateStore | None = None
    errors: list[ItemError] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=lambda: {"read": 0, "write": 0, "retry": 0})
    ledger: ScanLedger = field(default_factory=ScanLedger)
    """What the scan listed: adapters declare keys/ids, totals and listing problems here;
    the runner names every listed item it did not judge (see :mod:`trackerguard.ledger`)."""
    prepare: Callable[[WorkItem], None] | None = None
    """Set by the runner while a scan is read: adapters that read in parallel requests call
    it with each item *of the scan* as soon as it is mapped, while more requests are in
    flight, so the rules' item-only work (reading prose) overlaps the network waits. It
    never changes a verdict; not calling it only costs time."""

    def item_error(self, item: str, message: str, *, judged: bool = False) -> None:
        """Record a per-item failure; the rest of the scan goes on."""
        self.errors.append(ItemError(item, message, judged))


class TrackerAdapter:
    """Base class of tracker adapters. Subclasses set ``name`` and ``Settings``."""

    name: ClassVar[str]
    Settings: ClassVar[type[TrackerSettings]] = TrackerSettings
    description_format: ClassVar[str] = "markdown"
    supports_webhooks: ClassVar[bool] = False

    def __init__(self, settings: TrackerSettings, context: AdapterContext) -> None:
        self.settings = settings
        self.context = context

    # -- reading -------------------------------------------------------------------------
    @property
    def supports_labels(self) -> bool:
        """False when the tracker has no labels (and none are configured): label actions
        are dropped and :meth:`labels_note` is reported once."""
        return True

    def labels_note(self) -> str:
        """The report note shown once when label actions are dropped (``supports_labels``)."""
        return f"labels skipped: the {self.name} tracker has no labels configured"

    def canonical_key(self, key: str) -> str:
        """The key as the adapter writes it (``660`` → ``#660`` on Redmine)."""
        return key

    def check_connection(self) -> None:
        """Fail fast with :class:`~trackerguard.errors.AuthError` / ``TrackerError``."""

    def ensure_identity(self) -> None:
        """Before a run that writes: make sure the bot's own identity is known.

        Only comments the bot wrote are ever edited or deleted, so an adapter whose
        tracker cannot say who the token belongs to raises
        :class:`~trackerguard.errors.ConfigError` naming the key to set. The default
        (for trackers without authors, or plugins that keep their own rules) does nothing.
        """

    def scan(self, request: ScanRequest) -> Iterator[WorkItem]:
        """Yield the items to judge, each carrying its ``bot`` state."""
        raise NotImplementedError

    def fetch_items(self, keys: Sequence[str]) -> list[WorkItem]:
        """Read the given items in batch; unknown keys are simply absent from the result."""
        raise NotImplementedError

    def fetch_children(self, keys: Sequence[str]) -> list[WorkItem]:
        """Read, in batch, the direct children of the given goals (parent or goal link)."""
        return []

    def total_hint(self, request: ScanRequest) -> int | None:
        """How many items :meth:`scan` will yield, if cheaply known (drives the progress bar)."""
        return None

    # -- acting --------------------------------------------------------------------------
    def apply(self, item: WorkItem, action: Action) -> None:
        """Perform one action; raise ``TrackerError`` on failure (the planner records it)."""
        raise NotImplementedError

    def flush(self) -> None:
        """Persist pending writes (the file tracker writes its file once, atomically)."""

    def key_from_url(self, url: str) -> str | None:
        """The key of the item ``url`` names in *this* tracker, or None.

        Cross-tracker goals (``[[goal_trackers]]``) are named by URL in another tracker's
        items; only URLs under this adapter's configured base URL are recognised
        (:func:`trackerguard.cross_tracker.path_under`), and a URL is never fetched.
        """
        return None

    def upsert_summary(self, title: str, body: str, labels: Sequence[str]) -> SummaryIssue:
        """Create or edit in place the one summary issue (found again by ``labels[0]``).

        Look the issue up by its label before creating it, so a lost reply to a create never
        leaves two summary issues. Trackers without issues keep the default, which raises
        :class:`NotImplementedError` (reported once as a run note).
        """
        raise NotImplementedError

    # -- webhooks ------------------------------------------------------------------------
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Check the delivery's signature or token in constant time."""
        return False

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Turn a verified delivery into an event; raise :class:`WebhookError` if malformed.

        Pure parsing: no tracker request and no state-store access (the service calls it
        while the sender waits for the acknowledgement). The bot's identity it compares
        actors with is the one :meth:`use_bot_identity` handed over (or configured).
        """
        raise WebhookError(f"the {self.name} tracker does not accept webhooks")

    def bot_identity(self) -> str | None:
        """Who trackerguard writes as on this tracker (login, username, account or user
        id), so that deliveries of its own writes can be recognised; ``None`` when there is
        no such identity. May ask the tracker: the webhook service calls it in a background
        thread of the tracker's own, at start and then periodically, never while a delivery
        waits for its acknowledgement. Raise ``TrackerError`` when the tracker cannot say
        (the service caches the failure and retries later)."""
        return None

    def use_bot_identity(self, identity: str | None) -> None:
        """Adopt an identity :meth:`bot_identity` found (on another instance of this
        adapter) for :meth:`parse_webhook`; a configured identity always wins."""

    def waiver_texts(self, items: Sequence[WorkItem]) -> Mapping[str, Sequence[str]]:
        """Bodies of people's comments on ``items`` (which carry the waiver label), by key.

        Waiver lines may stand in a comment (see :mod:`trackerguard.waivers`); the runner asks
        only for labelled items. The default reads none: the description alone is searched.
        Never return trackerguard's own comments.
        """
        return {}

    def close(self) -> None:
        """Release connections."""
