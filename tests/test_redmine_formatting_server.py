"""Issue 15 point 6 on the real Redmine: the configured ``text_formatting`` is checked
against the descriptions the server really holds.

The test server is started with ``REDMINE_TEXT_FORMATTING`` unset, i.e. Textile (asserted
through ``rails runner``), and its people write Textile; a trackerguard configured for
Markdown must say so once per run, naming the setting, and say nothing once it matches.
No second instance is needed: the mismatch is between the server and the configuration.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from redmine_support.backlog import WHY
from redmine_support.cli import CheckResult, run_check, write_config
from redmine_support.fixtures import redmine_rest, redmine_server  # noqa: F401 (fixtures)
from redmine_support.rest import RedmineRest
from redmine_support.runner import run_ruby
from redmine_support.server import RedmineServer

pytestmark = pytest.mark.redmine

PROJECT = "tg-it-format"
NOTE = "clearly Textile"


def _formatting_notes(result: CheckResult) -> list[str]:
    return [n for n in result.report["notes"] if "text_formatting" in n]


def test_textile_descriptions_under_a_markdown_setting_are_named_once(
    server: RedmineServer, rest: RedmineRest, tmp_path: Path
) -> None:
    assert run_ruby(server, "puts Setting.text_formatting\n").strip() == "textile"
    project_id = rest.recreate_project(PROJECT, "trackerguard formatting")
    issues = [
        rest.issue(
            project_id,
            "Task",
            f"Export step {n}",
            description=WHY.format(
                why=f"Step {n} of the export is done by hand every week.", done=f"step {n} runs"
            ),
        )
        for n in range(1, 6)
    ]
    rest.issue(project_id, "Task", "No description")

    wrong = write_config(tmp_path, server.url, [PROJECT], text_formatting="markdown")
    result = run_check(wrong, server.api_key, "--fail-on", "never")
    assert result.code == 0, result.stderr
    assert result.report["summary"]["items"] == len(issues) + 1
    notes = _formatting_notes(result)
    assert len(notes) == 1, result.report["notes"]
    assert NOTE in notes[0] and f"{len(issues)} issue descriptions" in notes[0]
    assert "[redmine] text_formatting = 'markdown'" in notes[0]
    assert 'set text_formatting = "textile"' in notes[0]

    right_dir = tmp_path / "right"
    right_dir.mkdir()
    right = write_config(right_dir, server.url, [PROJECT], text_formatting="textile")
    fixed = run_check(right, server.api_key, "--fail-on", "never")
    assert fixed.report["summary"]["items"] == len(issues) + 1
    assert _formatting_notes(fixed) == [], fixed.report["notes"]
