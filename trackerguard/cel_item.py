"""The ``item`` object that declarative ``[[custom_rules]]`` see in their CEL expressions.

A CEL expression reads plain maps, lists, strings, numbers, booleans, nulls and timestamps,
so each :class:`~trackerguard.model.WorkItem` is turned into a map before it is evaluated.
That conversion, not the evaluation, dominates the cost (about 1.5 µs per map entry in
``common-expression-language`` 0.10, against under 1 µs for a whole compiled expression),
so it is done **once per item for all custom rules** and only for the attributes the
compiled expressions actually name: a rule set that never says ``item.description`` or
``item.children`` never pays for them (see ``benchmarks/custom_rules.py``).

The item map (``docs/custom-rules.md`` is the user-facing reference):

================== ==================== ====================================================
name               CEL type             meaning
================== ==================== ====================================================
``key``            string               ``ACME-12``, ``octo/repo#7``
``type``           string               tracker type (``Story``, ``Epic``)
``level``          string               strategy level (``initiative``/``epic``/``work``)
``status``         string               tracker status name
``status_category`` string              ``todo``/``in_progress``/``done``/``cancelled``
``title``          string
``description``    string               canonical Markdown text
``labels``         list(string)         sorted
``fields``         map(string, dyn)     tracker custom fields (``item.fields["points"]``)
``assignee``       string or null
``due``            timestamp or null    midnight UTC of the due date
``milestone``      string or null
``milestone_due``  timestamp or null
``horizon``        timestamp or null    ``due``, else ``milestone_due``
``parent``         string or null       the parent's key
``url``            string
``links``          list(map)            ``{"type", "direction", "target"}``
``created``        timestamp or null
``updated``        timestamp or null
``activity``       timestamp or null    last human activity (else ``updated``)
``goal``           map or null          the goal item it serves (walks parents and links)
``children``       list(map)            items that serve it directly
================== ==================== ====================================================

``goal`` and each of ``children`` are item maps without their own ``goal`` and
``children`` (one level deep, so a map never recurses). The variable ``now`` is the run's
clock as a timestamp, so ``now - item.updated > duration("720h")`` reads "stale for 30 days".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from trackerguard.model import WorkItem

if TYPE_CHECKING:
    from trackerguard.graph import StrategyGraph

SCALAR_FIELDS: tuple[str, ...] = (
    "key",
    "type",
    "level",
    "status",
    "status_category",
    "title",
    "description",
    "labels",
    "fields",
    "assignee",
    "due",
    "milestone",
    "milestone_due",
    "horizon",
    "parent",
    "url",
    "links",
    "created",
    "updated",
    "activity",
)
"""Attributes of every item map, nested ones (``goal``, ``children[i]``) included."""

GRAPH_FIELDS: tuple[str, ...] = ("goal", "children")
"""Attributes that need the strategy graph; only the judged item has them."""

ITEM_FIELDS: tuple[str, ...] = SCALAR_FIELDS + GRAPH_FIELDS
"""Every documented attribute of ``item``."""

VARIABLES: tuple[str, ...] = ("item", "now")
"""The variables a custom rule expression may use."""

ATTRIBUTE = re.compile(r"\bitem\s*\.\s*([A-Za-z_]\w*)")
BARE_ITEM = re.compile(r"\bitem\b(?!\s*\.\s*[A-Za-z_])")
STRING_LITERAL = re.compile(
    r"'''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"", re.S
)


_DOTTED = re.compile(r"\.\s*([A-Za-z_]\w*)")
_LITERAL_TEXT = re.compile(r"[\"']+([A-Za-z_]\w*)[\"']+")


@dataclass(frozen=True, slots=True)
class FieldSet:
    """Which attributes to convert: of the judged item, and of related items (goal, children)."""

    item: frozenset[str]
    nested: frozenset[str]


ALL_FIELDS = FieldSet(frozenset(ITEM_FIELDS), frozenset(SCALAR_FIELDS))


def referenced_fields(sources: Iterable[str]) -> FieldSet:
    """The attributes the expressions can read (everything when ``item`` is used whole).

    A static scan of the source text: ``item.title`` needs ``title`` of the item. Related
    items (``item.goal``, the elements of ``item.children``) get every documented attribute
    named anywhere else after a dot or in a string (``item.goal.status``, ``c.title``,
    ``c["due"]``), a superset of what a comprehension can read. ``item`` used as a value
    (``[item].exists(...)``) needs everything. Undocumented names are rejected when the
    expressions are compiled.
    """
    direct: set[str] = set()
    nested: set[str] = set()
    for source in sources:
        code = STRING_LITERAL.sub(lambda match: " " * len(match.group()), source)
        if BARE_ITEM.search(code):
            return ALL_FIELDS
        starts = set()
        for match in ATTRIBUTE.finditer(code):
            direct.add(match.group(1))
            starts.add(match.start(1))
        nested.update(m.group(1) for m in _DOTTED.finditer(code) if m.start(1) not in starts)
        nested.update(m.group(1) for m in _LITERAL_TEXT.finditer(source))
    return FieldSet(
        frozenset(name for name in ITEM_FIELDS if name in direct),
        frozenset(name for name in SCALAR_FIELDS if name in nested),
    )


def timestamp(value: date | datetime | None) -> datetime | None:
    """A date or datetime as a timezone-aware datetime (a CEL timestamp); dates → 00:00 UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.combine(value, time.min, tzinfo=UTC)


def plain(value: Any) -> Any:
    """A custom-field value as something CEL can hold (dates → timestamps, sets → lists)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, date):
        return timestamp(value)
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(item) for item in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


def _scalar(item: WorkItem, name: str) -> Any:
    if name == "status_category":
        return item.status_category.value
    if name == "labels":
        return sorted(item.labels)
    if name == "fields":
        return plain(item.fields)
    if name in ("due", "milestone_due", "created", "updated"):
        return timestamp(getattr(item, name))
    if name == "horizon":
        return timestamp(item.horizon)
    if name == "activity":
        return timestamp(item.activity)
    if name == "links":
        return [
            {"type": link.type, "direction": link.direction, "target": link.target}
            for link in item.links
        ]
    return getattr(item, name)


def nested_item(item: WorkItem, fields: Iterable[str] = SCALAR_FIELDS) -> dict[str, Any]:
    """The map of a related item (the goal, a child): scalar attributes only."""
    return {name: _scalar(item, name) for name in fields}


def item_map(
    item: WorkItem, graph: StrategyGraph | None, fields: FieldSet = ALL_FIELDS, prefix: str = ""
) -> dict[str, Any]:
    """The CEL map of ``item`` restricted to ``fields`` (``goal``/``children`` need ``graph``).

    ``prefix`` is prepended to every key (``item_`` for one variable per attribute).
    """
    out: dict[str, Any] = {}
    for name in fields.item:
        if name == "goal":
            goal = graph.goal(item.key) if graph is not None else None
            out[prefix + "goal"] = nested_item(goal, fields.nested) if goal is not None else None
        elif name == "children":
            children = graph.children(item.key) if graph is not None else []
            out[prefix + "children"] = [nested_item(child, fields.nested) for child in children]
        else:
            out[prefix + name] = _scalar(item, name)
    return out


def sample_item(now: datetime) -> dict[str, Any]:
    """A fully populated item map (no null anywhere) to type-check expressions at load."""
    nested: dict[str, Any] = {
        "key": "SAMPLE-1",
        "type": "Story",
        "level": "work",
        "status": "In Progress",
        "status_category": "in_progress",
        "title": "Sample",
        "description": "Sample",
        "labels": ["sample"],
        "fields": {},
        "assignee": "someone",
        "due": now,
        "milestone": "M1",
        "milestone_due": now,
        "horizon": now,
        "parent": "SAMPLE-0",
        "url": "https://example.invalid/SAMPLE-1",
        "links": [{"type": "implements", "direction": "outward", "target": "SAMPLE-0"}],
        "created": now,
        "updated": now,
        "activity": now,
    }
    return {**nested, "goal": dict(nested), "children": [dict(nested)]}


__all__ = [
    "ALL_FIELDS",
    "ATTRIBUTE",
    "GRAPH_FIELDS",
    "ITEM_FIELDS",
    "SCALAR_FIELDS",
    "STRING_LITERAL",
    "VARIABLES",
    "FieldSet",
    "item_map",
    "nested_item",
    "plain",
    "referenced_fields",
    "sample_item",
    "timestamp",
]
