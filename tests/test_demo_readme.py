"""``examples/demo/README.md`` tells a reader what the demo finds: its JSON summary and its
table of findings (rule, severity, items) must be what ``trackerguard check`` really says.

The demo is judged against today's date, and the README against 27 November 2026, so the
test moves every timestamp of a copy of the backlog by the days since then: the run sees the
backlog as the README's reader did, whatever day CI runs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
DATE_FIELDS = ("created", "updated", "due", "milestone_due")


def _shifted(value: str, days: timedelta) -> str:
    if len(value) == 10:  # a date
        return (date.fromisoformat(value) + days).isoformat()
    moved = datetime.fromisoformat(value.replace("Z", "+00:00")) + days
    return moved.isoformat().replace("+00:00", "Z")


def _backlog_as_of_readme(readme: str) -> dict[str, Any]:
    judged = re.search(r"judged on (\d+ \w+ \d{4})", readme)
    assert judged, "the README says on which day its figures were judged"
    days = datetime.now(UTC).date() - datetime.strptime(judged.group(1), "%d %B %Y").date()
    backlog = json.loads((DEMO / "backlog.json").read_text())
    for item in backlog["items"]:
        for field in DATE_FIELDS:
            if item.get(field):
                item[field] = _shifted(item[field], days)
        for comment in item.get("comments", []):
            if comment.get("created"):
                comment["created"] = _shifted(comment["created"], days)
    return backlog


def _readme_findings(readme: str) -> set[tuple[str, str, str]]:
    """(rule, severity, item) from the table under "What trackerguard finds"."""
    table = readme.split("## What trackerguard finds", 1)[1].split("Also shown:", 1)[0]
    found: set[tuple[str, str, str]] = set()
    rule = severity = ""
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not re.search(r"ACME-\d+", cells[1]):
            continue
        if cells[0]:
            heading = re.match(r"(TG\d{3})\b.*?\((\w+)", cells[0])
            assert heading, f"a rule heading names the rule and its severity: {cells[0]!r}"
            rule, severity = heading.groups()
        found |= {(rule, severity, key) for key in re.findall(r"ACME-\d+", cells[1])}
    return found


def test_the_demo_readme_shows_what_check_finds(tmp_path: Path) -> None:
    readme = (DEMO / "README.md").read_text()
    (tmp_path / "backlog.json").write_text(json.dumps(_backlog_as_of_readme(readme)))
    shutil.copy(DEMO / "trackerguard.toml", tmp_path / "trackerguard.toml")
    proc = subprocess.run(
        [sys.executable, "-m", "trackerguard", "check", "--config", "trackerguard.toml",
         "--format", "json", "--fail-on", "never", "-q"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=True,
    )  # fmt: skip
    report = json.loads(proc.stdout)
    summary = json.loads(readme.split("```json", 1)[1].split("```", 1)[0])
    for key, shown in summary.items():
        assert report["summary"][key] == shown, key
    found = {(f["rule"], f["severity"], f["item"]) for f in report["findings"]}
    assert _readme_findings(readme) == found
    assert len(found) == sum(summary["findings"].values())  # every finding is in the table
