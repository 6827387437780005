"""``--format markdown``: for CI step summaries and PR comments, with a Mermaid goal map.

Bounded: GitHub refuses a step summary over 1 MiB, so the document stays within
:data:`MAX_BYTES`. The summary, notes and errors come first; findings (worst first) and the
one-row-per-item actions fill the rest, and whatever does not fit is counted ("… 27,312
more findings") with a pointer to the JSON and HTML reports, which are never cut.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from trackerguard.outputs.grouping import NO_GOAL, actions_by_item, group_by_goal, natural_key
from trackerguard.report import Report

MAX_BYTES = 1_000_000
"""Upper bound of the document in UTF-8 bytes (GitHub's step-summary limit is 1 MiB)."""
_RESERVE = 4_000
"""Kept free for the closing lines and the "more findings" pointers."""
MORE_HINT = (
    "the complete list is in the JSON and HTML reports of this run "
    "(`--report json=report.json --report html=report.html`; the GitHub Action and the "
    "GitLab template write both to their report folder)"
)
MAX_MAP_NODES = 60
_ICON = {"block": "⛔", "warn": "⚠️", "info": "ℹ️"}
_URL_SAFE = "/:?#[]@!$&'*+,;=%~-._"


def _cell(text: str) -> str:
    """Tracker text as inert Markdown: HTML escaped (a title like ``<img onerror=…>`` or
    ``</summary><script>`` must never become markup in a step summary or PR comment),
    table pipes escaped, on one line."""
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def _link(text: str, url: str) -> str:
    """``[text](url)`` for a tracker URL: only http(s), characters that would end the link
    percent-encoded; anything else is shown as plain text."""
    if not url.lower().startswith(("https://", "http://")):
        return _cell(text)
    return f"[{_cell(text)}]({quote(url, safe=_URL_SAFE)})"


def _node_id(key: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", key)


def _label(text: str) -> str:
    """A Mermaid node label: quotes and angle brackets as Mermaid entities (no HTML)."""
    clean = text.replace("\n", " ")
    clean = clean if len(clean) <= 40 else clean[:39] + "…"
    return (
        clean.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    )


def goal_map(report: Report) -> str:
    """A Mermaid flowchart of goals (top levels) and their finding counts."""
    graph = report.graph
    if graph is None:
        return ""
    levels = graph.levels
    counts: dict[str, int] = {}
    for finding in report.findings:
        if finding.severity != "info":
            counts[finding.item] = counts.get(finding.item, 0) + 1
    goals = [item for item in graph.items.values() if levels.is_goal(item.level)]
    goals.sort(key=lambda item: (levels.rank(item.level), natural_key(item.key)))
    goals = goals[:MAX_MAP_NODES]
    shown = {goal.key for goal in goals}
    if not goals:
        return ""
    lines = ["```mermaid", "flowchart LR"]
    for goal in goals:
        children = graph.children(goal.key)
        per_level: dict[str, int] = {}
        for child in children:
            name = child.level or "other"
            per_level[name] = per_level.get(name, 0) + 1
        flagged = sum(1 for c in children if counts.get(c.key))
        detail = ", ".join(f"{n} {name}" for name, n in per_level.items()) or "no children"
        if flagged:
            detail += f", {flagged} flagged"
        label = _label(goal.key + " " + goal.title)
        lines.append(f'  {_node_id(goal.key)}["{label}<br/>{detail}"]')
    for goal in goals:
        parent = graph.goal(goal.key)
        if parent is not None and parent.key in shown:
            lines.append(f"  {_node_id(parent.key)} --> {_node_id(goal.key)}")
    lines.append("  classDef bad fill:#fde2e1,stroke:#c0392b")
    lines.append("  classDef ok fill:#e3f6e8,stroke:#27ae60")
    for goal in goals:
        css = "bad" if counts.get(goal.key) else "ok"
        lines.append(f"  class {_node_id(goal.key)} {css}")
    lines.append("```")
    return "\n".join(lines)


class _Budget:
    """Lines of the document, refusing any line that would pass the byte limit."""

    def __init__(self, limit: int) -> None:
        self.lines: list[str] = []
        self.size = 0
        self.limit = limit

    def fits(self, *lines: str) -> bool:
        need = sum(len(line.encode("utf-8")) + 1 for line in lines)
        return self.size + need <= self.limit - _RESERVE

    def add(self, *lines: str) -> bool:
        """Add ``lines`` (all or none); False when they do not fit."""
        if not self.fits(*lines):
            return False
        self.force(*lines)
        return True

    def force(self, *lines: str) -> None:
        """Add lines that must be there (closing tags, pointers): the reserve pays for them."""
        for line in lines:
            self.lines.append(line)
            self.size += len(line.encode("utf-8")) + 1


def write_markdown(report: Report, *, max_bytes: int = MAX_BYTES) -> str:
    data = report.to_dict()
    summary = data["summary"]
    counts = summary["findings"]
    cov = summary["coverage"]
    mode = "applied" if report.applied else "dry run"
    out = _Budget(max_bytes)
    out.force(
        f"## trackerguard report ({report.tracker}, {mode})",
        "",
        "| Items | Goals | Work | ⛔ block | ⚠️ warn | ℹ️ info "
        "| Work serving a goal | Goals with a plan |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {summary['items']} | {summary['goals']} | {summary['work']} | {counts['block']} | "
        f"{counts['warn']} | {counts['info']} | {cov['work_serving_goal']:.0%} | "
        f"{cov['goals_with_plan']:.0%} |",
        "",
    )
    if report.notes:
        out.add(*(f"> {_cell(note)}" for note in report.notes), "")
    if report.errors:
        out.force("### Errors", "")
        errors = sorted(report.errors, key=lambda e: natural_key(e.item))
        for index, error in enumerate(errors):
            if not out.add(f"- **{_cell(error.item)}**: {_cell(error.message)}"):
                out.force(f"- … {len(errors) - index:,} more errors: {MORE_HINT}")
                break
        out.force("")
    mermaid = goal_map(report)
    if mermaid:
        out.add("### Goal map", "", mermaid, "")
    groups = group_by_goal(report)
    total = sum(group.count for group in groups)
    shown = 0
    if report.actions:  # leave a fifth of the room to the actions
        out.limit = max_bytes - max_bytes // 5
    if groups:
        out.force("### Findings by goal", "")
    for group in groups:
        heading = f"{group.key} {group.title}" if group.key != NO_GOAL else group.title
        opening = (
            f"<details><summary><b>{_cell(heading)}</b> ({group.count})</summary>",
            "",
            "| Item | Rule | Severity | Finding | How to fix | Evidence |",
            "|---|---|---|---|---|---|",
        )
        if not out.add(*opening):
            break
        full = True
        for item_key, found in group.items.items():
            for finding in found:
                item = _link(item_key, finding.url) if finding.url else _cell(item_key)
                flags = " (low confidence)" if finding.confidence == "low" else ""
                if not finding.rejudged:
                    flags += " (earlier run)"
                if finding.waived is not None:
                    flags += " (waived)"
                row = (
                    f"| {item} | {finding.rule} {finding.name} | "
                    f"{_ICON[str(finding.severity)]} {finding.severity}{flags} | "
                    f"{_cell(finding.message)} | {_cell(finding.hint)} | "
                    f"{_cell(finding.evidence)} |"
                )
                if not out.add(row):
                    full = False
                    break
                shown += 1
            if not full:
                break
        out.force("", "</details>", "")
        if not full:
            break
    if shown < total:
        out.force(
            f"**… {total - shown:,} more findings** not shown here (of {total:,}): {MORE_HINT}.",
            "",
        )
    out.limit = max_bytes
    if report.actions:
        rows = actions_by_item(report.actions)
        out.force("### Actions", "", "| Item | Actions | Status | Detail |", "|---|---|---|---|")
        for index, entry in enumerate(rows):
            line = (
                f"| {_cell(entry.item)} | {', '.join(entry.kinds)} | {entry.status} | "
                f"{_cell(entry.detail)} |"
            )
            if not out.add(line):
                out.force("", f"… actions on {len(rows) - index:,} more items: {MORE_HINT}.")
                break
        out.force("")
    return "\n".join(out.lines)
