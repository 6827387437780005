"""``--format html``: a self-contained page with charts (inline SVG, no scripts, no CDN).

Charts: coverage gauges (work serving a goal, goals with a plan), findings per rule stacked
by severity, and findings per goal. Everything is escaped; the page works offline and can
be attached to a CI job as an artifact.
"""

from __future__ import annotations

from html import escape

from trackerguard.outputs.grouping import group_by_goal
from trackerguard.outputs.history_output import TREND_CSS, trend_section
from trackerguard.report import Report

_COLORS = {"block": "#c0392b", "warn": "#e1a100", "info": "#8e9aaf"}
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#222;max-width:1100px}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:8px;padding:.8rem 1.2rem;min-width:120px}
.card b{display:block;font-size:1.6rem}.sev-block{color:#c0392b}.sev-warn{color:#b07d00}.sev-info{color:#667}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border-bottom:1px solid #eee;padding:.35rem;text-align:left;vertical-align:top}
.muted{color:#777;font-size:.85rem}details{margin:.5rem 0}summary{cursor:pointer;font-weight:600}
"""


def _gauge(label: str, ratio: float) -> str:
    width = 260
    filled = round(ratio * width)
    color = "#27ae60" if ratio >= 0.8 else "#e1a100" if ratio >= 0.5 else "#c0392b"
    return (
        f'<svg role="img" aria-label="{escape(label)} {ratio:.0%}" width="{width + 120}" height="34">'
        f'<rect x="0" y="8" width="{width}" height="18" rx="4" fill="#eee"/>'
        f'<rect x="0" y="8" width="{filled}" height="18" rx="4" fill="{color}"/>'
        f'<text x="{width + 10}" y="22" font-size="14">{ratio:.0%}</text></svg>'
        f"<div class=muted>{escape(label)}</div>"
    )


def _stacked_bars(rows: list[tuple[str, dict[str, int]]], title: str) -> str:
    if not rows:
        return "<p class=muted>No findings.</p>"
    bar_h, gap, label_w, chart_w = 18, 6, 280, 480
    top = max(sum(c.values()) for _, c in rows) or 1
    height = len(rows) * (bar_h + gap) + 30
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" width="{label_w + chart_w + 60}" height="{height}">'
    ]
    for index, (label, counts) in enumerate(rows):
        y = index * (bar_h + gap)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 14}" font-size="12" text-anchor="end">'
            f"{escape(label if len(label) <= 38 else label[:37] + '…')}</text>"
        )
        x = float(label_w)
        for severity in ("block", "warn", "info"):
            value = counts.get(severity, 0)
            if not value:
                continue
            width = value / top * chart_w
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{bar_h}" '
                f'fill="{_COLORS[severity]}"><title>{severity}: {value}</title></rect>'
            )
            x += width
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + 14}" font-size="12">{sum(counts.values())}</text>'
        )
    legend_y = len(rows) * (bar_h + gap) + 14
    for offset, severity in enumerate(("block", "warn", "info")):
        lx = label_w + offset * 80
        parts.append(
            f'<rect x="{lx}" y="{legend_y}" width="12" height="12" fill="{_COLORS[severity]}"/>'
            f'<text x="{lx + 16}" y="{legend_y + 11}" font-size="12">{severity}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def write_html(report: Report) -> str:
    data = report.to_dict()
    summary = data["summary"]
    counts = summary["findings"]
    coverage = summary["coverage"]
    per_rule: dict[str, dict[str, int]] = {}
    names: dict[str, str] = {}
    for finding in report.findings:
        per_severity = per_rule.setdefault(finding.rule, {})
        per_severity[str(finding.severity)] = per_severity.get(str(finding.severity), 0) + 1
        names[finding.rule] = finding.name
    rule_rows = [(f"{rid} {names[rid]}", per_rule[rid]) for rid in sorted(per_rule)]
    groups = group_by_goal(report)
    goal_rows: list[tuple[str, dict[str, int]]] = []
    for group in groups[:25]:
        bucket: dict[str, int] = {}
        for found in group.items.values():
            for finding in found:
                bucket[str(finding.severity)] = bucket.get(str(finding.severity), 0) + 1
        goal_rows.append((f"{group.key} {group.title}" if group.goal else group.title, bucket))
    mode = "applied" if report.applied else "dry run"
    html = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>trackerguard report — {escape(report.tracker)}</title>",
        f"<style>{_CSS}{TREND_CSS}</style></head><body>",
        f"<h1>trackerguard report <span class=muted>{escape(report.tracker)} · {mode} · "
        f"{escape(data['generated_at'])}</span></h1>",
        "<div class=cards>",
        f"<div class=card><b>{summary['items']}</b>items judged</div>",
        f"<div class=card><b>{summary['goals']}</b>goals</div>",
        f"<div class=card><b>{summary['work']}</b>work items</div>",
        f"<div class='card sev-block'><b>{counts['block']}</b>block</div>",
        f"<div class='card sev-warn'><b>{counts['warn']}</b>warn</div>",
        f"<div class='card sev-info'><b>{counts['info']}</b>info</div>",
        "</div>",
        "<h2>Coverage</h2>",
        _gauge("work items serving a goal", coverage["work_serving_goal"]),
        _gauge("goals with a plan", coverage["goals_with_plan"]),
        "<h2>Findings per rule</h2>",
        _stacked_bars(rule_rows, "findings per rule"),
        "<h2>Findings per goal</h2>",
        _stacked_bars(goal_rows, "findings per goal"),
        trend_section(report.trend, heading="h2") if report.trend else "",
        "<h2>Findings</h2>",
    ]
    for group in groups:
        heading = f"{group.key} {group.title}" if group.goal else group.title
        html.append(f"<details open><summary>{escape(heading)} ({group.count})</summary><table>")
        html.append(
            "<tr><th>Item</th><th>Rule</th><th>Severity</th><th>Finding</th><th>Evidence</th></tr>"
        )
        for item_key, found in group.items.items():
            for finding in found:
                item = (
                    f'<a href="{escape(finding.url)}">{escape(item_key)}</a>'
                    if finding.url.startswith(("http://", "https://"))
                    else escape(item_key)
                )
                low = (
                    " <span class=muted>(low confidence)</span>"
                    if finding.confidence == "low"
                    else ""
                )
                html.append(
                    f"<tr><td>{item}</td><td>{escape(finding.rule)} {escape(finding.name)}</td>"
                    f"<td class=sev-{finding.severity}>{finding.severity}{low}</td>"
                    f"<td>{escape(finding.message)}<div class=muted>{escape(finding.hint)}</div></td>"
                    f"<td class=muted>{escape(finding.evidence)}</td></tr>"
                )
        html.append("</table></details>")
    if report.actions:
        html.append(
            "<h2>Actions</h2><table><tr><th>Item</th><th>Action</th><th>Status</th><th>Detail</th></tr>"
        )
        for action in report.actions:
            html.append(
                f"<tr><td>{escape(action.item)}</td><td>{action.kind}</td><td>{action.status}</td>"
                f"<td>{escape(action.detail)}</td></tr>"
            )
        html.append("</table>")
    if report.errors:
        html.append("<h2>Errors</h2><ul>")
        html.extend(f"<li><b>{escape(e.item)}</b>: {escape(e.message)}</li>" for e in report.errors)
        html.append("</ul>")
    html.append("</body></html>\n")
    return "\n".join(html)
