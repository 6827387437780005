"""Jira issue JSON (v3 Cloud or v2 Data Center) → :class:`~trackerguard.model.WorkItem`.

Pure functions over dicts, no I/O, so both flavours and every odd payload are easy to test.
Where Cloud and Data Center differ:

* parent: Cloud's ``parent`` carries every level; DC keeps story → epic in *Epic Link* and
  epic → initiative in *Parent Link* (ids discovered from ``/field``), ``parent`` only for
  sub-tasks;
* level: Cloud issue types carry ``hierarchyLevel`` (-1 sub-task, 0 base, 1 epic, 2+ above),
  DC ones do not, so DC falls back to the configured ``[[levels]]`` types;
* text: ADF documents (v3) vs wiki-markup strings (v2), both normalised by
  :func:`trackerguard.text.normalize.normalize`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from trackerguard.levels import LevelMap
from trackerguard.model import BotComment, BotState, Link, StatusCategory, WorkItem
from trackerguard.status import StatusMap
from trackerguard.text.normalize import normalize
from trackerguard.timeparse import parse_day

_CATEGORY = {
    "new": StatusCategory.TODO,
    "indeterminate": StatusCategory.IN_PROGRESS,
    "done": StatusCategory.DONE,
}
_NO_LABELS: frozenset[str] = frozenset()
BOT_WRITE_WINDOW = timedelta(minutes=2)
"""An ``updated`` this close after trackerguard's last write is trackerguard's own change."""
BASE_FIELDS = (
    "summary",
    "issuetype",
    "status",
    "description",
    "parent",
    "labels",
    "issuelinks",
    "assignee",
    "duedate",
    "fixVersions",
    "created",
    "updated",
    "project",
)


@dataclass(frozen=True, slots=True)
class FieldIds:
    """Site-specific custom field ids (``customfield_NNNNN``), discovered from ``/field``."""

    epic_link: str | None = None
    parent_link: str | None = None
    flagged: str | None = None
    target_end: str | None = None
    """Jira Plans (Advanced Roadmaps) "Target end" field, where the site has it."""

    def clause(self, field_id: str | None) -> str | None:
        """The JQL clause name of a custom field: ``cf[12345]``."""
        if field_id and field_id.startswith("customfield_"):
            return f"cf[{field_id.removeprefix('customfield_')}]"
        return None


def discover_fields(
    fields: Sequence[Mapping[str, Any]],
    *,
    epic_link: str | None = None,
    parent_link: str | None = None,
    flagged: str | None = None,
    target_end: str | None = None,
) -> FieldIds:
    """Find Epic Link / Parent Link / Flagged by their type key, then by name.

    A configured value may be an id (``customfield_10014``) or a field name.
    """

    def find(configured: str | None, custom_type: str, name: str) -> str | None:
        for f in fields:
            fid = str(f.get("id", ""))
            if configured and (fid == configured or str(f.get("name", "")) == configured):
                return fid
        if configured:
            return configured if configured.startswith("customfield_") else None
        for f in fields:
            schema = f.get("schema") or {}
            if isinstance(schema, Mapping) and schema.get("custom") == custom_type:
                return str(f.get("id"))
        for f in fields:
            if str(f.get("name", "")).casefold() == name.casefold() and f.get("custom"):
                return str(f.get("id"))
        return None

    return FieldIds(
        epic_link=find(epic_link, "com.pyxis.greenhopper.jira:gh-epic-link", "Epic Link"),
        parent_link=find(parent_link, "com.atlassian.jpo:jpo-custom-field-parent", "Parent Link"),
        flagged=find(
            flagged, "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes", "Flagged"
        ),
        target_end=find(
            target_end, "com.atlassian.jpo:jpo-custom-field-baseline-end", "Target end"
        ),
    )


def parse_time(value: Any) -> datetime | None:
    """Jira timestamps (``2026-01-31T03:52:51.000+0000``) as aware datetimes."""
    if not isinstance(value, str) or not value:
        return None
    try:  # Python 3.11 reads Jira's ``+0000`` offsets itself (3 per issue: keep it cheap)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        text = value
        if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
            text = f"{text[:-2]}:{text[-2:]}"  # +0000 → +00:00 (fromisoformat is ~50x strptime)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: Any) -> date | None:
    return parse_day(value) if isinstance(value, str) else None


def level_from_hierarchy(hierarchy_level: int, names: Sequence[str]) -> str:
    """-1/0 → bottom level, 1 → the level above, … , clamped at the top."""
    bottom = len(names) - 1
    return names[max(0, bottom - max(0, hierarchy_level))]


def _key_of(value: Any) -> str | None:
    """A parent reference in any of its shapes: ``"ACME-1"``, ``{key}``, ``{data: {key}}``."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        if value.get("key"):
            return str(value["key"])
        data = value.get("data")
        if isinstance(data, Mapping) and data.get("key"):
            return str(data["key"])
    return None


def _user(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return None
    for key in ("displayName", "name", "accountId"):
        if value.get(key):
            return str(value[key])
    return None


def bot_state(raw: Mapping[str, Any], property_key: str) -> tuple[BotState, dict[str, Any]]:
    """trackerguard's issue entity property, as the planner's :class:`BotState` + raw dict."""
    props = raw.get("properties")
    value = props.get(property_key) if isinstance(props, Mapping) else None
    state = dict(value) if isinstance(value, Mapping) else {}
    comment = None
    if state.get("comment_id") or state.get("comment_digest"):
        # A comment added through an issue edit has no id in the state until the first
        # edit that needs it looks it up: ``""`` tells the adapter to do so.
        comment = BotComment(
            str(state.get("comment_id") or ""), "", str(state.get("fingerprint") or "")
        )
    return (
        BotState(
            comment=comment,
            blocked=bool(state.get("blocked")),
            status_before_block=state.get("status_before_block"),
            extra={"property": state} if state else {},
        ),
        state,
    )


@dataclass
class Mapper:
    """Turns issue JSON into work items for one run's configuration."""

    base_url: str
    cloud: bool
    ids: FieldIds
    levels: LevelMap
    statuses: StatusMap
    levels_from: str = "hierarchy"
    property_key: str = "trackerguard"
    extra_fields: Sequence[str] = ()

    def request_fields(self, *, flagged: bool) -> list[str]:
        out = list(BASE_FIELDS)
        if not self.cloud:
            out += [f for f in (self.ids.epic_link, self.ids.parent_link) if f]
        if flagged and self.ids.flagged:
            out.append(self.ids.flagged)
        if self.ids.target_end:
            out.append(self.ids.target_end)
        out += [f for f in self.extra_fields if f not in out]
        return out

    def parent_of(self, fields: Mapping[str, Any]) -> str | None:
        parent = _key_of(fields.get("parent"))
        if parent or self.cloud:
            return parent
        for fid in (self.ids.epic_link, self.ids.parent_link):
            if fid:
                found = _key_of(fields.get(fid))
                if found:
                    return found
        return None

    def level_of(self, issuetype: Mapping[str, Any], labels: frozenset[str]) -> str | None:
        name = str(issuetype.get("name") or "")
        hierarchy = issuetype.get("hierarchyLevel")
        if self.levels_from == "hierarchy" and isinstance(hierarchy, int):
            return level_from_hierarchy(hierarchy, self.levels.names)
        if self.levels_from == "hierarchy" and issuetype.get("subtask") is True:
            return self.levels.bottom
        return self.levels.classify(name, labels)

    def item(self, raw: Mapping[str, Any]) -> WorkItem:
        key = str(raw.get("key"))
        f = raw.get("fields") or {}
        issuetype = f.get("issuetype") or {}
        status = f.get("status") or {}
        category = (status.get("statusCategory") or {}).get("key")
        raw_labels = f.get("labels")
        labels = frozenset(str(label) for label in raw_labels) if raw_labels else _NO_LABELS
        links: list[Link] = []
        for link in f.get("issuelinks") or []:
            ltype = link.get("type") or {}
            name = str(ltype.get("name") or "")
            if link.get("outwardIssue"):
                target = _key_of(link["outwardIssue"])
                verb, direction = str(ltype.get("outward") or name), "outward"
            elif link.get("inwardIssue"):
                target = _key_of(link["inwardIssue"])
                verb, direction = str(ltype.get("inward") or name), "inward"
            else:
                continue
            if target:
                links.append(Link(type=verb, direction=direction, target=target, name=name))  # type: ignore[arg-type]
        versions = [v for v in f.get("fixVersions") or [] if isinstance(v, Mapping)]
        milestone = str(versions[0].get("name")) if versions else None
        milestone_due = parse_date(versions[0].get("releaseDate")) if versions else None
        description = f.get("description")
        if isinstance(description, Mapping):
            text = normalize(description, "adf")
        elif isinstance(description, str):
            text = normalize(description, "jira_wiki")
        else:
            text = ""
        bot, state = bot_state(raw, self.property_key)
        updated = parse_time(f.get("updated"))
        last_activity = None
        written = parse_time(state.get("written_at"))
        if updated and written and updated <= written + BOT_WRITE_WINDOW:
            last_activity = parse_time(state.get("seen_activity")) or None
        extra: dict[str, Any] = {"project": (f.get("project") or {}).get("key")}
        if self.ids.flagged and self.ids.flagged in f:
            extra["flagged"] = bool(f.get(self.ids.flagged))
        for fid in self.extra_fields:
            if fid in f:
                extra[fid] = f[fid]
        status_name = str(status.get("name") or "")
        return WorkItem(
            tracker="jira",
            key=key,
            title=str(f.get("summary") or ""),
            type=str(issuetype.get("name") or ""),
            url=f"{self.base_url}/browse/{key}",
            level=self.level_of(issuetype, labels),
            status=status_name,
            status_category=self.statuses.categorize(status_name, _CATEGORY.get(str(category))),
            description=text,
            parent=self.parent_of(f),
            links=tuple(links),
            assignee=_user(f.get("assignee")),
            due=parse_date(f.get("duedate"))
            or (parse_date(f.get(self.ids.target_end)) if self.ids.target_end else None),
            milestone=milestone,
            milestone_due=milestone_due,
            labels=labels,
            fields=extra,
            created=parse_time(f.get("created")),
            updated=updated,
            last_activity=last_activity,
            bot=bot,
            raw=raw,
        )
