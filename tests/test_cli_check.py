"""End-to-end `trackerguard check` on the file tracker: reports, exit codes, apply, rerun."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from trackerguard.cli import main
from trackerguard.comment import parse_fingerprint

from .conftest import SMALL_BACKLOG


def run(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def check_json(config: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = run("check", "--config", str(config), "--format", "json", "--quiet", *extra)
    return result.exit_code, json.loads(result.stdout)


def test_json_document_has_the_contract_keys(make_project: Callable[..., Path]) -> None:
    code, doc = check_json(make_project())
    assert code == 1  # S-2 serves no goal: a block finding
    assert set(doc) >= {
        "version",
        "tracker",
        "generated_at",
        "summary",
        "findings",
        "actions",
        "errors",
    }
    assert doc["version"] == 1 and doc["tracker"] == "file"
    summary = doc["summary"]
    assert summary["items"] == 4 and summary["goals"] == 2 and summary["work"] == 2
    assert set(summary["findings"]) == {"info", "warn", "block"}
    # E-1 (an epic) and S-1 serve a goal, S-2 does not: 2 of 3 non-top items.
    assert summary["coverage"] == {"work_serving_goal": 0.6667, "goals_with_plan": 1.0}
    finding = next(f for f in doc["findings"] if f["rule"] == "TG101")
    assert set(finding) == {
        "rule",
        "name",
        "severity",
        "item",
        "url",
        "message",
        "hint",
        "confidence",
        "evidence",
        "rejudged",
    }
    assert finding["rejudged"] is True
    assert finding["item"] == "S-2" and finding["severity"] == "block"
    assert {a["kind"] for a in doc["actions"]} == {"comment", "label", "block"}
    assert all(a["status"] == "planned" for a in doc["actions"])


def test_fail_on_thresholds(make_project: Callable[..., Path]) -> None:
    config = make_project()
    assert check_json(config, "--fail-on", "never")[0] == 0
    assert check_json(config, "--fail-on", "block")[0] == 1
    healthy = json.loads(json.dumps(SMALL_BACKLOG))
    healthy["items"] = healthy["items"][:3]
    config = make_project(healthy)
    assert check_json(config)[0] == 0
    assert check_json(config, "--fail-on", "info")[0] in (0, 1)


def test_apply_writes_back_and_second_run_makes_no_write(make_project: Callable[..., Path]) -> None:
    config = make_project()
    backlog_path = config.parent / "backlog.json"
    code, doc = check_json(config, "--apply")
    assert code == 1
    assert doc["actions"] and all(a["status"] == "applied" for a in doc["actions"])
    data = json.loads(backlog_path.read_text())
    s2 = next(i for i in data["items"] if i["key"] == "S-2")
    assert "trackerguard" in s2["labels"]
    assert s2["status"] == "Blocked"
    (comment,) = s2["comments"]
    assert "<!-- trackerguard -->" in comment["body"] and parse_fingerprint(comment["body"])
    before = backlog_path.read_bytes()
    code, doc = check_json(config, "--apply")
    assert doc["actions"] == []
    assert backlog_path.read_bytes() == before  # unchanged findings: no write at all

    # Fix S-2: give it a parent and a purpose; the comment resolves, label and block go.
    s2["parent"] = "E-1"
    s2["description"] = "Billing calls time out weekly because the client retries forever."
    backlog_path.write_text(json.dumps(data))
    code, doc = check_json(config, "--apply")
    kinds = {a["kind"] for a in doc["actions"] if a["item"] == "S-2"}
    assert kinds == {"uncomment", "unlabel", "unblock"}
    data = json.loads(backlog_path.read_text())
    s2 = next(i for i in data["items"] if i["key"] == "S-2")
    assert s2["status"] == "To Do" and "trackerguard" not in s2["labels"]
    assert "everything is in order" in s2["comments"][0]["body"]
    assert check_json(config, "--apply")[1]["actions"] == []


def test_apply_keeps_fields_it_does_not_own(make_project: Callable[..., Path]) -> None:
    backlog = json.loads(json.dumps(SMALL_BACKLOG))
    backlog["custom_top_level"] = {"keep": True}
    backlog["items"][3]["x-team"] = "payments"
    backlog["items"][3]["comments"] = [{"id": "c1", "author": "ana", "body": "human words"}]
    config = make_project(backlog)
    check_json(config, "--apply")
    data = json.loads((config.parent / "backlog.json").read_text())
    assert data["custom_top_level"] == {"keep": True}
    s2 = data["items"][3]
    assert s2["x-team"] == "payments"
    assert s2["comments"][0] == {"id": "c1", "author": "ana", "body": "human words"}
    assert len(s2["comments"]) == 2


@pytest.mark.parametrize("fmt", ["text", "markdown", "junit", "html"])
def test_every_format_renders(make_project: Callable[..., Path], fmt: str) -> None:
    result = run("check", "--config", str(make_project()), "--format", fmt, "--quiet")
    assert result.exit_code == 1
    out = result.stdout
    assert "S-2" in out
    if fmt == "junit":
        root = ET.fromstring(out.split("\n", 1)[1])
        assert root.tag == "testsuites"
        failures = [case for case in root.iter("testcase") if case.find("failure") is not None]
        assert any("S-2" in case.get("name", "") for case in failures)
        assert int(root.get("failures", "0")) == len(failures)
    if fmt == "markdown":
        assert "```mermaid" in out and "flowchart" in out
        assert "n_I_1 --> n_E_1" in out  # the initiative -> epic edge of the goal map
        assert 'n_I_1["I-1 Grow self-serve revenue<br/>1 epic"]' in out
    if fmt == "html":
        assert out.startswith("<!doctype html>") and "<svg" in out and "<script src" not in out


def test_output_file(make_project: Callable[..., Path], tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    result = run(
        "check", "--config", str(make_project()), "--format", "json", "--output", str(target)
    )
    assert result.exit_code == 1
    assert json.loads(target.read_text())["summary"]["items"] == 4


def test_more_reports_from_the_same_run(make_project: Callable[..., Path], tmp_path: Path) -> None:
    config = make_project()
    out = tmp_path / "reports"
    result = run(
        "check", "--config", str(config), "--apply", "--quiet",
        "--report", f"json={out / 'r.json'}", "--report", f"junit={out / 'r.xml'}",
        "--report", f"markdown={out / 'r.md'}",
    )  # fmt: skip
    assert result.exit_code == 1
    report = json.loads((out / "r.json").read_text())
    # One run: the JSON report shows the writes it applied, and the others agree with it.
    assert report["summary"]["applied"] and {a["status"] for a in report["actions"]} == {"applied"}
    failures = sum(int(s.get("failures", 0)) for s in ET.parse(out / "r.xml").iter("testsuite"))
    counts = report["summary"]["findings"]
    assert failures == counts["block"] + counts["warn"]
    assert "(file, applied)" in (out / "r.md").read_text()
    assert "S-2" in result.stdout  # the --format text report still goes to stdout


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("junit", "expected FORMAT=FILE"), ("=x.xml", "expected FORMAT=FILE"),
     ("yaml=x.yml", "--report: unknown format 'yaml'")],
)  # fmt: skip
def test_bad_report_option_is_exit_2(
    make_project: Callable[..., Path], spec: str, expected: str
) -> None:
    result = run("check", "--config", str(make_project()), "--report", spec)
    assert result.exit_code == 2 and expected in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"items": [', "invalid JSON at line 1"),
        ('{"things": []}', "expected an object with an 'items' list"),
        ('{"items": [{"key": "A"}]}', "missing 'title'"),
        (
            '{"items": [{"key": "A", "title": "x"}, {"key": "A", "title": "y"}]}',
            "duplicate key 'A'",
        ),
        ('{"items": [{"key": "A", "title": "x", "due": "soon"}]}', "'due'"),
    ],
)
def test_bad_backlog_is_exit_2_naming_the_file(
    make_project: Callable[..., Path], content: str, expected: str
) -> None:
    config = make_project()
    (config.parent / "backlog.json").write_text(content)
    result = run("check", "--config", str(config))
    assert result.exit_code == 2
    assert expected in result.stderr and "backlog.json" in result.stderr
    assert "Traceback" not in result.stderr
    assert (config.parent / "backlog.json").read_text() == content  # never corrupted


def test_missing_backlog_and_config(make_project: Callable[..., Path], tmp_path: Path) -> None:
    config = make_project()
    (config.parent / "backlog.json").unlink()
    result = run("check", "--config", str(config))
    assert result.exit_code == 2 and "does not exist" in result.stderr
    result = run("check", "--config", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2 and "nope.toml" in result.stderr


def test_config_errors_name_key_and_file(make_project: Callable[..., Path]) -> None:
    config = make_project(config="colour = 'red'")
    result = run("check", "--config", str(config))
    assert result.exit_code == 2
    assert "colour" in result.stderr and str(config) in result.stderr
    config = make_project(config="[rules.TG999]\nseverity = 'warn'")
    result = run("check", "--config", str(config))
    assert result.exit_code == 2 and "TG999" in result.stderr
    config = make_project(config="[rules.TG103]\nseverity = 'loud'")
    result = run("check", "--config", str(config))
    assert result.exit_code == 2 and "rules.TG103.severity" in result.stderr
    config = make_project(config="[rules.TG205]\nweeks = 3")
    result = run("check", "--config", str(config))
    assert result.exit_code == 2 and "rules.TG205.weeks" in result.stderr


def test_dangling_parent_and_cycle_are_findings(make_project: Callable[..., Path]) -> None:
    backlog = {
        "items": [
            {"key": "S-1", "type": "Story", "title": "a", "parent": "E-404", "description": "x"},
            {"key": "S-2", "type": "Story", "title": "b", "parent": "S-3"},
            {"key": "S-3", "type": "Story", "title": "c", "parent": "S-2"},
        ]
    }
    code, doc = check_json(make_project(backlog))
    assert code == 1
    messages = {f["item"]: f["message"] for f in doc["findings"] if f["rule"] == "TG101"}
    assert "E-404" in messages["S-1"] and "does not exist" in messages["S-1"]
    assert "cycle" in messages["S-2"] and "cycle" in messages["S-3"]


def test_since_last_only_rejudges_changed_items(make_project: Callable[..., Path]) -> None:
    config = make_project()
    code, doc = check_json(config, "--since", "last", "--apply")
    assert doc["summary"]["items"] == 4  # first run: nothing recorded, full scan
    code, doc = check_json(config, "--since", "last")
    assert doc["summary"]["items"] == 0  # nothing updated since
    assert code == 1 and {(f["item"], f["rejudged"]) for f in doc["findings"]} == {("S-2", False)}
    data = json.loads((config.parent / "backlog.json").read_text())
    data["items"][3]["updated"] = "2999-01-01T00:00:00Z"
    (config.parent / "backlog.json").write_text(json.dumps(data))
    code, doc = check_json(config, "--since", "last")
    assert doc["summary"]["items"] == 1
    assert {(f["item"], f["rejudged"]) for f in doc["findings"]} == {("S-2", True)}


def test_keys_scan_only_those_items(make_project: Callable[..., Path]) -> None:
    code, doc = check_json(make_project(), "S-1")
    assert doc["summary"]["items"] == 1 and code == 0
    code, doc = check_json(make_project(), "S-404")
    assert code == 3 and doc["errors"][0]["item"] == "S-404"


def test_skip_label_and_closed_items_are_not_judged(make_project: Callable[..., Path]) -> None:
    backlog = json.loads(json.dumps(SMALL_BACKLOG))
    backlog["items"][3]["labels"] = ["trackerguard:skip"]
    backlog["items"].append({"key": "S-9", "type": "Story", "title": "old", "status": "Done"})
    code, doc = check_json(make_project(backlog))
    assert code == 0
    assert not [f for f in doc["findings"] if f["item"] in ("S-2", "S-9")]
    assert doc["summary"]["exempt"] == 1


def test_grace_period_never_blocks_new_items(make_project: Callable[..., Path]) -> None:
    backlog = json.loads(json.dumps(SMALL_BACKLOG))
    backlog["items"][3]["created"] = "2999-01-01T00:00:00Z"  # "just created"
    code, doc = check_json(make_project(backlog))
    assert code == 0
    tg101 = next(f for f in doc["findings"] if f["rule"] == "TG101")
    assert tg101["severity"] == "warn"
    assert "block" not in {a["kind"] for a in doc["actions"]}


def test_rollout_modes(make_project: Callable[..., Path]) -> None:
    code, doc = check_json(make_project(config="[rules.TG101]\nmode = 'observe'"))
    assert not [a for a in doc["actions"] if a["item"] == "S-2" and a["kind"] in ("label", "block")]
    code, doc = check_json(make_project(config="[rules.TG101]\nseverity = 'warn'"))
    assert code == 0
    code, doc = check_json(make_project(config="[rules.TG101]\nenabled = false"))
    assert not [f for f in doc["findings"] if f["rule"] == "TG101"]


def test_subprocess_entry_point_and_traceback_free_errors(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "trackerguard.cli", "explain", "TG999"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "unknown rule id 'TG999'" in result.stderr and "Traceback" not in result.stderr
