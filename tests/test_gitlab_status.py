"""GitLab status and horizon where teams keep them (issue 15 point 5).

The work item *Status* widget (GitLab 18.x, Premium) is read in the page's one GraphQL
request, mapped through ``[status]`` with its category as the hint; items without a status
there, and servers without the widget, fall back to ``workflow::`` scoped labels. Horizons:
the due date, else the iteration's end, and the milestone's due date. Checked against the
simulator (which executes each query on the contract schema of its version) with TG203/TG205.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from trackerguard.model import StatusCategory
from trackerguard.status import StatusConfig, StatusMap

from .gitlab_sim import GitLabSimulator
from .gitlab_sim.harness import Project
from .gitlab_sim.state import World
from .test_gitlab_convert import converter, issue

WEB = "acme/web"
WHY = "## Why\nSupport loses a day a week to manual exports; customers churn over it.\n"


def _day(offset: int) -> date:
    return date.today() + timedelta(days=offset)


def _build(world: World) -> None:
    old = datetime.now(UTC) - timedelta(days=60)

    def goal(title: str, **fields: Any) -> str:
        labels = ["level::epic", *fields.pop("labels", [])]
        issue = world.issue(WEB, title, labels=labels, assignees=["ana"], description=WHY, **fields)
        return issue.key

    def task(parent: str, created: datetime) -> None:
        world.issue(WEB, "Do the work", issue_type="task", parent=parent, created=created)

    fresh = datetime.now(UTC) - timedelta(hours=2)
    # #1: "In progress" in the Status widget; its iteration ended ten days ago.
    sprint = goal("Export v2", status=("In progress", "IN_PROGRESS"))
    world.get(sprint).iteration = ("Sprint 14", _day(-24), _day(-10))  # type: ignore[union-attr]
    task(sprint, fresh)
    # #3: a custom status of the in-progress category; nothing below moved for 60 days.
    custom = goal("Billing cleanup", status=("Ready for QA", "IN_PROGRESS"))
    task(custom, old)
    # #5: no status in the widget; the scoped label says in progress.
    labelled = goal("Legacy import", labels=["workflow::In Progress"])
    task(labelled, old)
    # #7: the widget says "To do" and wins over a stale workflow label.
    waiting = goal("Reporting", labels=["workflow::In Progress"], status=("To do", "TO_DO"))
    task(waiting, old)
    # #9: not started, but its milestone's date has passed with work open below it.
    late = goal("Audit log", milestone=("2026.3", _day(-5)))
    task(late, fresh)


@pytest.fixture
def sim() -> Iterator[GitLabSimulator]:
    simulator = GitLabSimulator().start()
    _build(simulator.world)
    try:
        yield simulator
    finally:
        simulator.stop()
    assert simulator.violations == [], simulator.violations


def _project(sim: GitLabSimulator, root: Path, **gitlab: Any) -> Project:
    root.mkdir()
    return Project(sim, root, [WEB], gitlab=gitlab)


def _findings(doc: dict[str, Any], rule: str) -> dict[str, str]:
    return {f["item"]: f["message"] for f in doc["findings"] if f["rule"] == rule}


def test_the_status_widget_and_iterations_drive_tg205(sim: GitLabSimulator, tmp_path: Path) -> None:
    labels_only = _project(sim, tmp_path / "labels", work_item_status=False)
    code, without = labels_only.check(apply=False)
    assert code in (0, 1), without["errors"]
    graphql_without = sim.counts["graphql"]
    reads_without = without["summary"]["requests"]["read"]
    # Labels only: #5 and #7 are in progress by label, #1 and #9 late by their horizons.
    assert set(_findings(without, "TG205")) == {f"{WEB}#{n}" for n in (1, 5, 7, 9)}
    assert "not even marked in progress" in _findings(without, "TG205")[f"{WEB}#1"]

    sim.reset_counts()
    project = _project(sim, tmp_path / "widget")
    code, doc = project.check()
    assert code in (0, 1), doc["errors"]
    assert doc["errors"] == [] and doc["summary"]["items"] == 10
    stalled = _findings(doc, "TG205")
    assert set(stalled) == {f"{WEB}#{n}" for n in (1, 3, 5, 9)}
    # The iteration's end is #1's horizon; the widget marks it in progress.
    assert f"horizon {_day(-10)} has passed" in stalled[f"{WEB}#1"]
    assert "while it is marked in progress" in stalled[f"{WEB}#1"]
    # A custom status counts by its category; the label still serves items without a status.
    assert "nothing below it has moved since" in stalled[f"{WEB}#3"]
    assert "nothing below it has moved since" in stalled[f"{WEB}#5"]
    assert f"horizon {_day(-5)} has passed" in stalled[f"{WEB}#9"]
    assert "not even marked in progress" in stalled[f"{WEB}#9"]
    # Horizons: iteration end and milestone due date; the others have none.
    assert set(_findings(doc, "TG203")) == {f"{WEB}#{n}" for n in (3, 5, 7)}
    # The same requests as without the widget: it rides in the page's GraphQL request.
    assert sim.counts["graphql"] == graphql_without
    assert doc["summary"]["requests"]["read"] == reads_without
    pages = [q for q in sim.queries if "trackerguardPage" in q]
    assert pages and all("WorkItemWidgetStatus { status { name category } }" in q for q in pages)

    # Stable: the next run changes no verdict and writes nothing.
    code, again = project.check()
    assert _findings(again, "TG205") == stalled
    assert again["actions"] == [], again["actions"]

    # A person moves #3 back to "To do" in the widget: only its verdict changes.
    sim.world.get(f"{WEB}#3").status = ("To do", "TO_DO")  # type: ignore[union-attr]
    sim.world.touch(sim.world.get(f"{WEB}#3"))  # type: ignore[arg-type]
    code, moved = project.check()
    assert set(_findings(moved, "TG205")) == {f"{WEB}#{n}" for n in (1, 5, 9)}
    assert {a["item"] for a in moved["actions"]} == {f"{WEB}#3"}


def test_a_server_without_category_maps_status_names_through_config(
    sim: GitLabSimulator, tmp_path: Path
) -> None:
    sim.version = "17.11"
    project = _project(sim, tmp_path / "p")
    code, doc = project.check(apply=False)
    assert code in (0, 1), doc["errors"]
    assert any("no category on this server" in note for note in doc["notes"])
    # "In progress" is a configured name; "Ready for QA" is not (yet).
    assert set(_findings(doc, "TG205")) == {f"{WEB}#{n}" for n in (1, 5, 9)}
    assert "status { name category }" in sim.queries[0]  # asked once, refused
    assert all("category" not in q for q in sim.queries[1:])
    sim.reset_counts()
    project.top = '[status]\nin_progress = ["In progress", "Ready for QA"]\n'
    code, doc = project.check(apply=False)
    assert set(_findings(doc, "TG205")) == {f"{WEB}#{n}" for n in (1, 3, 5, 9)}


def test_a_server_without_the_widget_falls_back_to_labels(
    sim: GitLabSimulator, tmp_path: Path
) -> None:
    sim.version = "free"
    project = _project(sim, tmp_path / "p")
    code, doc = project.check(apply=False)
    assert code in (0, 1), doc["errors"]
    assert any("Status widget is not available" in note for note in doc["notes"])
    assert set(_findings(doc, "TG205")) == {f"{WEB}#{n}" for n in (1, 5, 7, 9)}
    # Two refusals in the whole run (with category, then the name alone), then the
    # hierarchy alone; parents are still read (no TG101 on the tasks).
    refused = [q for q in sim.queries if "WorkItemWidgetStatus" in q]
    assert len(refused) == 2
    assert all("WorkItemWidgetHierarchy" in q for q in sim.queries)
    tasks = {f"{WEB}#{n}" for n in (2, 4, 6, 8, 10)}
    assert not tasks & set(_findings(doc, "TG101"))


# -- the converter's mapping ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("state", "widget", "labels", "expected"),
    [
        ("opened", ("In progress", StatusCategory.IN_PROGRESS), (), StatusCategory.IN_PROGRESS),
        ("opened", ("Ready for QA", StatusCategory.IN_PROGRESS), (), StatusCategory.IN_PROGRESS),
        ("opened", ("Triage", StatusCategory.TODO), (), StatusCategory.TODO),
        # The widget wins over a scoped label.
        ("opened", ("To do", StatusCategory.TODO), ("workflow::Doing",), StatusCategory.TODO),
        # Open but "done": still in progress; closed but "in progress": done.
        ("opened", ("Done", StatusCategory.DONE), (), StatusCategory.IN_PROGRESS),
        ("closed", ("In progress", StatusCategory.IN_PROGRESS), (), StatusCategory.DONE),
        ("closed", ("Won't do", StatusCategory.CANCELLED), (), StatusCategory.CANCELLED),
        ("closed", ("Done", StatusCategory.DONE), ("wontfix",), StatusCategory.CANCELLED),
        # A cancelled name always wins, whatever the category (as on Jira).
        ("closed", ("Duplicate", StatusCategory.DONE), (), StatusCategory.CANCELLED),
        # No category (before 18.1): the name through [status].
        ("opened", ("In progress", None), (), StatusCategory.IN_PROGRESS),
        ("opened", ("Ready for QA", None), (), StatusCategory.TODO),
        # No status in the widget: the labels decide.
        ("opened", None, ("workflow::In Progress",), StatusCategory.IN_PROGRESS),
        ("opened", None, (), StatusCategory.TODO),
    ],
)
def test_widget_status_mapping(
    state: str,
    widget: tuple[str, StatusCategory | None] | None,
    labels: tuple[str, ...],
    expected: StatusCategory,
) -> None:
    item = converter().convert_issue(issue(state=state, labels=list(labels)), widget_status=widget)
    assert item.status_category is expected
    if widget is not None:
        assert item.status == widget[0] and item.fields["status_source"] == "widget"
    else:
        assert item.fields["status_source"] == "labels"


def test_configured_names_refine_a_category_less_status() -> None:
    config = StatusConfig(in_progress=["Ready for QA"])
    item = converter(statuses=StatusMap(config)).convert_issue(
        issue(), widget_status=("Ready for QA", None)
    )
    assert item.status_category is StatusCategory.IN_PROGRESS
