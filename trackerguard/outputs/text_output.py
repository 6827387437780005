"""``--format text``: a rich terminal report grouped by goal, readable by a manager.

Worst first (see :mod:`trackerguard.outputs.grouping`), every finding with its "how to fix"
hint, one row of actions per item. Lines wrap at word boundaries inside their column (rich
wraps text; the hint and the evidence hang under the message), at the width of the
terminal, or :data:`DEFAULT_WIDTH` (``COLUMNS`` when set) when the output is not a terminal.

Tracker text (keys, titles, messages, notes, errors, action details) goes in as rich
``Text`` through :func:`~trackerguard.terminal.terminal_safe`: never as markup (a title
``[link=…]`` would become a hyperlink) and never with a control character left in it.
"""

from __future__ import annotations

import os
from io import StringIO

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from trackerguard.outputs.grouping import NO_GOAL, actions_by_item, group_by_goal, natural_key
from trackerguard.report import Report
from trackerguard.terminal import terminal_safe

_STYLE = {"block": "bold red", "warn": "yellow", "info": "dim"}
DEFAULT_WIDTH = 100
"""Width when the output is not a terminal (a CI log, a file, a pipe) and COLUMNS is unset."""
MIN_WIDTH = 40


def report_width(is_terminal: bool) -> int:
    """The terminal's width on a TTY; else ``COLUMNS`` if set, else :data:`DEFAULT_WIDTH`."""
    if is_terminal:
        import shutil

        return max(MIN_WIDTH, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = DEFAULT_WIDTH
    return max(MIN_WIDTH, columns)


def _bar(ratio: float, width: int = 20) -> str:
    filled = round(ratio * width)
    return "█" * filled + "░" * (width - filled)


def _one(text: object) -> str:
    """Tracker text kept on one line (a key, a title)."""
    return terminal_safe(text)


def _many(text: object) -> str:
    """Tracker text that may span lines (a message, a hint, evidence)."""
    return terminal_safe(text, multiline=True)


def write_text(report: Report, *, color: bool = False, width: int | None = None) -> str:
    """The report for people; ``width`` defaults to :func:`report_width` of a non-terminal."""
    width = width or report_width(False)
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
    heading = Text(f"trackerguard · {terminal_safe(report.tracker)} · {mode}")
    console.print(Panel(header, title=heading, expand=False))

    for note in report.notes:
        console.print(Text(f"note: {_many(note)}", style="dim"))
    if report.errors:
        console.print()
        errors = Table.grid(padding=(0, 1))
        errors.add_column(no_wrap=True, style="red")
        errors.add_column(style="red")
        for error in sorted(report.errors, key=lambda e: natural_key(e.item)):
            errors.add_row(Text(_one(error.item)), Text(_many(error.message)))
        console.print(Panel(errors, title="Errors", border_style="red", expand=False))

    for group in group_by_goal(report):
        title = f"{group.key}  {group.title}" if group.key != NO_GOAL else group.title
        title = _one(title)
        console.print()
        console.rule(Text(title, style="bold"), align="left")
        for item_key, found in group.items.items():
            item = report.graph.get(item_key) if report.graph else None
            carried = report.carried.get(item_key)
            title_text = item.title if item is not None else carried.title if carried else ""
            console.print(Text(f"  {_one(item_key)} {_one(title_text)}".rstrip(), style="bold"))
            rows = Table.grid(padding=(0, 1))
            rows.add_column(width=3)
            rows.add_column(no_wrap=True, width=5)
            rows.add_column(ratio=1)
            for finding in found:
                severity = str(finding.severity)
                body = Text.assemble(
                    f"{_one(finding.rule)} {_one(finding.name)}: ", _many(finding.message)
                )
                if finding.confidence == "low":
                    body.append(" (low confidence)", style="dim")
                if not finding.rejudged:
                    body.append(" (open since an earlier run)", style="dim")
                if finding.waived is not None:
                    owner = _one(finding.waived.owner or "nobody")
                    body.append(f" (waived by {owner})", style="dim")
                if finding.hint:
                    body.append("\nfix: ", style="cyan")
                    body.append(_many(finding.hint))
                if finding.evidence and (
                    finding.confidence == "low" or finding.rule in ("TG103", "TG204")
                ):
                    body.append(f"\nevidence: {_many(finding.evidence)}", style="dim")
                rows.add_row("", Text(severity, style=_STYLE[severity]), body)
            console.print(rows)
    if report.actions:
        console.print()
        actions = Table(title="Actions", show_edge=False, expand=False)
        actions.add_column("item", no_wrap=True)
        actions.add_column("actions")
        actions.add_column("status")
        actions.add_column("detail")
        for row in actions_by_item(report.actions):
            actions.add_row(
                Text(_one(row.item)),
                Text(_one(", ".join(row.kinds))),
                Text(_one(row.status)),
                Text(_many(row.detail)),
            )
        console.print(actions)
    # rich pads table cells to the width; a log or a diff should not carry that padding.
    return "\n".join(line.rstrip() for line in buffer.getvalue().split("\n"))
