"""Declarative ``[[custom_rules]]``: CEL compiled at load, judged like built-in rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from trackerguard.cel_item import ALL_FIELDS, FieldSet, item_map, referenced_fields
from trackerguard.cli import main
from trackerguard.custom import CustomRule, CustomRuleError, compile_custom_rules
from trackerguard.errors import ConfigError
from trackerguard.plugins_manager import build_registry
from trackerguard.settings import CustomRuleConfig
from trackerguard.testing import DEFAULT_NOW, make_graph, make_items, make_settings, run_rules


def rule(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "C1", "name": "custom", "require": "true", "message": "m"}
    base.update(overrides)
    return base


def compile_one(**overrides: Any) -> type[CustomRule]:
    compiled = compile_custom_rules([CustomRuleConfig(**rule(**overrides))])
    result = compiled[overrides.get("id", "C1")]
    assert issubclass(result, CustomRule)
    return result


def findings(items: list[dict[str, Any]], *rules: dict[str, Any], **config: Any) -> list[str]:
    outcome = run_rules(
        items,
        rules=[r["id"] for r in rules],
        config={"custom_rules": list(rules), **config},
    )
    assert not outcome.errors, outcome.errors
    return sorted(f"{f.rule}:{f.item}" for f in outcome.findings)


# -- load-time errors ------------------------------------------------------------------------
def test_syntax_error_names_rule_key_expression_and_position() -> None:
    with pytest.raises(ConfigError) as caught:
        compile_one(require="item.title.size() > ")
    message = str(caught.value)
    assert "custom_rules[0] (id 'C1')" in message
    assert "key 'require'" in message
    assert "line 1, column 21" in message
    assert "'item.title.size() > '" in message


def test_type_error_is_located_in_the_failing_operand() -> None:
    with pytest.raises(ConfigError) as caught:
        compile_one(condition='item.title != "" &&\n  item.title > 3')
    message = str(caught.value)
    assert "key 'condition'" in message
    assert "type error" in message
    assert "line 2, column 3" in message


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("foo == 1", "unknown name: 'foo'"),
        ("item.titel == 'x'", "unknown attribute 'item.titel' at line 1, column 6"),
        ("item.title", "must be a boolean, got string"),
        ("size(item.labels)", "must be a boolean, got int"),
        ("", "the expression is empty"),
    ],
)
def test_load_time_errors(expression: str, expected: str) -> None:
    with pytest.raises(ConfigError, match="id 'C1'") as caught:
        compile_one(require=expression)
    assert expected in str(caught.value)


def test_strings_are_not_mistaken_for_attributes() -> None:
    compile_one(require='item.title != "item.nope"')


def test_data_dependent_lookups_are_allowed_at_load() -> None:
    # a missing custom field is a property of an item, not of the rule
    compile_one(require='item.fields["points"] > 0')


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"id": "c1"}, "key 'id': use upper-case"),
        ({"name": " "}, "key 'name': must not be empty"),
        ({"message": ""}, "key 'message': must not be empty"),
    ],
)
def test_identity_errors(overrides: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        compile_custom_rules([CustomRuleConfig(**rule(**overrides))])
    assert expected in str(caught.value)


def test_duplicate_custom_ids() -> None:
    configs = [CustomRuleConfig(**rule()), CustomRuleConfig(**rule(name="other"))]
    with pytest.raises(ConfigError, match="'C1' is used by two custom rules"):
        compile_custom_rules(configs)


def test_collision_with_a_registered_rule_names_both() -> None:
    registry = build_registry(load_entry_points=False)
    with pytest.raises(ConfigError) as caught:
        compile_custom_rules(
            [CustomRuleConfig(**rule(id="TG101", name="mine"))], registered=registry
        )
    message = str(caught.value)
    assert "custom rule 'TG101' (mine)" in message
    assert "'TG101' (serves-a-goal)" in message
    assert "'trackerguard.rules' [built-in]" in message


def test_unknown_level_is_an_error() -> None:
    with pytest.raises(ConfigError, match="unknown level 'story'"):
        compile_custom_rules(
            [CustomRuleConfig(**rule(level="story"))], level_names=["initiative", "epic", "work"]
        )


# -- the item object -------------------------------------------------------------------------
ITEMS: list[dict[str, Any]] = [
    {"key": "I-1", "type": "Initiative", "title": "Grow", "assignee": "ana"},
    {
        "key": "E-1",
        "type": "Epic",
        "title": "Checkout",
        "parent": "I-1",
        "status": "In Progress",
        "due": "2026-12-31",
        "milestone": "v2",
        "labels": ["okr", "payments"],
        "fields": {"points": 8, "team": "pay", "kr": ["KR-1"]},
        "created": "2026-01-01T00:00:00Z",
        "updated": "2026-11-20T00:00:00Z",
    },
    {
        "key": "S-1",
        "type": "Story",
        "title": "Pay by card",
        "parent": "E-1",
        "description": "As a buyer I want to pay by card so that I can check out.",
    },
    {"key": "S-2", "type": "Story", "title": "Cancelled", "parent": "E-1", "status": "Cancelled"},
    {"key": "T-1", "type": "Sub-task", "title": "Tests", "parent": "S-1"},
]


@pytest.mark.parametrize(
    "expression",
    [
        'item.key == "E-1"',
        'item.type == "Epic"',
        'item.level == "epic"',
        'item.status == "In Progress"',
        'item.status_category == "in_progress"',
        'item.title.startsWith("Check")',
        'item.description == ""',
        '"okr" in item.labels && size(item.labels) == 2',
        'item.fields["points"] == 8 && item.fields.team == "pay"',
        "has(item.fields.kr) && !has(item.fields.nothing)",
        "item.assignee == null",
        'item.due == timestamp("2026-12-31T00:00:00Z")',
        "item.due > now",
        'now - item.updated < duration("240h")',
        "item.created < now",
        'item.milestone == "v2"',
        'item.parent == "I-1"',
        'item.goal.key == "I-1" && item.goal.assignee == "ana"',
        "size(item.children) == 2",
        'item.children.exists(c, c.status_category == "cancelled")',
        'item.children.all(c, c.parent == "E-1")',
        'item.title.matches("^Check(out)?$")',
        'item.title.lowerAscii() == "checkout"',
        "item.links == []",
    ],
)
def test_item_object(expression: str) -> None:
    custom = rule(id="C1", condition='item.key == "E-1"', require=expression)
    assert findings(ITEMS, custom) == [], expression


def test_goal_of_a_sub_task_is_inherited() -> None:
    custom = rule(condition='item.key == "T-1"', require='item.goal.key == "E-1"')
    assert findings(ITEMS, custom) == []


def test_failing_require_is_a_finding_with_message_hint_and_severity() -> None:
    custom = rule(
        id="OWN1",
        name="epic-in-okr-has-team",
        level="epic",
        require="has(item.fields.owner)",
        severity="block",
        message="An OKR epic needs an owner field.",
        hint="Fill in Owner.",
    )
    outcome = run_rules(ITEMS, rules=["OWN1"], config={"custom_rules": [custom]})
    [finding] = outcome.findings
    assert (finding.rule, finding.item, str(finding.severity)) == ("OWN1", "E-1", "block")
    assert finding.message == "An OKR epic needs an owner field."
    assert finding.hint == "Fill in Owner."
    assert "has(item.fields.owner)" in finding.evidence


def test_level_and_condition_limit_where_it_applies() -> None:
    custom = rule(level=["work"], condition='item.type == "Story"', require="false")
    assert findings(ITEMS, custom) == ["C1:S-1"]  # not T-1 (sub-task), not S-2 (closed)


def test_empty_level_means_every_level() -> None:
    custom = rule(require="false")
    assert findings(ITEMS, custom) == ["C1:E-1", "C1:I-1", "C1:S-1", "C1:T-1"]


def test_policy_applies_like_builtins() -> None:
    custom = rule(require="false", severity="info")
    items = [
        {"key": "S-1", "type": "Story", "title": "a"},
        {"key": "S-2", "type": "Story", "title": "b", "labels": ["trackerguard:skip"]},
        {"key": "S-3", "type": "Story", "title": "c", "status": "Done"},
    ]
    # severity override from [rules.C1], exemption by the skip label, closed items skipped
    outcome = run_rules(
        items,
        config={"custom_rules": [custom], "rules": {"C1": {"severity": "block"}}},
        rules=["C1"],
    )
    assert [(f.item, str(f.severity)) for f in outcome.findings] == [("S-1", "block")]


def test_unknown_option_for_a_custom_rule_is_rejected() -> None:
    with pytest.raises(ConfigError, match=r"rules\.C1\.bogus"):
        run_rules([], config={"custom_rules": [rule()], "rules": {"C1": {"bogus": 1}}})


def test_documentation_for_explain() -> None:
    compiled = compile_one(condition='item.type == "Bug"', hint="Set it.")
    assert compiled.summary() == "m"
    assert 'item.type == "Bug"' in compiled.documentation()
    assert compiled.docs_url().endswith("docs/custom-rules.md")


# -- run-time errors -------------------------------------------------------------------------
def test_runtime_error_is_per_item_and_the_kit_shows_the_other_verdicts() -> None:
    custom = rule(id="PTS", level="work", require='item.fields["points"] > 0')
    other = rule(id="ALL", require="false")
    items = [
        {"key": "S-1", "type": "Story", "title": "no points"},
        {"key": "S-2", "type": "Story", "title": "points", "fields": {"points": 0}},
    ]
    outcome = run_rules(items, config={"custom_rules": [custom, other]})
    assert [(e.item, e.judged, e.rule) for e in outcome.errors] == [("S-1", False, "PTS")]
    assert (
        "PTS" in outcome.errors[0].message and "missing key 'points'" in outcome.errors[0].message
    )
    keys = sorted((f.rule, f.item) for f in outcome.findings)
    assert ("ALL", "S-1") in keys  # the kit still shows the other rule's verdict on S-1
    assert ("PTS", "S-2") in keys  # and S-2 by the failing one


def test_runtime_error_names_rule_item_and_expression() -> None:
    compiled = compile_one(condition="item.due < now", require="true")
    settings = make_settings()
    items = make_items([{"key": "S-1", "type": "Story", "title": "no due"}], settings)
    from trackerguard.rule import RuleContext

    ctx = RuleContext(make_graph(items, settings), settings, DEFAULT_NOW)
    with pytest.raises(CustomRuleError) as caught:
        compiled().check(items[0], ctx)
    assert caught.value.item == "S-1"
    assert caught.value.rule_id == "C1"
    assert "condition 'item.due < now' failed: type error" in str(caught.value)


# -- laziness ----------------------------------------------------------------------------------
def test_only_referenced_attributes_are_converted() -> None:
    fields = referenced_fields(['item.title == "item.description"', "has(item.fields.x)"])
    assert fields == FieldSet(frozenset({"title", "fields"}), frozenset())
    assert referenced_fields(["[item].size() == 1"]) == ALL_FIELDS
    settings = make_settings()
    items = make_items(ITEMS, settings)
    assert set(item_map(items[1], make_graph(items, settings), fields)) == {"title", "fields"}


def test_related_items_carry_only_the_attributes_named() -> None:
    fields = referenced_fields(
        ['item.goal.status_category != "done"', 'item.children.exists(c, c["due"] != null)']
    )
    assert fields.item == {"goal", "children"}
    assert fields.nested == {"status_category", "due"}
    settings = make_settings()
    items = make_items(ITEMS, settings)
    epic = item_map(items[1], make_graph(items, settings), fields)
    assert epic["goal"] == {"status_category": "todo", "due": None}
    assert all(set(child) == {"status_category", "due"} for child in epic["children"])


def test_one_conversion_per_item_for_all_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    import trackerguard.custom as custom_module

    calls: list[str] = []
    real = custom_module.item_map

    def counting(item: Any, *args: Any) -> Any:
        calls.append(item.key)
        return real(item, *args)

    monkeypatch.setattr(custom_module, "item_map", counting)
    rules = [rule(id=f"C{i}", require="item.title != ''") for i in range(5)]
    run_rules(ITEMS, config={"custom_rules": rules})
    assert sorted(calls) == ["E-1", "I-1", "S-1", "T-1"]


# -- end to end through the CLI -------------------------------------------------------------------
def write_project(tmp_path: Path, custom_rules: str) -> Path:
    backlog = {
        "items": [
            {
                "key": "E-1",
                "type": "Epic",
                "title": "Checkout",
                "assignee": "ana",
                "due": "2027-01-01",
                "description": "Raise conversion from 2.1% to 2.6% by Q3.",
            },
            {
                "key": "B-1",
                "type": "Bug",
                "title": "Crash",
                "parent": "E-1",
                "description": "Checkout crashes so customers cannot pay.",
                "fields": {"severity": "high"},
            },
            {
                "key": "B-2",
                "type": "Bug",
                "title": "Typo",
                "parent": "E-1",
                "description": "A typo on the receipt confuses customers.",
            },
        ]
    }
    (tmp_path / "backlog.json").write_text(json.dumps(backlog), encoding="utf-8")
    config = tmp_path / "trackerguard.toml"
    config.write_text(
        f'state_path = "state.db"\n[file]\npath = "backlog.json"\n\n{custom_rules}',
        encoding="utf-8",
    )
    return config


BUG_RULE = """
[[custom_rules]]
id = "BUG1"
name = "bug-has-severity"
level = "work"
condition = 'item.type == "Bug"'
require = 'has(item.fields.severity)'
severity = "block"
message = "A bug needs a severity."
hint = "Set the Severity field."
"""


def test_cli_check_reports_custom_findings(tmp_path: Path) -> None:
    config = write_project(tmp_path, BUG_RULE)
    result = CliRunner().invoke(main, ["check", "--config", str(config), "--format", "json", "-q"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    bug = [f for f in report["findings"] if f["rule"] == "BUG1"]
    assert [(f["item"], f["severity"], f["message"]) for f in bug] == [
        ("B-2", "block", "A bug needs a severity.")
    ]


def test_cli_rules_and_explain_show_custom_rules(tmp_path: Path) -> None:
    config = write_project(tmp_path, BUG_RULE)
    runner = CliRunner()
    listed = runner.invoke(main, ["rules", "--config", str(config), "--format", "json"])
    assert listed.exit_code == 0, listed.output
    row = next(r for r in json.loads(listed.stdout) if r["id"] == "BUG1")
    assert row["plugin"] == "config (custom_rules)" and row["severity"] == "block"
    explained = runner.invoke(main, ["explain", "BUG1", "--config", str(config)])
    assert explained.exit_code == 0 and "has(item.fields.severity)" in explained.stdout
    item = runner.invoke(main, ["explain", "--item", "B-2", "--config", str(config)])
    assert "BUG1 bug-has-severity: FAIL" in item.stdout


def test_cli_config_error_exits_2_naming_the_rule(tmp_path: Path) -> None:
    config = write_project(tmp_path, BUG_RULE.replace("has(item.fields.severity)", "item.title >"))
    result = CliRunner().invoke(main, ["check", "--config", str(config), "-q"])
    assert result.exit_code == 2
    assert "id 'BUG1'" in result.stderr and "syntax error at line 1" in result.stderr


def test_cli_runtime_error_leaves_the_item_unjudged_and_the_run_partial(tmp_path: Path) -> None:
    rule_text = BUG_RULE.replace("has(item.fields.severity)", 'item.fields.severity != ""')
    config = write_project(tmp_path, rule_text)
    result = CliRunner().invoke(main, ["check", "--config", str(config), "--format", "json", "-q"])
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    report = json.loads(result.stdout)
    assert [(e["item"], e["rule"]) for e in report["errors"]] == [("B-2", "BUG1")]
    assert "missing key 'severity'" in report["errors"][0]["message"]
    assert report["summary"]["partial"] is True
    # B-2 is not judged: neither counted, nor reported, nor acted on; B-1 is (the rule
    # passes there), so the rule is not named as broken.
    assert "B-2" not in {f["item"] for f in report["findings"]}
    assert "B-2" not in {a["item"] for a in report["actions"]}
    assert report["summary"]["items"] == 2  # E-1 and B-1
    assert not [n for n in report["notes"] if "BUG1" in n]


def test_cli_rule_failing_on_every_item_is_named_in_one_note(tmp_path: Path) -> None:
    # No bug has a due date: the condition fails on each item the rule applies to.
    rule_text = BUG_RULE.replace(
        "condition = 'item.type == \"Bug\"'", "condition = 'item.due < now'"
    )
    config = write_project(tmp_path, rule_text)
    result = CliRunner().invoke(main, ["check", "--config", str(config), "--format", "json", "-q"])
    assert result.exit_code == 3, result.output
    report = json.loads(result.stdout)
    failing = [e["item"] for e in report["errors"] if e.get("rule") == "BUG1"]
    assert sorted(failing) == ["B-1", "B-2"]
    notes = [n for n in report["notes"] if "BUG1" in n]
    assert len(notes) == 1 and "failed on all 2 items" in notes[0]
    assert "condition 'item.due < now' failed" in notes[0]
