"""GitHub Projects (v2): the project's Status and date/iteration fields drive TG203/TG205.

Against the GitHub simulator, which validates every document against the shared schema and
answers ``projectItems``/``fieldValueByName`` like GitHub. Issues outside the project keep
the default mapping (state, sub-issues, milestone), so the same backlog is judged with and
without ``[github] project`` and the difference is exactly what the project says.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from .github_sim import GitHubSimulator
from .github_sim.backlog import EPIC_BODY, STORY
from .github_sim.harness import Project
from .github_sim.state import World, now

PROJECT = {"owner": "acme", "number": 7}


def _day(days: int) -> str:
    return (now() + timedelta(days=days)).date().isoformat()


def _build(world: World) -> None:
    old = now() - timedelta(days=60)
    fresh = now() - timedelta(days=2)

    def epic(title: str) -> str:
        return world.issue(
            "acme/web",
            title,
            type="Epic",
            body=EPIC_BODY,
            assignees=["bo"],
            created_at=old,
            updated_at=old,
        ).key

    def story(parent: str, when: Any) -> str:
        return world.issue(
            "acme/web",
            f"Story under {parent}",
            type="Task",
            body=STORY.format(what="an export button"),
            parent=parent,
            created_at=when,
            updated_at=when,
        ).key

    late = epic("Late checkout revamp")  # #1: In Progress, target date passed
    story(late, fresh)
    planned = epic("Search, next quarter")  # #3: Todo, target date ahead
    story(planned, old)
    sprint = epic("Onboarding sprint")  # #5: In Progress, its iteration ended
    story(sprint, fresh)
    idle = epic("Idle billing work")  # #7: In Progress, nothing below moved for 60 days
    story(idle, old)
    outside = epic("Legacy cleanup")  # #9: not in the project
    story(outside, fresh)

    board = world.project("acme", 7)
    board.status(late, "In Progress")
    board.date(late, "Target date", _day(-10))
    board.status(planned, "Todo")
    board.date(planned, "Target date", _day(60))
    board.status(sprint, "In Progress")
    board.iteration(sprint, "Iteration", _day(-30), 14)
    board.status(idle, "In Progress", when=old)
    board.date(idle, "End date", _day(90), when=old)


@pytest.fixture
def sim() -> Iterator[GitHubSimulator]:
    simulator = GitHubSimulator().start()
    _build(simulator.world)
    try:
        yield simulator
    finally:
        simulator.stop()
    assert simulator.invalid_queries == [], simulator.invalid_queries


def _findings(doc: dict[str, Any], rule: str) -> dict[str, str]:
    return {f["item"]: f["message"] for f in doc["findings"] if f["rule"] == rule}


def test_project_status_and_dates_drive_horizon_and_movement(
    sim: GitHubSimulator, tmp_path: Path
) -> None:
    plain = Project(sim, tmp_path / "plain", ["acme/web"])
    plain.root.mkdir()
    code, without = plain.check(apply=False)
    assert code in (0, 1), without["errors"]
    # Without the project no epic has a horizon and none is in progress.
    assert set(_findings(without, "TG203")) == {f"acme/web#{n}" for n in (1, 3, 5, 7, 9)}
    assert _findings(without, "TG205") == {}

    board = Project(sim, tmp_path / "board", ["acme/web"], github={"project": PROJECT})
    board.root.mkdir()
    code, doc = board.check()
    assert code in (0, 1), doc["errors"]
    assert doc["errors"] == []
    assert doc["summary"]["items"] == 10
    # Dates and iterations from the project are horizons; the issue outside keeps none.
    assert set(_findings(doc, "TG203")) == {"acme/web#9"}
    stalled = _findings(doc, "TG205")
    assert set(stalled) == {"acme/web#1", "acme/web#5", "acme/web#7"}
    assert f"horizon {_day(-10)} has passed" in stalled["acme/web#1"]
    assert "marked in progress" in stalled["acme/web#1"]
    iteration_end = _day(-30 + 13)
    assert f"horizon {iteration_end} has passed" in stalled["acme/web#5"]
    assert "nothing below it has moved since" in stalled["acme/web#7"]
    # The same pages as without the project, plus one look-up of the project and one batch
    # read per level below the stalled epics (TG205 checks their whole subtree): no
    # per-item look-ups.
    reads = doc["summary"]["requests"]["read"]
    assert reads <= without["summary"]["requests"]["read"] + 1 + 2, (reads, without["summary"])

    # Stable: the second run changes no verdict and writes nothing.
    code, again = board.check()
    assert _findings(again, "TG205") == stalled
    assert again["actions"] == [], again["actions"]

    # A person moves the late epic's target date: only that epic's verdict changes.
    sim.world.project("acme", 7).date("acme/web#1", "Target date", _day(30))
    code, moved = board.check()
    assert set(_findings(moved, "TG205")) == {"acme/web#5", "acme/web#7"}
    assert {a["item"] for a in moved["actions"]} == {"acme/web#1"}


def test_an_unknown_project_is_a_clear_configuration_error(
    sim: GitHubSimulator, tmp_path: Path
) -> None:
    board = Project(
        sim, tmp_path, ["acme/web"], github={"project": {"owner": "acme", "number": 99}}
    )
    code, out, err = board.run("check", "--tracker", "github", "--quiet")
    assert code == 2, (out, err)
    assert "github.project: no project number 99 owned by 'acme'" in err
    assert "Traceback" not in err
