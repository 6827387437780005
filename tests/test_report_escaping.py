"""Reports carry tracker text inertly: JUnit stays well-formed XML whatever a title holds,
and Markdown (step summaries, PR comments) never lets a title become HTML."""

from __future__ import annotations

import re
import xml.dom.minidom
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from trackerguard.cli import main

HOSTILE_TITLES = [
    "Bell \x07 and NUL \x00 and escape \x1b[31m in a title",
    "Form feed \x0c, vertical tab \x0b, U+FFFE \ufffe",
    "</summary><script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "<details open><b>bold</b> & | pipes |",
]


def backlog() -> dict[str, object]:
    items: list[dict[str, object]] = [
        {
            "key": f"S-{n}",
            "type": "Story",
            "title": title,
            "url": "https://tracker.example/S-1) <b>x</b>",
        }
        for n, title in enumerate(HOSTILE_TITLES, 1)
    ]
    items[0]["parent"] = "E-<i>1</i>"
    items.append(
        {"key": "E-<i>1</i>", "type": "Epic", "title": '</summary><img src=x onerror="alert(2)">'}
    )
    return {"items": items}


def render(make_project: Callable[..., Path], fmt: str) -> str:
    config = make_project(backlog())
    result = CliRunner().invoke(
        main, ["check", "--config", str(config), "--format", fmt, "--fail-on", "never"]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_junit_is_well_formed_xml_with_control_characters_in_titles(
    make_project: Callable[..., Path],
) -> None:
    text = render(make_project, "junit")
    root = ET.fromstring(text.encode("utf-8"))
    xml.dom.minidom.parseString(text.encode("utf-8"))  # a second, stricter parser
    names = [case.get("name", "") for case in root.iter("testcase")]
    assert any("Bell \\x07 and NUL \\x00" in name for name in names)
    assert any("U+FFFE \\ufffe" in name for name in names)
    assert int(root.get("failures", "0")) > 0


def test_markdown_never_passes_raw_html_from_the_tracker(
    make_project: Callable[..., Path],
) -> None:
    text = render(make_project, "markdown")
    lowered = text.lower()
    for tag in ("<script", "<img", "</summary><", "<i>", "<details open"):
        assert tag not in lowered, f"{tag} leaked into the Markdown report"
    heading = (
        '<summary><b>E-&lt;i&gt;1&lt;/i&gt; &lt;/summary&gt;&lt;img src=x onerror="alert(2)"&gt;'
    )
    assert heading in text, "the goal's title is shown, as text"
    assert "E-#lt;i#gt;1#lt;/i#gt; #lt;/summary#gt;#lt;img" in text, "Mermaid label inert"
    # The report's own markup is still there, balanced.
    assert lowered.count("<details>") == lowered.count("</details>") > 0
    assert lowered.count("<summary>") == lowered.count("</summary>")
    # A URL from the tracker cannot close the link or smuggle markup.
    links = re.findall(r"\]\(([^)]*)\)", text)
    assert links and all(" " not in link and "<" not in link for link in links)
