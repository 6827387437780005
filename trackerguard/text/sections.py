"""Parse a normalised description into sections, lists, checklists and real prose.

Why: the reference sample shows a "Why" heading is often an unfilled template, so the
rules need a section's *content after placeholders are removed*, not the heading.
``parse_document`` is the one place that knows the canonical text shape (ATX and
setext headings, bold pseudo-headings, ``Key: value`` lines, lists, checklists,
quotes, tables, fenced code, HTML comments) and it is reusable by plugin rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from trackerguard.text.languages import fold
from trackerguard.text.placeholders import HTML_COMMENT, is_placeholder_line

__all__ = [
    "ChecklistItem",
    "Document",
    "Section",
    "SectionKind",
    "classify_section",
    "normalize_key",
    "parse_document",
]

SectionKind = Literal["purpose", "measure", "deliverables", "non_prose", "template", "other"]


@dataclass(frozen=True, slots=True)
class Section:
    """One section: a heading (``#``/setext), a bold label, or a ``Key:`` line.

    ``content`` is the real text under it with placeholders removed (empty when the
    section was left unfilled); ``placeholders`` holds what was removed, for evidence.
    """

    title: str
    key: str
    source: Literal["heading", "bold", "field"]
    kind: SectionKind
    content: str
    placeholders: tuple[str, ...]
    list_items: int
    checklist_items: int


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """A ``- [ ] item`` / ``- [x] item`` line with real text."""

    text: str
    checked: bool
    section: str


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed description.

    ``prose`` is all real text outside code blocks, headings, placeholders and
    log/environment sections: the text reason cues are searched in. ``headings`` are
    heading titles that are not stock template headings (they may carry meaning).
    """

    sections: tuple[Section, ...]
    preamble: str
    prose: str
    headings: tuple[str, ...]
    checklist: tuple[ChecklistItem, ...]
    template_checks: int
    list_items: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]
    placeholders: tuple[str, ...]
    html_comments: int
    code_blocks: int
    quote_lines: int

    @property
    def sentences(self) -> tuple[str, ...]:
        """Real prose split into sentences (computed on demand; cheap)."""
        return tuple(s for s in _SENTENCE_SPLIT.split(self.prose) if s.strip())

    @property
    def has_real_content(self) -> bool:
        """False when nothing but template structure and placeholders remain."""
        return bool(self.prose or self.headings or self.checklist or self.list_items)


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?(?:^[ \t]*\1[ \t]*$|\Z)", re.M | re.S)
# GitHub's tasklist block (```[tasklist] … ```) is fenced, but GitHub renders its lines
# as a checklist of tracked issues: a goal's deliverables, not code.
_TASKLIST = re.compile(
    r"^[ \t]*(`{3,})\[tasklist\][ \t]*\n(.*?)(?:^[ \t]*\1[ \t]*$|\Z)", re.M | re.S
)
_HTML_TAG = re.compile(
    r"</?(?:details|summary|br|p|div|img|sub|sup|b|i|em|strong|code|pre|kbd|a|span|ul|ol|li|"
    r"table|thead|tbody|tr|td|th|hr|h[1-6]|input|picture|source|video|center|blockquote|font|"
    r"small|big|u|s|del|ins|mark|dl|dt|dd|section|figure|figcaption)\b[^>]*/?>",
    re.I,
)
_HTML_HEADING = re.compile(
    r"<(summary|h[1-6])\b[^>]*>\s*(?:<[^>]+>\s*)*([^<\n]{1,80}?)\s*(?:<[^>]+>\s*)*</\1>", re.I
)
_ATX = re.compile(r"^(#{1,6})\s*(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^(?:=+|-{2,})\s*$")
_BOLD_HEAD = re.compile(r"^(?:\*\*|__)([^*_\n]{1,80}?)(?:\*\*|__)\s*(:?)\s*(.*)$")
_KEYVAL = re.compile(r"^([^\W\d_][\w'’()/&+ -]{0,40}?)\s*:(?!//)\s*(.*)$")
_CHECK = re.compile(r"^(?:[-*+•]|\d{1,3}[.)])\s+\[([ xX])\]\s*(.*)$")
_LIST = re.compile(r"^(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_TABLE_SEP = re.compile(r"^\|?[\s:|-]+\|?$")
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_KEY_CLEAN = re.compile(r"[^a-z0-9' ]+")
_BOILERPLATE_CHECK = re.compile(
    r"\b(?:i have|i've|i agree|i confirm|i searched|i checked|i read|i am using|i'm using|"
    r"searched (?:the )?existing|code of conduct|contributing guide|latest version|"
    r"not a duplicate|duplicate of|this is not|terms|read the (?:docs|documentation|faq))",
    re.I,
)

_PURPOSE_NAMES = (
    r"why|purpose|problem|problems|problem statement|motivation|motivations|context|background|"
    r"business value|business case|business need|value|value proposition|rationale|reason|"
    r"reasons|justification|benefit|benefits|impact|user value|customer value|use case|"
    r"use cases|opportunity|pain points?|user needs?|need|"
    r"is your feature request related to a problem|what problem|what is the problem|"
    r"the problem|current problem|current situation|why (?:is this|do we|does this|should)|"
    # es / pt
    r"por que|por que\?|porque|motivacion|motivacao|proposito|problema|contexto|"
    r"antecedentes|justificacion|justificativa|justificacao|valor de negocio|"
    r"razon|razao|beneficio|beneficios|"
    # de
    r"warum|wieso|weshalb|zweck|problemstellung|hintergrund|kontext|begrundung|"
    r"nutzen|mehrwert|anlass|"
    # fr
    r"pourquoi|probleme|contexte|valeur metier|raison|benefice|enjeux"
)
_MEASURE_NAMES = (
    r"success criteria|success criterion|success metrics?|success measures?|measures? of success|"
    r"definition of success|success|key results?|krs?|okrs?|metrics?|kpis?|targets?|"
    r"acceptance criteria|acceptance tests?|ac|definition of done|dod|done when|done criteria|"
    r"exit criteria|completion criteria|outcomes?|expected outcomes?|desired outcomes?|"
    r"how (?:will|would|do|can) we (?:know|measure|tell)|how to measure|measurement|"
    r"measurable goals?|results|goals and metrics|objectives and key results|baseline|"
    r"current value|measured by|measure|success looks like|kr ?\d|target value|goal metric|"
    r"north star|"
    # es / pt
    r"criterios de exito|criterios de aceptacion|metricas|indicadores|resultados clave|"
    r"resultados esperados|definicion de (?:hecho|terminado|listo)|criterios de sucesso|"
    r"criterios de aceitacao|resultados chave|definicao de pronto|"
    # de
    r"erfolgskriterien|akzeptanzkriterien|abnahmekriterien|kennzahlen|metriken|"
    r"schlusselergebnisse|erfolgsmessung|ergebnisse|"
    # fr
    r"criteres de succes|criteres de reussite|criteres d'acceptation|criteres d acceptation|"
    r"metriques|indicateurs|resultats cles|resultats attendus|definition de (?:fini|termine)"
)
_DELIVERABLE_NAMES = (
    r"deliverables?|tasks?|task list|tasklist|todos?|to do|to-do|checklist|scope|in scope|"
    r"milestones?|phases?|plan|work items|sub ?tasks|sub ?issues|child issues|issues|stories|"
    r"roadmap|action items|workstreams?|implementation plan|tracking|items|work|epics|"
    r"entregables|tareas|alcance|hitos|fases|entregaveis|tarefas|escopo|marcos|aufgaben|"
    r"lieferumfang|umfang|meilensteine|phasen|arbeitspakete|livrables|taches|perimetre|"
    r"jalons|etapes"
)
_NON_PROSE_NAMES = (
    r"environment|env|versions?|logs?|log output|stack ?trace|traceback|screenshots?|"
    r"system info(?:rmation)?|os|browser|device|output|console(?: output)?|error(?: message)?|"
    r"platform|configuration|config|setup|steps to reproduce|to reproduce|reproduction|repro|"
    r"reproduction steps|how to reproduce|relevant log output|code|example code|"
    r"minimal (?:reproducible )?example|package versions?|your environment"
)
_TEMPLATE_NAMES = (
    r"description|summary|details|overview|proposal|proposed solution|solution|"
    r"describe the bug|bug description|bug report|feature request|expected behaviou?r|"
    r"actual behaviou?r|current behaviou?r|additional (?:context|information|info|notes)|"
    r"notes?|alternatives(?: considered)?|describe (?:the solution|alternatives)[^\n]*|"
    r"what happened|what did you expect[^\n]*|risks?|dependencies|open questions|links|"
    r"references|resources|owner|owners|stakeholders|timeline|due date|questions|design|"
    r"implementation|technical details|out of scope|non goals|related issues|related|goals?|"
    r"objectives?|objetivos?|ziele?|objectifs?|but|what|how|when|who|task|scope"
)


def _names(pattern: str) -> re.Pattern[str]:
    return re.compile(r"^(?:the |our |la |el |o |a |le |das |der |die )?(?:" + pattern + r")\b")


_PURPOSE_KEY = _names(_PURPOSE_NAMES)
_MEASURE_KEY = _names(_MEASURE_NAMES)
_DELIVERABLE_KEY = _names(_DELIVERABLE_NAMES)
_NON_PROSE_KEY = _names(_NON_PROSE_NAMES)
_TEMPLATE_KEY = _names(_TEMPLATE_NAMES)
# Headings that start like a purpose name but are about something else.
_NOT_PURPOSE = re.compile(r"^(?:problem(?:s)? (?:with|in|when|reproduc)|context menu|value of)")


@lru_cache(maxsize=8192)
def normalize_key(title: str) -> str:
    """Fold a heading to a comparable key: ``"**Motivación:**"`` → ``"motivacion"``."""
    return " ".join(_KEY_CLEAN.sub(" ", fold(title)).split())


@lru_cache(maxsize=8192)
def classify_section(key: str) -> SectionKind:
    """Which kind of section a normalised key names (built-in names, five languages).

    Cached: teams reuse a handful of heading names across thousands of issues, and the
    name patterns are long alternations.
    """
    if _MEASURE_KEY.match(key):
        return "measure"
    if _PURPOSE_KEY.match(key) and not _NOT_PURPOSE.match(key):
        return "purpose"
    if _DELIVERABLE_KEY.match(key):
        return "deliverables"
    if _NON_PROSE_KEY.match(key):
        return "non_prose"
    if _TEMPLATE_KEY.match(key):
        return "template"
    return "other"


@lru_cache(maxsize=16384)
def _clean_inline(s: str) -> str:
    if "](" in s:
        s = _LINK.sub(r"\1", s)
    if "*" in s or "_" in s or "`" in s:
        s = _EMPHASIS.sub("", s)
    return s.strip()


class _Builder:
    """Accumulates one section while lines are scanned."""

    __slots__ = (
        "checks",
        "content",
        "index",
        "key",
        "kind",
        "lists",
        "placeholders",
        "source",
        "title",
    )

    def __init__(self, title: str, source: Literal["heading", "bold", "field"], index: int) -> None:
        self.index = index  # slot reserved in the section list: keeps document order
        self.title = title
        self.key = normalize_key(title)
        self.kind: SectionKind = classify_section(self.key)
        self.source: Literal["heading", "bold", "field"] = source
        self.content: list[str] = []
        self.placeholders: list[str] = []
        self.lists = 0
        self.checks = 0

    def build(self) -> Section:
        return Section(
            self.title,
            self.key,
            self.source,
            self.kind,
            "\n".join(self.content),
            tuple(self.placeholders),
            self.lists,
            self.checks,
        )


_EMPTY = Document((), "", "", (), (), 0, (), (), (), 0, 0, 0)


def parse_document(text: str) -> Document:
    """Parse a normalised (or raw GitHub Markdown) description; never raises."""
    if not text or text.isspace():
        return _EMPTY
    t = text
    if "\r" in t:
        t = t.replace("\r\n", "\n").replace("\r", "\n")
    placeholders: list[str] = []
    comments = 0
    if "<!--" in t:
        found = HTML_COMMENT.findall(t)
        comments = len(found)
        placeholders.extend(" ".join(c[4:-3].split())[:80] for c in found)
        t = HTML_COMMENT.sub(" ", t)
    code_blocks = 0
    if "```" in t or "~~~" in t:
        if "```[tasklist]" in t:
            t = _TASKLIST.sub(lambda m: m.group(2), t)
        t, code_blocks = _FENCE.subn("\n", t)
    if "<" in t:
        if "<summary" in t or "<h" in t:
            # <summary>Why</summary> and <h2>Why</h2> act as headings on GitHub.
            t = _HTML_HEADING.sub(lambda m: "\n#### " + m.group(2) + "\n", t)
        t = _HTML_TAG.sub(" ", t)
    if not comments and not _STRUCTURE.search(t):
        return _parse_plain(t, code_blocks)

    sections: list[Section | None] = []
    cur: _Builder | None = None
    outer: _Builder | None = None
    preamble: list[str] = []
    prose: list[str] = []
    headings: list[str] = []
    checklist: list[ChecklistItem] = []
    list_items: list[str] = []
    fields: list[tuple[str, str]] = []
    template_checks = 0
    quotes = 0
    last_para_idx = -2  # index of the last plain paragraph line (setext candidate)
    last_para_text = ""

    def close_field() -> None:
        # A "Key:" pseudo-section ends at a blank line; its enclosing section resumes.
        nonlocal cur, outer
        if cur is not None and cur.source == "field":
            sections[cur.index] = cur.build()
            cur = outer
            outer = None

    def open_section(title: str, source: Literal["heading", "bold", "field"]) -> None:
        nonlocal cur, outer
        close_field()
        if source == "field":
            outer = cur
        elif cur is not None:
            sections[cur.index] = cur.build()
        sections.append(None)
        cur = _Builder(title, source, len(sections) - 1)
        if cur.kind == "other" and source != "field":
            headings.append(title)

    def add_content(s: str, is_list: bool = False) -> None:
        if cur is None:
            preamble.append(s)
        else:
            cur.content.append(s)
            if is_list:
                cur.lists += 1
        if cur is None or cur.kind != "non_prose":
            prose.append(s)

    def add_placeholder(s: str) -> None:
        placeholders.append(s)
        if cur is not None:
            cur.placeholders.append(s)

    def apply_field(rec: _FieldRec) -> SectionKind:
        # Record a "Key: value" line as a field and, for a known kind, a one-line section.
        key, value, kind, section = rec
        fields.append((key, value))
        if section is not None:
            sections.append(section)
        return kind

    lines = t.split("\n")
    for idx, raw in enumerate(lines):
        s = raw.strip()
        if not s:
            if cur is not None and cur.source == "field":
                close_field()
            continue
        if s[0] not in _MARKERS and ":" not in s:
            # A plain prose line (most lines): what ``_plan`` would say, without a lookup.
            if is_placeholder_line(s):
                add_placeholder(s)
                last_para_idx = -2
                continue
            s = _clean_inline(s)
            if s:
                add_content(s)
                last_para_idx, last_para_text = idx, s
            continue
        # Everything about a line that does not depend on what came before it, computed
        # once per distinct line (see ``_plan``); the state machine below applies it.
        quoted, op, a, b, c = _plan(s)
        if quoted:
            quotes += 1
        if op is _TEXT:
            # ``a`` is the cleaned line (empty: nothing left), ``b`` whether a list item.
            if a:
                if b:
                    list_items.append(a)
                    add_content(a, True)
                    last_para_idx = -2
                else:
                    add_content(a)
                    last_para_idx, last_para_text = idx, a
            continue
        if op is _SKIP:
            continue
        if op is _SETEXT_OP:
            if last_para_idx == idx - 1 and last_para_text:
                # Setext heading: the previous paragraph line was its title.
                target = cur.content if cur is not None else preamble
                if target and target[-1] == last_para_text:
                    target.pop()
                    if prose and prose[-1] == last_para_text:
                        prose.pop()
                open_section(last_para_text.rstrip(":"), "heading")
            last_para_idx = -2
            continue
        if op is _HEADING:
            if a:
                open_section(a, "heading")
            continue
        if op is _BOLD_FIELD:
            apply_field(b)
            if a is _PH:
                add_placeholder(c)
            elif a is _PROSE:
                prose.append(c)
            else:
                add_content(c)
            last_para_idx = -2
            continue
        if op is _BOLD_SECTION:
            open_section(a, "bold")
            last_para_idx = -2
            continue
        if op is _CHECK_PH:
            add_placeholder(a)
            last_para_idx = -2
            continue
        if op is _CHECK_BOILER:
            template_checks += 1
            add_placeholder(a)
            last_para_idx = -2
            continue
        if op is _CHECK_ITEM:
            checklist.append(ChecklistItem(a, b, cur.key if cur else ""))
            if cur is not None:
                cur.checks += 1
            add_content(a, True)
            last_para_idx = -2
            continue
        if op is _LIST_EMPTY:
            add_placeholder("-")
            continue
        if op is _KV_OPEN:
            open_section(a, "field")
            last_para_idx = -2
            continue
        if op is _KV_EMPTY_ITEM:
            apply_field(a)
            add_placeholder(b)
            last_para_idx = -2
            continue
        if op is _KV:
            if cur is not None and cur.source == "field" and not cur.content:
                close_field()  # "Motivation:" left empty, then "Scope: …"
            apply_field(a)
            if b is _PH:
                add_placeholder(c)
                last_para_idx = -2
                continue
            if b is _PROSE:
                prose.append(c)
                last_para_idx = -2
                continue
            op, a, b = c  # the line goes on as text (see ``_plan``)
        if op is _PLACEHOLDER:
            add_placeholder(a)
            last_para_idx = -2
            continue
        # _TEXT: ``a`` is the cleaned line (empty: nothing left), ``b`` whether a list item.
        if not a:
            continue
        if b:
            list_items.append(a)
        add_content(a, b)
        if not b:
            last_para_idx, last_para_text = idx, a
        else:
            last_para_idx = -2
    close_field()
    if cur is not None:
        sections[cur.index] = cur.build()
    return Document(
        tuple(sec for sec in sections if sec is not None),
        "\n".join(preamble),
        "\n".join(prose),
        tuple(headings),
        tuple(checklist),
        template_checks,
        tuple(list_items),
        tuple(fields),
        tuple(placeholders),
        comments,
        code_blocks,
        quotes,
    )


# First characters of the lines ``_plan`` may read as more than prose (a line holding a
# ":" may be a "Key: value" field).
_MARKERS = frozenset(">=-#|*_+•0123456789[")

# Operations of ``_plan`` (compared by identity).
_SKIP = "skip"
_SETEXT_OP = "setext"
_HEADING = "heading"
_BOLD_FIELD = "bold_field"
_BOLD_SECTION = "bold_section"
_CHECK_PH = "check_placeholder"
_CHECK_BOILER = "check_boilerplate"
_CHECK_ITEM = "check"
_LIST_EMPTY = "list_empty"
_KV_OPEN = "kv_open"
_KV_EMPTY_ITEM = "kv_empty_item"
_KV = "kv"
_PLACEHOLDER = "placeholder"
_TEXT = "text"
_PH = "ph"
_PROSE = "prose"
_CONTENT = "content"

_FieldRec = tuple[str, str, SectionKind, Section | None]
_Plan = tuple[bool, str, Any, Any, Any]  # (quoted, operation, operands: see ``_plan``)


def _field_rec(key: str, value: str) -> _FieldRec:
    """What a ``Key: value`` line records: the field, its kind and, for a kind that
    matters (purpose, measure…), its one-line section (shared: sections are immutable)."""
    value = value.strip()
    nkey = normalize_key(key)
    kind = classify_section(nkey)
    if kind == "other" or kind == "template":
        return key, value, kind, None
    real = bool(value) and not is_placeholder_line(value)
    section = Section(
        key,
        nkey,
        "field",
        kind,
        _clean_inline(value) if real else "",
        () if real else (f"{key}: {value}".strip(),),
        0,
        0,
    )
    return key, value, kind, section


def _text_plan(s: str, is_list: bool) -> tuple[str, Any, Any]:
    """The last step of a line: a placeholder, or text (cleaned; empty: nothing left)."""
    if is_placeholder_line(s):
        return _PLACEHOLDER, s, None
    return _TEXT, _clean_inline(s), is_list


def _plan(line: str) -> _Plan:
    """How :func:`parse_document` treats one stripped, non-empty line, as far as that
    depends on the line alone: ``(quoted, operation, a, b, c)``; the caller applies the
    state (current section, the line before).

    Template lines (headings, bold labels, checkboxes, ``Key:`` labels) repeat across
    thousands of descriptions, so their plan is cached; list items and ``Key: value``
    lines with content mostly do not, and a cache miss costs more than it saves.
    """
    c = line[0]
    if c in "#*_=>[" or line[-1] == ":" or line.startswith(("- [", "* [", "+ [")):
        return _template_plan(line)
    return _line_plan(line)


def _line_plan(line: str) -> _Plan:
    """:func:`_plan`, computed."""
    s = line
    quoted = False
    c = s[0]
    if c == ">":
        s = s.lstrip("> ").strip()
        quoted = True
        if not s:
            return quoted, _SKIP, None, None, None
        c = s[0]
    if (c == "=" or c == "-") and _SETEXT.match(s):
        return quoted, _SETEXT_OP, None, None, None
    if c == "#":
        m = _ATX.match(s)
        if m and (len(m.group(1)) < len(s) and s[len(m.group(1))] in " \t"):
            return quoted, _HEADING, _clean_inline(m.group(2)).rstrip(":"), None, None
    if c == "|":
        if _TABLE_SEP.match(s):
            return quoted, _SKIP, None, None, None
        s = " ".join(cell.strip() for cell in s.strip("|").split("|") if cell.strip())
        if not s:
            return quoted, _SKIP, None, None, None
        c = s[0]
    if c in "*_":
        m = _BOLD_HEAD.match(s)
        if m:
            label, colon, rest = m.group(1).strip(), m.group(2), m.group(3).strip()
            label_words = label.rstrip(":").split()
            if (
                label_words
                and len(label_words) <= 12
                and (not rest or colon or label.endswith(":") or rest.startswith(":"))
            ):
                rest = rest.lstrip(":").strip()
                if rest and len(label_words) <= 5:
                    rec = _field_rec(label.rstrip(":"), rest)
                    if is_placeholder_line(rest):
                        return quoted, _BOLD_FIELD, _PH, rec, rest
                    if rec[2] == "template":
                        # "**Owner:** @ana" is metadata, not content of the section.
                        return quoted, _BOLD_FIELD, _PROSE, rec, _clean_inline(s)
                    return quoted, _BOLD_FIELD, _CONTENT, rec, _clean_inline(rest)
                if not rest:
                    return quoted, _BOLD_SECTION, label.rstrip(":").strip(), None, None
    is_list = False
    if c in "-*+•0123456789[":
        m = _CHECK.match(s)
        if m:
            item = _clean_inline(m.group(2))
            if not item or is_placeholder_line(item):
                return quoted, _CHECK_PH, s, None, None
            if _BOILERPLATE_CHECK.search(item):
                return quoted, _CHECK_BOILER, s, None, None
            return quoted, _CHECK_ITEM, item, m.group(1) != " ", None
        m = _LIST.match(s)
        if m:
            is_list = True
            s = m.group(1).strip()
            if not s:
                return quoted, _LIST_EMPTY, None, None, None
    # "Key: value" lines and "Key:" pseudo-headings.
    if ":" in s:
        body = _clean_inline(s) if ("*" in s or "_" in s) else s
        m = _KEYVAL.match(body)
        if m and len(m.group(1).split()) <= 5:
            key, value = m.group(1).strip(), m.group(2).strip()
            if not value:
                if is_list:
                    return quoted, _KV_EMPTY_ITEM, _field_rec(key, ""), s, None
                return quoted, _KV_OPEN, key, None, None
            if len(key.split()) <= 4:
                rec = _field_rec(key, value)
                if is_placeholder_line(value):
                    return quoted, _KV, rec, _PH, s
                if rec[2] == "template":
                    return quoted, _KV, rec, _PROSE, _clean_inline(s)
                return quoted, _KV, rec, None, _text_plan(s, is_list)
    op, a, b = _text_plan(s, is_list)
    return quoted, op, a, b, None


_template_plan = lru_cache(maxsize=16384)(_line_plan)


# Anything that could start a heading, list, quote, table or "Key:" field. Most real
# bodies are plain prose paragraphs; they skip the line-by-line state machine.
_STRUCTURE = re.compile(r"^[ \t]*(?:[#>|=*_\-+•\[<~]|\d{1,3}[.)]|[^\n:]{1,42}:(?!//))", re.M)


def _parse_plain(t: str, code_blocks: int) -> Document:
    """Fast path of :func:`parse_document` for text without any structure markers."""
    prose: list[str] = []
    placeholders: list[str] = []
    for raw in t.split("\n"):
        line = raw.strip()
        if not line:
            continue
        if is_placeholder_line(line):
            placeholders.append(line)
        else:
            line = _clean_inline(line)
            if line:
                prose.append(line)
    text = "\n".join(prose)
    return Document((), text, text, (), (), 0, (), (), tuple(placeholders), 0, code_blocks, 0)
