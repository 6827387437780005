"""The configured Redmine text formatting is checked against what descriptions clearly are."""

from __future__ import annotations

from trackerguard.plugins.redmine.formatting import check_formatting

MARKDOWN = "## Why\n\nSupport exports by hand.\n\n## Done when\n\n- [ ] export button\n"
FENCED = "Steps:\n\n```\ncurl -X POST /export\n```\n"
TEXTILE = "h2. Why\n\nSupport exports by hand.\n\nh2. Done when\n\n* export button\n"
AMBIGUOUS = "# first step\n# second step\n"  # a Textile numbered list, or two Markdown headings


def test_markdown_descriptions_under_textile_name_the_setting_once() -> None:
    found = check_formatting([MARKDOWN, FENCED, AMBIGUOUS, "", "plain words"])
    assert (found.markdown, found.textile) == (2, 0)
    note = found.note("textile")
    assert note is not None
    assert "text_formatting = 'textile'" in note and 'text_formatting = "common_mark"' in note
    assert "TG103/TG204" in note
    assert found.note("common_mark") is None


def test_textile_descriptions_under_markdown_name_the_setting() -> None:
    found = check_formatting([TEXTILE, TEXTILE.replace("Why", "Context"), "bc. code\n"])
    assert found.textile == 3
    note = found.note("markdown")
    assert note is not None and 'set text_formatting = "textile"' in note
    assert found.note("textile") is None


def test_mixed_or_thin_evidence_says_nothing() -> None:
    assert check_formatting([MARKDOWN, TEXTILE, TEXTILE]).note("markdown") is None
    assert check_formatting([MARKDOWN, TEXTILE]).note("textile") is None
    assert check_formatting([MARKDOWN]).note("textile") is None  # one issue is no pattern
    assert check_formatting([AMBIGUOUS, AMBIGUOUS, AMBIGUOUS]).note("textile") is None
