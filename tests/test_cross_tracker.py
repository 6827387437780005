"""Cross-tracker goals: work in the file tracker serving goals that live in Jira (the real
``jira`` library against the simulator), read in the same run, never judged, never written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.jira_sim import JiraSim, SimState, realistic
from tests.jira_sim.harness import env_for, simulator
from trackerguard.cli import main
from trackerguard.cross_tracker import path_under


@pytest.fixture
def jira() -> Iterator[JiraSim]:
    with simulator(realistic(SimState("cloud"))) as running:
        yield running


def _story(key: str, description: str) -> dict[str, Any]:
    return {
        "key": key,
        "type": "Story",
        "title": f"Work {key}",
        "status": "In Progress",
        "assignee": "ana",
        "description": description + "\n\nWhy: customers asked for it, "
        "so that they can pay faster.",
    }


def _project(tmp_path: Path, jira_url: str) -> Path:
    items = [
        _story("W-1", f"Implements: {jira_url}/browse/ACME-10"),
        _story("W-2", f"- Part of: <{jira_url}/browse/ACME-2>"),
        _story("W-3", f"Implements: {jira_url}/browse/ACME-999"),
        _story("W-4", "Implements: https://elsewhere.example/browse/ACME-10"),
        _story("W-5", "No goal named here."),
    ]
    (tmp_path / "backlog.json").write_text(json.dumps({"items": items}))
    config = tmp_path / "trackerguard.toml"
    config.write_text(
        'state_path = "state.db"\n[[goal_trackers]]\ntracker = "jira"\n'
        '[file]\npath = "backlog.json"\n'
    )
    return config


def _check(config: Path, jira: JiraSim, *extra: str) -> tuple[int, dict[str, Any]]:
    env = env_for(jira, config.parent)
    result = CliRunner().invoke(
        main,
        ["check", "--config", str(config), "--format", "json", "--quiet", *extra],
        env=env,
        catch_exceptions=False,
    )
    return result.exit_code, json.loads(result.stdout)


def test_work_serves_goals_in_another_tracker(jira: JiraSim, tmp_path: Path) -> None:
    config = _project(tmp_path, jira.url)
    code, doc = _check(config, jira)
    assert doc["errors"] == []
    assert doc["summary"]["items"] == 5  # the five file items; Jira goals are context only
    found = {(f["item"], f["rule"]) for f in doc["findings"]}
    assert ("W-1", "TG101") not in found and ("W-2", "TG101") not in found
    assert {("W-3", "TG101"), ("W-4", "TG101"), ("W-5", "TG101")} <= found
    assert not any(f["item"].startswith("jira:") for f in doc["findings"])
    [dead] = [f for f in doc["findings"] if f["item"] == "W-2" and f["rule"] == "TG102"]
    assert f"jira:ACME-2 <{jira.url}/browse/ACME-2>" in dead["message"]  # named with its link
    assert any("ACME-999" in n and "W-3" in n and "not found" in n for n in doc["notes"])
    assert code == 1


def test_applying_writes_only_to_the_home_tracker(jira: JiraSim, tmp_path: Path) -> None:
    config = _project(tmp_path, jira.url)
    jira.reset_counts()
    code, doc = _check(config, jira, "--apply")
    assert code == 1 and doc["summary"]["applied"]
    assert jira.writes == 0, jira.writes_log()
    again = _check(config, jira, "--apply")[1]
    assert {(f["item"], f["rule"]) for f in again["findings"]} == {
        (f["item"], f["rule"]) for f in doc["findings"]
    }
    assert all(a["status"] == "unchanged" for a in again["actions"]), again["actions"]


def test_an_unreachable_goal_tracker_names_the_work_it_could_not_judge(
    jira: JiraSim, tmp_path: Path
) -> None:
    config = _project(tmp_path, jira.url)
    env = {**env_for(jira, tmp_path), "TRACKERGUARD_JIRA__MAX_RETRIES": "0"}
    jira.stop()
    result = CliRunner().invoke(
        main,
        ["check", "--config", str(config), "--format", "json", "--quiet"],
        env=env,
        catch_exceptions=False,
    )
    doc = json.loads(result.stdout)
    assert result.exit_code == 3 and doc["summary"]["partial"]
    assert {e["item"] for e in doc["errors"]} == {"W-1", "W-2", "W-3"}
    assert all("could not be read" in e["message"] for e in doc["errors"])


@pytest.mark.parametrize(
    ("url", "base", "rest"),
    [
        ("https://acme.atlassian.net/browse/A-1", "https://acme.atlassian.net", "/browse/A-1"),
        ("https://ACME.atlassian.net/browse/A-1", "https://acme.atlassian.net/", "/browse/A-1"),
        ("https://acme.atlassian.net.evil.io/browse/A-1", "https://acme.atlassian.net", None),
        ("http://acme.atlassian.net/browse/A-1", "https://acme.atlassian.net", None),
        ("https://host/jira/browse/A-1", "https://host/jira", "/browse/A-1"),
        ("https://host/jiraX/browse/A-1", "https://host/jira", None),
    ],
)
def test_only_urls_under_the_configured_base_are_recognised(
    url: str, base: str, rest: str | None
) -> None:
    assert path_under(url, base) == rest
