"""The rule-author kit itself: case files, comparison messages, the pytest plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

from trackerguard.testing import (
    DEFAULT_NOW,
    Case,
    check_case,
    compare,
    load_cases,
    make_items,
    run_rules,
)

pytest_plugins = ["pytester"]


def test_compare_lists_missing_and_unexpected() -> None:
    outcome = run_rules([{"key": "S-1", "type": "Story", "title": "orphan"}], rules=["TG101"])
    assert compare(outcome.findings, [{"item": "S-1", "severity": "block"}], rule="TG101") == []
    problems = compare(outcome.findings, [{"item": "S-2"}], rule="TG101")
    assert problems[0] == "missing: {'item': 'S-2'}"
    assert problems[1].startswith("unexpected: {item: S-1, rule: TG101, severity: block")


def test_check_case_failure_names_the_case_and_shows_findings() -> None:
    case = Case(
        name="wrong",
        items=[{"key": "S-1", "type": "Story", "title": "orphan"}],
        expect=[],
        rules=["TG101"],
        source="x/TG101.yaml",
    )
    with pytest.raises(AssertionError) as caught:
        check_case(case)
    text = str(caught.value)
    assert "case 'TG101::wrong'" in text and "TG101 S-1 [block]" in text


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cases.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("rule: TG101\n", "expected a mapping with a 'cases' list"),
        ("cases:\n  - items: []\n    expect: []\n", "each case needs a 'name'"),
        ("cases:\n  - name: a\n    items: []\n", "'expect' must be a list"),
        ("cases:\n  - name: a\n    expect: [{rule: TG101}]\n", "needs 'item'"),
        ("cases:\n  - name: a\n    expect: [{item: X, colour: red}]\n", "unknown expect key"),
        ("cases:\n  - name: a\n    expect: []\n    itmes: []\n", "unknown key(s) itmes"),
    ],
)
def test_case_file_errors(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(ValueError) as caught:
        load_cases(write(tmp_path, text))
    assert problem in str(caught.value)


def test_file_defaults_and_case_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "rule: TG202\nnow: 2026-01-01T00:00:00Z\nconfig: {actions: {grace_hours: 1}}\n"
        "cases:\n  - name: a\n    rule: TG203\n    config: {fail_on: warn}\n    expect: []\n"
        "  - name: b\n    now: 2026-02-01T00:00:00Z\n    expect: []\n",
    )
    first, second = load_cases(path)
    assert first.rules == ["TG203"] and first.config == {
        "actions": {"grace_hours": 1},
        "fail_on": "warn",
    }
    assert second.rules == ["TG202"] and second.now.month == 2 and first.now.month == 1
    assert DEFAULT_NOW.year == 2026


def test_expected_errors_are_checked() -> None:
    custom = {"id": "P1", "name": "p", "require": 'item.fields["x"] == 1', "message": "m"}
    case = Case(
        name="errors",
        items=[{"key": "S-1", "type": "Story", "title": "t"}],
        expect=[],
        rules=["P1"],
        config={"custom_rules": [custom]},
        errors=[{"item": "S-1", "message": "missing key 'x'"}],
    )
    check_case(case)
    case.errors = None
    with pytest.raises(AssertionError, match="unexpected errors"):
        check_case(case)


def test_items_use_the_file_tracker_schema() -> None:
    [item] = make_items(
        [{"key": 7, "type": "Epic", "title": "t", "status": "Won't Do", "due": "2026-12-01"}]
    )
    assert (item.key, item.level, item.status_category.value, str(item.due)) == (
        "7",
        "epic",
        "cancelled",
        "2026-12-01",
    )
    with pytest.raises(ValueError, match="duplicate item key"):
        make_items([{"key": "A", "title": "x"}, {"key": "A", "title": "y"}])


def test_unknown_rule_id_is_reported() -> None:
    with pytest.raises(KeyError, match="unknown rule id 'NOPE'"):
        run_rules([], rules=["NOPE"])


def test_collector_and_fixture(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".tgcases.yaml",
        demo="rule: TG202\ncases:\n"
        "  - name: owned\n    items: [{key: E-1, type: Epic, title: e, assignee: a}]\n"
        "    expect: []\n"
        "  - name: wrong on purpose\n    items: [{key: E-1, type: Epic, title: e}]\n"
        "    expect: []\n",
    )
    pytester.makepyfile(
        test_fixture="""
        def test_fixture(trackerguard_cases):
            outcome = trackerguard_cases.run(
                [{"key": "E-1", "type": "Epic", "title": "e"}], rules=["TG202"]
            )
            assert [f.rule for f in outcome.findings] == ["TG202"]
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*case 'demo.tgcases::wrong on purpose'*", "*unexpected*E-1*"])
