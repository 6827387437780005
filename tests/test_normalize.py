"""Tests for trackerguard.text.normalize: tracker formats → canonical text.

Fixture pairs live in tests/data/normalize/: ``<case>.<ext>`` is the tracker input (the extension
names the format) and ``<case>.expected`` the exact canonical output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from trackerguard.text.normalize import (
    Format,
    from_adf,
    from_html,
    from_jira_wiki,
    from_markdown,
    from_textile,
    normalize,
)

DATA = Path(__file__).parent / "data" / "normalize"
FORMATS: dict[str, Format] = {
    ".md": "markdown",
    ".wiki": "jira_wiki",
    ".textile": "textile",
    ".json": "adf",
    ".html": "html",
}
CASES = sorted(path for path in DATA.iterdir() if path.suffix in FORMATS)


@pytest.mark.parametrize("path", CASES, ids=[path.name for path in CASES])
def test_fixture(path: Path) -> None:
    expected = path.with_suffix(".expected").read_bytes().decode("utf-8")
    raw = path.read_bytes().decode("utf-8")
    assert normalize(raw, FORMATS[path.suffix]) + "\n" == expected


def test_fixture_adf_as_mapping_equals_json_string() -> None:
    raw = (DATA / "adf_all_nodes.json").read_text(encoding="utf-8")
    assert from_adf(json.loads(raw)) == normalize(raw, "adf")


# --- dispatch and robustness ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["markdown", "adf", "jira_wiki", "textile", "plain", "html"])
@pytest.mark.parametrize("value", [None, "", "   \n\n \t\n"])
def test_empty_inputs_give_empty_string(value: str | None, fmt: Format) -> None:
    assert normalize(value, fmt) == ""


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        ("plain  \r\ntext\t.\r\n\r\n\r\n\r\nmore", "plain", "plain\ntext    .\n\nmore"),
        ('{"type": "doc", "content": [', "adf", '{"type": "doc", "content": ['),
        ("not json at all", "adf", "not json at all"),
        ("[1, 2]", "adf", "[1, 2]"),
        ({"type": "doc", "content": "oops"}, "adf", ""),
        ({"type": "doc", "content": [{"type": "text", "text": "x"}]}, "markdown", "x"),
        ("*b*", "unknown-format", "*b*"),
        ("a\u00a0b\u200bc\ufeff", "plain", "a bc"),
    ],
)
def test_normalize_dispatch_and_degradation(value: Any, fmt: Format, expected: str) -> None:
    assert normalize(value, fmt) == expected


def test_normalize_never_raises_on_deep_adf() -> None:
    node: dict[str, Any] = {"type": "text", "text": "deep"}
    for _ in range(5000):
        node = {"type": "blockquote", "content": [node]}
    assert "deep" in normalize({"type": "doc", "content": [node]}, "adf")


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=200),
    st.sampled_from(["markdown", "adf", "jira_wiki", "textile", "plain", "html"]),
)
def test_normalize_never_raises_on_arbitrary_text(text: str, fmt: Format) -> None:
    result = normalize(text, fmt)
    assert isinstance(result, str)
    assert result == result.strip("\n")
    assert "\r" not in result
    assert "\t" not in result


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab *_#-\n`>|[]()!{}+1.")), max_size=120))
@example("*_*")  # emphasis unified into "___" would read as a rule on the second pass
def test_from_markdown_is_idempotent(text: str) -> None:
    once = from_markdown(text)
    assert from_markdown(once) == once


# --- Markdown -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Title\n=====\ntext", "# Title\n\ntext"),
        ("Sub\n---\n\ntext", "## Sub\n\ntext"),
        ("#  Spaced   out  ##  ", "# Spaced out"),
        ("#hashtag and #123", "#hashtag and #123"),
        ("* a\n+ b\n- c", "- a\n- b\n- c"),
        ("1. a\n1. b\n1. c", "1. a\n2. b\n3. c"),
        ("3) a\n3) b", "3. a\n4. b"),
        ("- a\n    - b\n        - c", "- a\n  - b\n    - c"),
        ("* [ ] todo\n* [X] done", "- [ ] todo\n- [x] done"),
        ("__bold__ and *it* and **kept**", "**bold** and _it_ and **kept**"),
        ("`*code*` and 2*3*4 and snake_case", "`*code*` and 2*3*4 and snake_case"),
        ("<!-- *keep* __me__ -->\ntext", "<!-- *keep* __me__ -->\ntext"),
        ("<!--\n* not a list\n-->", "<!--\n* not a list\n-->"),
        ("```\n* x\n\n\n\n__y__\n```", "```\n* x\n\n\n\n__y__\n```"),
        ("~~~\n# not heading\n~~~", "~~~\n# not heading\n~~~"),
        ("text\n# Heading\nmore", "text\n\n# Heading\n\nmore"),
        ("***\n\n- - -", "---\n\n---"),
        ("|a|b|\n|:-|-:|\n|1|2|", "| a | b |\n| --- | --- |\n| 1 | 2 |"),
        ("line one  \nline two", "line one\nline two"),
        ("\n\n\ntext\n\n\n", "text"),
    ],
)
def test_from_markdown(source: str, expected: str) -> None:
    assert from_markdown(source) == expected


# --- ADF ------------------------------------------------------------------------------------


def _doc(*content: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "type": "doc", "content": list(content)}


def _para(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(content)}


def _text(text: str, *marks: str, href: str = "") -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if marks:
        node["marks"] = [
            {"type": mark, "attrs": {"href": href}} if mark == "link" else {"type": mark}
            for mark in marks
        ]
    return node


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (_doc(), ""),
        ({"type": "doc"}, ""),
        (_doc(_para(), _para(_text("a")), _para()), "a"),
        (_doc(_para(_text("a"), {"type": "hardBreak"}, _text("b"))), "a\nb"),
        (_doc(_para(_text("x", "strong"), _text("y", "strong"))), "**xy**"),
        (_doc(_para(_text("bold ", "strong"), _text("rest"))), "**bold** rest"),
        (_doc(_para(_text("a", "strong", "em"))), "**_a_**"),
        (_doc(_para(_text("f()", "code", "strong"))), "**`f()`**"),
        (_doc(_para(_text("x`y", "code"))), "`` x`y ``"),
        (_doc(_para(_text("u", "link", href="u"))), "u"),
        (_doc(_para(_text("t", "link", "strong", href="https://u"))), "[**t**](https://u)"),
        (_doc(_para(_text("t", "link", href=""))), "t"),
        (
            _doc(
                _para(
                    {
                        "type": "mention",
                        "attrs": {"id": "1", "text": "@Jo"},
                        "marks": [{"type": "em"}],
                    }
                )
            ),
            "_@Jo_",
        ),
        (_doc(_para({"type": "emoji", "attrs": {"shortName": "thumbsup"}})), ":thumbsup:"),
        (_doc(_para({"type": "emoji", "attrs": {"text": "👍"}})), "👍"),
        (_doc(_para({"type": "date", "attrs": {"timestamp": 0}})), "1970-01-01"),
        (_doc(_para({"type": "status", "attrs": {"text": "DONE"}})), "DONE"),
        (_doc({"type": "heading", "attrs": {"level": 9}, "content": [_text("H")]}), "# H"),
        (_doc({"type": "heading", "attrs": {"level": 3}, "content": []}), ""),
        (
            _doc({"type": "orderedList", "content": [{"type": "listItem", "content": []}]}),
            "1.",
        ),
        (_doc({"type": "codeBlock", "content": [_text("a\n\n\n\nb")]}), "```\na\n\n\n\nb\n```"),
        (
            _doc({"type": "panel", "attrs": {"title": "Note"}, "content": [_para(_text("x"))]}),
            "**Note**\n\nx",
        ),
        (_doc({"type": "nestedExpand", "attrs": {}, "content": [_para(_text("x"))]}), "x"),
        (_doc({"type": "mediaSingle", "content": [{"type": "media", "attrs": {}}]}), ""),
        (_doc({"type": "extension", "attrs": {"extensionKey": "x"}}), ""),
        ({"type": "paragraph", "content": [_text("a node, not a doc")]}, "a node, not a doc"),
    ],
)
def test_from_adf(doc: dict[str, Any], expected: str) -> None:
    assert from_adf(doc) == expected


# --- Jira wiki --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("h2. Title   ", "## Title"),
        ("  h3.   Indented  ", "### Indented"),
        ("* item", "- item"),
        ("*bold* start", "**bold** start"),
        ("*bold*", "**bold**"),
        ("* *bold* item", "- **bold** item"),
        ("** nested", "  - nested"),
        ("# one\n# two\n#* sub\n# three", "1. one\n2. two\n  - sub\n3. three"),
        ("#not a list", "#not a list"),
        ("a *b* c _d_ -e- +f+ ^g^ ~h~ ??i??", "a **b** c _d_ ~~e~~ f g h _i_"),
        ("{{*x* _y_}}", "`*x* _y_`"),
        ("[text|http://u/a_b_c]", "[text](http://u/a_b_c)"),
        ("[http://u]", "http://u"),
        ("[same|same]", "same"),
        ("[~jdoe]", "@jdoe"),
        ("[^report.pdf]", "report.pdf"),
        ("a !pic.png! b !pic.jpg|thumbnail! c", "a b c"),
        ("line\\\\break", "line\nbreak"),
        ("\\*not bold\\*", "*not bold*"),
        ("----", "---"),
        ("{color:#ff0000}red{color}", "red"),
        ("{code}*a*\n# b{code}", "```\n*a*\n# b\n```"),
        ("{code:title=A.java|language=java}x{code}", "```java\nx\n```"),
        ("before {noformat}raw{noformat} after", "before\n\n```\nraw\n```\n\nafter"),
        ("{code}\nunclosed *x*", "```\nunclosed *x*\n```"),
        ("{quote}*q*{quote}", "> **q**"),
        ("{panel:title=T}body{panel}", "**T**\n\nbody"),
        ("{info}body{info}", "body"),
        ("||a||b||\n|1|[x|http://y]|", "| a | b |\n| --- | --- |\n| 1 | [x](http://y) |"),
        ("|no|header|", "| no | header |"),
        ("para\n* list", "para\n\n- list"),
        ("bq. quoted", "> quoted"),
        ("* \\[x\\] done\n* [ ] open", "- [x] done\n- [ ] open"),
        ("2023-01-05 -Xmx1g C:\\temp well-known", "2023-01-05 -Xmx1g C:\\temp well-known"),
    ],
)
def test_from_jira_wiki(source: str, expected: str) -> None:
    assert from_jira_wiki(source) == expected


# --- Textile ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("h2. Title  ", "## Title"),
        ("h2(#anchor). Title", "## Title"),
        ("h3(cls#id){color:red}[en]<. Fancy", "### Fancy"),
        ("p(lead). Para", "Para"),
        ("*strong* **bold** _em_ __italic__", "**strong** **bold** _em_ _italic_"),
        ("@a *b* c@", "`a *b* c`"),
        ('"text":http://u/a_b "t2(title)":https://v.', "[text](http://u/a_b) [t2](https://v)."),
        ('"http://u":http://u', "http://u"),
        ("-del- +ins+ ^sup^ ~sub~ ??cite?? %span%", "~~del~~ ins sup sub cite span"),
        ("* a\n** b\n# c\n#* d", "- a\n  - b\n1. c\n  - d"),
        ("* a\ncontinued", "- a\n  continued"),
        ("|_. h1|_. h2|\n|a|b|", "| h1 | h2 |\n| --- | --- |\n| a | b |"),
        ("table(grid).\n|a|b|", "| a | b |"),
        ("bc. x *y*", "```\nx *y*\n```"),
        ("bc(python). print(1)", "```python\nprint(1)\n```"),
        ("bc.. a\n\nb\n\np. c", "```\na\n\nb\n```\n\nc"),
        ("pre. raw _x_", "```\nraw _x_\n```"),
        ("<pre>\n*raw*\n\n</pre>", "```\n*raw*\n```"),
        ('<pre><code class="python">\nx\n</code></pre>', "```python\nx\n```"),
        ("bq. quote *b*", "> quote **b**"),
        ("bq.. one\n\ntwo\n\np. after", "> one\n>\n> two\n\nafter"),
        ("!img.png! text !https://x/y.gif!:http://z", "text"),
        ("Hello! World!", "Hello! World!"),
        ("fn1. note", "[1] note"),
        ("notextile. *raw*", "*raw*"),
        ("email@example.com and @code@", "email@example.com and `code`"),
        ("---", "---"),
    ],
)
def test_from_textile(source: str, expected: str) -> None:
    assert from_textile(source) == expected


# --- HTML -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<h3>T</h3><p>x</p>", "### T\n\nx"),
        ("<p>a<br>b</p><p>c</p>", "a\nb\n\nc"),
        ("<p>  lots   of\n space </p>", "lots of space"),
        ("<ol start='4'><li>a</li><li>b</li></ol>", "4. a\n5. b"),
        ("<ul><li><p>a</p></li></ul>", "- a"),
        ("<a href='http://u'>http://u</a> <a>no href</a>", "http://u no href"),
        ("<!-- keep --><p>x</p>", "<!-- keep -->\n\nx"),
        ("<pre>a\n\n\n\nb</pre>", "```\na\n\n\n\nb\n```"),
        ("<blockquote>q<blockquote>qq</blockquote></blockquote>", "> q\n>\n> > qq"),
        ("<p>unclosed <b>bold <a href='x'>link", "unclosed **bold link"),
        ("<style>p{}</style><i>x</i> <del>y</del>", "_x_ ~~y~~"),
    ],
)
def test_from_html(source: str, expected: str) -> None:
    assert from_html(source) == expected


# --- throughput -------------------------------------------------------------------------------

WIKI_300 = (
    "h2. Steps\n*Login* with SSO fails on _Safari_, see [docs|https://example.com/a] "
    "and {{auth.login()}}.\n* open the page\n* click login\n** wait for the spinner\n"
    "# expected: dashboard\n# actual: spinner forever\n{code:python}\nx = login(user)\n{code}\n"
    "||Browser||Version||\n|Safari|17|\nReported by [~jdoe]."
)
TEXTILE_300 = (
    'h2(#steps). Steps\n\n*Login* with SSO fails on _Safari_, see "docs":https://example.com/a '
    "and @auth.login()@.\n\n* open the page\n* click login\n** wait for the spinner\n\n"
    "# expected: dashboard\n# actual: spinner forever\n\nbc. x = login(user)\n\n"
    "|_. Browser|_. Version|\n|Safari|17|\n\nReported by jdoe."
)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["jira_wiki", "textile", "adf"])
def test_throughput(fmt: Format) -> None:
    """10,000 ~300-character descriptions must normalise in well under a few seconds.

    The floor is deliberately low (CPU time, shared CI machines); it catches regressions such as
    regexes compiled per call, not small slowdowns.
    """
    import time

    from trackerguard.text.render import to_adf

    value: Any = {"jira_wiki": WIKI_300, "textile": TEXTILE_300}.get(fmt)
    if fmt == "adf":
        value = to_adf(from_jira_wiki(WIKI_300))
    start = time.process_time()
    for _ in range(10_000):
        normalize(value, fmt)
    per_second = 10_000 / max(time.process_time() - start, 1e-9)
    assert per_second > 3_000, f"{fmt}: {per_second:,.0f} descriptions/s"


_MARKS = st.lists(
    st.sampled_from(
        [
            {"type": "strong"},
            {"type": "em"},
            {"type": "code"},
            {"type": "underline"},
            {"type": "link", "attrs": {"href": "https://example.com/a"}},
        ]
    ),
    max_size=2,
)
_TEXT_NODE = st.fixed_dictionaries(
    {"type": st.just("text"), "text": st.one_of(st.text(max_size=12), st.none(), st.integers())},
    optional={"marks": st.one_of(_MARKS, st.just([]), st.none())},
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT_NODE, max_size=6))
def test_plain_text_fast_path_renders_what_the_run_renderer_renders(nodes: list[Any]) -> None:
    """The shortcut for unmarked text nodes (most ADF paragraphs) must give exactly what the
    general mark-merging renderer gives, for any mix of marked and unmarked nodes."""
    from trackerguard.text import _adf

    assert _adf._inline(nodes) == _adf._inline_marked(nodes)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \t\r\n\u00a0\u200b\ufeff\u2028\ue000é"), max_size=30))
def test_ascii_shortcut_of_prepare_changes_nothing(text: str) -> None:
    from trackerguard.text.normalize import _INVISIBLE, _prepare

    expected = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    assert _prepare(text) == expected.translate(_INVISIBLE)
