"""Renderings of the trend (``trackerguard report --history``): text, JSON, Markdown, HTML.

The HTML page draws coverage and findings over time as inline SVG line charts (no script, no
external asset, so it opens from a CI artifact); Markdown uses a Mermaid ``xychart-beta`` so a
GitHub or GitLab summary shows the same picture; text is for a terminal.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

from trackerguard.history import InitiativeHealth, Snapshot, converging
from trackerguard.terminal import terminal_safe


def _series(snaps: Sequence[Snapshot]) -> dict[str, list[InitiativeHealth]]:
    out: dict[str, list[InitiativeHealth]] = {}
    for snap in snaps:
        for health in snap.initiatives:
            out.setdefault(health.key, []).append(health)
    return out


def _label(snap: Snapshot) -> str:
    return snap.at.strftime("%Y-%m-%d %H:%M")


def render_json(snaps: Sequence[Snapshot]) -> str:
    series = _series(snaps)
    doc = {
        "version": 1,
        "points": [s.to_dict() for s in snaps],
        "initiatives": [
            {"key": key, "title": points[-1].title, "trend": converging(points)}
            for key, points in sorted(series.items())
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def render_text(snaps: Sequence[Snapshot]) -> str:
    if not snaps:
        return "No history yet: every full 'trackerguard check' adds a point.\n"
    lines = [f"trackerguard history: {len(snaps)} full scans", ""]
    lines.append(
        f"{'when':<17} {'items':>6} {'serving':>8} {'planned':>8} {'block':>6} {'warn':>6}"
    )
    for snap in snaps:
        lines.append(
            f"{_label(snap):<17} {snap.items:>8} "
            f"{snap.coverage['work_serving_goal']:>8.0%} {snap.coverage['goals_with_plan']:>8.0%} "
            f"{snap.findings.get('block', 0):>8} {snap.findings.get('warn', 0):>8}"
        )
    series = _series(snaps)
    if series:
        lines += ["", "Initiatives (first → last point):"]
        for key, points in sorted(series.items()):
            first, last = points[0], points[-1]
            lines.append(
                f"  {terminal_safe(key)} {terminal_safe(last.title[:40])}: "
                f"{converging(points)}; open work "
                f"{first.open_work} → {last.open_work}, findings {first.findings} → "
                f"{last.findings}, stalled goals {first.stalled_goals} → {last.stalled_goals}"
            )
    return "\n".join(lines) + "\n"


def render_markdown(snaps: Sequence[Snapshot]) -> str:
    if not snaps:
        return "_No history yet: every full `trackerguard check` adds a point._\n"
    labels = ", ".join(f'"{s.at.strftime("%m-%d")}"' for s in snaps)
    serving = ", ".join(f"{round(s.coverage['work_serving_goal'] * 100)}" for s in snaps)
    planned = ", ".join(f"{round(s.coverage['goals_with_plan'] * 100)}" for s in snaps)
    out = [
        "## trackerguard trend",
        "",
        "```mermaid",
        "xychart-beta",
        '    title "Coverage (%) per full scan: work serving a goal, goals with a plan"',
        f"    x-axis [{labels}]",
        '    y-axis "%" 0 --> 100',
        f"    line [{serving}]",
        f"    line [{planned}]",
        "```",
        "",
        "| initiative | trend | open work | findings | stalled goals |",
        "|---|---|---|---|---|",
    ]
    for key, points in sorted(_series(snaps).items()):
        first, last = points[0], points[-1]
        title = last.title.replace("|", "\\|").replace("<", "&lt;")
        out.append(
            f"| {key} {title} | {converging(points)} | {first.open_work} → {last.open_work} | "
            f"{first.findings} → {last.findings} | {first.stalled_goals} → {last.stalled_goals} |"
        )
    return "\n".join(out) + "\n"


def _polyline(values: Sequence[float], top: float, width: int, height: int) -> str:
    if not values:
        return ""
    step = width / max(len(values) - 1, 1)
    scale = height / top if top else 0
    return " ".join(f"{i * step:.1f},{height - v * scale:.1f}" for i, v in enumerate(values))


def _chart(
    title: str, names: Sequence[str], series: Sequence[Sequence[float]], top: float, unit: str
) -> str:
    width, height = 560, 160
    colours = ("#2563eb", "#16a34a", "#dc2626", "#d97706")
    lines = []
    for index, (name, values) in enumerate(zip(names, series, strict=True)):
        colour = colours[index % len(colours)]
        points = _polyline(values, top, width, height)
        lines.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}">'
            f"<title>{html.escape(name)}</title></polyline>"
        )
        lines.append(
            f'<text x="{width + 8}" y="{14 + index * 16}" fill="{colour}" '
            f'font-size="12">{html.escape(name)}</text>'
        )
    return (
        f"<figure><figcaption>{html.escape(title)}</figcaption>"
        f'<svg role="img" aria-label="{html.escape(title)}" viewBox="-30 -10 {width + 190} '
        f'{height + 30}" width="{width + 220}">'
        f'<line x1="0" y1="{height}" x2="{width}" y2="{height}" stroke="#999"/>'
        f'<text x="-28" y="4" font-size="11">{top:g}{unit}</text>'
        f'<text x="-28" y="{height}" font-size="11">0</text>' + "".join(lines) + "</svg></figure>"
    )


def trend_section(snaps: Sequence[Snapshot], heading: str = "h1") -> str:
    """The trend as an HTML fragment: the ``report --history`` page and the check report's
    "Trend" section draw the same charts from the same snapshots."""
    sub = "h3" if heading == "h2" else "h2"
    title = "trackerguard trend" if heading == "h1" else "Trend"
    body: list[str] = [f"<{heading}>{title}</{heading}>"]
    if not snaps:
        body.append(
            "<p>No history yet: every full <code>trackerguard check</code> adds a point.</p>"
        )
    else:
        body.append(
            f"<p>{len(snaps)} full scans, {html.escape(_label(snaps[0]))} to "
            f"{html.escape(_label(snaps[-1]))}.</p>"
        )
        body.append(
            _chart(
                "Coverage per full scan",
                ["work serving a goal", "goals with a plan"],
                [
                    [s.coverage["work_serving_goal"] * 100 for s in snaps],
                    [s.coverage["goals_with_plan"] * 100 for s in snaps],
                ],
                100,
                "%",
            )
        )
        blocks = [float(s.findings.get("block", 0)) for s in snaps]
        warns = [float(s.findings.get("warn", 0)) for s in snaps]
        body.append(
            _chart(
                "Findings per full scan",
                ["block", "warn"],
                [blocks, warns],
                max([*blocks, *warns, 1.0]),
                "",
            )
        )
        rows = []
        for key, points in sorted(_series(snaps).items()):
            first, last = points[0], points[-1]
            trend = converging(points)
            rows.append(
                f'<tr class="{trend}"><td>{html.escape(key)}</td><td>{html.escape(last.title)}</td>'
                f"<td>{trend}</td><td>{first.open_work} → {last.open_work}</td>"
                f"<td>{first.findings} → {last.findings}</td>"
                f"<td>{first.stalled_goals} → {last.stalled_goals}</td></tr>"
            )
        body.append(
            f"<{sub}>Initiatives: is the plan converging?</{sub}>"
            "<table class=trend><thead><tr><th>key</th><th>initiative</th><th>trend</th>"
            "<th>open work</th><th>findings</th><th>stalled goals</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
    return "".join(body)


TREND_CSS = (
    "tr.diverging td:nth-child(3){color:#b91c1c;font-weight:600}"
    "tr.converging td:nth-child(3){color:#15803d;font-weight:600}"
    "figure{margin:1rem 0}figcaption{font-weight:600}"
)


def render_html(snaps: Sequence[Snapshot]) -> str:
    style = (
        "body{font-family:system-ui,sans-serif;margin:2rem;color:#111}"
        "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px}" + TREND_CSS
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>trackerguard trend</title><style>{style}</style></head><body>"
        + trend_section(snaps)
        + "</body></html>\n"
    )


RENDERERS = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "html": render_html,
}
