"""Verdicts hold still on a real Redmine 5.0: a three-level plan edited only at the leaves.

The backlog is an initiative → epics → stories, backdated with ``rails runner`` (REST cannot
set ``created_on``) so that the initiative and its epics have not been edited for 300 days
while some stories moved today. Asserted, through the real CLI:

* the healthy initiative and the healthy epics get no TG205 (movement comes from the whole
  plan below them), the stalled epic does;
* ``check --apply`` twice in a row: the second run changes no verdict and writes nothing,
  although trackerguard's notes and blocks are now the newest journals of some issues (and
  the harness's API key is the one that seeded the backlog: the same account's real edits
  are movement, its trackerguard writes are not);
* after a person moves one story, exactly that story's epic changes verdict (one write:
  its note resolved); then a run writes nothing again.

Writes are counted twice: by the report's request counters and on Redmine's side (every
issue's journals, ids, notes and details, compared before and after each run). The
backdating goes through ``scripts/redmine-test-server runner`` on this server's instance.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from redmine_support.backlog import Backlog
from redmine_support.cli import CheckResult, run_check, write_config
from redmine_support.fixtures import redmine_rest, redmine_server  # noqa: F401 (fixtures)
from redmine_support.rest import RedmineRest
from redmine_support.runner import run_ruby
from redmine_support.server import RedmineServer

pytestmark = pytest.mark.redmine

GOAL = (
    "h2. Why\n\nSupport exports reports by hand every week because customers cannot.\n\n"
    "h2. Success criteria\n\n* support tickets about exports drop from 40 to under 5 a month"
)
WORK = (
    "h2. Why\n\nFinance reconciles the CSV totals by hand every month, which takes two days.\n\n"
    "h2. Done when\n\n* the export has fixed columns\n* reviewed and released"
)
BACKDATE = """ids = ARGV[0].split(',').map(&:to_i)
t = Time.now - ARGV[1].to_i * 86400
n = Issue.where(id: ids).update_all(created_on: t, updated_on: t)
Journal.where(journalized_type: 'Issue', journalized_id: ids).update_all(created_on: t)
puts "BACKDATED=#{n}"
"""


def _backdate(server: RedmineServer, ids: list[int], days: int) -> None:
    """Move issues and their journals ``days`` into the past (rails runner, as www-data)."""
    out = run_ruby(server, BACKDATE, ",".join(map(str, ids)), str(days))
    assert f"BACKDATED={len(ids)}" in out, out  # the runner reached this server's database


def _seed(server: RedmineServer, rest: RedmineRest) -> Backlog:
    identifier = "tg-it-plan"
    project_id = rest.recreate_project(identifier, "trackerguard plan")
    bl = Backlog(identifier, project_id)
    bl.versions["2030.1"] = rest.version(identifier, "2030.1", "2030-06-30")
    me = rest.current_user_id()

    def add(name: str, tracker: str, parent: str | None, **fields: object) -> None:
        if parent:
            fields["parent_issue_id"] = bl.ids[parent]
        bl.ids[name] = rest.issue(
            project_id, tracker, f"{tracker} {name}", assigned_to_id=me, **fields
        )

    add("I1", "Initiative", None, description=GOAL, due_date="2030-12-31", status="In Progress")
    for epic in ("E1", "E2", "E3"):
        add(epic, "Epic", "I1", description=GOAL, fixed_version_id=bl.versions["2030.1"])
        rest.update(bl.ids[epic], status="In Progress")
    add("S1", "Task", "E1", description=WORK)
    add("S2", "Task", "E1", description=WORK)
    add("S3", "Task", "E2", description=WORK)
    add("S4", "Task", "E1", description="")  # gives the first run something to write
    add("S5", "Task", "E3", description=WORK)  # E3's only story: stalled
    _backdate(server, list(bl.ids.values()), 300)
    # People worked on two stories today; nobody touched the initiative or the epics.
    rest.update(bl.ids["S1"], subject="Task S1 (export columns agreed)")
    rest.update(bl.ids["S3"], notes="Started on the scheduled export.")
    return bl


def _verdicts(result: CheckResult) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = {}
    for finding in result.report["findings"]:
        out.setdefault(finding["item"], set()).add((finding["rule"], finding["message"]))
    return out


def _journals(rest: RedmineRest, bl: Backlog) -> dict[str, list[tuple[int, str, int]]]:
    """Every issue's journals as Redmine holds them: (id, notes, number of details)."""
    return {
        name: [(j["id"], j.get("notes") or "", len(j.get("details") or [])) for j in js]
        for name, js in ((name, rest.journals(i)) for name, i in bl.ids.items())
    }


def _changed(before: dict[str, object], after: dict[str, object]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def _tg205(result: CheckResult) -> set[str]:
    return {f["item"] for f in result.report["findings"] if f["rule"] == "TG205"}


def test_a_plan_moving_at_its_leaves_is_judged_the_same_run_after_run(
    server: RedmineServer, rest: RedmineRest, tmp_path: Path
) -> None:
    bl = _seed(server, rest)
    config = write_config(tmp_path, server.url, [bl.project], label_field="Labels")

    first = run_check(config, server.api_key, "--apply")
    assert first.code in (0, 1), first.stderr
    assert not first.report["errors"], first.report["errors"]
    assert first.report["summary"]["items"] == len(bl.ids)
    assert _tg205(first) == {bl.key("E3")}, first.report["findings"]
    assert "TG103" in {f["rule"] for f in first.report["findings"] if f["item"] == bl.key("S4")}
    written = {a["item"] for a in first.report["actions"] if a["status"] == "applied"}
    assert {bl.key("S4"), bl.key("E3")} <= written

    # Immediately again: trackerguard's notes/labels/blocks are now the newest journals on
    # S4 and E3; no verdict moves and nothing is written.
    written_first = _journals(rest, bl)
    second = run_check(config, server.api_key, "--apply")
    assert second.report["summary"]["items"] == len(bl.ids)
    assert _verdicts(second) == _verdicts(first)
    assert second.requests["write"] == 0, second.report["actions"]
    assert second.report["actions"] == []
    assert _journals(rest, bl) == written_first  # Redmine's side: not one journal moved

    # A person moves E3's story: E3 is moving again, and nothing else changes.
    rest.update(bl.ids["S5"], notes="Picked this up again.")
    fixed = _journals(rest, bl)
    third = run_check(config, server.api_key, "--apply")
    assert third.report["summary"]["items"] == len(bl.ids)
    before, after = _verdicts(second), _verdicts(third)
    changed = _changed(before, after)  # type: ignore[arg-type]
    assert changed == {bl.key("E3")}, (changed, third.report["findings"])
    assert _tg205(third) == set()
    acted = third.report["actions"]
    assert {a["item"] for a in acted} == {bl.key("E3")}, acted
    assert all(a["status"] == "applied" for a in acted)
    # TG205 warns (a note, no label or block): E3's note is marked resolved, one write.
    assert [a["kind"] for a in acted] == ["uncomment"], acted
    assert third.requests["write"] == len(acted)
    assert _changed(fixed, _journals(rest, bl)) == {"E3"}  # type: ignore[arg-type]

    settled = _journals(rest, bl)
    fourth = run_check(config, server.api_key, "--apply")
    assert fourth.report["summary"]["items"] == len(bl.ids)
    assert _verdicts(fourth) == after
    assert fourth.requests["write"] == 0, fourth.report["actions"]
    assert _journals(rest, bl) == settled
