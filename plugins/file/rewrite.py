"""Write a backlog back as a minimal edit of the text the person wrote.

Why not dump the document again: a backlog is often kept in git, and a re-dump rewrites
every line (key order, indentation, inline lists, YAML comments), so a run that changed one
label shows a 10 KB diff. Instead the text is edited in place: for each item trackerguard
touched, only the members (``labels``, ``comments``, ``status``, its ``trackerguard`` memo)
whose value changed are re-serialised, in the item's own layout; every other byte stays.

Safety net: the edited text is parsed again and must equal the document in memory; if it
does not (an unusual layout this editor does not understand), the caller falls back to a
full dump. So the editor can only make a diff smaller, never make a file wrong.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


@dataclass(frozen=True, slots=True)
class Member:
    """One ``key: value`` of an item: where its key starts and its value starts and ends."""

    key: str
    start: int
    value_start: int
    value_end: int
    column: int = 0
    flow: bool = False
    """YAML: the value is an inline ``[...]``/``{...}`` (rewritten inline, comment kept)."""


@dataclass(frozen=True, slots=True)
class ItemSpan:
    """One item of the ``items`` list in the text."""

    start: int
    end: int
    members: tuple[Member, ...]
    block: bool = True
    """YAML: block style (one member per line); JSON: always true."""


class _Unsupported(Exception):
    """A layout the editor does not handle; the caller dumps the whole document."""


@dataclass(frozen=True, slots=True)
class _Edit:
    start: int
    end: int
    text: str


def rewrite(
    text: str,
    fmt: str,
    before: Sequence[dict[str, Any]],
    after: Sequence[dict[str, Any]],
    document: Any,
) -> str | None:
    """``text`` with the items that differ between ``before`` and ``after`` edited in place
    and items added at the end appended, or ``None`` when no safe minimal edit exists (the
    caller then dumps ``document``)."""
    if "\r\n" in text and text.count("\r\n") == text.count("\n"):  # a CRLF file stays CRLF
        edited = rewrite(text.replace("\r\n", "\n"), fmt, before, after, document)
        return None if edited is None else edited.replace("\n", "\r\n")
    try:
        spans = _json_spans(text) if fmt == "json" else _yaml_spans(text)
        if len(spans) != len(before) or len(after) < len(before) or not spans:
            return None
        edits: list[_Edit] = []
        appended = list(after[len(before) :])
        if appended:
            edits.append(
                _json_append(text, spans, appended)
                if fmt == "json"
                else _yaml_append(text, spans, appended)
            )
        for span, old, new in zip(spans, before, after[: len(before)], strict=True):
            if old != new:
                edits.extend(
                    _json_item_edits(text, span, old, new)
                    if fmt == "json"
                    else _yaml_item_edits(text, span, old, new)
                )
        result = text
        for edit in sorted(edits, key=lambda e: e.start, reverse=True):
            result = result[: edit.start] + edit.text + result[edit.end :]
        parsed = json.loads(result) if fmt == "json" else yaml.safe_load(result)
    except (_Unsupported, ValueError, yaml.YAMLError, RecursionError, IndexError):
        return None
    return result if parsed == document else None


# -- JSON ------------------------------------------------------------------------------------
def _skip(text: str, index: int) -> int:
    match = _WS.match(text, index)
    return match.end() if match else index


def _expect(text: str, index: int, char: str) -> None:
    if index >= len(text) or text[index] != char:
        raise _Unsupported(f"expected {char!r} at {index}")


def _json_object(text: str, index: int) -> tuple[list[Member], int]:
    _expect(text, index, "{")
    index = _skip(text, index + 1)
    members: list[Member] = []
    if text[index] == "}":
        return members, index + 1
    while True:
        start = index
        key, index = _DECODER.raw_decode(text, index)
        if not isinstance(key, str):
            raise _Unsupported("non-string key")
        index = _skip(text, index)
        _expect(text, index, ":")
        value_start = _skip(text, index + 1)
        _, index = _DECODER.raw_decode(text, value_start)
        members.append(Member(key, start, value_start, index, _column(text, start)))
        index = _skip(text, index)
        if text[index] == ",":
            index = _skip(text, index + 1)
            continue
        _expect(text, index, "}")
        return members, index + 1


def _json_spans(text: str) -> list[ItemSpan]:
    root, _ = _json_object(text, _skip(text, 0))
    found = [member for member in root if member.key == "items"]
    if not found:
        raise _Unsupported("no items")
    index = found[-1].value_start
    _expect(text, index, "[")
    index = _skip(text, index + 1)
    spans: list[ItemSpan] = []
    if text[index] == "]":
        return spans
    while True:
        start = index
        members, index = _json_object(text, index)
        spans.append(ItemSpan(start, index, tuple(members)))
        index = _skip(text, index)
        if text[index] == ",":
            index = _skip(text, index + 1)
            continue
        _expect(text, index, "]")
        return spans


def _column(text: str, index: int) -> int:
    return index - (text.rfind("\n", 0, index) + 1)


def _line_indent(text: str, index: int) -> str:
    line_start = text.rfind("\n", 0, index) + 1
    match = re.match(r"[ \t]*", text[line_start:index])
    return match.group(0) if match else ""


def _json_item_edits(
    text: str, span: ItemSpan, old: dict[str, Any], new: dict[str, Any]
) -> list[_Edit]:
    members = span.members
    keys = [member.key for member in members]
    if len(set(keys)) != len(keys) or not members:
        raise _Unsupported("duplicate keys or an empty item")
    # The whitespace between two members tells the layout: a newline means one per line.
    if len(members) >= 2:
        comma = text.index(",", members[-2].value_end)
        separator = text[comma + 1 : members[-1].start]
    else:
        separator = text[span.start + 1 : members[0].start]
    multiline = "\n" in separator
    member_indent = _line_indent(text, members[0].start) if multiline else ""
    unit = max(len(member_indent) - len(_line_indent(text, span.start)), 1) if multiline else 0

    def dump(value: Any) -> str:
        if not multiline:
            return json.dumps(value, ensure_ascii=False)
        dumped = json.dumps(value, indent=unit, ensure_ascii=False)
        return dumped.replace("\n", "\n" + member_indent)

    removed = [key for key in old if key not in new]
    added = [key for key in new if key not in old]
    if removed and added:
        raise _Unsupported("keys both removed and added")
    if removed and len(removed) == len(members):
        raise _Unsupported("every key removed")
    edits: list[_Edit] = []
    for position, member in enumerate(members):
        if member.key in removed:
            if position + 1 < len(members):
                edits.append(_Edit(member.start, members[position + 1].start, ""))
            else:
                edits.append(_Edit(members[position - 1].value_end, member.value_end, ""))
        elif old[member.key] != new[member.key]:
            edits.append(_Edit(member.value_start, member.value_end, dump(new[member.key])))
    if added:
        inserted = "".join(
            f",{separator}{json.dumps(key, ensure_ascii=False)}: {dump(new[key])}" for key in added
        )
        edits.append(_Edit(members[-1].value_end, members[-1].value_end, inserted))
    _no_overlap(edits)
    return edits


def _json_append(text: str, spans: Sequence[ItemSpan], items: Sequence[Any]) -> _Edit:
    """New items after the last one, laid out like it."""
    last = spans[-1]
    if len(spans) >= 2:
        separator = text[text.index(",", spans[-2].end) + 1 : last.start]
    else:
        separator = text[text.rindex("[", 0, last.start) + 1 : last.start]
    item_indent = _line_indent(text, last.start)
    members = last.members
    multiline = bool(members) and "\n" in text[last.start : members[0].start]
    unit = max(len(_line_indent(text, members[0].start)) - len(item_indent), 1) if members else 2
    out = []
    for item in items:
        if multiline:
            dumped = json.dumps(item, indent=unit, ensure_ascii=False)
            dumped = dumped.replace("\n", "\n" + item_indent)
        else:
            dumped = json.dumps(item, ensure_ascii=False)
        out.append(f",{separator}{dumped}")
    return _Edit(last.end, last.end, "".join(out))


def _no_overlap(edits: list[_Edit]) -> None:
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for first, second in itertools.pairwise(ordered):
        if first.end > second.start:
            raise _Unsupported("overlapping edits")


# -- YAML ------------------------------------------------------------------------------------
def _yaml_end(node: yaml.Node) -> int:
    """Where a node's own text ends: a block collection's end mark lies at the next token
    (past comments and blank lines), so use its last descendant's end instead."""
    current: Any = node
    while isinstance(current, yaml.MappingNode | yaml.SequenceNode) and not current.flow_style:
        if not current.value:
            raise _Unsupported("empty block collection")
        last = current.value[-1]
        current = last[1] if isinstance(current, yaml.MappingNode) else last
    end: int = current.end_mark.index
    return end


def _trimmed(text: str, end: int) -> int:
    """Back over trailing whitespace (a block scalar's end mark includes its line break)."""
    while end > 0 and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def _yaml_spans(text: str) -> list[ItemSpan]:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        raise _Unsupported("root is not a mapping")
    found = [value for key, value in root.value if getattr(key, "value", None) == "items"]
    if not found or not isinstance(found[-1], yaml.SequenceNode):
        raise _Unsupported("no items sequence")
    spans: list[ItemSpan] = []
    for node in found[-1].value:
        if not isinstance(node, yaml.MappingNode) or not node.value:
            raise _Unsupported("an item is not a non-empty mapping")
        members = tuple(
            Member(
                str(key.value),
                key.start_mark.index,
                value.start_mark.index,
                _trimmed(text, _yaml_end(value)),
                key.start_mark.column,
                isinstance(value, yaml.MappingNode | yaml.SequenceNode) and bool(value.flow_style),
            )
            for key, value in node.value
        )
        spans.append(ItemSpan(node.start_mark.index, _yaml_end(node), members, not node.flow_style))
    return spans


class _BlockDumper(yaml.SafeDumper):
    """Safe dumper writing multi-line strings (comment bodies) as ``|`` literal blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _represent_str)


def _yaml_append(text: str, spans: Sequence[ItemSpan], items: Sequence[Any]) -> _Edit:
    """New items after the last one, as ``- key: …`` blocks at the same indentation."""
    last = spans[-1]
    if not last.block or text[last.start - 2 : last.start] != "- ":
        raise _Unsupported("the last item is not a '- key: value' block")
    dash = _column(text, last.start) - 2
    dumped: str = yaml.dump(
        list(items),
        Dumper=_BlockDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=10**6,
    )
    lines = dumped.removesuffix("\n").split("\n")
    block = "\n".join((" " * dash + line) if line else line for line in lines)
    end = _trimmed(text, last.end)
    return _Edit(end, end, "\n" + block)


def _flat(value: list[Any] | dict[str, Any]) -> bool:
    """Scalars only, none multi-line: fits an inline list as the person wrote it."""
    values = value.values() if isinstance(value, dict) else value
    return all(not isinstance(v, list | dict) and "\n" not in str(v) for v in values)


def _yaml_member(key: str, value: Any, column: int) -> str:
    """``key: value`` in block style, continuation lines indented to ``column``."""
    dumped: str = yaml.dump(
        {key: value},
        Dumper=_BlockDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=10**6,
    )
    dumped = dumped.removesuffix("\n").removesuffix("\n...")
    return "\n".join((" " * column + line) if line else line for line in dumped.split("\n"))[
        column:
    ]


def _yaml_item_edits(
    text: str, span: ItemSpan, old: dict[str, Any], new: dict[str, Any]
) -> list[_Edit]:
    members = span.members
    keys = [member.key for member in members]
    if not span.block or len(set(keys)) != len(keys) or set(keys) != set(old):
        raise _Unsupported("flow-style item, duplicate or non-string keys")
    column = members[0].column
    if any(member.column != column for member in members):
        raise _Unsupported("members not aligned")
    removed = [key for key in old if key not in new]
    added = [key for key in new if key not in old]
    edits: list[_Edit] = []
    for position, member in enumerate(members):
        if member.key in removed:
            if position == 0:
                raise _Unsupported("the first member (after '- ') removed")
            line_start = text.rfind("\n", 0, member.start) + 1
            if text[line_start : member.start].strip():
                raise _Unsupported("member not at the start of its line")
            line_end = text.find("\n", member.value_end)
            edits.append(_Edit(line_start, len(text) if line_end < 0 else line_end + 1, ""))
        elif old[member.key] != new[member.key]:
            value = new[member.key]
            if member.flow and isinstance(value, list | dict) and _flat(value):
                inline = yaml.dump(
                    value,
                    Dumper=_BlockDumper,
                    default_flow_style=True,
                    allow_unicode=True,
                    width=10**6,
                ).strip()
                edits.append(_Edit(member.value_start, member.value_end, inline))
            else:
                block = _yaml_member(member.key, value, column)
                edits.append(_Edit(member.start, member.value_end, block))
    if added:
        last = members[-1]
        inserted = "".join(
            "\n" + " " * column + _yaml_member(key, new[key], column) for key in added
        )
        if last.key in removed:
            raise _Unsupported("appending after a removed member")
        edits.append(_Edit(last.value_end, last.value_end, inserted))
    _no_overlap(edits)
    return edits
