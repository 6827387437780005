"""Cross-tracker goals: work in one tracker serving a goal that lives in another.

Teams often keep strategy in one tool and execution in another: a GitHub issue implements a
Jira epic, a GitLab issue sits under a Linear initiative. Such work states its goal as a URL
(``Implements: https://acme.atlassian.net/browse/ACME-5``) in its description or in a field.
With ``[[goal_trackers]]`` configured, the runner finds those URLs, asks the *other*
tracker's adapter which of its items a URL names (:meth:`TrackerAdapter.key_from_url`, which
accepts only URLs under that adapter's configured base URL; a URL is never followed), reads
the goals with that adapter in the same run, and links the work to them. The goals are
context: never judged, never written to. TG101 (serves a goal) and TG102 (goal is live) see
them like any goal; findings name them with their link.

Foreign items are keyed ``TRACKER:KEY`` (``jira:ACME-5``) in the graph so that keys of two
trackers can never collide.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from trackerguard.adapter import TrackerAdapter
from trackerguard.errors import TrackerError
from trackerguard.model import Link, WorkItem

DEFAULT_GOAL_LINK = (
    r"(?im)^[ \t>*+-]*(?:implements|serves|part of|goal)[ \t]*:[ \t]*<?"
    r"(?P<url>https?://[^\s<>()\[\]]+)"
)
"""A line ``Implements: URL`` (also ``Serves:``, ``Part of:``, ``Goal:``; any case, in a
list or quote, the URL optionally in angle brackets)."""
_URL = re.compile(r"https?://[^\s<>()\[\]\"']+")
CROSS_LINK_NAME = "cross-tracker"


def foreign_key(tracker: str, key: str) -> str:
    return f"{tracker}:{key}"


def path_under(url: str, base: str) -> str | None:
    """The part of ``url`` below ``base`` (same scheme, host and port, path prefix), else
    None: an adapter recognises only URLs of the tracker it is configured for."""
    if not base:
        return None
    got, want = urlsplit(url.strip()), urlsplit(base.strip())
    if (got.scheme, got.netloc.lower()) != (want.scheme, want.netloc.lower()):
        return None
    prefix = want.path.rstrip("/")
    if not (got.path == prefix or got.path.startswith(prefix + "/")):
        return None
    rest = got.path[len(prefix) :]
    return rest + (f"?{got.query}" if got.query else "")


@dataclass
class GoalSource:
    """One ``[[goal_trackers]]`` entry, ready to use."""

    tracker: str
    adapter: TrackerAdapter
    pattern: re.Pattern[str]
    fields: tuple[str, ...] = ()


@dataclass
class CrossGoals:
    """What linking found: the re-linked scanned items, the foreign goals, and problems."""

    scanned: list[WorkItem]
    goals: dict[str, WorkItem] = field(default_factory=dict)
    unreachable: set[str] = field(default_factory=set)
    """Foreign keys that could not be read (the home adapter must not be asked for them)."""
    notes: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    """Scanned item key -> why its foreign goal could not be read (tracker down)."""


def _urls(item: WorkItem, source: GoalSource) -> list[str]:
    found = [m.group("url") for m in source.pattern.finditer(item.description)]
    for name in source.fields:
        value = item.fields.get(name)
        values = value if isinstance(value, list | tuple) else [value]
        for one in values:
            if isinstance(one, str):
                found.extend(_URL.findall(one))
    return [url.rstrip(".,;") for url in found]


def link_foreign_goals(
    scanned: Sequence[WorkItem], sources: Sequence[GoalSource], link_type: str
) -> CrossGoals:
    """Link each scanned item to the foreign goals its URLs name, reading those goals in batch
    per tracker (one ``fetch_items`` call each)."""
    out = CrossGoals(list(scanned))
    if not sources:
        return out
    wanted: dict[str, set[str]] = {}
    linked: dict[str, list[str]] = {}
    for item in scanned:
        for source in sources:
            if source.tracker == item.tracker:
                continue
            for url in _urls(item, source):
                key = source.adapter.key_from_url(url)
                if key is None:
                    continue
                wanted.setdefault(source.tracker, set()).add(key)
                target = foreign_key(source.tracker, key)
                if target not in linked.setdefault(item.key, []):
                    linked[item.key].append(target)
    by_tracker = {source.tracker: source for source in sources}
    for tracker, keys in sorted(wanted.items()):
        adapter = by_tracker[tracker].adapter
        try:
            fetched = adapter.fetch_items(sorted(keys))
        except TrackerError as exc:
            for key in keys:
                out.unreachable.add(foreign_key(tracker, key))
            for item_key, targets in linked.items():
                if any(t.startswith(f"{tracker}:") for t in targets):
                    out.failed[item_key] = f"its goal in {tracker} could not be read: {exc}"
            continue
        found = {item.key for item in fetched}
        for item in fetched:
            goal = _rekey(item, tracker)
            out.goals[goal.key] = goal
        for key in sorted(keys - found):
            out.unreachable.add(foreign_key(tracker, key))
            users = sorted(k for k, t in linked.items() if foreign_key(tracker, key) in t)
            out.notes.append(
                f"cross-tracker goal {key} ({tracker}), named by {', '.join(users)}, "
                f"was not found in {tracker}"
            )
    out.scanned = [_with_links(item, linked.get(item.key, ()), link_type) for item in scanned]
    return out


def _with_links(item: WorkItem, targets: Iterable[str], link_type: str) -> WorkItem:
    extra = tuple(
        Link(type=link_type, direction="outward", target=t, name=CROSS_LINK_NAME) for t in targets
    )
    return replace(item, links=item.links + extra) if extra else item


def _rekey(item: WorkItem, tracker: str) -> WorkItem:
    """The goal as the graph holds it: its key and the keys it points to, namespaced."""
    return replace(
        item,
        key=foreign_key(tracker, item.key),
        parent=foreign_key(tracker, item.parent) if item.parent else None,
        links=tuple(replace(link, target=foreign_key(tracker, link.target)) for link in item.links),
    )


def build_sources(
    entries: Sequence[tuple[str, str, Sequence[str]]],
    adapter_for: Callable[[str], TrackerAdapter],
) -> list[GoalSource]:
    """``(tracker, pattern, fields)`` triples from the settings, adapters made on demand."""
    return [
        GoalSource(tracker, adapter_for(tracker), re.compile(pattern), tuple(fields))
        for tracker, pattern, fields in entries
    ]


def goal_label(goal: WorkItem, item: WorkItem) -> str:
    """How a finding names a goal: with its link when it lives in another tracker."""
    if goal.tracker != item.tracker and goal.url:
        return f"{goal.key} <{goal.url}>"
    return goal.key
