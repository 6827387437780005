"""Odd data never crashes a run: long parent chains, deep nesting, wrong shapes, binary files.

Each case is what a person (or a tracker) can really produce; each must end in a typed,
one-line error (exit 2 for config and backlog errors) or a judged run, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from trackerguard.cli import main
from trackerguard.graph import StrategyGraph
from trackerguard.levels import DEFAULT_LEVELS, LevelMap
from trackerguard.model import Link, WorkItem

LEVELS = LevelMap(DEFAULT_LEVELS)
LINKS = ["implements", "contributes to", "part of"]
CHAIN = 5_000


def item(key: str, type_: str, **kw: Any) -> WorkItem:
    return WorkItem("t", key, key, type=type_, level=LEVELS.classify(type_), **kw)


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output + result.stderr, result.stderr
    return result


# -- the strategy graph ----------------------------------------------------------------------
def test_a_parent_chain_far_beyond_the_recursion_limit_reaches_its_goal() -> None:
    items = [item("E", "Epic")]
    items += [item(f"S{i}", "Story", parent=f"S{i + 1}") for i in range(CHAIN - 1)]
    items.append(item(f"S{CHAIN - 1}", "Story", parent="E"))
    graph = StrategyGraph({i.key: i for i in items}, LEVELS, LINKS)
    path = graph.goal_of("S0")
    assert path.goal == "E"
    assert len(path.via) == CHAIN and path.via[0] == "S1" and path.via[-1] == "E"
    assert graph.goal_of(f"S{CHAIN // 2}").goal == "E"


def test_a_long_chain_ending_in_work_and_a_long_cycle_are_reasons_not_crashes() -> None:
    items = [item(f"S{i}", "Story", parent=f"S{i + 1}") for i in range(CHAIN)]
    items.append(item(f"S{CHAIN}", "Story"))
    graph = StrategyGraph({i.key: i for i in items}, LEVELS, LINKS)
    path = graph.goal_of("S0")
    assert path.goal is None and path.reason.startswith("S1 serves no goal (S2 serves no goal")
    assert len(path.reason) < 1_000, "a nested reason stays readable"
    ring = [item(f"R{i}", "Story", parent=f"R{(i + 1) % CHAIN}") for i in range(CHAIN)]
    cyclic = StrategyGraph({i.key: i for i in ring}, LEVELS, LINKS)
    assert cyclic.goal_of("R0").cycle and cyclic.goal_of("R0").goal is None


def test_links_form_long_chains_too() -> None:
    items = [item("E", "Epic")]
    items += [
        item(f"S{i}", "Story", links=(Link("implements", "outward", f"S{i + 1}"),))
        for i in range(CHAIN - 1)
    ]
    items.append(item(f"S{CHAIN - 1}", "Story", links=(Link("implements", "outward", "E"),)))
    graph = StrategyGraph({i.key: i for i in items}, LEVELS, LINKS)
    assert graph.goal_of("S0").goal == "E"


def test_check_judges_every_item_of_a_3000_long_parent_chain(
    make_project: Callable[..., Path],
) -> None:
    backlog: dict[str, Any] = {
        "items": [{"key": "G", "type": "Epic", "title": "Goal", "assignee": "ana"}]
    }
    for i in range(3_000):
        parent = f"W-{i + 1}" if i + 1 < 3_000 else "G"
        backlog["items"].append({"key": f"W-{i}", "type": "Story", "title": "w", "parent": parent})
    config = make_project(backlog)
    result = invoke("check", "--config", str(config), "--format", "json", "--fail-on", "never")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["summary"]["items"] == 3_001 and doc["errors"] == []
    orphans = [f for f in doc["findings"] if f["rule"] == "TG101" and f["item"] != "G"]
    assert orphans == [], "every story reaches the epic through the chain"


# -- the file tracker's reader ---------------------------------------------------------------
def write_backlog(config: Path, text: str | bytes) -> Path:
    path = config.parent / "backlog.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize("depth", [100_000, 80])
def test_deeply_nested_backlog_is_a_backlog_error(
    make_project: Callable[..., Path], depth: int
) -> None:
    config = make_project()
    nested = "[" * depth + "]" * depth
    write_backlog(
        config, '{"items": [{"key": "A", "title": "a", "fields": {"x": ' + nested + "}}]}"
    )
    result = invoke("check", "--config", str(config))
    assert result.exit_code == 2
    assert "backlog.json" in result.stderr and "nested deeper" in result.stderr


@pytest.mark.parametrize(
    ("field", "value", "complaint"),
    [
        ("comments", "text", "'comments' must be a list of objects"),
        ("comments", ["text"], "'comments' must be a list of objects"),
        ("trackerguard", "blocked", "'trackerguard'"),
    ],
)
def test_wrong_shapes_under_apply_are_backlog_errors_and_the_file_is_untouched(
    make_project: Callable[..., Path], field: str, value: Any, complaint: str
) -> None:
    config = make_project(
        {"items": [{"key": "S-1", "type": "Story", "title": "Orphan", field: value}]}
    )
    before = (config.parent / "backlog.json").read_bytes()
    result = invoke("check", "--config", str(config), "--apply")
    assert result.exit_code == 2
    assert "item 'S-1'" in result.stderr and complaint in result.stderr
    assert (config.parent / "backlog.json").read_bytes() == before


def test_a_binary_backlog_is_a_backlog_error(make_project: Callable[..., Path]) -> None:
    config = make_project()
    write_backlog(config, b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    result = invoke("check", "--config", str(config))
    assert result.exit_code == 2 and "not UTF-8 text" in result.stderr


def test_a_binary_secret_file_is_a_config_error(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_project()
    secret = config.parent / "token"
    secret.write_bytes(b"\xff\xfe\x00\x81binary")
    monkeypatch.setenv("TRACKERGUARD_JIRA__TOKEN_FILE", str(secret))
    result = invoke("config", "--config", str(config))
    assert result.exit_code == 2
    assert "TRACKERGUARD_JIRA__TOKEN_FILE" in result.stderr and "not UTF-8" in result.stderr


def test_a_tracker_answer_nested_too_deeply_is_a_tracker_error() -> None:
    import httpx

    from trackerguard.errors import TrackerError
    from trackerguard.http import decode_json

    deep = httpx.Response(200, content=b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(TrackerError, match="nested too deeply"):
        decode_json(deep, "GitHub")
