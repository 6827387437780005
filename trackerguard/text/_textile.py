"""Textile (Redmine's default text format) → canonical text.

A regex line parser: the Python Textile packages render to HTML (and would need a second HTML
pass), are slow for bulk use, and Redmine's dialect (``<pre>`` code blocks, ``{{macros}}``)
differs anyway.  Block signatures (``h2(#id).``, ``p(class).``, ``bq..``, ``bc..``, ``pre.``,
``fn1.``) may carry attributes, which are dropped.  The caller does the final whitespace cleanup.
"""

from __future__ import annotations

import re

from trackerguard.text._wiki import _Holder, list_marker

_ATTRS = r"(?:\([^)\n]*\)|\{[^}\n]*\}|\[[^\]\n]*\]|[<>=]+|\(+|\)+)*"
# Phrase modifiers (*strong*, _em_) take class/style/language but no alignment.
_PHRASE_ATTRS = r"(?:\([^)\n]*\)|\{[^}\n]*\}|\[[^\]\n]*\])*"
_SIGNATURE = re.compile(
    r"(h[1-6]|p|bq|bc|pre|notextile|fn\d+|table)(" + _ATTRS + r")\.(\.?)(?:\s+|$)"
)
_CLASS = re.compile(r"\(([^()#\n]+)")
_LIST = re.compile(r"([*#]+)" + _ATTRS + r"\s+(.*)$")
_CHECKBOX = re.compile(r"\[([ xX])\]\s+")
_ROW_ATTRS = re.compile(r"(?:" + _ATTRS + r"\.\s*)?(\|.*)$")
_CELL_ATTRS = re.compile(r"(_)?(?:[\\/]\d+)?(?:\([^)]*\)|\{[^}]*\}|[<>=^~]+)*\.\s")
_CELL = re.compile(r"\|((?:\"[^\"\n]*\":[^\s|]+|[^|])*)")
_RULE = re.compile(r"(?:-{3,}|\*{3,})$")
_PRE_OPEN = re.compile(r"<pre[^>]*>\s*(?:<code(?:\s+class=\"([^\"]*)\")?[^>]*>)?", re.IGNORECASE)
_PRE_CLOSE = re.compile(r"(?:</code>\s*)?</pre>", re.IGNORECASE)

_CODE = re.compile(r"(?<![\w@])@(?=\S)([^@\n]*?\S)@(?!\w)|<code>(.*?)</code>|==(.+?)==")
_IMAGE = re.compile(r"!" + _ATTRS + r"([^\s!()]*[./][^\s!()]*)(?:\([^)\n]*\))?!(?::[^\s]+)? ?")
_LINK = re.compile(
    r"\[\"(?:" + _PHRASE_ATTRS + r")([^\"\n]+?)(?:\s*\([^)\n]*\))?\":([^\]\s]+)\]"
    r"|\"(?:" + _PHRASE_ATTRS + r")([^\"\n]+?)(?:\s*\([^)\n]*\))?\":"
    r"((?:https?|ftp|mailto):[^\s<>\"\]]*[^\s<>\"\].,;:!?)'*_-]|/[^\s<>\"\]]*[^\s<>\"\].,;:!?)]"
    r"|[^\s<>\"\]]*[^\s<>\"\].,;:!?)'])"
)
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"\[\]]*[^\s<>\"\[\].,;:!?)*_'-]")
_STRONG = re.compile(
    r"(?<![\w*])(\*\*?)" + _PHRASE_ATTRS + r"(?=[^\s*])(.+?)(?<=[^\s*])\1(?![\w*])"
)
_EM = re.compile(r"(?<![\w_])(__?)" + _PHRASE_ATTRS + r"(?=[^\s_])(.+?)(?<=[^\s_])\1(?![\w_])")
_DEL = re.compile(r"(?<![\w-])-(?=[^\s-])([^\n]*?[^\s-])-(?![\w-])")
_PLAIN_SPANS = re.compile(
    r"(?<![\w+])\+(?=[^\s+])([^\n]*?[^\s+])\+(?![\w+])"
    r"|(?<![\w^])\^(?=[^\s^])([^\n]*?[^\s^])\^(?![\w^])"
    r"|(?<![\w~])~(?=[^\s~])([^\n]*?[^\s~])~(?![\w~])"
    r"|\?\?(?=\S)(.+?)(?<=\S)\?\?"
    r"|%(?:\{[^}\n]*\}|\([^)\n]*\))*(?=\S)(.+?)(?<=\S)%"
)


def convert(text: str) -> str:
    """Convert Textile to (uncleaned) canonical text."""
    lines = text.split("\n")
    out: list[str] = []
    prev = "blank"
    counters: list[int] = []
    kinds: list[str] = []
    index = 0
    total = len(lines)
    while index < total:
        line = lines[index].strip()
        index += 1
        if not line:
            prev = "blank"
            out.append("")
            continue
        kind = "para"
        if prev == "para":
            # Textile block syntax only applies at the start of a block: inside a paragraph a
            # line starting with "* " or "h2. " is just text.
            out.append(inline(line))
            continue
        pre = _PRE_OPEN.match(line)
        signature = _SIGNATURE.match(line) if pre is None else None
        item = _LIST.match(line) if pre is None and signature is None else None
        if pre:
            body_lines = [line[pre.end() :]]
            while _PRE_CLOSE.search(body_lines[-1]) is None and index < total:
                body_lines.append(lines[index])
                index += 1
            body = "\n".join(body_lines)
            close = _PRE_CLOSE.search(body)
            body = body[: close.start()] if close else body
            kind = "code"
            rendered = _fence(body, pre.group(1) or "")
        elif signature:
            tag, attrs, extended = signature.groups()
            if tag == "table":
                continue  # "table(class)." only styles the rows that follow
            first = line[signature.end() :]
            body_lines = [first]
            while index < total:
                nxt = lines[index].strip()
                if extended:
                    if nxt and _SIGNATURE.match(nxt) and not lines[index - 1].strip():
                        break
                elif not nxt:
                    break
                body_lines.append(lines[index] if tag in ("bc", "pre") else nxt)
                index += 1
            kind, rendered = _block(tag, attrs, body_lines)
        elif item:
            kind = "list"
            rendered = _list_item(item.group(1), item.group(2), counters, kinds, prev == "list")
        elif _RULE.match(line):
            kind = "rule"
            rendered = "---"
        else:
            row = _ROW_ATTRS.match(line) if line.endswith("|") else None
            if row and row.group(1).startswith("|") and len(row.group(1)) > 1:
                kind = "table"
                rendered = _table_row(row.group(1), first=prev != "table")
            elif prev == "list":
                # A plain line right after an item continues it (rendered as a line break).
                out[-1] += "\n" + "  " * len(kinds) + inline(line)
                continue
            else:
                rendered = inline(line)
        if prev != "blank" and (kind != prev or kind not in ("para", "list", "table")):
            out.append("")
        if kind != "list":
            counters.clear()
            kinds.clear()
        out.append(rendered)
        prev = kind
    return "\n".join(out)


def _fence(body: str, language: str) -> str:
    body = body.strip("\n").rstrip()
    language = language.split()[0] if language.split() else ""
    if language.startswith("language-"):
        language = language[len("language-") :]
    return "```" + language + "\n" + (body + "\n" if body else "") + "```"


def _block(tag: str, attrs: str, body_lines: list[str]) -> tuple[str, str]:
    if tag in ("bc", "pre"):
        klass = _CLASS.match(attrs)
        return "code", _fence("\n".join(body_lines), klass.group(1) if klass else "")
    if tag == "notextile":
        return "para", "\n".join(body_lines)
    paragraphs = _paragraphs(body_lines)
    if tag.startswith("h"):
        text = " ".join(" ".join(paragraphs).split())
        return "heading", ("#" * int(tag[1]) + " " + text) if text else ""
    if tag == "bq":
        quoted = "\n\n".join(paragraphs)
        return "quote", "\n".join("> " + line if line else ">" for line in quoted.split("\n"))
    if tag.startswith("fn"):
        return "para", "[" + tag[2:] + "] " + "\n\n".join(paragraphs)
    return "para", "\n\n".join(paragraphs)


def _paragraphs(body_lines: list[str]) -> list[str]:
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*body_lines, ""]:
        if line.strip():
            current.append(inline(line.strip()))
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    return paragraphs


def _list_item(
    markers: str, content: str, counters: list[int], kinds: list[str], continuing: bool
) -> str:
    if not continuing:
        counters.clear()
        kinds.clear()
    level = len(markers) - 1
    marker, content = list_marker(level, markers[-1], content, counters, kinds, _CHECKBOX)
    return "  " * level + marker + inline(content)


def _table_row(line: str, first: bool) -> str:
    cells: list[str] = []
    header = True
    matches = list(_CELL.finditer(line))
    if matches and not matches[-1].group(1).strip():
        matches.pop()
    for match in matches:
        content = match.group(1)
        attrs = _CELL_ATTRS.match(content)
        is_header = bool(attrs and attrs.group(1))
        if attrs:
            content = content[attrs.end() :]
        header = header and is_header
        cells.append(inline(content.strip()).replace("|", "\\|"))
    row = "| " + " | ".join(cells) + " |"
    if first and header and cells:
        row += "\n| " + " | ".join("---" for _ in cells) + " |"
    return row


def _link(match: re.Match[str], holder: _Holder) -> str:
    text = (match.group(1) or match.group(3)).strip()
    url = match.group(2) or match.group(4)
    if text == "$" or text == url:
        return holder.hold(url)
    return holder.hold("[" + _inline(text, holder) + "](" + url + ")")


def inline(text: str) -> str:
    """Convert one line of Textile inline markup to canonical inline text."""
    holder = _Holder()
    return holder.restore(_inline(text.replace("\ue000", "").replace("\ue001", ""), holder))


def _inline(text: str, holder: _Holder) -> str:
    if "@" in text or "<code>" in text or "==" in text:
        text = _CODE.sub(
            lambda m: holder.hold(
                m.group(3) if m.group(3) is not None else "`" + (m.group(1) or m.group(2)) + "`"
            ),
            text,
        )
    if "!" in text:
        text = _IMAGE.sub("", text)
    if '":' in text:
        text = _LINK.sub(lambda m: _link(m, holder), text)
    if "://" in text:
        text = _URL.sub(lambda m: holder.hold(m.group(0)), text)
    if "*" in text:
        text = _STRONG.sub(lambda m: holder.hold("**" + _inline(m.group(2), holder) + "**"), text)
    if "_" in text:
        text = _EM.sub(lambda m: holder.hold("_" + _inline(m.group(2), holder) + "_"), text)
    if "-" in text:
        text = _DEL.sub(r"~~\1~~", text)
    if "+" in text or "^" in text or "~" in text or "??" in text or "%" in text:
        text = _PLAIN_SPANS.sub(lambda m: next(g for g in m.groups() if g is not None), text)
    return text
