"""Tests for trackerguard.text.render: canonical Markdown → ADF / Jira wiki / Textile.

Besides exact outputs, the key property is the round trip: reading a rendered comment back with
the matching reader of trackerguard.text.normalize gives the canonical text again.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trackerguard.text.normalize import from_adf, from_jira_wiki, from_markdown, from_textile
from trackerguard.text.render import strip_html_comments, to_adf, to_jira_wiki, to_textile

# --- a small structural ADF validator -----------------------------------------------------------

INLINE = {"text", "hardBreak", "mention", "emoji", "inlineCard", "date", "status"}
CHILDREN: dict[str, set[str]] = {
    "doc": {
        "paragraph",
        "heading",
        "bulletList",
        "orderedList",
        "taskList",
        "blockquote",
        "codeBlock",
        "rule",
        "table",
    },
    "paragraph": INLINE,
    "heading": INLINE,
    "bulletList": {"listItem"},
    "orderedList": {"listItem"},
    "listItem": {"paragraph", "bulletList", "orderedList", "codeBlock"},
    "taskList": {"taskItem", "taskList"},
    "taskItem": INLINE,
    "blockquote": {"paragraph", "bulletList", "orderedList", "codeBlock"},
    "codeBlock": {"text"},
    "table": {"tableRow"},
    "tableRow": {"tableHeader", "tableCell"},
    "tableHeader": {"paragraph", "bulletList", "orderedList", "codeBlock"},
    "tableCell": {"paragraph", "bulletList", "orderedList", "codeBlock"},
    "rule": set(),
    "hardBreak": set(),
}
MARKS = {"strong", "em", "strike", "code", "link"}


def assert_valid_adf(doc: Any) -> None:
    json.dumps(doc)  # must be plain JSON
    assert doc["version"] == 1
    assert doc["type"] == "doc"
    _check(doc)


def _check(node: dict[str, Any]) -> None:
    kind = node["type"]
    assert set(node) <= {"type", "content", "attrs", "marks", "text", "version"}, node
    attrs = node.get("attrs", {})
    if kind == "text":
        assert isinstance(node["text"], str) and node["text"], node
        marks = [mark["type"] for mark in node.get("marks", [])]
        assert set(marks) <= MARKS and len(set(marks)) == len(marks), node
        if "code" in marks:
            assert set(marks) <= {"code", "link"}, node
        for mark in node.get("marks", []):
            if mark["type"] == "link":
                assert isinstance(mark["attrs"]["href"], str) and mark["attrs"]["href"]
        return
    assert kind in CHILDREN, kind
    children = node.get("content", [])
    assert isinstance(children, list)
    if kind not in ("doc", "rule", "hardBreak", "codeBlock", "paragraph", "heading", "taskItem"):
        assert children, node
    for child in children:
        assert child["type"] in CHILDREN[kind], (kind, child["type"])
        if kind == "codeBlock":
            assert "marks" not in child
        _check(child)
    if kind == "heading":
        assert attrs["level"] in range(1, 7)
    if kind == "orderedList" and "order" in attrs:
        assert isinstance(attrs["order"], int) and attrs["order"] >= 0
    if kind == "listItem":
        assert children[0]["type"] == "paragraph"
    if kind == "taskList":
        assert isinstance(attrs["localId"], str)
        assert children[0]["type"] == "taskItem"
    if kind == "taskItem":
        assert isinstance(attrs["localId"], str) and attrs["state"] in ("TODO", "DONE")


# --- exact outputs ------------------------------------------------------------------------------

SAMPLE = """# Title

Some **bold _and italic_** text with `code()` and [a link](https://example.com/a_b).
Second line https://example.org/x.

- one
  - nested
    1. deep
- two

- [ ] open task
- [x] done task

```python
if a * b:
    print("{code}")
```

> quoted **text**

---

| Key | Value |
| --- | --- |
| a | b |"""


def test_to_jira_wiki_sample() -> None:
    assert to_jira_wiki(SAMPLE) == (
        "h1. Title\n\n"
        "Some *bold _and italic_* text with {{code()}} and [a link|https://example.com/a_b].\n"
        "Second line [https://example.org/x].\n\n"
        "* one\n** nested\n**# deep\n* two\n\n"
        "* \\[ \\] open task\n* \\[x\\] done task\n\n"
        '{noformat}\nif a * b:\n    print("{code}")\n{noformat}\n\n'
        "{quote}\nquoted *text*\n{quote}\n\n"
        "----\n\n"
        "||Key||Value||\n|a|b|"
    )


def test_to_textile_sample() -> None:
    assert to_textile(SAMPLE) == (
        "h1. Title\n\n"
        'Some *bold _and italic_* text with @code()@ and "a link":https://example.com/a_b.\n'
        "Second line https://example.org/x.\n\n"
        "* one\n** nested\n**# deep\n* two\n\n"
        "* [ ] open task\n* [x] done task\n\n"
        '<pre><code class="python">\nif a * b:\n    print("{code}")\n</code></pre>\n\n'
        "bq. quoted *text*\n\n"
        "---\n\n"
        "|_. Key|_. Value|\n|a|b|"
    )


def _strip_ids(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: _strip_ids(value)
            for key, value in node.items()
            if key != "localId" and not (key == "attrs" and value == {})
        }
    if isinstance(node, list):
        return [_strip_ids(item) for item in node]
    return node


def test_to_adf_sample_is_valid_and_exact() -> None:
    doc = to_adf(SAMPLE)
    assert_valid_adf(doc)
    content = _strip_ids(doc)["content"]
    assert content[0] == {
        "type": "heading",
        "attrs": {"level": 1},
        "content": [{"type": "text", "text": "Title"}],
    }
    assert content[1]["content"][:4] == [
        {"type": "text", "text": "Some "},
        {"type": "text", "text": "bold ", "marks": [{"type": "strong"}]},
        {"type": "text", "text": "and italic", "marks": [{"type": "strong"}, {"type": "em"}]},
        {"type": "text", "text": " text with "},
    ]
    assert {"type": "hardBreak"} in content[1]["content"]
    assert {
        "type": "text",
        "text": "a link",
        "marks": [{"type": "link", "attrs": {"href": "https://example.com/a_b"}}],
    } in content[1]["content"]
    assert [node["type"] for node in content] == [
        "heading",
        "paragraph",
        "bulletList",
        "taskList",
        "codeBlock",
        "blockquote",
        "rule",
        "table",
    ]
    assert content[3]["content"][1]["attrs"] == {"state": "DONE"}
    assert content[4] == {
        "type": "codeBlock",
        "attrs": {"language": "python"},
        "content": [{"type": "text", "text": 'if a * b:\n    print("{code}")'}],
    }
    assert content[7]["content"][0]["content"][0]["type"] == "tableHeader"


def test_to_adf_task_ids_are_unique() -> None:
    doc = to_adf("- [ ] a\n- [x] b\n  - [ ] c")
    ids: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if "localId" in node.get("attrs", {}):
                ids.append(node["attrs"]["localId"])
            for child in node.get("content", []):
                collect(child)

    collect(doc)
    assert len(ids) == len(set(ids)) == 5


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("", []),
        ("`a` **`b`**", [("a", ["code"]), (" ", []), ("b", ["code"])]),
        ("[`x`](http://u)", [("x", ["link", "code"])]),
        ("**[t](http://u)**", [("t", ["strong", "link"])]),
        ("~~gone~~", [("gone", ["strike"])]),
        ("a <!-- hidden --> b", [("a  b", [])]),
    ],
)
def test_to_adf_inline_marks(markdown: str, expected: list[tuple[str, list[str]]]) -> None:
    doc = to_adf(markdown)
    assert_valid_adf(doc)
    texts = [
        (node["text"], [mark["type"] for mark in node.get("marks", [])])
        for block in doc["content"]
        for node in block["content"]
    ]
    assert texts == expected


@pytest.mark.parametrize(
    ("markdown", "wiki", "textile"),
    [
        ("## H *x*", "h2. H _x_", "h2. H _x_"),
        ("2 * 3 {x}", "2 \\* 3 \\{x\\}", "2 * 3 {x}"),
        ("3. a\n4. b", "# a\n# b", "# a\n# b"),
        ("- a\n  second line", "* a\\\\second line", "* a\nsecond line"),
        ("```\n```", "{code}\n\n{code}", "<pre><code>\n\n</code></pre>"),
        ("[x] [y] {z} a|b", "\\[x\\] \\[y\\] \\{z\\} a\\|b", "[x] [y] {z} a|b"),
        (
            "a -b- +c+ snake_case _x_",
            "a \\-b\\- \\+c\\+ snake_case _x_",
            "==a -b- +c+ snake_case== _x_",
        ),
        ("<!-- only a comment -->", "", ""),
        ("p. looks like textile", "p. looks like textile", "p. p. looks like textile"),
    ],
)
def test_render_edge_cases(markdown: str, wiki: str, textile: str) -> None:
    assert to_jira_wiki(markdown) == wiki
    assert to_textile(markdown) == textile


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("a <!-- x --> b", "a  b"),
        ("<!-- x -->\n\n\ntext\n\n<!--\nmulti\nline\n-->\n\nmore", "text\n\nmore"),
        ("```\n<!-- code keeps it -->\n```\n<!-- gone -->", "```\n<!-- code keeps it -->\n```"),
        ("<!-- unterminated", "<!-- unterminated"),
        ("no comment\r\n", "no comment"),
    ],
)
def test_strip_html_comments(markdown: str, expected: str) -> None:
    assert strip_html_comments(markdown) == expected


# --- round trip -------------------------------------------------------------------------------

READERS: list[tuple[str, Callable[[str], str]]] = [
    ("adf", lambda md: from_adf(to_adf(md))),
    ("jira_wiki", lambda md: from_jira_wiki(to_jira_wiki(md))),
    ("textile", lambda md: from_textile(to_textile(md))),
]

HAND_WRITTEN = [
    SAMPLE.replace('print("{code}")', "print(1)"),
    "plain paragraph",
    "# H1\n\n## H2 with **bold**\n\n###### H6",
    "line one\nline two\nline three",
    "- a\n- b\n  - c\n    - d\n- e",
    "1. a\n2. b\n  1. c\n  2. d\n3. e",
    "- a\n  1. b\n  2. c\n- d",
    "- [ ] a\n- [x] b\n  - [ ] c",
    "- item with **bold** and `code` and [link](https://x.example/p)\n  continued line",
    "```\nraw *text* _here_ {braces} [brackets] | pipes # hash\n\n  indented\n```",
    "```sql\nSELECT * FROM t WHERE a_b = 1;\n```",
    "> a quote with _italic_\n> and a second line",
    "text\n\n---\n\nmore",
    "| a | b |\n| --- | --- |\n| 1 | **2** |\n| [l](https://l.example) | `c` |",
    "| no | header |\n| 1 | 2 |",
    "https://bare.example/path and [same](https://same.example)",
    "**bold** **bold2** _it_ ~~strike~~ `code`",
    "**bold with _nested italic_ inside**",
]


@pytest.mark.parametrize("reader", READERS, ids=[name for name, _ in READERS])
@pytest.mark.parametrize("markdown", HAND_WRITTEN)
def test_round_trip_hand_written(markdown: str, reader: tuple[str, Callable[[str], str]]) -> None:
    canonical = from_markdown(markdown)
    assert reader[1](markdown) == canonical


WORD = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8)
URL_PATH = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8)
PLAIN = st.lists(WORD, min_size=1, max_size=4).map(" ".join)
CODE_SPAN = (
    st.text(alphabet=string.ascii_letters + string.digits + "*_-+#. ()", min_size=1, max_size=12)
    .map(lambda text: " ".join(text.split()))
    .filter(bool)
)
SEGMENT = st.one_of(
    PLAIN,
    PLAIN.map(lambda text: f"**{text}**"),
    PLAIN.map(lambda text: f"_{text}_"),
    PLAIN.map(lambda text: f"~~{text}~~"),
    CODE_SPAN.map(lambda text: f"`{text}`"),
    st.tuples(PLAIN, URL_PATH).map(lambda pair: f"[{pair[0]}](https://example.com/{pair[1]})"),
    URL_PATH.map(lambda word: f"https://example.com/{word}"),
    st.tuples(PLAIN, PLAIN).map(lambda pair: f"**{pair[0]} _{pair[1]}_**"),
)
LINE = st.lists(SEGMENT, min_size=1, max_size=4).map(" ".join)
CODE_LINE = st.text(
    alphabet=string.ascii_letters + string.digits + " *_#{}[]|!-+.=<>()", max_size=30
).map(str.rstrip)


@st.composite
def code_blocks(draw: st.DrawFn) -> str:
    language = draw(st.one_of(st.just(""), st.sampled_from(["python", "java", "sql"])))
    lines = draw(st.lists(CODE_LINE, min_size=1, max_size=4))
    lines[0] = lines[0].strip() or "x"
    lines[-1] = lines[-1] or "y"
    body = "\n".join(lines)
    if "{code}" in body or "{noformat}" in body:
        body = "z"
    return f"```{language}\n{body}\n```"


def _item_text(lines: list[str], depth: int) -> str:
    return ("\n" + "  " * (depth + 1)).join(lines)


@st.composite
def lists(draw: st.DrawFn, depth: int = 0, kind: str | None = None) -> str:
    kind = kind or draw(st.sampled_from(["bullet", "ordered", "task"]))
    out: list[str] = []
    for number in range(1, draw(st.integers(1, 3)) + 1):
        text = _item_text(draw(st.lists(LINE, min_size=1, max_size=2)), depth)
        if kind == "bullet":
            marker = "- "
        elif kind == "ordered":
            marker = f"{number}. "
        else:
            marker = draw(st.sampled_from(["- [ ] ", "- [x] "]))
        out.append("  " * depth + marker + text)
        if depth < 2 and draw(st.booleans()):
            child_kind = "task" if kind == "task" else draw(st.sampled_from(["bullet", "ordered"]))
            out.append(draw(lists(depth + 1, child_kind)))
    return "\n".join(out)


@st.composite
def tables(draw: st.DrawFn) -> str:
    width = draw(st.integers(1, 3))
    row = st.lists(PLAIN, min_size=width, max_size=width).map(
        lambda cells: "| " + " | ".join(cells) + " |"
    )
    rows = [draw(row), "| " + " | ".join("---" for _ in range(width)) + " |"]
    rows.extend(draw(st.lists(row, min_size=1, max_size=2)))
    return "\n".join(rows)


BLOCK = st.one_of(
    st.tuples(st.integers(1, 6), LINE).map(lambda pair: "#" * pair[0] + " " + pair[1]),
    st.lists(LINE, min_size=1, max_size=3).map("\n".join),
    lists(),
    code_blocks(),
    st.lists(LINE, min_size=1, max_size=2).map(lambda lines: "> " + "\n> ".join(lines)),
    st.just("---"),
    tables(),
)


@st.composite
def documents(draw: st.DrawFn) -> str:
    blocks: list[str] = []
    for block in draw(st.lists(BLOCK, min_size=1, max_size=6)):
        is_list = block.lstrip().startswith(("- ", "1. "))
        if blocks and is_list and blocks[-1].lstrip().startswith(("- ", "1. ")):
            blocks.append("separator paragraph")  # adjacent lists merge in some formats
        blocks.append(block)
    return "\n\n".join(blocks)


@settings(max_examples=100, deadline=None)
@given(documents())
def test_generated_documents_are_canonical(markdown: str) -> None:
    assert from_markdown(markdown) == markdown


@settings(max_examples=150, deadline=None)
@given(documents())
def test_round_trip_adf(markdown: str) -> None:
    doc = to_adf(markdown)
    assert_valid_adf(doc)
    assert from_adf(doc) == from_markdown(markdown)


@settings(max_examples=150, deadline=None)
@given(documents())
def test_round_trip_jira_wiki(markdown: str) -> None:
    assert from_jira_wiki(to_jira_wiki(markdown)) == from_markdown(markdown)


@settings(max_examples=150, deadline=None)
@given(documents())
def test_round_trip_textile(markdown: str) -> None:
    assert from_textile(to_textile(markdown)) == from_markdown(markdown)
