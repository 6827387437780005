"""Incremental runs end to end on the file tracker: the watermark moves only when the run's
decisions were carried out, and open findings of earlier runs stay in the report."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from trackerguard.cli import main
from trackerguard.state import StateStore, scope_of

from .conftest import SMALL_BACKLOG


def check(config: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(
        main,
        ["check", "--config", str(config), "--format", "json", "--quiet", *extra],
        catch_exceptions=False,
    )
    return result.exit_code, json.loads(result.stdout)


def edit(config: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Change the backlog the way a person would (the item's 'updated' moves to now)."""
    path = config.parent / "backlog.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


def now() -> str:
    return datetime.now(UTC).isoformat()


def item(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(i for i in data["items"] if i["key"] == key)


def test_dry_run_then_since_last_apply_acts_on_every_open_finding(
    make_project: Callable[..., Path],
) -> None:
    config = make_project()
    code, dry = check(config)  # the README's first step: a dry run
    assert code == 1 and dry["summary"]["items"] == 4
    planned = {(a["item"], a["kind"]) for a in dry["actions"]}
    assert planned == {("S-2", "comment"), ("S-2", "label"), ("S-2", "block")}

    # The dry run planned writes it did not make: the watermark did not move, so the
    # scheduled apply reads everything again and acts on what the dry run saw.
    code, applied = check(config, "--since", "last", "--apply")
    assert code == 1 and applied["summary"]["items"] == 4
    assert {(a["item"], a["kind"]) for a in applied["actions"]} == planned
    assert all(a["status"] == "applied" for a in applied["actions"])
    s2 = item(json.loads((config.parent / "backlog.json").read_text()), "S-2")
    assert s2["status"] == "Blocked" and "trackerguard" in s2["labels"]

    # Nothing changed since: nothing is re-judged, but the blocking finding is still open,
    # so the exit code and the report still say so (marked as not re-judged).
    code, quiet = check(config, "--since", "last", "--apply")
    assert code == 1 and quiet["summary"]["items"] == 0 and quiet["actions"] == []
    assert [(f["item"], f["rule"], f["rejudged"]) for f in quiet["findings"]] == [
        (f["item"], f["rule"], False) for f in applied["findings"]
    ]
    assert quiet["summary"]["findings"] == applied["summary"]["findings"]
    assert quiet["summary"]["carried_findings"] == len(applied["findings"])


def test_changed_items_are_rejudged_and_acted_on_after_a_dry_run(
    make_project: Callable[..., Path],
) -> None:
    config = make_project()
    assert check(config, "--apply")[0] == 1  # watermark set by an applied full run

    def add_orphan(data: dict[str, Any]) -> None:
        data["items"].append(
            {
                "key": "S-3",
                "type": "Story",
                "title": "Tune cache",
                "status": "To Do",
                "created": "2026-01-01T00:00:00Z",
                "updated": now(),
            }
        )

    edit(config, add_orphan)
    for _ in range(2):  # dry runs never move the watermark: both see the new item
        code, dry = check(config, "--since", "last")
        assert code == 1 and dry["summary"]["items"] == 1
        assert {a["item"] for a in dry["actions"]} == {"S-3"}
        assert {(f["item"], f["rejudged"]) for f in dry["findings"]} == {
            ("S-3", True),
            ("S-2", False),
        }
    code, applied = check(config, "--since", "last", "--apply")
    assert applied["summary"]["items"] == 1
    assert {(a["item"], a["kind"], a["status"]) for a in applied["actions"]} == {
        ("S-3", "comment", "applied"),
        ("S-3", "label", "applied"),
        ("S-3", "block", "applied"),
    }
    code, after = check(config, "--since", "last", "--apply")
    assert code == 1 and after["summary"]["items"] == 0 and after["actions"] == []
    assert {f["item"] for f in after["findings"] if f["severity"] == "block"} == {"S-2", "S-3"}

    def fix_s2(data: dict[str, Any]) -> None:
        s2 = item(data, "S-2")
        s2.update(parent="E-1", updated=now())
        s2["description"] = "Billing calls time out weekly because the client retries forever."

    edit(config, fix_s2)
    code, fixed = check(config, "--since", "last", "--apply")
    assert fixed["summary"]["items"] == 1
    assert {a["kind"] for a in fixed["actions"]} == {"uncomment", "unlabel", "unblock"}
    assert {f["item"] for f in fixed["findings"]} == {"S-3"}
    assert all(not f["rejudged"] for f in fixed["findings"])


def test_full_scan_replaces_the_open_findings(make_project: Callable[..., Path]) -> None:
    config = make_project()
    check(config, "--apply")
    edit(config, lambda data: data["items"].remove(item(data, "S-2")))
    code, full = check(config, "--apply")
    assert code == 0 and all(f["item"] != "S-2" for f in full["findings"])
    code, quiet = check(config, "--since", "last")
    assert code == 0 and all(f["item"] != "S-2" for f in quiet["findings"])


def test_failed_or_partial_runs_keep_the_watermark(make_project: Callable[..., Path]) -> None:
    config = make_project(json.loads(json.dumps(SMALL_BACKLOG)))
    state = StateStore(config.parent / "state.db")
    # S-404 is listed by key but missing: a partial run, the watermark does not move.
    assert check(config, "S-1", "S-404", "--since", "last", "--apply")[0] == 3
    assert state.last_success("file", scope_of(None, ("S-1", "S-404"))) is None
    # A complete dry run that needs no write moves it (nothing was left undone).
    assert check(config, "S-1", "--since", "last")[0] == 0
    assert state.last_success("file", scope_of(None, ("S-1",))) is not None
    # A dry run that planned writes does not.
    assert check(config, "S-2", "--since", "last")[0] == 1
    assert state.last_success("file", scope_of(None, ("S-2",))) is None
    state.close()
