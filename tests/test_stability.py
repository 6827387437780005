"""Verdicts are stable, as a property over random backlogs on the file tracker.

For any backlog:

* after ``check --apply``, an immediate second ``check --apply`` changes no verdict and
  writes nothing (trackerguard's own writes never move a verdict);
* after a person changes one item, only that item and the items whose verdicts depend on it
  (the goals above it, the work below it) change verdict, and only they are written on;
* an incremental run (``--since``) after that change reaches the verdicts of a full run.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trackerguard.cli import main

NOW = datetime.now(UTC).replace(microsecond=0)
GOAL_TEXT = (
    "Support answers the same export question forty times a week because customers cannot "
    "get their data.\n\n## Done when\n- [ ] export button\n- [ ] scheduled export"
)
WORK_TEXT = (
    "As an admin I want an export button so that I can share reports without asking support."
)
TYPES = (("Initiative", "I"), ("Epic", "E"), ("Story", "S"))


def _stamp(days_ago: int) -> str:
    return (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


@st.composite
def backlogs(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Three levels, random parents (some dangling or missing), statuses, texts and dates."""
    items: list[dict[str, Any]] = []
    by_level: list[list[str]] = []
    for level, (type_name, prefix) in enumerate(TYPES):
        count = draw(st.integers(min_value=1, max_value=(2, 4, 7)[level]))
        keys = [f"{prefix}-{n + 1}" for n in range(count)]
        by_level.append(keys)
        for key in keys:
            item: dict[str, Any] = {
                "key": key,
                "type": type_name,
                "title": f"{type_name} {key}",
                "status": draw(st.sampled_from(["To Do", "In Progress", "In Progress", "Done"])),
                "description": draw(
                    st.sampled_from([GOAL_TEXT if level < 2 else WORK_TEXT, "", "TBD"])
                ),
                "created": _stamp(400),
                "updated": _stamp(draw(st.integers(min_value=1, max_value=200))),
            }
            if level > 0:
                parent = draw(st.sampled_from([*by_level[level - 1], None, "X-404"]))
                if parent is not None:
                    item["parent"] = parent
            if draw(st.booleans()):
                item["assignee"] = "ana"
            due = draw(st.one_of(st.none(), st.integers(min_value=-120, max_value=120)))
            if due is not None:
                item["due"] = (NOW + timedelta(days=due)).date().isoformat()
            items.append(item)
    return items


FIXES = ("describe", "assign", "close", "reparent", "touch", "schedule")


def _check(config: Path, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        main, ["check", "--config", str(config), "--format", "json", "--quiet", *extra]
    )
    assert result.exit_code in (0, 1), (result.exit_code, result.output)
    doc: dict[str, Any] = json.loads(result.stdout)
    assert doc["errors"] == [], doc["errors"]
    return doc


def _verdicts(doc: dict[str, Any]) -> dict[str, set[tuple[str, str, str]]]:
    out: dict[str, set[tuple[str, str, str]]] = {}
    for finding in doc["findings"]:
        out.setdefault(finding["item"], set()).add(
            (finding["rule"], finding["message"], finding["evidence"])
        )
    return out


def _written(doc: dict[str, Any]) -> set[str]:
    return {a["item"] for a in doc["actions"] if a["status"] == "applied"}


def _related(items: list[dict[str, Any]], key: str) -> set[str]:
    """``key``, every item above it (its goals) and every item below it (its work)."""
    parent = {i["key"]: i.get("parent") for i in items}
    out = {key}
    current = parent.get(key)
    while current and current not in out:
        out.add(current)
        current = parent.get(current)
    frontier = {key}
    while frontier:
        frontier = {k for k, p in parent.items() if p in frontier and k not in out}
        out |= frontier
    return out


def _fix(items: list[dict[str, Any]], index: int, how: str) -> None:
    """What a person does to one item; their edit moves its ``updated`` like a tracker does."""
    item = items[index]
    if how == "describe":
        item["description"] = GOAL_TEXT if item["type"] != "Story" else WORK_TEXT
    elif how == "assign":
        item["assignee"] = "bo"
    elif how == "close":
        item["status"] = "Done"
    elif how == "reparent":
        higher = {"Epic": "Initiative", "Story": "Epic"}.get(item["type"])
        goals = [i["key"] for i in items if i["type"] == higher]
        if goals:
            item["parent"] = goals[0]
        else:
            item.pop("parent", None)
    elif how == "schedule":
        item["due"] = (NOW + timedelta(days=60)).date().isoformat()
    item["updated"] = _stamp(0)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    items=backlogs(),
    pick=st.integers(min_value=0, max_value=1_000),
    how=st.sampled_from(FIXES),
)
def test_apply_is_a_fixed_point_and_one_fix_changes_only_what_depends_on_it(
    tmp_path_factory: Any, items: list[dict[str, Any]], pick: int, how: str
) -> None:
    root = tmp_path_factory.mktemp("stable")
    backlog = root / "backlog.json"
    backlog.write_text(json.dumps({"items": items}, indent=2))
    config = root / "trackerguard.toml"
    config.write_text('state_path = "state.db"\n[file]\npath = "backlog.json"\n')

    first = _check(config, "--apply")
    assert first["summary"]["items"] == len(items)  # every item judged
    again = _check(config, "--apply")
    assert _verdicts(again) == _verdicts(first)
    assert _written(again) == set(), again["actions"]
    assert again["actions"] == []

    # A person changes one item (keeping trackerguard's comment, label and block on it).
    written = json.loads(backlog.read_text())["items"]
    index = pick % len(written)
    key = written[index]["key"]
    allowed = _related(written, key)
    _fix(written, index, how)
    allowed |= _related(written, key)
    backlog.write_text(json.dumps({"items": written}, indent=2))
    since = (NOW - timedelta(seconds=1)).isoformat()
    incremental = _check(config, "--since", since)
    after = _check(config, "--apply")
    before, now = _verdicts(again), _verdicts(after)
    changed = {k for k in before.keys() | now.keys() if before.get(k) != now.get(k)}
    assert changed <= allowed, (key, how, changed - allowed)
    assert _written(after) <= allowed, (key, how, _written(after) - allowed)
    # The incremental run judged the changed item the way the full run does.
    rejudged = {f["item"] for f in incremental["findings"] if f["rejudged"]}
    for item_key in rejudged | {key}:
        assert _verdicts(incremental).get(item_key) == now.get(item_key), item_key

    settled = _check(config, "--apply")
    assert _verdicts(settled) == now
    assert settled["actions"] == []
