"""``--format text``: a rich terminal report grouped by goal, readable by a manager."""

from __future__ import annotations

from io import StringIO

from rich.console import Console
from rich.console import Group as RichGroup
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from trackerguard.outputs.grouping import NO_GOAL, group_by_goal
from trackerguard.report import Report

_STYLE = {"block": "bold red", "warn": "yellow", "info": "dim"}


def _bar(ratio: float, width: int = 20) -> str:
    filled = round(ratio * width)
    return "█" * filled + "░" * (width - filled)


def write_text(report: Report, *, color: bool = False, width: int = 100) -> str:
    buffer = StringIO()
    console = Console(
        file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False
    )
    data = report.to_dict()
    summary = data["summary"]
    counts = summary["findings"]
    coverage = summary["coverage"]
    mode = "applied" if report.applied else "dry run"
    header = Table.grid(padding=(0, 2))
    header.add_row(
        "Items judged",
        f"{summary['items']}  ({summary['goals']} goals, {summary['work']} work)",
    )
    header.add_row(
        "Work serving a goal",
        f"{_bar(coverage['work_serving_goal'])} {coverage['work_serving_goal']:.0%}",
    )
    header.add_row(
        "Goals with a plan",
        f"{_bar(coverage['goals_with_plan'])} {coverage['goals_with_plan']:.0%}",
    )
    header.add_row(
        "Findings",
        Text.assemble(
            (f"{counts['block']} block", _STYLE["block"]),
            "  ",
            (f"{counts['warn']} warn", _STYLE["warn"]),
            "  ",
            (f"{counts['info']} info", _STYLE["info"]),
        ),
    )
    if report.exempt:
        header.add_row("Exempt", str(report.exempt))
    console.print(Panel(header, title=f"trackerguard · {report.tracker} · {mode}", expand=False))

    for group in group_by_goal(report):
        title = f"{group.key}  {group.title}" if group.key != NO_GOAL else group.title
        console.print()
        console.rule(Text(title, style="bold"), align="left")
        for item_key, found in group.items.items():
            item = report.graph.get(item_key) if report.graph else None
            label = f"{item_key} {item.title}" if item is not None else item_key
            console.print(Text(f"  {label}", style="bold"))
            for finding in found:
                style = _STYLE[str(finding.severity)]
                line = Text.assemble(
                    "    ",
                    (f"{finding.severity:<5}", style),
                    f" {finding.rule} {finding.name}: ",
                    finding.message,
                )
                if finding.confidence == "low":
                    line.append(" (low confidence)", style="dim")
                if not finding.rejudged:
                    line.append(" (open since an earlier run)", style="dim")
                console.print(line)
                if finding.evidence and (
                    finding.confidence == "low" or finding.rule in ("TG103", "TG204")
                ):
                    console.print(Text(f"          evidence: {finding.evidence}", style="dim"))
    if report.actions:
        console.print()
        actions = Table(title="Actions", show_edge=False, expand=False)
        actions.add_column("item")
        actions.add_column("action")
        actions.add_column("status")
        actions.add_column("detail")
        for action in report.actions:
            actions.add_row(action.item, action.kind, action.status, action.detail)
        console.print(actions)
    if report.errors:
        console.print()
        errors = [Text(f"  {e.item}: {e.message}", style="red") for e in report.errors]
        console.print(Panel(RichGroup(*errors), title="Errors", border_style="red", expand=False))
    for note in report.notes:
        console.print(Text(f"note: {note}", style="dim"))
    return buffer.getvalue()
