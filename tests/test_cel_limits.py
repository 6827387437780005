"""CEL expressions in configuration have a length, depth and cost limit: a breach is a clear
config error (exit 2) naming the rule and the key, never a native crash or a run that
never ends (the CEL library has no limits of its own)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from trackerguard.cli import main

LONG_LIST = "[" + ", ".join(str(n) for n in range(300)) + "]"


def custom_rule(require: str) -> str:
    return (
        "[[custom_rules]]\n"
        'id = "X1"\nname = "limits"\n'
        f"require = {json.dumps(require)}\n"
        'message = "m"\n'
    )


@pytest.mark.parametrize(
    ("require", "complaint"),
    [
        ("(" * 100_000 + "true" + ")" * 100_000, "characters long"),
        ("(" * 40 + "true" + ")" * 40, "nested more than 32 deep"),
        ("[" * 50 + "]" * 50 + " == []", "nested more than 32 deep"),
        (" && ".join(["true"] * 500), "operators"),
        (f"{LONG_LIST}.map(a, {LONG_LIST}.map(b, a + b)).size() > 0", "steps per item"),
        (
            "item.labels.all(a, item.labels.all(b, item.labels.all(c, a != b || b != c)))",
            "steps per item",
        ),
    ],
)
def test_a_costly_or_deep_expression_is_a_config_error(
    make_project: Callable[..., Path], require: str, complaint: str
) -> None:
    config = make_project(config=custom_rule(require))
    result = CliRunner().invoke(main, ["check", "--config", str(config)])
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code == 2, result.output
    assert "custom_rules[0] (id 'X1'): key 'require'" in result.stderr
    assert complaint in result.stderr


def test_ordinary_expressions_stay_within_the_limits(make_project: Callable[..., Path]) -> None:
    require = (
        "item.labels.all(a, item.labels.exists(b, a == b)) && [1, 2, 3].map(x, x * 2).size() == 3"
        ' && "(((((((((((((((((((((((((((((((((((((((((" != item.title'
    )
    config = make_project(config=custom_rule(require))
    result = CliRunner().invoke(
        main, ["check", "--config", str(config), "--format", "json", "--fail-on", "never"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["errors"] == [] and not [f for f in doc["findings"] if f["rule"] == "X1"]
