"""Jira wiki markup (Jira Data Center / Server) → canonical text.

Regex line parser: there is no maintained Python parser for Jira wiki markup.  Block macros
(``{code}``, ``{noformat}``, ``{quote}``, ``{panel}`` and friends) are cut out first because they
may open and close mid-line and their bodies must not be read as wiki (``{code}`` stays
verbatim, ``{quote}``/``{panel}`` bodies are parsed recursively).  The remaining text is parsed
line by line.  The caller does the final whitespace cleanup.
"""

from __future__ import annotations

import re

_MACRO_OPEN = re.compile(
    r"(?<![\\{])\{(code|noformat|quote|panel|info|note|warning|tip)(?::([^}\n]*))?\}"
)
_MACRO_CLOSE = {
    name: re.compile(r"(?<![\\{])\{" + name + r"\}(?!\})")
    for name in ("code", "noformat", "quote", "panel", "info", "note", "warning", "tip")
}
_HEADING = re.compile(r"h([1-6])\.(?:\s+(.*))?$")
_BQ = re.compile(r"bq\.(?:\s+(.*))?$")
_LIST = re.compile(r"([*#]+|-)\s+(.*)$")
_CHECKBOX = re.compile(r"\\?\[([ xX])\\?\]\s+")
_RULE = re.compile(r"-{4,}$")
_CELL = re.compile(r"(\|\|?)((?:\\.|\[[^\]\n]*\]|\{\{.*?\}\}|[^|])*)")

_HOLD = re.compile("\ue000(\\d+)\ue001")
_MONO = re.compile(r"\{\{(.+?)\}\}(?!\})")
_LINE_BREAK = re.compile(r"[ ]*\\\\[ ]*")
_ESCAPE = re.compile(r"\\([-*_+^~?{}\[\]|!#\\])")
_DROP = re.compile(r"\{(?:color(?::[^}\n]*)?|anchor(?::[^}\n]*)?|toc(?::[^}\n]*)?)\}")
_IMAGE = re.compile(
    r"(?<![\w!])!(?:[^\s!|][^!\n]*?\.(?:png|jpe?g|gif|svg|bmp|webp|tiff?)|https?://[^\s!|]+)"
    r"(?:\|[^!\n]*)?! ?",
    re.IGNORECASE,
)
_LINK = re.compile(r"\[([^\]\n]+)\]")
_URL = re.compile(r"\b(?:https?|ftp)://[^\s\[\]|{}<>\"]*[^\s\[\]|{}<>\".,;:!?)*_'-]")
_BOLD = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w-])-(?=[^\s-])([^\n]*?[^\s-])-(?![\w-])")
_PLAIN_SPANS = re.compile(
    r"(?<![\w+])\+(?=[^\s+])([^\n]*?[^\s+])\+(?![\w+])"
    r"|(?<![\w^])\^(?=[^\s^])([^\n]*?[^\s^])\^(?![\w^])"
    r"|(?<![\w~])~(?=[^\s~])([^\n]*?[^\s~])~(?![\w~])"
)
_CITE = re.compile(r"\?\?(?=\S)(.+?)(?<=\S)\?\?")


class _Holder:
    """Protects already-converted spans (code, links, URLs) from later inline rules."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def hold(self, text: str) -> str:
        self.items.append(text)
        return f"\ue000{len(self.items) - 1}\ue001"

    def restore(self, text: str) -> str:
        while "\ue000" in text:
            text = _HOLD.sub(lambda m: self.items[int(m.group(1))], text)
        return text


def convert(text: str) -> str:
    """Convert Jira wiki markup to (uncleaned) canonical text."""
    blocks: list[str] = []
    pos = 0
    while True:
        match = _MACRO_OPEN.search(text, pos)
        if match is None:
            blocks.append(_lines(text[pos:]))
            break
        blocks.append(_lines(text[pos : match.start()]))
        name, params = match.group(1), match.group(2) or ""
        close = _MACRO_CLOSE[name].search(text, match.end())
        end = close.start() if close else len(text)
        body = text[match.end() : end]
        pos = close.end() if close else len(text)
        blocks.append(_macro(name, params, body))
    return "\n\n".join(block for block in blocks if block.strip())


def _params(params: str) -> tuple[str, dict[str, str]]:
    bare = ""
    named: dict[str, str] = {}
    for part in params.split("|"):
        key, sep, value = part.partition("=")
        if sep:
            named[key.strip().lower()] = value.strip()
        elif part.strip() and not bare:
            bare = part.strip()
    return bare, named


def _macro(name: str, params: str, body: str) -> str:
    bare, named = _params(params)
    if name in ("code", "noformat"):
        if body.startswith("\n"):
            body = body[1:]
        body = body.rstrip("\n ")
        language = (named.get("language") or bare) if name == "code" else ""
        return "```" + language + "\n" + (body + "\n" if body else "") + "```"
    inner = convert(body).strip("\n")
    if name == "quote":
        return "\n".join("> " + line if line else ">" for line in inner.split("\n"))
    title = named.get("title", "")
    return ("**" + inline(title) + "**\n\n" if title else "") + inner


def _lines(text: str) -> str:
    out: list[str] = []
    prev = "blank"
    counters: list[int] = []
    kinds: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            prev = "blank"
            out.append("")
            continue
        kind = "para"
        heading = _HEADING.match(line)
        quote = _BQ.match(line) if heading is None else None
        item = _LIST.match(line) if heading is None and quote is None else None
        if heading:
            kind = "heading"
            rendered = "#" * int(heading.group(1)) + " " + inline(heading.group(2) or "")
            if not (heading.group(2) or "").strip():
                rendered = ""
        elif quote:
            kind = "quote"
            rendered = "> " + inline(quote.group(1) or "")
        elif _RULE.match(line):
            kind = "rule"
            rendered = "---"
        elif item:
            kind = "list"
            rendered = _list_item(item.group(1), item.group(2), counters, kinds, prev == "list")
        elif line.startswith("|"):
            kind = "table"
            rendered = _table_row(line, first=prev != "table")
        else:
            rendered = inline(line)
        if prev != "blank" and (kind != prev or kind in ("heading", "rule")):
            out.append("")
        if kind != "list":
            counters.clear()
            kinds.clear()
        out.append(rendered)
        prev = kind
    return "\n".join(out)


def list_marker(
    level: int,
    kind: str,
    content: str,
    counters: list[int],
    kinds: list[str],
    checkbox: re.Pattern[str],
) -> tuple[str, str]:
    """The canonical marker of one list item and its remaining content.

    Shared by the wiki and Textile readers (both write ``*`` / ``#`` markers with depth by
    repetition): numbering restarts when a level changes kind, and a bullet starting with
    ``[ ]`` / ``[x]`` becomes a checklist item.
    """
    del counters[level + 1 :]
    del kinds[level + 1 :]
    while len(counters) <= level:
        counters.append(0)
        kinds.append("")
    if kinds[level] != kind:
        counters[level] = 0
        kinds[level] = kind
    counters[level] += 1
    box = checkbox.match(content)
    if kind == "*" and box:
        return ("- [x] " if box.group(1) in "xX" else "- [ ] "), content[box.end() :]
    if kind == "#":
        return f"{counters[level]}. ", content
    return "- ", content


def _list_item(
    markers: str, content: str, counters: list[int], kinds: list[str], continuing: bool
) -> str:
    if not continuing:
        counters.clear()
        kinds.clear()
    level = len(markers) - 1
    kind = "#" if markers[-1] == "#" else "*"
    marker, content = list_marker(level, kind, content, counters, kinds, _CHECKBOX)
    return "  " * level + marker + inline(content).replace("\n", "\n" + "  " * (level + 1))


def _table_row(line: str, first: bool) -> str:
    cells: list[str] = []
    header = True
    matches = list(_CELL.finditer(line))
    if matches and not matches[-1].group(2).strip():
        matches.pop()  # the trailing separator closes the row, it is not a cell
    for match in matches:
        header = header and match.group(1) == "||"
        cells.append(inline(match.group(2).strip()).replace("|", "\\|"))
    row = "| " + " | ".join(cells) + " |"
    if first and header and cells:
        row += "\n| " + " | ".join("---" for _ in cells) + " |"
    return row


def _link(match: re.Match[str], holder: _Holder) -> str:
    body = match.group(1)
    if body.startswith("~"):
        return holder.hold("@" + body[1:])
    if body.startswith("^"):
        return holder.hold(body[1:])
    if body in (" ", "x", "X"):
        return match.group(0)
    text, sep, rest = body.partition("|")
    if not sep:
        return holder.hold(body[1:] if body.startswith("#") else body)
    url = rest.split("|", 1)[0].strip()
    text = text.strip()
    if not url or url.startswith("#"):
        return holder.hold(_inline(text, holder))
    if not text or text == url:
        return holder.hold(url)
    return holder.hold("[" + _inline(text, holder) + "](" + url + ")")


def inline(text: str) -> str:
    """Convert one line of wiki inline markup to canonical inline text."""
    holder = _Holder()
    return holder.restore(_inline(text.replace("\ue000", "").replace("\ue001", ""), holder))


def _inline(text: str, holder: _Holder) -> str:
    if "{{" in text:
        text = _MONO.sub(lambda m: holder.hold("`" + m.group(1) + "`"), text)
    if "\\" in text:
        text = _LINE_BREAK.sub("\n", text)
        text = _ESCAPE.sub(lambda m: holder.hold(m.group(1)), text)
    if "{" in text:
        text = _DROP.sub("", text)
    if "!" in text:
        text = _IMAGE.sub("", text)
    if "[" in text:
        text = _LINK.sub(lambda m: _link(m, holder), text)
    if "://" in text:
        text = _URL.sub(lambda m: holder.hold(m.group(0)), text)
    if "*" in text:
        text = _BOLD.sub(r"**\1**", text)
    if "-" in text:
        text = _STRIKE.sub(r"~~\1~~", text)
    if "+" in text or "^" in text or "~" in text:
        text = _PLAIN_SPANS.sub(lambda m: m.group(1) or m.group(2) or m.group(3), text)
    if "??" in text:
        text = _CITE.sub(r"_\1_", text)
    return text
