"""``--format markdown``: for CI step summaries and PR comments, with a Mermaid goal map."""

from __future__ import annotations

import re

from trackerguard.outputs.grouping import NO_GOAL, group_by_goal
from trackerguard.report import Report

MAX_MAP_NODES = 60
_ICON = {"block": "⛔", "warn": "⚠️", "info": "ℹ️"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _node_id(key: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", key)


def _label(text: str) -> str:
    clean = text.replace('"', "'").replace("\n", " ")
    return clean if len(clean) <= 40 else clean[:39] + "…"


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
    goals.sort(key=lambda item: (levels.rank(item.level), item.key))
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


def write_markdown(report: Report) -> str:
    data = report.to_dict()
    summary = data["summary"]
    counts = summary["findings"]
    cov = summary["coverage"]
    mode = "applied" if report.applied else "dry run"
    out = [
        f"## trackerguard report ({report.tracker}, {mode})",
        "",
        "| Items | Goals | Work | ⛔ block | ⚠️ warn | ℹ️ info "
        "| Work serving a goal | Goals with a plan |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {summary['items']} | {summary['goals']} | {summary['work']} | {counts['block']} | "
        f"{counts['warn']} | {counts['info']} | {cov['work_serving_goal']:.0%} | "
        f"{cov['goals_with_plan']:.0%} |",
        "",
    ]
    mermaid = goal_map(report)
    if mermaid:
        out += ["### Goal map", "", mermaid, ""]
    groups = group_by_goal(report)
    if groups:
        out += ["### Findings by goal", ""]
    for group in groups:
        heading = f"{group.key} {group.title}" if group.key != NO_GOAL else group.title
        out += [f"<details><summary><b>{_cell(heading)}</b> ({group.count})</summary>", ""]
        out += ["| Item | Rule | Severity | Finding | Evidence |", "|---|---|---|---|---|"]
        for item_key, found in group.items.items():
            for finding in found:
                item = f"[{item_key}]({finding.url})" if finding.url else item_key
                confidence = " (low confidence)" if finding.confidence == "low" else ""
                if not finding.rejudged:
                    confidence += " (earlier run)"
                out.append(
                    f"| {item} | {finding.rule} {finding.name} | "
                    f"{_ICON[str(finding.severity)]} {finding.severity}{confidence} | "
                    f"{_cell(finding.message)} | {_cell(finding.evidence)} |"
                )
        out += ["", "</details>", ""]
    if report.actions:
        out += ["### Actions", "", "| Item | Action | Status | Detail |", "|---|---|---|---|"]
        for action in report.actions:
            out.append(
                f"| {action.item} | {action.kind} | {action.status} | {_cell(action.detail)} |"
            )
        out.append("")
    if report.errors:
        out += ["### Errors", ""]
        out += [f"- **{e.item}**: {_cell(e.message)}" for e in report.errors]
        out.append("")
    return "\n".join(out)
