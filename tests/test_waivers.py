"""Waivers: configured and on items, reported as waived, never acting, expiring loudly."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from trackerguard.cli import main
from trackerguard.waivers import WaiverBook, parse_waiver_lines

from .conftest import SMALL_BACKLOG


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def check_json(config: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = run("check", "--config", str(config), "--format", "json", "--quiet", *extra)
    return result.exit_code, json.loads(result.stdout)


WAIVE_S2 = """
[[waivers]]
items = ["S-2"]
rules = ["TG101"]
owner = "@ana"
reason = "billing moves to the platform team in January"
expires = "{expires}"
"""


def test_config_waiver_exempts_reports_and_does_not_fail(
    make_project: Callable[..., Path],
) -> None:
    code, before = check_json(make_project())
    assert code == 1 and before["summary"]["findings"]["block"] == 1
    config = make_project(config=WAIVE_S2.format(expires="2999-01-31"))
    code, doc = check_json(config)
    assert doc["summary"]["items"] == 4  # every item judged, the waived one included
    assert code == 0  # the only block finding is waived
    assert doc["summary"]["findings"]["block"] == 0 and doc["summary"]["waived"] == 1
    waived = [f for f in doc["findings"] if "waived" in f]
    assert [(f["item"], f["rule"]) for f in waived] == [("S-2", "TG101")]
    assert waived[0]["waived"] == {
        "owner": "@ana",
        "reason": "billing moves to the platform team in January",
        "expires": "2999-01-31",
        "source": "waivers[0] in the configuration",
    }
    # The other findings on S-2 (TG103) still stand and still act.
    others = [f for f in doc["findings"] if f["item"] == "S-2" and "waived" not in f]
    assert {f["rule"] for f in others} == {"TG103"}


def test_waived_findings_never_act(make_project: Callable[..., Path]) -> None:
    config = make_project(
        config=WAIVE_S2.format(expires="2999-01-31") + "\n[rules.TG103]\nenabled = false\n"
    )
    code, doc = check_json(config, "--apply")
    assert code == 0
    assert [a for a in doc["actions"] if a["item"] == "S-2"] == []
    backlog = json.loads((config.parent / "backlog.json").read_text())
    s2 = next(i for i in backlog["items"] if i["key"] == "S-2")
    assert not s2.get("comments") and "trackerguard" not in (s2.get("labels") or [])
    # Stable: a second apply writes nothing either.
    code, again = check_json(config, "--apply")
    assert [a for a in again["actions"] if a["status"] == "applied"] == []


def test_expired_waiver_stops_exempting_and_says_so(make_project: Callable[..., Path]) -> None:
    config = make_project(config=WAIVE_S2.format(expires="2020-01-31"))
    code, doc = check_json(config, "--apply")
    assert code == 1
    finding = next(f for f in doc["findings"] if f["item"] == "S-2" and f["rule"] == "TG101")
    assert "waived" not in finding
    assert "waiver by @ana expired on 2020-01-31" in finding["message"]
    backlog = json.loads((config.parent / "backlog.json").read_text())
    s2 = next(i for i in backlog["items"] if i["key"] == "S-2")
    assert "expired on 2020-01-31" in s2["comments"][-1]["body"]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('items = ["S-2"]\nreason = "x"\nexpires = "2999-01-01"', "no owner given"),
        ('items = ["S-2"]\nreason = "x"\nowner = "@a"', "no expiry given"),
        ('reason = "x"\nowner = "@a"\nexpires = "2999-01-01"', "needs 'items' or 'query'"),
        ('items = ["S-2"]\nowner = "@a"\nexpires = "2999-01-01"', "reason"),
        (
            'items = ["S-2"]\nrules = ["TG999"]\nreason = "x"\nowner = "@a"\nexpires = "2999-01-01"',
            "unknown rule id 'TG999'",
        ),
        ('items = ["S-2"]\nreason = "x"\nowner = "@a"\nexpires = "soon"', "waivers"),
    ],
)
def test_unaccountable_waivers_are_config_errors(
    make_project: Callable[..., Path], entry: str, expected: str
) -> None:
    config = make_project(config=f"[[waivers]]\n{entry}\n")
    result = run("check", "--config", str(config), "--quiet")
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "waivers" in result.stderr
    if "TG999" not in expected:
        assert str(config) in result.stderr  # names the file


def test_permanent_waivers_need_the_policy(make_project: Callable[..., Path]) -> None:
    entry = '[[waivers]]\nitems = ["S-2"]\nrules = ["TG101"]\nreason = "archived repository"\n'
    config = make_project(config="[waiver_policy]\nallow_permanent = true\n" + entry)
    code, doc = check_json(config)
    assert code == 0
    waived = next(f for f in doc["findings"] if f["rule"] == "TG101")
    assert waived["waived"]["expires"] is None and waived["waived"]["owner"] == ""


def _with(item_key: str, **changes: Any) -> dict[str, Any]:
    backlog = copy.deepcopy(SMALL_BACKLOG)
    for item in backlog["items"]:
        if item["key"] == item_key:
            item.update(changes)
    return backlog


def test_item_waiver_in_a_comment_needs_the_label(make_project: Callable[..., Path]) -> None:
    line = 'trackerguard-waiver: TG101 owner=@bo expires=2999-03-01 reason="spike, no goal yet"'
    comments = [{"id": "c1", "author": "bo", "body": f"We agreed:\n{line}"}]
    # Without the label the line means nothing.
    code, doc = check_json(make_project(_with("S-2", comments=comments)))
    assert code == 1
    # With the label it waives TG101 on S-2 only.
    backlog = _with("S-2", comments=comments, labels=["trackerguard:waiver"])
    code, doc = check_json(make_project(backlog))
    assert code == 0
    finding = next(f for f in doc["findings"] if f["rule"] == "TG101")
    assert finding["waived"]["owner"] == "@bo"
    assert finding["waived"]["source"] == "S-2 (comment)"
    assert finding["waived"]["reason"] == "spike, no goal yet"


def test_item_waiver_in_the_description_and_bad_lines_as_notes(
    make_project: Callable[..., Path],
) -> None:
    description = (
        "Refactor the client.\n\ntrackerguard-waiver: * owner=@bo expires=2999-03-01 reason=ok\n"
        "trackerguard-waiver: TG103 owner=@bo reason=forever\n"
    )
    backlog = _with("S-2", description=description, labels=["trackerguard:waiver"])
    code, doc = check_json(make_project(backlog))
    assert code == 0
    on_s2 = [f for f in doc["findings"] if f["item"] == "S-2"]
    assert on_s2 and all(f["waived"]["source"] == "S-2 (description)" for f in on_s2)
    assert any("no expiry given" in note and "S-2" in note for note in doc["notes"])


def test_label_without_a_line_is_a_note(make_project: Callable[..., Path]) -> None:
    code, doc = check_json(make_project(_with("S-2", labels=["trackerguard:waiver"])))
    assert code == 1
    assert any("no usable 'trackerguard-waiver:' line" in note for note in doc["notes"])


def test_bot_comments_never_waive(make_project: Callable[..., Path]) -> None:
    line = "trackerguard-waiver: TG101 owner=@x expires=2999-01-01 reason=sneaky"
    comments = [{"id": "c1", "author": "trackerguard", "body": line}]
    backlog = _with("S-2", comments=comments, labels=["trackerguard:waiver"])
    code, _ = check_json(make_project(backlog))
    assert code == 1


def test_waivers_command_lists_days_left(make_project: Callable[..., Path]) -> None:
    config = make_project(
        config=WAIVE_S2.format(expires="2999-01-31")
        + '\n[[waivers]]\nitems = ["E-1"]\nrules = ["TG203"]\nowner = "@bo"\n'
        'reason = "dates after the offsite"\nexpires = "2020-02-01"\n'
    )
    result = run("waivers", "--config", str(config), "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)["waivers"]
    assert [(r["items"], r["status"]) for r in rows] == [("E-1", "expired"), ("S-2", "active")]
    today = date.today()
    assert rows[1]["days_left"] == (date(2999, 1, 31) - today).days
    text = run("waivers", "--config", str(config)).stdout
    assert "days left" in text and "expired" in text and "@ana" in text


def test_book_prefers_the_longest_active_waiver() -> None:
    waivers, problems = parse_waiver_lines(
        "trackerguard-waiver: TG101 owner=@a expires=2030-01-01 reason=a\n"
        "trackerguard-waiver: TG101,TG103 owner=@b expires=2031-01-01 reason=b\n"
        "trackerguard-waiver: TG101 owner=@c expires=2001-01-01 reason=c",
        source="X-1 (description)",
        allow_permanent=False,
    )
    assert problems == []
    book = WaiverBook()
    for waiver in waivers:
        book.add("X-1", waiver)
    assert book.lookup("X-1", "TG101", date(2026, 1, 1)).active.owner == "@b"  # type: ignore[union-attr]
    assert book.lookup("X-1", "TG202", date(2026, 1, 1)).active is None
    lapsed = book.lookup("X-1", "TG101", date(2032, 1, 1))
    assert lapsed.active is None and lapsed.expired is not None and lapsed.expired.owner == "@b"


def test_incremental_run_applies_waivers_to_carried_findings(
    make_project: Callable[..., Path],
) -> None:
    # A full run stores S-2's open TG101 finding; a waiver is added; the next run sees no
    # change (--since last reads nothing new) but the carried finding is waived all the same.
    config = make_project()
    assert run("check", "--config", str(config), "--apply", "--quiet").exit_code == 1
    config.write_text(config.read_text() + WAIVE_S2.format(expires="2999-01-31"))
    code, doc = check_json(config, "--since", "last")
    carried = [f for f in doc["findings"] if f["item"] == "S-2" and f["rule"] == "TG101"]
    assert carried and carried[0]["rejudged"] is False
    assert carried[0]["waived"]["owner"] == "@ana"
    assert code == 0
