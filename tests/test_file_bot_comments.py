"""The file tracker's comments: authored, and only trackerguard's own are ever touched."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from trackerguard.adapter import MARKER
from trackerguard.cli import main

from .conftest import SMALL_BACKLOG

PERSON = {
    "id": "c1",
    "author": "ana",
    "body": f"Quoting the bot:\n{MARKER}\n<!-- trackerguard:fingerprint=0123456789abcdef -->\nok",
    "created": "2026-01-02T00:00:00Z",
}


def check(config: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(
        main,
        ["check", "--config", str(config), "--format", "json", "--quiet", "--apply", *extra],
        catch_exceptions=False,
    )
    return result.exit_code, json.loads(result.stdout)


def comments(config: Path, key: str) -> list[dict[str, Any]]:
    doc = json.loads((config.parent / "backlog.json").read_text())
    item = next(i for i in doc["items"] if i["key"] == key)
    return list(item.get("comments") or [])


def backlog_with(*extra: dict[str, Any]) -> dict[str, Any]:
    backlog = copy.deepcopy(SMALL_BACKLOG)
    s2 = next(i for i in backlog["items"] if i["key"] == "S-2")
    s2["comments"] = [dict(c) for c in extra]
    return backlog


def test_a_persons_comment_with_the_marker_is_kept_and_the_bot_writes_its_own(
    make_project: Callable[..., Path],
) -> None:
    config = make_project(backlog_with(PERSON), '[actions]\nresolved = "delete"')
    code, doc = check(config)
    assert code == 1, doc["errors"]
    found = comments(config, "S-2")
    assert found[0] == PERSON
    assert len(found) == 2 and found[1]["author"] == "trackerguard" and MARKER in found[1]["body"]
    notes = [n for n in doc["notes"] if "written by someone else" in n]
    assert len(notes) == 1 and "S-2" in notes[0]
    # Fixed: the bot deletes its own comment (resolved = "delete"), never the person's.
    backlog = json.loads((config.parent / "backlog.json").read_text())
    s2 = next(i for i in backlog["items"] if i["key"] == "S-2")
    s2["parent"] = "E-1"
    s2["description"] = "Support loses an hour a day to billing timeouts, so customers wait."
    (config.parent / "backlog.json").write_text(json.dumps(backlog))
    code, doc = check(config)
    kinds = [a["kind"] for a in doc["actions"] if a["item"] == "S-2"]
    assert kinds.count("uncomment") == 1 and "comment" not in kinds
    assert comments(config, "S-2") == [PERSON]


def test_duplicate_bot_comments_keep_the_newest(make_project: Callable[..., Path]) -> None:
    old = {"id": "tg-1", "author": "trackerguard", "body": f"{MARKER}\nold", "created": "x"}
    newer = {"id": "tg-2", "author": "trackerguard", "body": f"{MARKER}\nnewer", "created": "y"}
    config = make_project(backlog_with(old, PERSON, newer))
    code, doc = check(config)
    assert code == 1, doc["errors"]
    found = comments(config, "S-2")
    assert [c["id"] for c in found] == ["c1", "tg-2"]  # the older duplicate is gone
    assert found[0] == PERSON and found[1]["body"] != newer["body"]  # updated in place
    code, again = check(config)
    assert [a for a in again["actions"] if a["item"] == "S-2"] == []
    assert comments(config, "S-2") == found
