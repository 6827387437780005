"""Gather the waivers of one run: the configured ones and those stated on the items.

Kept apart from :mod:`trackerguard.waivers` (pure parsing and matching) because this part
talks to the tracker: a ``query`` waiver is resolved to keys with one scan of that query,
and waiver lines in comments are read only for items that carry the waiver label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from trackerguard.adapter import ScanRequest, TrackerAdapter
from trackerguard.errors import ConfigError, UsageError
from trackerguard.model import WorkItem
from trackerguard.settings import Settings
from trackerguard.waivers import Waiver, WaiverBook, config_waivers, parse_waiver_lines


def collect_waivers(
    settings: Settings,
    adapter: TrackerAdapter,
    items: Sequence[WorkItem],
    known_rules: Iterable[str],
    *,
    scan_query: str | None = None,
) -> WaiverBook:
    """The waiver book for judging ``items`` (configured waivers first, then item waivers)."""
    known = sorted(set(known_rules))
    book = WaiverBook()
    if settings.waivers:
        for index, waiver in enumerate(config_waivers(settings.waivers, label="the configuration")):
            _check_rules(waiver, index, known)
            keys = {adapter.canonical_key(key) for key in waiver.items}
            if waiver.query:
                keys |= _query_keys(adapter, waiver.query, index, items, scan_query)
            for key in sorted(keys):
                book.add(key, waiver)
    label = settings.waiver_policy.label
    labelled = [item for item in items if label in item.labels]
    if labelled:
        texts = adapter.waiver_texts(labelled)
        for item in labelled:
            found: list[Waiver] = []
            sources = [(f"{item.key} (description)", item.description)]
            sources.extend((f"{item.key} (comment)", text) for text in texts.get(item.key, ()))
            for source, text in sources:
                waivers, problems = parse_waiver_lines(
                    text,
                    source=source,
                    allow_permanent=settings.waiver_policy.allow_permanent,
                    known_rules=known,
                )
                found.extend(waivers)
                book.notes.extend(problems)
            if not found:
                book.notes.append(
                    f"{item.key}: has the label '{label}' but no usable 'trackerguard-waiver:' "
                    "line in its description or comments"
                )
            for waiver in found:
                book.add(item.key, waiver)
    return book


def _check_rules(waiver: Waiver, index: int, known: Sequence[str]) -> None:
    unknown = sorted(rule for rule in waiver.rules if rule != "*" and rule not in known)
    if unknown:
        raise ConfigError(
            f"configuration: key 'waivers.{index}.rules': unknown rule id '{unknown[0]}' "
            f"(known: {', '.join(known)})"
        )


def _query_keys(
    adapter: TrackerAdapter,
    query: str,
    index: int,
    items: Sequence[WorkItem],
    scan_query: str | None,
) -> set[str]:
    """Keys a query waiver covers (the run's own query needs no second read)."""
    if scan_query is not None and query.strip() == scan_query.strip():
        return {item.key for item in items}
    try:
        return {item.key for item in adapter.scan(ScanRequest(query=query))}
    except UsageError as exc:
        raise ConfigError(f"configuration: key 'waivers.{index}.query': {exc}") from None
