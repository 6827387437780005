"""Redmine issue JSON → :class:`~trackerguard.model.WorkItem`, as pure functions.

Pure so that the mapping is tested on recorded API answers (``tests/data/redmine/``) without a
server, and so the adapter stays about *which* requests to make.

Choices worth knowing:

* Keys are ``#<id>``, Redmine's own notation; :func:`issue_id` also accepts a bare id.
* Redmine's ``status.is_closed`` is authoritative for open/closed. Closed statuses are done
  unless their name is a configured *cancelled* name (Rejected → cancelled). Open statuses use
  the configured names but never count as finished: Redmine's default "Resolved" is open
  (awaiting verification), so an open Resolved issue is in progress, still judged.
* Relations become :class:`~trackerguard.model.Link` values seen from the issue that holds
  them: ``type`` is the verb phrase in this direction ("blocks" / "is blocked by") and
  ``name`` the Redmine relation type, so ``[graph] goal_link_types`` can name either. None
  of Redmine's relation types is a default goal link type: by default none count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from trackerguard.levels import LevelMap
from trackerguard.model import BotState, Link, StatusCategory, WorkItem
from trackerguard.status import StatusMap
from trackerguard.text.normalize import normalize
from trackerguard.timeparse import parse_day, parse_timestamp

TRACKER = "redmine"

# relation_type → (verb seen from issue_id = "outward", verb seen from issue_to_id = "inward")
_RELATION_VERBS: dict[str, tuple[str, str]] = {
    "relates": ("relates to", "relates to"),
    "duplicates": ("duplicates", "is duplicated by"),
    "duplicated": ("is duplicated by", "duplicates"),
    "blocks": ("blocks", "is blocked by"),
    "blocked": ("is blocked by", "blocks"),
    "precedes": ("precedes", "follows"),
    "follows": ("follows", "precedes"),
    "copied_to": ("copied to", "copied from"),
    "copied_from": ("copied from", "copied to"),
}


@dataclass(frozen=True, slots=True)
class Version:
    """A Redmine version ("fixed version" = target version): the item's milestone."""

    id: int
    name: str
    due: date | None


@dataclass(frozen=True, slots=True)
class MappingContext:
    """Everything the mapping needs besides the issue itself (built once per run)."""

    base_url: str
    levels: LevelMap
    statuses: StatusMap
    text_format: Literal["textile", "markdown"] = "textile"
    versions: Mapping[int, Version] = field(default_factory=dict)
    label_field: str | None = None


def issue_key(issue_id: int | str) -> str:
    return f"#{issue_id}"


def issue_id(key: str) -> int | None:
    """``#12``, ``12`` → 12; anything else → None (unknown keys are simply absent)."""
    text = key.strip().lstrip("#")
    return int(text) if text.isdigit() else None


def parse_time(value: Any) -> datetime | None:
    return parse_timestamp(value) if isinstance(value, str) else None


def parse_date(value: Any) -> date | None:
    return parse_day(value) if isinstance(value, str) else None


def status_category(status: Mapping[str, Any], statuses: StatusMap) -> StatusCategory:
    """Category from Redmine's ``is_closed`` plus the configured names (see module doc)."""
    name = str(status.get("name") or "")
    if status.get("is_closed"):
        return statuses.categorize(name, StatusCategory.DONE)
    category = statuses.categorize(name)
    if category.is_closed:
        return StatusCategory.IN_PROGRESS
    return category


def relation_links(issue_id_: int, relations: Iterable[Mapping[str, Any]]) -> tuple[Link, ...]:
    """The issue's relations as links seen from this issue (both sides list a relation)."""
    links: list[Link] = []
    for relation in relations:
        kind = str(relation.get("relation_type") or "")
        verbs = _RELATION_VERBS.get(kind, (kind.replace("_", " "), kind.replace("_", " ")))
        source, target = relation.get("issue_id"), relation.get("issue_to_id")
        if source == issue_id_ and target is not None:
            links.append(Link(verbs[0], "outward", issue_key(target), kind))
        elif target == issue_id_ and source is not None:
            links.append(Link(verbs[1], "inward", issue_key(source), kind))
    return tuple(links)


def custom_fields(issue: Mapping[str, Any]) -> dict[str, Any]:
    """Custom field values by name (multi-value fields as lists)."""
    out: dict[str, Any] = {}
    for cf in issue.get("custom_fields") or []:
        name = cf.get("name")
        if name:
            out[str(name)] = cf.get("value")
    return out


def find_custom_field(issue: Mapping[str, Any], wanted: str) -> Mapping[str, Any] | None:
    """The issue's custom field named (case-insensitively) or numbered ``wanted``."""
    folded = wanted.strip().casefold()
    for cf in issue.get("custom_fields") or []:
        if str(cf.get("id")) == folded or str(cf.get("name", "")).casefold() == folded:
            return dict(cf)
    return None


def label_values(value: Any) -> list[str]:
    """A label field's value as a list: list fields give arrays, text fields comma lists."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def to_item(issue: Mapping[str, Any], ctx: MappingContext, bot: BotState | None = None) -> WorkItem:
    """One issue as a work item (``raw`` keeps the JSON for debugging and custom rules)."""
    number = int(issue["id"])
    tracker_name = str((issue.get("tracker") or {}).get("name") or "")
    status = issue.get("status") or {}
    labels: frozenset[str] = frozenset()
    if ctx.label_field:
        cf = find_custom_field(issue, ctx.label_field)
        if cf is not None:
            labels = frozenset(label_values(cf.get("value")))
    version_ref = issue.get("fixed_version") or {}
    version = ctx.versions.get(int(version_ref["id"])) if version_ref.get("id") else None
    parent = (issue.get("parent") or {}).get("id")
    assignee = (issue.get("assigned_to") or {}).get("name")
    return WorkItem(
        tracker=TRACKER,
        key=issue_key(number),
        title=str(issue.get("subject") or ""),
        type=tracker_name,
        url=f"{ctx.base_url}/issues/{number}",
        level=ctx.levels.classify(tracker_name, labels),
        status=str(status.get("name") or ""),
        status_category=status_category(status, ctx.statuses),
        description=normalize(issue.get("description") or "", ctx.text_format),
        parent=issue_key(parent) if parent else None,
        links=relation_links(number, issue.get("relations") or []),
        assignee=str(assignee) if assignee else None,
        due=parse_date(issue.get("due_date")),
        milestone=str(version_ref.get("name")) if version_ref.get("name") else None,
        milestone_due=version.due if version else None,
        labels=labels,
        fields=custom_fields(issue),
        created=parse_time(issue.get("created_on")),
        updated=parse_time(issue.get("updated_on")),
        bot=bot,
        raw=dict(issue),
    )


def to_version(version: Mapping[str, Any]) -> Version:
    """``/projects/:id/versions.json`` entries; the API calls the date ``due_date``."""
    return Version(
        id=int(version["id"]),
        name=str(version.get("name") or ""),
        due=parse_date(version.get("due_date") or version.get("effective_date")),
    )
