"""``--format html``: a self-contained page (inline SVG and one inline script, no CDN).

Charts: coverage gauges (work serving a goal, goals with a plan), findings per rule stacked
by severity, findings per goal, and the goal tree (initiative → epics → work, each node
coloured by its worst finding). The findings are one table that sorts by any column (click
its heading; severity sorts by rank, keys naturally) and filters by text and severity.
The script only reads and reorders the table's own cells; every value is escaped HTML, and
a Content-Security-Policy allows no script but this one (by hash), so a finding's text can
never run as code. The page works offline and can be attached to a CI job as an artifact.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from trackerguard.outputs.goal_tree import goal_tree_svg
from trackerguard.outputs.grouping import (
    NO_GOAL,
    Group,
    actions_by_item,
    group_by_goal,
    natural_key,
)
from trackerguard.outputs.history_output import TREND_CSS, trend_section
from trackerguard.report import Report

_SCRIPT = """
(function () {
  var table = document.getElementById('findings');
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById('filter-text');
  var severity = document.getElementById('filter-severity');
  var count = document.getElementById('filter-count');
  var state = {column: -1, descending: false};
  function cellKey(row, column) {
    var cell = row.cells[column];
    return cell.getAttribute('data-sort') || cell.textContent.trim().toLowerCase();
  }
  function compare(a, b) {
    var x = cellKey(a, state.column), y = cellKey(b, state.column);
    var result = x < y ? -1 : x > y ? 1 : 0;
    if (result === 0) result = Number(a.getAttribute('data-order')) - Number(b.getAttribute('data-order'));
    return state.descending ? -result : result;
  }
  function apply() {
    var needle = text.value.trim().toLowerCase();
    var wanted = severity.value;
    var shown = 0;
    rows.forEach(function (row) {
      var visible = (!wanted || row.getAttribute('data-severity') === wanted) &&
        (!needle || row.textContent.toLowerCase().indexOf(needle) !== -1);
      row.hidden = !visible;
      if (visible) shown += 1;
    });
    count.textContent = shown + ' of ' + rows.length + ' findings';
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
    th.setAttribute('role', 'button');
    th.tabIndex = 0;
    function sort() {
      state.descending = state.column === column ? !state.descending : false;
      state.column = column;
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
        other.removeAttribute('aria-sort');
      });
      th.setAttribute('aria-sort', state.descending ? 'descending' : 'ascending');
      rows.sort(compare).forEach(function (row) { body.appendChild(row); });
    }
    th.addEventListener('click', sort);
    th.addEventListener('keydown', function (event) { if (event.key === 'Enter') sort(); });
  });
  text.addEventListener('input', apply);
  severity.addEventListener('change', apply);
  apply();
})();
"""
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode()
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src 'sha256-{_SCRIPT_HASH}'"
)
_SEVERITY_SORT = {"block": "0", "warn": "1", "info": "2"}

_COLORS = {"block": "#c0392b", "warn": "#e1a100", "info": "#8e9aaf"}
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#222;max-width:1100px}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:8px;padding:.8rem 1.2rem;min-width:120px}
.card b{display:block;font-size:1.6rem}.sev-block{color:#c0392b}.sev-warn{color:#b07d00}.sev-info{color:#667}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border-bottom:1px solid #eee;padding:.35rem;text-align:left;vertical-align:top}
.muted{color:#777;font-size:.85rem}details{margin:.5rem 0}summary{cursor:pointer;font-weight:600}
#findings th{cursor:pointer;user-select:none;white-space:nowrap}#findings th[aria-sort=ascending]::after{content:" ▲"}
#findings th[aria-sort=descending]::after{content:" ▼"}.filters{display:flex;gap:.8rem;align-items:center;margin:.5rem 0}
.tree{overflow-x:auto;border:1px solid #eee;border-radius:8px;padding:.5rem}
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
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
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
    ]
    tree = goal_tree_svg(report)
    if tree:
        html += [
            "<h2>Goal tree</h2>",
            "<p class=muted>Initiative → epics → work; each item coloured by its worst finding "
            "(red block, amber warn, grey info, green none).</p>",
            f"<div class=tree>{tree}</div>",
        ]
    html += _findings_table(report, groups)
    if report.actions:
        html.append(
            "<h2>Actions</h2><table><tr><th>Item</th><th>Actions</th><th>Status</th><th>Detail</th></tr>"
        )
        for row in actions_by_item(report.actions):
            html.append(
                f"<tr><td>{escape(row.item)}</td><td>{escape(', '.join(row.kinds))}</td>"
                f"<td>{escape(row.status)}</td><td>{escape(row.detail)}</td></tr>"
            )
        html.append("</table>")
    if report.errors:
        html.append("<h2>Errors</h2><ul>")
        errors = sorted(report.errors, key=lambda e: natural_key(e.item))
        html.extend(f"<li><b>{escape(e.item)}</b>: {escape(e.message)}</li>" for e in errors)
        html.append("</ul>")
    if report.notes:
        html.append("<h2>Notes</h2><ul>")
        html.extend(f"<li>{escape(note)}</li>" for note in report.notes)
        html.append("</ul>")
    html.append(f"<script>{_SCRIPT}</script>")
    html.append("</body></html>\n")
    return "\n".join(html)


def _findings_table(report: Report, groups: list[Group]) -> list[str]:
    """Every finding in one sortable, filterable table, worst first (the grouping order)."""
    total = sum(group.count for group in groups)
    out = [
        "<h2>Findings</h2>",
        "<div class=filters>",
        '<label>Filter <input id=filter-text type=search placeholder="key, rule, text…"></label>',
        "<label>Severity <select id=filter-severity><option value=''>all</option>"
        "<option value=block>block</option><option value=warn>warn</option>"
        "<option value=info>info</option></select></label>",
        f"<span id=filter-count class=muted>{total} of {total} findings</span>",
        "</div>",
        "<table id=findings><thead><tr><th>Item</th><th>Goal</th><th>Rule</th><th>Severity</th>"
        "<th>Finding</th><th>Evidence</th></tr></thead><tbody>",
    ]
    order = 0
    for group in groups:
        goal = f"{group.key} {group.title}" if group.key != NO_GOAL else group.title
        goal_sort = "~" if group.key == NO_GOAL else _natural_sort(group.key)
        for item_key, found in group.items.items():
            for finding in found:
                item = (
                    f'<a href="{escape(finding.url)}">{escape(item_key)}</a>'
                    if finding.url.startswith(("http://", "https://"))
                    else escape(item_key)
                )
                flags = ""
                if finding.confidence == "low":
                    flags += " <span class=muted>(low confidence)</span>"
                if not finding.rejudged:
                    flags += " <span class=muted>(earlier run)</span>"
                if finding.waived is not None:
                    flags += " <span class=muted>(waived)</span>"
                severity = str(finding.severity)
                sort = _SEVERITY_SORT[severity] if finding.waived is None else "3"
                out.append(
                    f"<tr data-order={order} data-severity={severity}>"
                    f'<td data-sort="{escape(_natural_sort(item_key))}">{item}</td>'
                    f'<td data-sort="{escape(goal_sort)}">{escape(goal)}</td>'
                    f'<td data-sort="{escape(_natural_sort(finding.rule))}">'
                    f"{escape(finding.rule)} {escape(finding.name)}</td>"
                    f'<td data-sort="{sort}" class=sev-{severity}>{severity}{flags}</td>'
                    f"<td>{escape(finding.message)}<div class=muted>{escape(finding.hint)}</div></td>"
                    f"<td class=muted>{escape(finding.evidence)}</td></tr>"
                )
                order += 1
    out.append("</tbody></table>")
    return out


def _natural_sort(key: str) -> str:
    """A string that sorts like :func:`natural_key` (digit runs zero-padded to 12 places)."""
    out = []
    for part in natural_key(key):
        out.append(f"{part[1]:012d}" if part[0] == 0 else str(part[1]))
    return "".join(out)
