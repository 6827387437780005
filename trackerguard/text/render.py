"""Canonical Markdown → tracker formats (ADF, Jira wiki, Textile).

The bot writes its comments once, in canonical Markdown (the same dialect
:mod:`trackerguard.text.normalize` produces); these functions turn that into what each tracker
accepts.  The Markdown is parsed into a small block tree (headings, paragraphs, lists, code,
quotes, rules, tables) with an inline tree per text, and each format walks the same trees, so the
readers in :mod:`~trackerguard.text.normalize` give the canonical text back (round trip).

HTML comments are dropped by every renderer here: ADF, Jira wiki and Redmine Textile have no
hidden text, and a visible ``<!-- -->`` in a bot comment would only confuse people.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from trackerguard.text import _textile
from trackerguard.text.normalize import _finish, _prepare, from_markdown

__all__ = ["strip_html_comments", "to_adf", "to_jira_wiki", "to_textile"]

# ----------------------------------------------------------------------------------------------
# Block tree
# ----------------------------------------------------------------------------------------------


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Paragraph:
    text: str


@dataclass
class Code:
    language: str
    body: str


@dataclass
class Quote:
    blocks: list[Block]


@dataclass
class Rule:
    pass


@dataclass
class Table:
    rows: list[list[str]]
    header: bool


@dataclass
class Item:
    text: str
    checked: bool | None = None  # None: not a checklist item
    children: list[ListBlock] = field(default_factory=list)


@dataclass
class ListBlock:
    kind: str  # "bullet" | "ordered" | "task"
    start: int
    items: list[Item]


Block: TypeAlias = Heading | Paragraph | Code | Quote | Rule | Table | ListBlock

_FENCE = re.compile(r"(`{3,}|~{3,})\s*([^`\s]*)")
_HEADING = re.compile(r"(#{1,6})\s+(.*)$")
_RULE = re.compile(r"(?:-{3,}|\*{3,}|_{3,})$")
_ITEM = re.compile(r"( *)(?:(-|\*|\+)(?: \[([ xX])\])?|(\d{1,9})[.)])(?: (.*)|(?<=\])$)")
_QUOTE = re.compile(r"> ?")
_TABLE_SPLIT = re.compile(r"(?<!\\)\|")
_TABLE_SEP = re.compile(r":?-+:?")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def parse_blocks(markdown: str) -> list[Block]:
    """Parse Markdown into blocks.

    The input is first brought to canonical form (comments removed, then
    :func:`~trackerguard.text.normalize.from_markdown`), so the parser only has to know the
    canonical spellings and every renderer agrees with the readers about what the text means.
    """
    text = from_markdown(strip_html_comments(markdown))
    return _parse(text.split("\n"))


def _parse(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    index = 0
    total = len(lines)
    while index < total:
        line = lines[index]
        stripped = line.strip()
        if not stripped:
            index += 1
            continue
        fence = _FENCE.match(stripped)
        if fence:
            marker = fence.group(1)
            body: list[str] = []
            index += 1
            while index < total:
                candidate = lines[index].strip()
                if candidate.startswith(marker) and not candidate.strip(marker[0]):
                    index += 1
                    break
                body.append(lines[index])
                index += 1
            blocks.append(Code(fence.group(2), "\n".join(body)))
            continue
        heading = _HEADING.match(stripped)
        if heading:
            blocks.append(Heading(len(heading.group(1)), heading.group(2).strip()))
            index += 1
            continue
        if _RULE.match(stripped):
            blocks.append(Rule())
            index += 1
            continue
        if stripped.startswith(">"):
            quoted: list[str] = []
            while index < total and lines[index].strip().startswith(">"):
                quoted.append(_QUOTE.sub("", lines[index].strip(), count=1))
                index += 1
            blocks.append(Quote(_parse(quoted)))
            continue
        if _ITEM.match(line):
            index = _parse_list(lines, index, blocks)
            continue
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            rows: list[list[str]] = []
            header = False
            while index < total:
                row = lines[index].strip()
                if not (row.startswith("|") and row.endswith("|") and len(row) > 1):
                    break
                cells = [cell.strip() for cell in _TABLE_SPLIT.split(row)[1:-1]]
                if len(rows) == 1 and cells and all(_TABLE_SEP.fullmatch(c) for c in cells):
                    header = True
                else:
                    rows.append([cell.replace("\\|", "|") for cell in cells])
                index += 1
            blocks.append(Table(rows, header))
            continue
        paragraph = [stripped]
        index += 1
        while index < total:
            nxt = lines[index]
            probe = nxt.strip()
            if (
                not probe
                or _FENCE.match(probe)
                or _HEADING.match(probe)
                or probe.startswith(">")
                or (probe.startswith("|") and probe.endswith("|") and len(probe) > 1)
                or _ITEM.match(nxt)
                or _RULE.match(probe)
            ):
                break
            paragraph.append(probe)
            index += 1
        blocks.append(Paragraph("\n".join(paragraph)))
    return blocks


def _item_kind(match: re.Match[str]) -> str:
    if match.group(4) is not None:
        return "ordered"
    return "task" if match.group(3) is not None else "bullet"


def _parse_list(lines: list[str], index: int, blocks: list[Block]) -> int:
    """Parse list lines starting at ``index`` into ``blocks``; return the next line index."""
    first = _ITEM.match(lines[index])
    assert first is not None
    base = len(first.group(1))
    # (indent, list) for each open nesting level
    open_lists: list[tuple[int, ListBlock]] = []
    total = len(lines)
    while index < total:
        line = lines[index]
        if not line.strip():
            break
        match = _ITEM.match(line)
        indent = len(line) - len(line.lstrip(" "))
        if match is None:
            if not open_lists or (indent <= open_lists[-1][0] and indent < base + 1):
                break
            # continuation line of the last item (a line break inside the item)
            item = open_lists[-1][1].items[-1]
            item.text += "\n" + line.strip()
            index += 1
            continue
        if indent < base:
            break
        kind = _item_kind(match)
        while open_lists and indent < open_lists[-1][0]:
            open_lists.pop()
        if open_lists and indent == open_lists[-1][0] and open_lists[-1][1].kind != kind:
            open_lists.pop()
            if not open_lists:
                break  # a different kind of list at the top level starts a new block
            parent_item = open_lists[-1][1].items[-1]
            new = ListBlock(kind, _number(match), [])
            parent_item.children.append(new)
            open_lists.append((indent, new))
        elif not open_lists or indent > open_lists[-1][0]:
            new = ListBlock(kind, _number(match), [])
            if open_lists and open_lists[-1][1].items:
                open_lists[-1][1].items[-1].children.append(new)
            else:
                blocks.append(new)
            open_lists.append((indent, new))
        checked = None if match.group(3) is None else match.group(3) in "xX"
        open_lists[-1][1].items.append(Item((match.group(5) or "").strip(), checked))
        index += 1
    return index


def _join(blocks: Iterable[str]) -> str:
    """Blocks separated by one blank line (no global cleanup: code bodies keep blank lines)."""
    return "\n\n".join(block for block in blocks if block.strip())


def _number(match: re.Match[str]) -> int:
    return int(match.group(4)) if match.group(4) is not None else 1


# ----------------------------------------------------------------------------------------------
# Inline tree: ("text", str) | ("code", str) | ("br",) | (mark, children) | ("link", href, kids)
# ----------------------------------------------------------------------------------------------

Inline = tuple[Any, ...]

_INLINE = re.compile(
    r"(?P<code>(`+)(?P<code_body>.+?)\2(?!`))"
    r"|\[(?P<link_text>[^\[\]\n]+)\]\((?P<href>[^)\s]+)\)"
    r"|\*\*(?=\S)(?P<strong>.+?)(?<=\S)\*\*"
    r"|(?<![\w\\])_(?=\S)(?P<em>.+?)(?<=\S)_(?!\w)"
    r"|~~(?=\S)(?P<strike>.+?)(?<=\S)~~"
    r"|(?P<url>\b(?:https?|ftp)://[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"*_-])"
    r"|(?P<br>\n)"
)


def parse_inline(text: str) -> list[Inline]:
    """Parse canonical inline Markdown into a small tree."""
    nodes: list[Inline] = []
    pos = 0
    for match in _INLINE.finditer(text):
        if match.start() > pos:
            nodes.append(("text", text[pos : match.start()]))
        pos = match.end()
        if match.group("code") is not None:
            body = match.group("code_body")
            if len(match.group(2)) > 1 and body.startswith(" ") and body.endswith(" "):
                body = body[1:-1]
            nodes.append(("code", body))
        elif match.group("link_text") is not None:
            kids = parse_inline(match.group("link_text"))
            nodes.append(("link", match.group("href"), kids))
        elif match.group("strong") is not None:
            nodes.append(("strong", parse_inline(match.group("strong"))))
        elif match.group("em") is not None:
            nodes.append(("em", parse_inline(match.group("em"))))
        elif match.group("strike") is not None:
            nodes.append(("strike", parse_inline(match.group("strike"))))
        elif match.group("url") is not None:
            url = match.group("url")
            nodes.append(("link", url, [("text", url)]))
        else:
            nodes.append(("br",))
    if pos < len(text):
        nodes.append(("text", text[pos:]))
    return nodes


# ----------------------------------------------------------------------------------------------
# ADF
# ----------------------------------------------------------------------------------------------


def to_adf(markdown: str) -> dict[str, Any]:
    """Canonical Markdown → an ADF ``doc`` (version 1) for Jira Cloud comments.

    Checklists become ``taskList``/``taskItem`` with fresh ``localId``s; the ``code`` mark is
    only combined with ``link`` (the ADF schema forbids other marks next to it).
    """
    content = [node for block in parse_blocks(markdown) for node in _adf_block(block)]
    return {"version": 1, "type": "doc", "content": content}


def _adf_block(block: Block) -> list[dict[str, Any]]:
    if isinstance(block, Heading):
        return [
            {
                "type": "heading",
                "attrs": {"level": block.level},
                "content": _adf_inline(block.text),
            }
        ]
    if isinstance(block, Paragraph):
        return [{"type": "paragraph", "content": _adf_inline(block.text)}]
    if isinstance(block, Code):
        node: dict[str, Any] = {"type": "codeBlock", "attrs": {}}
        if block.language:
            node["attrs"]["language"] = block.language
        node["content"] = [{"type": "text", "text": block.body}] if block.body else []
        return [node]
    if isinstance(block, Quote):
        inner = [node for child in block.blocks for node in _adf_block(child)]
        allowed = {"paragraph", "bulletList", "orderedList", "codeBlock"}
        content = [node for node in inner if node["type"] in allowed]
        return [{"type": "blockquote", "content": content or [_adf_paragraph("")]}]
    if isinstance(block, Rule):
        return [{"type": "rule"}]
    if isinstance(block, Table):
        return [_adf_table(block)]
    return [_adf_list(block)]


def _adf_paragraph(text: str) -> dict[str, Any]:
    return {"type": "paragraph", "content": _adf_inline(text)}


def _adf_list(block: ListBlock) -> dict[str, Any]:
    if block.kind == "task":
        items: list[dict[str, Any]] = []
        for item in block.items:
            items.append(
                {
                    "type": "taskItem",
                    "attrs": {"localId": _local_id(), "state": "DONE" if item.checked else "TODO"},
                    "content": _adf_inline(item.text),
                }
            )
            for child in item.children:
                if child.kind == "task":
                    items.append(_adf_list(child))
        return {"type": "taskList", "attrs": {"localId": _local_id()}, "content": items}
    list_items: list[dict[str, Any]] = []
    for item in block.items:
        content: list[dict[str, Any]] = [_adf_paragraph(item.text)]
        content.extend(_adf_list(child) for child in item.children)
        list_items.append({"type": "listItem", "content": content})
    if block.kind == "ordered":
        return {"type": "orderedList", "attrs": {"order": block.start}, "content": list_items}
    return {"type": "bulletList", "content": list_items}


def _local_id() -> str:
    return str(uuid.uuid4())


def _adf_table(block: Table) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for index, row in enumerate(block.rows):
        cell_type = "tableHeader" if block.header and index == 0 else "tableCell"
        cells = [
            {"type": cell_type, "attrs": {}, "content": [_adf_paragraph(cell)]} for cell in row
        ]
        rows.append({"type": "tableRow", "content": cells})
    return {"type": "table", "attrs": {"isNumberColumnEnabled": False}, "content": rows}


def _adf_inline(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    _adf_walk(parse_inline(text), [], out)
    return out


def _adf_walk(nodes: list[Inline], marks: list[dict[str, Any]], out: list[dict[str, Any]]) -> None:
    for node in nodes:
        kind = node[0]
        if kind == "text":
            _adf_text(node[1], marks, out)
        elif kind == "br":
            out.append({"type": "hardBreak"})
        elif kind == "code":
            links = [mark for mark in marks if mark["type"] == "link"]
            _adf_text(node[1], [*links, {"type": "code"}], out)
        elif kind == "link":
            others = [mark for mark in marks if mark["type"] != "link"]
            _adf_walk(node[2], [*others, {"type": "link", "attrs": {"href": node[1]}}], out)
        elif any(mark["type"] == kind for mark in marks):
            _adf_walk(node[1], marks, out)  # ADF forbids the same mark twice on one node
        else:
            _adf_walk(node[1], [*marks, {"type": kind}], out)


def _adf_text(text: str, marks: list[dict[str, Any]], out: list[dict[str, Any]]) -> None:
    if not text:
        return
    node: dict[str, Any] = {"type": "text", "text": text}
    if marks:
        node["marks"] = [dict(mark) for mark in marks]
    out.append(node)


# ----------------------------------------------------------------------------------------------
# Jira wiki
# ----------------------------------------------------------------------------------------------

_WIKI_ALWAYS = re.compile(r"([*{}\[\]|])")
_WIKI_OPENERS = re.compile(r"(?<![\w\\])([-+^~_])(?=\S)|(?<=\S)([-+^~_])(?![\w])")


def to_jira_wiki(markdown: str) -> str:
    """Canonical Markdown → Jira wiki markup (Jira Data Center / Server comments)."""
    return _join(_wiki_block(block) for block in parse_blocks(markdown))


def _wiki_escape(text: str) -> str:
    text = _WIKI_ALWAYS.sub(r"\\\1", text)
    return _WIKI_OPENERS.sub(lambda m: "\\" + (m.group(1) or m.group(2)), text)


def _wiki_inline(nodes: list[Inline]) -> str:
    parts: list[str] = []
    for node in nodes:
        kind = node[0]
        if kind == "text":
            parts.append(_wiki_escape(node[1]))
        elif kind == "br":
            parts.append("\n")
        elif kind == "code":
            parts.append("{{" + node[1] + "}}")
        elif kind == "link":
            text = _wiki_inline(node[2])
            parts.append("[" + node[1] + "]" if text == node[1] else f"[{text}|{node[1]}]")
        else:
            delimiter = {"strong": "*", "em": "_", "strike": "-"}[kind]
            parts.append(delimiter + _wiki_inline(node[1]) + delimiter)
    return "".join(parts)


def _wiki_text(text: str) -> str:
    return _wiki_inline(parse_inline(text))


def _wiki_block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"h{block.level}. " + _wiki_text(block.text)
    if isinstance(block, Paragraph):
        return _wiki_text(block.text)
    if isinstance(block, Code):
        if "{code}" in block.body:
            return "{noformat}\n" + block.body + "\n{noformat}"
        opening = "{code:" + block.language + "}" if block.language else "{code}"
        return opening + "\n" + block.body + "\n{code}"
    if isinstance(block, Quote):
        inner = "\n\n".join(_wiki_block(child) for child in block.blocks)
        return "{quote}\n" + inner + "\n{quote}"
    if isinstance(block, Rule):
        return "----"
    if isinstance(block, Table):
        lines = []
        for index, row in enumerate(block.rows):
            cells = [_wiki_text(cell) for cell in row]
            if block.header and index == 0:
                lines.append("||" + "||".join(cells) + "||")
            else:
                lines.append("|" + "|".join(cells) + "|")
        return "\n".join(lines)
    return "\n".join(_list_lines(block, "", _wiki_text, "\\", "\\\\"))


def _list_lines(
    block: ListBlock, prefix: str, text_of: Any, box_escape: str, line_break: str
) -> list[str]:
    """Wiki and Textile share list syntax: one marker character per nesting level."""
    marker = prefix + ("#" if block.kind == "ordered" else "*")
    lines: list[str] = []
    for item in block.items:
        box = ""
        if item.checked is not None:
            mark = "x" if item.checked else " "
            box = f"{box_escape}[{mark}{box_escape}] "
        text = text_of(item.text).replace("\n", line_break)
        lines.append(f"{marker} {box}{text}".rstrip())
        for child in item.children:
            lines.extend(_list_lines(child, marker, text_of, box_escape, line_break))
    return lines


# ----------------------------------------------------------------------------------------------
# Textile
# ----------------------------------------------------------------------------------------------

_TEXTILE_SIGNATURE = re.compile(r"(?:h[1-6]|p|bq|bc|pre|notextile|fn\d+|table)\S*\.")


_TEXTILE_SPECIAL = re.compile(r"[-*_@+^~%\"!?\[\]{}()|=<>]")
_TEXTILE_URL_END = frozenset(".,;:!?)'*_-")


def to_textile(markdown: str) -> str:
    """Canonical Markdown → Textile (Redmine).

    Code blocks use Redmine's ``<pre><code class="lang">`` form because ``bc..`` blocks only end
    at the next explicit block signature, which plain paragraphs and lists do not have.
    """
    return _join(_textile_block(block) for block in parse_blocks(markdown))


def _textile_inline(nodes: list[Inline], force: bool = False) -> str:
    parts: list[str] = []
    for node in nodes:
        kind = node[0]
        if kind == "text":
            parts.append(_textile_escape(node[1], force))
        elif kind == "br":
            parts.append("\n")
        elif kind == "code":
            parts.append(
                "@" + node[1] + "@" if "@" not in node[1] else "<code>" + node[1] + "</code>"
            )
        elif kind == "link":
            text = _textile_inline(node[2], force)
            if text != node[1]:
                text = _textile_phrase(text)
            if text == node[1]:
                parts.append(text)
            elif node[1][-1] in _TEXTILE_URL_END:
                parts.append(f'["{text}":{node[1]}]')  # bracketed: the URL end is unambiguous
            else:
                parts.append(f'"{text}":{node[1]}')
        else:
            delimiter = {"strong": "*", "em": "_", "strike": "-"}[kind]
            parts.append(delimiter + _textile_phrase(_textile_inline(node[1], force)) + delimiter)
    return "".join(parts)


def _textile_phrase(inner: str) -> str:
    """A phrase starting with ``(``, ``{`` or ``[`` would be read as Textile attributes."""
    if inner[:1] in ("(", "{", "[") and "==" not in inner:
        return "==" + inner + "=="
    return inner


def _textile_escape(text: str, force: bool = False) -> str:
    """Textile has no backslash escapes: text that would read as markup goes in ``==…==``."""
    if "==" in text or not text.strip():
        return text
    if force:
        if not _TEXTILE_SPECIAL.search(text):
            return text
    elif _textile.inline(text) == text:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return lead + "==" + text.strip() + "==" + trail


def _textile_text(text: str) -> str:
    """Render inline text; if reading it back would differ, escape every markup character.

    Whether ``-`` or ``@`` starts markup depends on what follows in *other* nodes, so the
    cheap per-node check is verified on the whole text and redone more cautiously if needed.
    """
    nodes = parse_inline(text)
    rendered = _textile_inline(nodes)
    if _textile.inline(rendered) == text:
        return rendered
    return _textile_inline(nodes, force=True)


def _textile_block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"h{block.level}. " + _textile_text(block.text)
    if isinstance(block, Paragraph):
        text = _textile_text(block.text)
        first = text.split("\n", 1)[0]
        if (
            _TEXTILE_SIGNATURE.match(first)
            or _textile._LIST.match(first)
            or _textile._RULE.match(first)
            or first.startswith(("|", "<pre"))
        ):
            return "p. " + text  # would otherwise start a different Textile block
        return text
    if isinstance(block, Code):
        klass = f' class="{block.language}"' if block.language else ""
        return f"<pre><code{klass}>\n" + block.body + "\n</code></pre>"
    if isinstance(block, Quote):
        paragraphs = [
            _textile_block(child) if not isinstance(child, Paragraph) else _textile_text(child.text)
            for child in block.blocks
        ]
        return "\n\n".join("bq. " + paragraph for paragraph in paragraphs)
    if isinstance(block, Rule):
        return "---"
    if isinstance(block, Table):
        lines = []
        for index, row in enumerate(block.rows):
            cells = [_textile_text(cell) for cell in row]
            if block.header and index == 0:
                lines.append("|_. " + "|_. ".join(cells) + "|")
            else:
                lines.append("|" + "|".join(cells) + "|")
        return "\n".join(lines)
    return "\n".join(_list_lines(block, "", _textile_text, "", "\n"))


# ----------------------------------------------------------------------------------------------
# Comments
# ----------------------------------------------------------------------------------------------


def strip_html_comments(markdown: str) -> str:
    """Remove ``<!-- … -->`` outside code fences, for trackers that cannot hide text.

    Normalisation keeps comments (they mark unfilled templates for the analyser), but a comment
    posted to ADF, Jira wiki or Textile would be shown to people verbatim.
    """
    text = _prepare(markdown)
    if "<!--" not in text:
        return _finish(text)
    out: list[str] = []
    fence = ""
    chunk: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if fence:
            out.append(line)
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
            continue
        opening = _FENCE.match(stripped)
        if opening:
            out.append(_COMMENT.sub("", "\n".join(chunk)))
            chunk = []
            fence = opening.group(1)
            out.append(line)
            continue
        chunk.append(line)
    out.append(_COMMENT.sub("", "\n".join(chunk)))
    return _finish("\n".join(part for part in out))
