"""Is the configured ``text_formatting`` what the descriptions are really written in?

Redmine stores descriptions as source text in the instance's format (Administration >
Settings > General > Text formatting), and the REST API does not tell which one it is. A
Textile reader sees ``## Why`` as a numbered list item and a Markdown reader sees ``h2. Why``
as a paragraph: with the wrong setting the purpose and success-measure sections are not
found, and TG103/TG204 verdicts silently drop to low confidence. This module counts *clear*
marks of each format (never ambiguous ones) so the run can say once which setting to change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_MARKDOWN = (
    re.compile(r"^```", re.MULTILINE),  # fenced code
    re.compile(r"^#{1,6} \S[^\n]*\n\s*\n", re.MULTILINE),  # an ATX heading with a paragraph
    re.compile(r"^\[[^\]\n]+\]\(https?://", re.MULTILINE),  # a Markdown link at a line start
)
_TEXTILE = (
    re.compile(r"^h[1-6]\. \S", re.MULTILINE),  # h2. Heading
    re.compile(r"^bc\.{1,2} ", re.MULTILINE),  # bc. code block
    re.compile(r"^<pre>", re.MULTILINE),
    re.compile(r"^p[<>=]*\. \S", re.MULTILINE),
)
MIN_EVIDENCE = 2
"""Descriptions that must clearly be in the other format (and none in the configured one)."""


@dataclass(frozen=True, slots=True)
class FormattingCheck:
    markdown: int
    textile: int

    def note(self, configured: str) -> str | None:
        """The run note when the setting disagrees with the descriptions, else None."""
        if configured == "textile" and self.markdown >= MIN_EVIDENCE and self.textile == 0:
            return (
                f"redmine: {self.markdown} issue descriptions are clearly Markdown ('#' "
                "headings, ``` fences) and none is Textile, but [redmine] text_formatting = "
                '\'textile\'; set text_formatting = "common_mark" (or "markdown") to the '
                "instance's Administration > Settings > General > Text formatting, or purpose "
                "and success measures are judged with low confidence (TG103/TG204)"
            )
        if configured != "textile" and self.textile >= MIN_EVIDENCE and self.markdown == 0:
            return (
                f"redmine: {self.textile} issue descriptions are clearly Textile ('h2.' "
                "headings, 'bc.' blocks) and none is Markdown, but [redmine] text_formatting = "
                f"'{configured}'; set text_formatting = \"textile\" to the instance's "
                "Administration > Settings > General > Text formatting, or purpose and success "
                "measures are judged with low confidence (TG103/TG204)"
            )
        return None


def check_formatting(descriptions: Iterable[str]) -> FormattingCheck:
    """Count descriptions that clearly are Markdown, and those that clearly are Textile."""
    markdown = textile = 0
    for text in descriptions:
        if not text:
            continue
        text = text.replace("\r\n", "\n")
        is_md = any(p.search(text) for p in _MARKDOWN)
        is_tx = any(p.search(text) for p in _TEXTILE)
        if is_md and not is_tx:
            markdown += 1
        elif is_tx and not is_md:
            textile += 1
    return FormattingCheck(markdown, textile)
