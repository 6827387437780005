"""The core invariant: every item a scan listed is judged, or named in ``errors[]`` (exit 3).

The adapter under test is a real plugin (``tests/ledger_support/plugins/leaky.py``) loaded
from a ``plugins_dir`` by the real CLI; it lists its backlog like the file tracker and then
drops, duplicates or mislists items on purpose. The runner alone must catch each case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from trackerguard.adapter import AdapterContext, ItemError
from trackerguard.cli import main
from trackerguard.ledger import SCAN_ITEM, ScanLedger, name_gaps

PLUGINS = Path(__file__).parent / "ledger_support" / "plugins"


def backlog(goals: int = 4, per_goal: int = 12) -> dict[str, Any]:
    """An initiative, ``goals`` epics under it and ``per_goal`` stories under each epic."""
    items: list[dict[str, Any]] = [
        {
            "key": "I-1",
            "type": "Initiative",
            "title": "Grow self-serve revenue",
            "status": "In Progress",
            "assignee": "ana",
            "due": "2030-06-30",
            "created": "2026-01-01T00:00:00Z",
        }
    ]
    for g in range(1, goals + 1):
        items.append(
            {
                "key": f"E-{g}",
                "type": "Epic",
                "title": f"Epic {g}",
                "parent": "I-1",
                "status": "To Do",
                "assignee": "bo",
                "created": "2026-01-01T00:00:00Z",
            }
        )
        for s in range(1, per_goal + 1):
            items.append(
                {
                    "key": f"S-{g}-{s}",
                    "type": "Story",
                    "title": f"Story {g}.{s}",
                    "parent": f"E-{g}",
                    "status": "To Do",
                    "created": "2026-01-01T00:00:00Z",
                }
            )
    return {"items": items}


def check(tmp_path: Path, **knobs: Any) -> tuple[int, dict[str, Any], str]:
    (tmp_path / "backlog.json").write_text(json.dumps(backlog()))
    lines = [
        'tracker = "leaky"',
        f'state_path = "{tmp_path / "state.db"}"',
        f'plugins_dir = "{PLUGINS}"',
        "[trackers.leaky]",
        f'path = "{tmp_path / "backlog.json"}"',
        *(f"{key} = {json.dumps(value)}" for key, value in knobs.items()),
    ]
    config = tmp_path / "trackerguard.toml"
    config.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(
        main,
        ["check", "--config", str(config), "--format", "json", "--quiet", "--fail-on", "never"],
        catch_exceptions=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout, result.stderr
    return result.exit_code, json.loads(result.stdout), result.stderr


TOTAL = 1 + 4 + 4 * 12


def errors_by_item(doc: dict[str, Any]) -> dict[str, str]:
    return {e["item"]: e["message"] for e in doc["errors"]}


def test_an_honest_scan_is_complete(tmp_path: Path) -> None:
    code, doc, _ = check(tmp_path)
    assert code == 0
    assert doc["summary"]["items"] == TOTAL
    assert doc["errors"] == [] and doc["summary"]["partial"] is False


def test_dropped_items_are_named_by_key_and_the_run_is_partial(tmp_path: Path) -> None:
    code, doc, _ = check(tmp_path, drop=["S-2-3", "E-4"])
    assert code == 3
    assert doc["summary"]["partial"] is True
    assert doc["summary"]["items"] == TOTAL - 2
    named = errors_by_item(doc)
    assert set(named) == {"S-2-3", "E-4"}
    assert all("not judged" in message for message in named.values())


def test_every_nth_item_dropped_every_one_named(tmp_path: Path) -> None:
    code, doc, _ = check(tmp_path, drop_every=5)
    dropped = TOTAL // 5
    assert code == 3
    assert doc["summary"]["items"] == TOTAL - dropped
    assert len(doc["errors"]) == dropped
    assert doc["summary"]["items"] + len(doc["errors"]) == TOTAL


def test_fewer_items_than_announced_is_a_named_gap(tmp_path: Path) -> None:
    code, doc, _ = check(tmp_path, announce_extra=7)
    assert code == 3
    (gap,) = doc["errors"]
    assert gap["item"] == SCAN_ITEM
    assert (
        f"announced {TOTAL + 7} items" in gap["message"] and "7 were never read" in gap["message"]
    )


def test_a_repeating_page_token_is_a_named_error(tmp_path: Path) -> None:
    code, doc, _ = check(tmp_path, repeat_token=True)
    assert code == 3
    assert "page token 'p2' came back twice" in errors_by_item(doc)[SCAN_ITEM]


def test_an_unparseable_key_is_named(tmp_path: Path) -> None:
    code, doc, _ = check(tmp_path, bad_key="??-x")
    assert code == 3
    assert "unparseable key" in errors_by_item(doc)["??-x"]


def test_an_item_yielded_twice_is_judged_and_counted_once(tmp_path: Path) -> None:
    code, doc, _ = check(tmp_path, duplicate=True)
    assert code == 0
    assert doc["summary"]["items"] == TOTAL
    keys = [f["item"] for f in doc["findings"]]
    assert len(keys) == len(set((f["item"], f["rule"]) for f in doc["findings"]))


def test_text_report_says_partial_with_the_keys(tmp_path: Path) -> None:
    (tmp_path / "backlog.json").write_text(json.dumps(backlog()))
    config = tmp_path / "trackerguard.toml"
    config.write_text(
        f'tracker = "leaky"\nstate_path = "{tmp_path / "state.db"}"\nplugins_dir = "{PLUGINS}"\n'
        f'[trackers.leaky]\npath = "{tmp_path / "backlog.json"}"\ndrop = ["S-1-1"]\n'
    )
    result = CliRunner().invoke(main, ["check", "--config", str(config), "--fail-on", "never"])
    assert result.exit_code == 3
    assert "S-1-1" in result.stdout + result.stderr


# -- the ledger itself ---------------------------------------------------------------------
def test_ids_listed_before_keys_are_matched_through_aliases() -> None:
    ledger = ScanLedger()
    ledger.listed(["10001", "10002", "10003"])
    ledger.alias("10001", "P-1")
    ledger.alias("10002", "P-2")
    gaps = ledger.gaps({"P-1", "P-2"}, set())
    assert [(g.item, "not judged" in g.message) for g in gaps] == [("10003", True)]


def test_an_item_already_named_unjudged_is_not_named_twice() -> None:
    """A rule that raised (or an unreadable item) is one error, and not counted judged."""
    context = AdapterContext(settings=None, levels=None, statuses=None)  # type: ignore[arg-type]
    context.ledger.listed(["P-1", "P-2", "P-3"])
    context.errors.append(ItemError("P-2", "TG103 raised: boom", judged=False))
    added = name_gaps(context, {"P-1", "P-2"})
    assert added == 1
    assert [(e.item, e.judged) for e in context.errors] == [
        ("P-2", False),
        ("P-3", False),
    ]


@pytest.mark.parametrize("announced", [3, 2])
def test_an_announced_total_met_is_no_gap(announced: int) -> None:
    ledger = ScanLedger()
    ledger.listed(["A-1", "A-2", "A-3"])
    ledger.announced(announced, "page 1")
    assert ledger.gaps({"A-1", "A-2", "A-3"}, set()) == []
