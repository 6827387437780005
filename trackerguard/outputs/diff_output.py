"""Renderings of ``trackerguard diff``: text for a terminal, JSON, Markdown for a PR comment."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

from trackerguard.diff import DiffReport
from trackerguard.rule import Finding
from trackerguard.terminal import terminal_safe

_LIMIT = 200
"""Findings listed per section in text and Markdown (JSON always lists all)."""


def render_json(diff: DiffReport) -> str:
    return json.dumps(diff.to_dict(), indent=2) + "\n"


def render_text(diff: DiffReport) -> str:
    """For a terminal: tracker text (keys, messages, goals) with control characters shown."""
    say = terminal_safe
    lines = [say(diff.headline()), ""]
    for title, findings in _sections(diff):
        if not findings:
            continue
        lines.append(f"{title} ({len(findings)}):")
        for finding in findings[:_LIMIT]:
            goal = diff.goal_of.get(finding.item)
            under = f" [under {say(goal)}]" if goal else ""
            lines.append(
                f"  {say(finding.item)} {say(finding.rule)} {finding.severity}: "
                f"{say(finding.message)}{under}"
            )
        if len(findings) > _LIMIT:
            lines.append(f"  … {len(findings) - _LIMIT} more (see --format json)")
        lines.append("")
    if diff.comments_changed:
        lines.append(f"Comments that would change ({len(diff.comments_changed)}):")
        for change in diff.comments_changed[:_LIMIT]:
            lines.append(f"  {say(change.item)}: {say(change.change)}")
    return "\n".join(lines).rstrip() + "\n"


def _sections(diff: DiffReport) -> Sequence[tuple[str, list[Finding]]]:
    return (
        ("Newly blocked", diff.newly_blocked),
        ("Newly found", diff.newly_found),
        ("Resolved", diff.resolved),
    )


def _md(text: str) -> str:
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def render_markdown(diff: DiffReport) -> str:
    against = f" against `{_md(diff.against)}`" if diff.against else ""
    out = [f"### trackerguard diff{against}", "", f"**{_md(diff.headline())}**", ""]
    for title, findings in _sections(diff):
        if not findings:
            continue
        out += [
            f"<details{' open' if title == 'Newly blocked' else ''}><summary>{title} "
            f"({len(findings)})</summary>",
            "",
            "| item | rule | severity | message | goal |",
            "|---|---|---|---|---|",
        ]
        for finding in findings[:_LIMIT]:
            goal = diff.goal_of.get(finding.item) or "—"
            out.append(
                f"| {_md(finding.item)} | {finding.rule} | {finding.severity} | "
                f"{_md(finding.message)} | {_md(goal)} |"
            )
        if len(findings) > _LIMIT:
            out.append(f"| … | | | {len(findings) - _LIMIT} more (see the JSON output) | |")
        out += ["", "</details>", ""]
    if diff.comments_changed:
        out += [
            f"<details><summary>Comments that would change ({len(diff.comments_changed)})"
            "</summary>",
            "",
        ]
        out += [f"- {_md(c.item)}: {c.change}" for c in diff.comments_changed[:_LIMIT]]
        out += ["", "</details>", ""]
    return "\n".join(out).rstrip() + "\n"


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
