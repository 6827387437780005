"""`trackerguard diff` (two configs, one read, no writes) and the history trend."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from trackerguard.cli import main

from .conftest import SMALL_BACKLOG


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


STRICT_OWNER = '\n[rules.TG202]\nseverity = "block"\nmode = "block"\n'


def _proposal(config: Path, extra: str) -> Path:
    other = config.parent / "proposal.toml"
    other.write_text(config.read_text() + extra)
    return other


def test_diff_names_newly_blocked_found_and_resolved_and_writes_nothing(
    make_project: Callable[..., Path],
) -> None:
    config = make_project()
    backlog = config.parent / "backlog.json"
    before = backlog.read_bytes()
    # Proposal: owners become blocking; TG103 is switched off.
    other = _proposal(config, STRICT_OWNER + "\n[rules.TG103]\nenabled = false\n")
    result = run("diff", "--config", str(config), "--against", str(other), "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["summary"]["items"] == 4  # one read of all four items
    assert set(doc) >= {"newly_found", "newly_blocked", "resolved", "comments_changed"}
    # The fixture's goals all have owners, so nothing new blocks; TG103 findings resolve.
    assert {(f["item"], f["rule"]) for f in doc["resolved"]} == {("S-2", "TG103")}
    assert doc["newly_found"] == [] and doc["newly_blocked"] == []
    assert [c["item"] for c in doc["comments_changed"]] == ["S-2"]
    assert backlog.read_bytes() == before  # never a write


def test_diff_counts_newly_blocked_items_per_goal(make_project: Callable[..., Path]) -> None:
    backlog = copy.deepcopy(SMALL_BACKLOG)
    for item in backlog["items"]:
        item.pop("assignee", None)
    backlog["items"].append(
        {
            "key": "E-2",
            "type": "Epic",
            "title": "PDF export",
            "parent": "I-1",
            "milestone": "2030.1",
            "created": "2026-01-01T00:00:00Z",
            "description": "## Done when\n- [ ] PDF button",
        }
    )
    backlog["items"].append(
        {
            "key": "S-3",
            "type": "Story",
            "title": "PDF button",
            "parent": "E-2",
            "created": "2026-01-01T00:00:00Z",
            "description": "As a user I want PDFs so that I can print reports.",
        }
    )
    config = make_project(backlog)
    other = _proposal(config, STRICT_OWNER)
    result = run("diff", "--config", str(config), "--against", str(other), "--format", "json")
    doc = json.loads(result.stdout)
    blocked = sorted({f["item"] for f in doc["newly_blocked"]})
    assert blocked == ["E-1", "E-2", "I-1"]
    assert doc["summary"]["newly_blocked_items"] == 3
    assert "newly block 3 items, 2 of them under initiative I-1" in doc["summary"]["headline"]
    text = run("diff", "--config", str(config), "--against", str(other)).stdout
    assert text.startswith("This change would newly block 3 items")
    md = run("diff", "--config", str(config), "--against", str(other), "--format", "markdown")
    assert "<summary>Newly blocked (3)</summary>" in md.stdout


def test_diff_against_a_git_revision(make_project: Callable[..., Path]) -> None:
    config = make_project()
    folder = config.parent
    git = ["git", "-C", str(folder), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "trackerguard.toml"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
    # The working copy now proposes disabling TG101; compare against the committed one.
    config.write_text(config.read_text() + "\n[rules.TG101]\nenabled = false\n")
    result = run("diff", "--config", str(config), "--against", "HEAD", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    # Baseline = working copy (TG101 off); proposal = HEAD (TG101 on): S-2 newly blocks.
    assert [f["item"] for f in doc["newly_blocked"]] == ["S-2"]
    assert not list(folder.glob(".trackerguard-diff-*"))  # temp copy cleaned up
    bad = run("diff", "--config", str(config), "--against", "no-such-rev")
    assert bad.exit_code == 2 and "neither a file nor a git revision" in bad.stderr


def test_diff_refuses_configs_that_read_differently(make_project: Callable[..., Path]) -> None:
    config = make_project()
    other = _proposal(config, '\n[graph]\ngoal_link_types = ["relates to"]\n')
    result = run("diff", "--config", str(config), "--against", str(other))
    assert result.exit_code == 2 and "'graph' differs" in result.stderr


def test_history_records_full_runs_and_draws_the_trend(make_project: Callable[..., Path]) -> None:
    config = make_project()
    for _ in range(2):
        assert run("check", "--config", str(config), "--quiet").exit_code == 1
    run("check", "S-1", "--config", str(config), "--quiet")  # keyed run: not a trend point
    # A person finishes S-1: the open work under I-1 shrinks, the plan converges.
    backlog_path = config.parent / "backlog.json"
    backlog = json.loads(backlog_path.read_text())
    next(i for i in backlog["items"] if i["key"] == "S-1")["status"] = "Done"

    backlog_path.write_text(json.dumps(backlog))
    run("check", "--config", str(config), "--quiet")
    doc = json.loads(run("report", "--history", "--config", str(config), "--format", "json").stdout)
    points = doc["points"]
    assert len(points) == 3 and all(p["kind"] == "full" for p in points)
    assert [p["findings"]["block"] for p in points] == [1, 1, 1]  # S-2 is still orphaned
    assert [p["initiatives"][0]["open_work"] for p in points] == [2, 2, 1]  # E-1 and S-1, then E-1
    assert [p["coverage"]["work_serving_goal"] for p in points] == [0.6667, 0.6667, 0.5]
    assert doc["initiatives"] == [
        {"key": "I-1", "title": "Grow self-serve revenue", "trend": "converging"}
    ]
    html = run("report", "--history", "--config", str(config), "--format", "html").stdout
    assert html.count("<polyline") == 4 and "<script" not in html
    md = run("report", "--history", "--config", str(config), "--format", "markdown").stdout
    assert "xychart-beta" in md and "| I-1 Grow self-serve revenue | converging |" in md
    assert run("report", "--config", str(config)).exit_code == 2


def test_check_html_report_draws_the_trend_of_earlier_full_scans(
    make_project: Callable[..., Path],
) -> None:
    config = make_project()
    out = config.parent / "report.html"
    first = run(
        "check", "--config", str(config), "--quiet", "--format", "html", "--output", str(out)
    )
    assert first.exit_code == 1, first.stderr
    html = out.read_text()
    assert "<h2>Trend</h2>" in html and "1 full scans" in html
    backlog_path = config.parent / "backlog.json"
    backlog = json.loads(backlog_path.read_text())
    next(i for i in backlog["items"] if i["key"] == "S-1")["status"] = "Done"
    backlog_path.write_text(json.dumps(backlog))
    run("check", "S-1", "--config", str(config), "--quiet")  # keyed: not a point of its own
    run("check", "--config", str(config), "--quiet", "--format", "html", "--output", str(out))
    html = out.read_text()
    assert "2 full scans" in html and html.count("<polyline") == 4
    assert '<tr class="converging"><td>I-1</td>' in html and "<script src" not in html


TREND_PROBE = """
const out = [];
for (const fig of document.querySelectorAll('figure')) {
  const svg = fig.querySelector('svg');
  const box = svg.getBoundingClientRect();
  const lines = [...svg.querySelectorAll('polyline')].map(p => p.getBBox());
  const labels = [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect());
  out.push({
    caption: fig.querySelector('figcaption').textContent,
    width: box.width, height: box.height,
    lines: lines.map(b => [b.width, b.height]),
    outside: labels.filter(r => r.right > box.right + 1 || r.left < box.left - 1).length,
  });
}
const rows = [...document.querySelectorAll('table.trend tbody tr')].map(r => r.className);
document.getElementById('probe').textContent = JSON.stringify({charts: out, rows});
"""


def test_check_html_trend_renders_in_headless_chromium(make_project: Callable[..., Path]) -> None:
    from .chromium_support import probe

    config = make_project()
    out = config.parent / "report.html"
    backlog_path = config.parent / "backlog.json"
    for done in (False, True):
        if done:
            backlog = json.loads(backlog_path.read_text())
            next(i for i in backlog["items"] if i["key"] == "S-1")["status"] = "Done"
            backlog_path.write_text(json.dumps(backlog))
        run("check", "--config", str(config), "--quiet", "--format", "html", "--output", str(out))
    seen = probe(out.read_text(), TREND_PROBE)
    captions = [chart["caption"] for chart in seen["charts"]]
    assert captions == ["Coverage per full scan", "Findings per full scan"]
    for chart in seen["charts"]:
        assert chart["width"] > 300 and chart["height"] > 100
        assert chart["outside"] == 0  # every label is inside its chart
        assert len(chart["lines"]) == 2
    # Coverage fell (S-1 done, fewer work items serving): a line that really moves.
    assert seen["charts"][0]["lines"][0][1] > 0
    assert seen["rows"] == ["converging"]
