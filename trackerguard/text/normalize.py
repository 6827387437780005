"""Tracker description formats → one canonical, Markdown-like text.

Every tracker stores descriptions differently (ADF JSON on Jira Cloud, wiki markup on Jira Data
Center, Textile or Markdown on Redmine, Markdown on GitHub/GitLab/Linear, HTML in Jira's
``renderedFields``).  The analyser should only ever see one dialect, so each reader here maps its
format onto the same small canonical Markdown:

* ``#``-headings on their own line with blank lines around them; paragraphs separated by one
  blank line, line breaks inside a paragraph kept as ``\\n``;
* ``- item`` / ``1. item`` / ``- [ ] item`` lists indented two spaces per level, renumbered
  ``1.``, ``2.``, … so equal content gives equal text whatever the source numbering was;
* ``**bold**``, ``_italic_``, ``~~strike~~``, `` `code` ``, fenced code blocks (content kept
  verbatim), ``> `` quotes, ``| a | b |`` table rows (``| --- |`` after a header row), ``---``
  rules, ``[text](url)`` links (the bare URL when text equals URL), ``@Name`` mentions;
* HTML comments are kept verbatim: templates use them for instructions ("<!-- describe the
  bug -->") and the analyser needs to see that a template was left unfilled;
* CRLF → LF, tabs → spaces, no trailing whitespace, never two blank lines in a row (outside code
  fences), no leading/trailing blank lines.

All readers are regex/line based with every regex compiled at import time: normalising is done
for hundreds of thousands of descriptions, and none of the readers raises on malformed input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any, Literal

from trackerguard.text import _adf, _textile, _wiki

__all__ = [
    "Format",
    "from_adf",
    "from_html",
    "from_jira_wiki",
    "from_markdown",
    "from_plain",
    "from_textile",
    "normalize",
]

Format = Literal["markdown", "adf", "jira_wiki", "textile", "plain", "html"]

# Invisible characters trackers (notably Jira's editor) sprinkle into text; the placeholder
# characters used internally by the readers are removed too.
_INVISIBLE = str.maketrans(
    {"\u00a0": " ", "\u200b": None, "\ufeff": None, "\u2028": "\n", "\ue000": None, "\ue001": None}
)
_FENCE = re.compile(r"\s*(`{3,}(?=[^`]*$)|~{3,})")  # a backtick info string has no backticks
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_MD_RULE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_MD_ITEM = re.compile(r"( *)([-*+]|\d{1,9}[.)])[ \t]+(.*)$")
_MD_BOX = re.compile(r"\[([ xX])\](?:[ \t]+|$)")
_MD_TABLE = re.compile(r" {0,3}\|.*\|$")
_TABLE_SPLIT = re.compile(r"(?<!\\)\|")
_TABLE_SEP = re.compile(r":?-+:?")
_MD_INLINE = re.compile(
    r"(`+).*?\1|<!--.*?-->"
    r"|(?<![\w\\])__(?=\S)(.+?)(?<=\S)__(?!\w)"
    r"|(?<![\w*\\])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])"
)
_COMMENT_LINE = re.compile(r"\s*<!--.*?-->\s*$")
_BLANKS = re.compile(r"\n{3,}")


def _prepare(text: str) -> str:
    """Line endings, tabs and invisible characters: done before any format parsing."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text:
        text = text.expandtabs(4)
    if text.isascii():  # every character _INVISIBLE maps is outside ASCII
        return text
    return text.translate(_INVISIBLE)


def _finish(text: str) -> str:
    """Strip trailing whitespace and collapse blank lines, leaving code fence bodies alone."""
    if "```" not in text and "~~~" not in text:
        lines = [line.rstrip() for line in text.split("\n")]
        return _BLANKS.sub("\n\n", "\n".join(lines)).strip("\n")
    out: list[str] = []
    fence = ""
    blank = False
    for raw in text.split("\n"):
        line = raw.rstrip()
        if fence:
            out.append(line)
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
            continue
        if not line:
            blank = True
            continue
        if blank and out:
            out.append("")
        blank = False
        out.append(line)
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
    return "\n".join(out).strip("\n")


def normalize(value: str | Mapping[str, Any] | None, fmt: Format) -> str:
    """Normalise a description of the given format; never raises, ``None`` gives ``""``.

    ``fmt="adf"`` accepts the ADF document as a mapping or as its JSON string.  Malformed input
    degrades to whatever text can be recovered (a broken ADF JSON string is treated as plain
    text) because one odd issue must not stop a scan of a whole project.
    """
    if value is None:
        return ""
    try:
        if isinstance(value, Mapping):
            return from_adf(value)
        if not isinstance(value, str):
            return ""
        if fmt == "adf":
            stripped = value.lstrip()
            if stripped.startswith("{"):
                try:
                    parsed = json.loads(value)
                except ValueError:
                    return _finish(_prepare(value))
                if isinstance(parsed, Mapping):
                    return from_adf(parsed)
            return _finish(_prepare(value))
        reader = _READERS.get(fmt)
        if reader is None:
            return _finish(_prepare(value))
        return reader(value)
    except Exception:  # a reader bug on one odd description must not stop a scan
        if isinstance(value, str):
            return _finish(_prepare(value))
        return _finish(_prepare(" ".join(_strings(value))))


def _strings(value: Any) -> list[str]:
    """Every ``text`` string in a broken ADF tree, in document order (last-resort fallback)."""
    found: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            if isinstance(item.get("text"), str):
                found.append(item["text"])
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return found


def from_plain(text: str) -> str:
    """Whitespace cleanup only."""
    return _finish(_prepare(text))


def from_adf(doc: Mapping[str, Any]) -> str:
    """Jira Cloud's Atlassian Document Format (a ``doc`` node, or any node) → canonical text."""
    return _finish(_prepare(_adf.render(doc)))


def from_jira_wiki(text: str) -> str:
    """Jira Data Center / Server wiki markup → canonical text."""
    return _finish(_wiki.convert(_prepare(text)))


def from_textile(text: str) -> str:
    """Textile (Redmine) → canonical text."""
    return _finish(_textile.convert(_prepare(text)))


def from_markdown(text: str) -> str:
    """Markdown (GitHub, GitLab, Linear, Redmine) → canonical text.

    Mostly a pass-through: the canonical form *is* Markdown.  Only the spellings with several
    equivalents are unified (setext headings, ``*``/``+`` bullets, list indentation and
    numbering, ``__bold__``, ``*italic*``, rules, table cell padding) so that equal content
    always produces equal text.  Code fences and HTML comments are never touched.
    """
    lines = _prepare(text).split("\n")
    out: list[str] = []
    fence = ""
    in_comment = False
    stack: list[int] = []
    kinds: list[str] = []
    counters: list[int] = []
    prev = "blank"
    index = 0
    total = len(lines)
    while index < total:
        line = lines[index].rstrip()
        index += 1
        if fence:
            out.append(line)
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
            continue
        if in_comment:
            out.append(line)
            in_comment = "-->" not in line
            continue
        if not line:
            out.append("")
            prev = "blank"
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
            if not (stack and line.startswith(" ")):
                stack.clear()
                if prev != "blank":
                    out.append("")
                prev = "fence"
            out.append(line)
            continue
        start = line.rfind("<!--")
        if start >= 0 and "-->" not in line[start:]:
            in_comment = True
            out.append(line)
            continue
        if _COMMENT_LINE.match(line):
            out.append(line)  # a comment on its own line changes nothing around it
            continue
        item = _MD_ITEM.match(line)
        heading = _ATX.match(line) if item is None else None
        if heading is None and item is None and prev == "blank" and index < total:
            underline = _SETEXT.match(lines[index])
            if underline and not _MD_TABLE.match(line) and not line.lstrip().startswith(">"):
                level = "1" if underline.group(1)[0] == "=" else "2"
                heading = _ATX.match("#" * int(level) + " " + line.strip())
                index += 1
        if heading is not None:
            stack.clear()
            content = " ".join((heading.group(2) or "").split())
            if content:
                out.extend(("", heading.group(1) + " " + _md_inline(content), ""))
            else:  # an empty heading still ends the block before it, as a blank line would
                out.append("")
            prev = "blank"
            continue
        if _MD_RULE.match(line):
            stack.clear()
            out.extend(("", "---", ""))
            prev = "blank"
            continue
        # Every block is separated from the previous one by a blank line; lazy continuation
        # lines (CommonMark) are attached to their list item or quote explicitly.
        if item is not None:
            if not stack and prev != "blank":
                out.append("")
            out.append(_md_item(item, stack, kinds, counters))
            kind = "list"
        elif stack and line.startswith(" "):
            out.append("  " * len(stack) + _md_inline(line.strip()))
            kind = "list"
        elif _MD_TABLE.match(line):
            stack.clear()
            if prev not in ("blank", "table"):
                out.append("")
            out.append(_md_table_row(line.strip()))
            kind = "table"
        elif line.lstrip().startswith(">"):
            stack.clear()
            if prev not in ("blank", "quote"):
                out.append("")
            out.append(_md_inline(line.strip()))
            kind = "quote"
        elif prev == "list" and stack:
            out.append("  " * len(stack) + _md_inline(line.strip()))
            kind = "list"
        elif prev == "quote":
            out.append("> " + _md_inline(line.strip()))
            kind = "quote"
        else:
            if prev != "para":
                stack.clear()
                if prev != "blank":
                    out.append("")
            inline = _md_inline(line)
            # Unifying emphasis must not turn a paragraph into a rule (``*_*`` → ``___``),
            # or a second pass would read a different block: keep such a line as written.
            out.append(line if _MD_RULE.match(inline) else inline)
            kind = "para"
        prev = kind
    return _finish("\n".join(out))


def _md_item(item: re.Match[str], stack: list[int], kinds: list[str], counters: list[int]) -> str:
    indent = len(item.group(1))
    if not stack:  # a new list: numbering starts again
        kinds.clear()
        counters.clear()
    while stack and indent < stack[-1]:
        stack.pop()
    if not stack or indent > stack[-1]:
        stack.append(indent)
    level = len(stack) - 1
    del kinds[level + 1 :]
    del counters[level + 1 :]
    while len(kinds) <= level:
        kinds.append("")
        counters.append(0)
    bullet = item.group(2)
    content = item.group(3)
    if bullet[0].isdigit():
        if kinds[level] != "ordered":
            kinds[level] = "ordered"
            counters[level] = int(bullet[:-1])
        else:
            counters[level] += 1
        marker = f"{counters[level]}. "
    else:
        kinds[level] = "bullet"
        marker = "- "
        box = _MD_BOX.match(content)
        if box:
            marker = "- [x] " if box.group(1) in "xX" else "- [ ] "
            content = content[box.end() :]
    return "  " * level + marker + _md_inline(content)


def _md_table_row(line: str) -> str:
    cells = [cell.strip() for cell in _TABLE_SPLIT.split(line)[1:-1]]
    if cells and all(_TABLE_SEP.fullmatch(cell) for cell in cells):
        return "| " + " | ".join("---" for _ in cells) + " |"
    return "| " + " | ".join(_md_inline(cell) for cell in cells) + " |"


def _md_inline_sub(match: re.Match[str]) -> str:
    if match.group(2) is not None:
        return "**" + match.group(2) + "**"
    if match.group(3) is not None:
        return "_" + match.group(3) + "_"
    return match.group(0)


def _md_inline(text: str) -> str:
    if "*" not in text and "__" not in text:
        return text
    # One pass can leave a new pair behind (``*>*1*>*``); repeat to the fixed point so that
    # normalising canonical text changes nothing. Each pass only turns ``*`` into ``_`` and
    # ``__`` into ``**``, so it settles within a few passes; the bound is a guard.
    for _ in range(8):
        unified = _MD_INLINE.sub(_md_inline_sub, text)
        if unified == text:
            break
        text = unified
    return text


class _HtmlToCanonical(HTMLParser):
    """Streaming HTML → canonical text with a stack of buffers for quotes, links and cells."""

    _HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
    _BLOCKS = frozenset({"p", "div", "section", "article", "header", "footer", "dl", "dd", "dt"})
    _SKIP = frozenset({"script", "style", "head", "title"})
    _INLINE_MARKS = {"strong": "**", "b": "**", "em": "_", "i": "_", "s": "~~", "del": "~~"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.buffers: list[list[str]] = [[]]
        self.lists: list[list[int]] = []  # per open list: [is_ordered, next number]
        self.links: list[str] = []
        self.rows: list[list[tuple[bool, str]]] = []
        self.tables: list[tuple[list[list[tuple[bool, str]]], bool]] = []
        self.pre = 0
        self.skip = 0
        self.code_lang: list[str] = []

    # -- helpers ---------------------------------------------------------------------------
    def _emit(self, text: str) -> None:
        self.buffers[-1].append(text)

    def _push(self) -> None:
        self.buffers.append([])

    def _pop(self) -> str:
        return "".join(self.buffers.pop()) if len(self.buffers) > 1 else ""

    def _at_line_start(self) -> bool:
        buffer = self.buffers[-1]
        for part in reversed(buffer):
            if part:
                return part[-1] in "\n "
        return True

    def _block_break(self) -> None:
        if not self.lists:
            self._emit("\n\n")
        elif not self._at_line_start():
            self._emit(" ")

    def _newline(self) -> None:
        for part in reversed(self.buffers[-1]):
            if part:
                if not part.endswith("\n"):
                    self._emit("\n")
                return

    # -- parser callbacks ------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in self._SKIP:
            self.skip += 1
        elif tag in self._HEADINGS:
            self._emit("\n\n" + "#" * self._HEADINGS[tag] + " ")
        elif tag in self._BLOCKS:
            self._block_break()
        elif tag == "br":
            self._emit("\n")
        elif tag == "hr":
            self._emit("\n\n---\n\n")
        elif tag in ("ul", "ol"):
            if self.lists:
                self._newline()
            else:
                self._emit("\n\n")
            self.lists.append([int(tag == "ol"), _start(attributes.get("start"))])
        elif tag == "li":
            level = max(len(self.lists) - 1, 0)
            marker = "- "
            if self.lists and self.lists[-1][0]:
                marker = f"{self.lists[-1][1]}. "
                self.lists[-1][1] += 1
            self._newline()
            self._emit("  " * level + marker)
        elif tag == "input" and (attributes.get("type") or "").lower() == "checkbox":
            self._emit("[x] " if "checked" in attributes else "[ ] ")
        elif tag in self._INLINE_MARKS and not self.pre:
            self._emit(self._INLINE_MARKS[tag])
        elif tag == "code" and not self.pre:
            self._emit("`")
        elif tag == "code":
            klass = attributes.get("class") or ""
            if klass and self.code_lang and not self.code_lang[-1]:
                self.code_lang[-1] = klass.split()[0].removeprefix("language-")
        elif tag == "pre":
            self.pre += 1
            self.code_lang.append("")
            self._push()
        elif tag == "a":
            self.links.append(attributes.get("href") or "")
            self._push()
        elif tag == "blockquote":
            self._push()
        elif tag == "table":
            self.tables.append((self.rows, bool(self.lists)))
            self.rows = []
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._push()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skip = max(self.skip - 1, 0)
        elif tag in self._HEADINGS:
            self._emit("\n\n")
        elif tag in self._BLOCKS:
            self._block_break()
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            if self.lists:
                self._newline()
            else:
                self._emit("\n\n")
        elif tag in self._INLINE_MARKS and not self.pre:
            self._emit(self._INLINE_MARKS[tag])
        elif tag == "code" and not self.pre:
            self._emit("`")
        elif tag == "pre" and self.pre:
            self.pre -= 1
            body = self._pop().strip("\n")
            language = self.code_lang.pop() if self.code_lang else ""
            self._emit("\n\n```" + language + "\n" + body + "\n```\n\n")
        elif tag == "a" and self.links:
            href = self.links.pop()
            text = self._pop().strip()
            if href and text and text != href:
                self._emit(f"[{text}]({href})")
            else:
                self._emit(text or href)
        elif tag == "blockquote":
            inner = _finish(self._pop())
            quoted = "\n".join("> " + line if line else ">" for line in inner.split("\n"))
            self._emit("\n\n" + quoted + "\n\n")
        elif tag in ("td", "th") and self.rows is not None:
            text = " ".join(self._pop().split()).replace("|", "\\|")
            if self.rows:
                self.rows[-1].append((tag == "th", text))
        elif tag == "table":
            self._emit("\n\n" + _html_table(self.rows) + "\n\n")
            self.rows = self.tables.pop()[0] if self.tables else []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            self._emit(data)
            return
        collapsed = " ".join(data.split())
        if not collapsed:
            if data and not self._at_line_start():
                self._emit(" ")
            return
        if data[0].isspace():
            collapsed = " " + collapsed
        if data[-1].isspace():
            collapsed += " "
        if self._at_line_start():
            collapsed = collapsed.lstrip(" ")
        self._emit(collapsed)

    def handle_comment(self, data: str) -> None:
        self._emit("<!--" + data + "-->")


def _start(value: str | None) -> int:
    try:
        return int(value) if value is not None else 1
    except ValueError:
        return 1


def _html_table(rows: list[list[tuple[bool, str]]]) -> str:
    lines: list[str] = []
    for index, row in enumerate(rows):
        if not row:
            continue
        lines.append("| " + " | ".join(text for _, text in row) + " |")
        if index == 0 and all(is_header for is_header, _ in row):
            lines.append("| " + " | ".join("---" for _ in row) + " |")
    return "\n".join(lines)


def from_html(text: str) -> str:
    """Simple HTML (Jira ``renderedFields``, odd trackers) → canonical text.

    Uses the standard library parser; comments are kept as ``<!-- -->`` for the same template
    reason as in Markdown.  Leading spaces that HTML whitespace collapsing leaves at line starts
    are removed.
    """
    parser = _HtmlToCanonical()
    parser.feed(_prepare(text))
    parser.close()
    while len(parser.buffers) > 1:  # unclosed <a>, <blockquote>, <td>, <pre>
        inner = parser._pop()
        parser._emit(inner)
    return _finish("".join(parser.buffers[0]))


_READERS = {
    "markdown": from_markdown,
    "jira_wiki": from_jira_wiki,
    "textile": from_textile,
    "html": from_html,
    "plain": from_plain,
}
