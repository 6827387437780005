"""Atlassian Document Format (Jira Cloud) → canonical text.

Real ADF from Jira is frequently not schema-valid (missing ``content``, ``attrs`` that are
``null``, inline nodes directly inside ``doc``, block nodes inside paragraphs), so every accessor
here tolerates the wrong shape and falls back to the text it can still find instead of raising.
The caller (:func:`trackerguard.text.normalize.from_adf`) does the final whitespace cleanup.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

Node = Mapping[str, Any]
# A mark as a hashable key; ``link`` carries its href so two different links never merge.
Mark = tuple[str, str]
Run = tuple[frozenset[Mark], str]

_LISTS = frozenset({"bulletList", "orderedList", "taskList", "decisionList"})
_INLINE = frozenset(
    {
        "text",
        "hardBreak",
        "mention",
        "emoji",
        "inlineCard",
        "status",
        "date",
        "placeholder",
        "mediaInline",
        "inlineExtension",
    }
)
_KEPT_MARKS = frozenset({"link", "strong", "em", "strike", "code"})
# Outer-to-inner preference when two marks cover the same runs (code is always innermost).
_PRIORITY = {"link": 0, "strong": 1, "em": 2, "strike": 3, "code": 4}
_NO_MARKS: frozenset[Mark] = frozenset()
_MEDIA = frozenset({"mediaSingle", "mediaGroup", "media", "mediaInline"})


# ``type(x) is dict`` first: JSON gives plain dicts/lists, and ABC isinstance checks are slow.
def _content(node: Node) -> list[Node]:
    content = node.get("content")
    if type(content) is list or (isinstance(content, Sequence) and not isinstance(content, str)):
        return [child for child in content if type(child) is dict or isinstance(child, Mapping)]
    return []


def _attrs(node: Node) -> Mapping[str, Any]:
    attrs = node.get("attrs")
    if attrs is None:  # most nodes: skip the slow ABC check below
        return {}
    return attrs if type(attrs) is dict or isinstance(attrs, Mapping) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def render(doc: Node) -> str:
    """Render a whole ADF document (or any ADF node) as canonical text (not yet cleaned)."""
    return "\n\n".join(_blocks([doc]))


def _blocks(nodes: Sequence[Node]) -> list[str]:
    out: list[str] = []
    pending: list[Node] = []
    for node in nodes:
        if node.get("type") in _INLINE:
            # Inline nodes where a block is expected: treat the run as one paragraph.
            pending.append(node)
            continue
        if pending:
            out.append(_inline(pending))
            pending = []
        out.extend(_block(node))
    if pending:
        out.append(_inline(pending))
    return [block for block in out if block.strip()]


def _block(node: Node) -> list[str]:
    kind = node.get("type")
    attrs = _attrs(node)
    if kind == "paragraph":
        return [_inline(_content(node))]
    if kind == "heading":
        level = attrs.get("level")
        level = level if isinstance(level, int) and 1 <= level <= 6 else 1
        text = " ".join(_inline(_content(node)).split())
        return ["#" * level + " " + text] if text else []
    if kind in _LISTS:
        return ["\n".join(_list_lines(node, 0))]
    if kind == "blockquote":
        inner = "\n\n".join(_blocks(_content(node)))
        return ["\n".join("> " + line if line else ">" for line in inner.split("\n"))]
    if kind == "codeBlock":
        code = "".join(_str(child.get("text")) for child in _content(node))
        if code.endswith("\n"):
            code = code[:-1]
        language = _str(attrs.get("language"))
        return ["```" + language + "\n" + (code + "\n" if code else "") + "```"]
    if kind == "rule":
        return ["---"]
    if kind in ("panel", "expand", "nestedExpand"):
        title = " ".join(_str(attrs.get("title")).split())
        head = ["**" + title + "**"] if title else []
        return head + _blocks(_content(node))
    if kind == "table":
        return [_table(node)]
    if kind in _MEDIA:
        return [_media_alt(node)]
    if kind in ("blockCard", "embedCard"):
        return [_card_url(attrs)]
    if kind == "extension":
        return []
    # doc, bodiedExtension, layoutSection, layoutColumn and anything unknown: recurse.
    return _blocks(_content(node))


def _media_alt(node: Node) -> str:
    alt = _str(_attrs(node).get("alt"))
    if alt:
        return alt
    return " ".join(_media_alt(child) for child in _content(node)).strip()


def _card_url(attrs: Mapping[str, Any]) -> str:
    url = _str(attrs.get("url"))
    if not url:
        data = attrs.get("data")
        if isinstance(data, Mapping):
            url = _str(data.get("url")) or _str(data.get("name"))
    return url


def _list_lines(node: Node, level: int) -> list[str]:
    kind = node.get("type")
    order = _attrs(node).get("order")
    number = order if isinstance(order, int) and order >= 0 else 1
    indent = "  " * level
    lines: list[str] = []
    for item in _content(node):
        item_kind = item.get("type")
        if item_kind in _LISTS:
            # taskList allows a nested taskList directly inside it.
            lines.extend(_list_lines(item, level + 1))
            continue
        if item_kind == "taskItem":
            done = _str(_attrs(item).get("state")).upper() == "DONE"
            marker = "- [x] " if done else "- [ ] "
        elif kind == "orderedList":
            marker = f"{number}. "
            number += 1
        else:
            marker = "- "
        text, rest = _item_body(item, level)
        first, *more = text.split("\n")
        lines.append((indent + marker + first).rstrip())
        lines.extend(indent + "  " + line if line else "" for line in more)
        lines.extend(rest)
    return lines


def _item_body(item: Node, level: int) -> tuple[str, list[str]]:
    """Return the item's own text and the lines of whatever is nested below it."""
    children = _content(item)
    inline = [child for child in children if child.get("type") in _INLINE]
    if inline and len(inline) == len(children):
        return _inline(children), []
    text_parts: list[str] = []
    rest: list[str] = []
    pad = "  " * (level + 1)
    for child in children:
        child_kind = child.get("type")
        if child_kind in _LISTS:
            rest.extend(_list_lines(child, level + 1))
        elif child_kind == "paragraph" and not rest and not text_parts:
            text_parts.append(_inline(_content(child)))
        elif child_kind in _INLINE:
            if rest:
                rest.append(pad + _inline([child]))
            else:
                text_parts.append(_inline([child]))
        else:
            for block in _blocks([child]):
                rest.extend(pad + line if line else "" for line in block.split("\n"))
    return "".join(text_parts), rest


def _table(node: Node) -> str:
    rows: list[str] = []
    for index, row in enumerate(_content(node)):
        cells = _content(row)
        if not cells:
            continue
        texts = [_cell_text(cell) for cell in cells]
        rows.append("| " + " | ".join(texts) + " |")
        if index == 0 and all(cell.get("type") == "tableHeader" for cell in cells):
            rows.append("| " + " | ".join("---" for _ in cells) + " |")
    return "\n".join(rows)


def _cell_text(cell: Node) -> str:
    text = " ".join(" ".join(block.split()) for block in _blocks(_content(cell)))
    return text.replace("|", "\\|")


def _inline(nodes: Sequence[Node]) -> str:
    """Inline content as text. Most paragraphs are plain text nodes without marks, which
    render as their concatenation: that is checked first (what :func:`_inline_marked`
    gives for them, without building and merging runs)."""
    texts: list[str] = []
    for node in nodes:
        if node.get("type") != "text" or node.get("marks"):
            return _inline_marked(nodes)
        text = node.get("text")
        if isinstance(text, str):
            texts.append(text)
    return "".join(texts)


def _inline_marked(nodes: Sequence[Node]) -> str:
    runs: list[Run] = []
    for node in nodes:
        kind = node.get("type")
        attrs = _attrs(node)
        if kind == "text":
            text = _str(node.get("text"))
        elif kind == "hardBreak":
            runs.append((frozenset(), "\n"))
            continue
        elif kind == "mention":
            name = _str(attrs.get("text")) or _str(attrs.get("id"))
            text = "@" + name.lstrip("@") if name else ""
        elif kind == "emoji":
            short = _str(attrs.get("shortName")).strip(":")
            text = ":" + short + ":" if short else _str(attrs.get("text"))
        elif kind == "inlineCard":
            text = _card_url(attrs)
        elif kind == "status":
            text = _str(attrs.get("text"))
        elif kind == "date":
            text = _iso_date(attrs.get("timestamp"))
        elif kind in ("placeholder", "inlineExtension") or kind in _MEDIA:
            text = _str(attrs.get("alt")) if kind in _MEDIA else ""
        else:
            # Unknown inline node, or a block node where inline content was expected.
            text = " ".join(_blocks(_content(node))) if kind not in _INLINE else ""
        if text:
            runs.append((_marks(node), text))
    return _render_runs(_merge(runs))


def _iso_date(value: Any) -> str:
    try:
        millis = int(value)
        moment = _dt.datetime.fromtimestamp(millis / 1000, tz=_dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return _str(value)
    return moment.date().isoformat()


def _marks(node: Node) -> frozenset[Mark]:
    marks = node.get("marks")
    if not marks or isinstance(marks, str) or not isinstance(marks, Sequence):
        return _NO_MARKS
    found: set[Mark] = set()
    for mark in marks:
        if type(mark) is not dict and not isinstance(mark, Mapping):
            continue
        kind = _str(mark.get("type"))
        if kind not in _KEPT_MARKS:
            continue  # underline, subsup, textColor, ... carry no meaning for the analyser
        href = _str(_attrs(mark).get("href")) if kind == "link" else ""
        if kind == "link" and not href:
            continue
        found.add((kind, href))
    return frozenset(found)


def _merge(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for marks, text in runs:
        if merged and merged[-1][0] == marks:
            merged[-1] = (marks, merged[-1][1] + text)
        else:
            merged.append((marks, text))
    return merged


def _render_runs(runs: Sequence[Run]) -> str:
    """Render marked runs, nesting marks so shared marks wrap the whole span once.

    ``**a _b_**`` arrives as two runs (strong) and (strong, em); wrapping each run on its own
    would give ``**a****_b_**``.  The mark covering the longest stretch is opened first.
    """
    out: list[str] = []
    index = 0
    while index < len(runs):
        marks, text = runs[index]
        if not marks:
            out.append(text)
            index += 1
            continue
        best: Mark | None = None
        best_end = index + 1
        candidates = [mark for mark in marks if mark[0] != "code"] or list(marks)
        for mark in sorted(candidates, key=lambda item: (_PRIORITY[item[0]], item[1])):
            end = index
            while end < len(runs) and mark in runs[end][0]:
                end += 1
            if best is None or end > best_end:
                best, best_end = mark, end
        assert best is not None
        inner = [(run_marks - {best}, run_text) for run_marks, run_text in runs[index:best_end]]
        if best[0] == "code":
            body = "".join(run_text for _, run_text in inner)
        else:
            body = _render_runs(inner)
        out.append(_wrap(best, body))
        index = best_end
    return "".join(out)


def _wrap(mark: Mark, body: str) -> str:
    core = body.strip()
    if not core:
        return body
    lead = body[: len(body) - len(body.lstrip())]
    trail = body[len(body.rstrip()) :]
    kind, href = mark
    if kind == "link":
        wrapped = core if core == href else f"[{core}]({href})"
    elif kind == "strong":
        wrapped = f"**{core}**"
    elif kind == "em":
        wrapped = f"_{core}_"
    elif kind == "strike":
        wrapped = f"~~{core}~~"
    else:
        ticks = "``" if "`" in core else "`"
        pad = " " if ticks == "``" else ""
        wrapped = f"{ticks}{pad}{core}{pad}{ticks}"
    return lead + wrapped + trail
