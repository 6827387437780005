"""Tests of the OKR plugin, written with trackerguard's rule-author kit."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import trackerguard_okr

from trackerguard.testing import run_rules

CASES = Path(__file__).parent / "okr101.tgcases.yaml"


def test_cases_through_the_fixture(trackerguard_cases) -> None:  # type: ignore[no-untyped-def]
    outcomes = trackerguard_cases.check_file(CASES)
    assert len(outcomes) == 6


def test_rule_is_registered_with_options() -> None:
    outcome = run_rules(
        [{"key": "S-1", "type": "Story", "title": "x", "fields": {"squad": "a"}}],
        rules=["OKR101"],
        plugins=[trackerguard_okr],
        config={"rules": {"OKR101": {"teams": ["a"], "team_field": "squad"}}},
    )
    assert [f.item for f in outcome.findings] == ["S-1"]


def test_okr_csv_output() -> None:
    from trackerguard.report import Report

    items = [
        {"key": "E-1", "type": "Epic", "title": "Debt"},
        {"key": "S-1", "type": "Story", "title": "SDK", "parent": "E-1", "labels": ["okr"]},
    ]
    outcome = run_rules(items, rules=["OKR101"], plugins=[trackerguard_okr])
    from trackerguard.testing import make_graph

    report = Report(
        "file", outcome.items, outcome.findings, [], [], graph=make_graph(outcome.items)
    )
    rows = list(csv.DictReader(io.StringIO(trackerguard_okr.write_okr_csv(report))))
    assert rows == [
        {
            "item": "S-1",
            "rule": "OKR101",
            "severity": "warn",
            "goal": "E-1",
            "key_result": "",
            "message": "It is work of an OKR team but links no key result.",
        }
    ]


def test_finding_observer_writes_json_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "okr.jsonl"
    monkeypatch.setenv(trackerguard_okr.LOG_ENV, str(log))
    outcome = run_rules(
        [{"key": "S-1", "type": "Story", "title": "x", "labels": ["okr"]}],
        rules=["OKR101"],
        plugins=[trackerguard_okr],
    )
    for finding in outcome.findings:
        trackerguard_okr.trackerguard_finding(finding, outcome.items[0])
    assert json.loads(log.read_text())["rule"] == "OKR101"
