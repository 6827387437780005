"""A realistic backlog, created over REST: initiatives, epics, features, tasks, versions,
a closed goal, cancelled children, orphans and an issue of no level.

Descriptions are Textile (the instance default). ``EXPECTED`` lists the verdicts the
integration tests check; the rest of the backlog is healthy on purpose, so a rule that
starts flagging good issues shows up as an unexpected finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .rest import RedmineRest

WHY = "h2. Why\n\n{why}\n\nh2. Done when\n\n* {done}\n* reviewed and released"
GOAL = (
    "h2. Why\n\n{why}\n\nh2. Success criteria\n\n"
    "* {metric}\n* adoption reported in the monthly review"
)


@dataclass
class Backlog:
    """Issue ids by logical name, plus the ids of the project and its versions."""

    project: str
    project_id: int
    ids: dict[str, int] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)

    def key(self, name: str) -> str:
        return f"#{self.ids[name]}"


def _goal(why: str, metric: str) -> str:
    return GOAL.format(why=why, metric=metric)


def _work(why: str, done: str) -> str:
    return WHY.format(why=why, done=done)


def seed_backlog(rest: RedmineRest, identifier: str, *, fillers: int = 18) -> Backlog:
    """Create the project and its ~40 issues; returns their ids by logical name."""
    project_id = rest.recreate_project(identifier, f"trackerguard {identifier}")
    bl = Backlog(identifier, project_id)
    bl.versions["2030.1"] = rest.version(identifier, "2030.1", "2030-06-30")
    bl.versions["2031.1"] = rest.version(identifier, "2031.1", "2031-03-31")
    me = rest.current_user_id()

    def add(name: str, tracker: str, subject: str, **fields: Any) -> int:
        parent = fields.pop("parent", None)
        if parent:
            fields["parent_issue_id"] = bl.ids[parent]
        version = fields.pop("version", None)
        if version:
            fields["fixed_version_id"] = bl.versions[version]
        if fields.pop("mine", False):
            fields["assigned_to_id"] = me
        bl.ids[name] = rest.issue(project_id, tracker, subject, **fields)
        return bl.ids[name]

    # Strategy: one live initiative, one closed one.
    add(
        "I1",
        "Initiative",
        "Grow self-serve revenue",
        description=_goal(
            "Sales-assisted deals cost us 30% margin; self-serve customers are cheaper to win.",
            "self-serve share of revenue from 20% to 35% by the end of 2030",
        ),
        due_date="2030-12-31",
        mine=True,
        status="In Progress",
    )
    add(
        "I2",
        "Initiative",
        "Retire the legacy billing platform",
        description=_goal("Two billing systems double every pricing change.", "one system left"),
        due_date="2026-06-30",
        mine=True,
    )
    add(
        "E9",
        "Epic",
        "Migrate invoices off the legacy platform",
        parent="I2",
        description=_goal("Invoices still live in the old system.", "0 invoices left to move"),
        version="2030.1",
        mine=True,
    )
    rest.update(bl.ids["E9"], status="Closed")
    rest.update(bl.ids["I2"], status="Closed")

    # Healthy epics and a feature under I1.
    add(
        "E1",
        "Epic",
        "CSV export for reports",
        parent="I1",
        description=_goal(
            "Support exports reports by hand every week because customers cannot.",
            "support tickets about exports drop from 40 to under 5 a month",
        ),
        version="2030.1",
        mine=True,
        status="In Progress",
    )
    add(
        "F1",
        "Feature",
        "Onboarding e-mails",
        parent="I1",
        description=_goal(
            "Half of the trials never come back after day one.",
            "day-7 retention of trials from 40% to 55%",
        ),
        version="2031.1",
        mine=True,
    )
    # A goal with no owner, no horizon, no purpose, and only cancelled children.
    add("E2", "Epic", "Billing revamp", parent="I1", description="")
    add(
        "T9",
        "Task",
        "Evaluate billing vendors",
        parent="E2",
        description=_work("We need a vendor before the revamp can start.", "a vendor is chosen"),
    )
    add(
        "T10",
        "Task",
        "Draft billing migration plan",
        parent="E2",
        description=_work(
            "The finance team must sign off the order of migration.", "the plan is signed off"
        ),
    )
    rest.update(bl.ids["T9"], status="Rejected")
    rest.update(bl.ids["T10"], status="Rejected")
    # An orphan epic: serves no goal.
    add(
        "E4",
        "Epic",
        "Mobile app",
        description=_goal(
            "Field staff cannot use the web app on site.", "200 weekly active field users"
        ),
        version="2031.1",
        mine=True,
    )

    # Work under the healthy goals.
    add(
        "T1",
        "Task",
        "CSV writer for the report table",
        parent="E1",
        description=_work(
            "Customers need the report rows in their spreadsheets so that they stop asking support.",
            "a report downloads as CSV",
        ),
        mine=True,
    )
    add(
        "T2",
        "Task",
        "Export button in the report toolbar",
        parent="E1",
        description=_work(
            "Users cannot find exports hidden in the settings page.", "the button is visible"
        ),
    )
    add(
        "T3",
        "Task",
        "Welcome e-mail template",
        parent="F1",
        description=_work(
            "New trials get no guidance after sign-up, so most of them never return.",
            "the template is approved",
        ),
    )
    add(
        "T4",
        "Bug",
        "Export breaks on commas in names",
        parent="E1",
        description=_work(
            "Names with commas shift every column, so exported files are unusable.",
            "names with commas round-trip",
        ),
    )
    add(
        "T5",
        "Task",
        "Schedule exports weekly",
        parent="E1",
        description=_work(
            "Finance pulls the same export every Monday by hand.", "a weekly export arrives"
        ),
    )
    rest.update(bl.ids["T5"], status="Closed")
    add(
        "T11",
        "Task",
        "Document the CSV columns",
        parent="E1",
        description=_work(
            "Customers misread the columns and open tickets about wrong totals.",
            "the columns are documented",
        ),
    )
    rest.relate(bl.ids["T11"], bl.ids["T1"], "relates")

    # Orphans and an item with no purpose.
    add("T6", "Task", "Fix it", description="TBD")
    add(
        "T7",
        "Bug",
        "Crash when the report is empty",
        description=_work(
            "The report page crashes for new customers, who have no data yet.",
            "an empty report renders",
        ),
    )
    add("T8", "Task", "Tweak e-mail footer", parent="F1", description="")
    # No level (Support is not a configured type): ignored.
    add("S1", "Support", "Customer asks for an invoice copy", description="")

    for n in range(fillers):
        parent = "E1" if n % 2 else "F1"
        add(
            f"W{n}",
            "Task",
            f"Prepare rollout step {n + 1}",
            parent=parent,
            description=_work(
                f"Step {n + 1} of the rollout cannot start until this is ready, which delays "
                "the release for every customer.",
                f"step {n + 1} is ready",
            ),
        )
    return bl


# The verdicts the integration tests check (rule ids per logical issue name).
EXPECTED_BLOCKED = {"T6", "T7", "E4", "E2"}
"""Items with a block-severity finding (TG101 orphans, TG201 goal without a live child)."""
EXPECTED_FINDINGS = {
    "T6": {"TG101", "TG103"},
    "T7": {"TG101"},
    "E4": {"TG101", "TG201"},
    "E2": {"TG201", "TG202", "TG203", "TG204"},
    "T8": {"TG103"},
}
CLEAN = {"I1", "E1", "F1", "T1", "T2", "T3", "T4", "T11"}
"""Items that must get no comment at all."""


def seed_orphans(rest: RedmineRest, identifier: str, count: int = 6) -> Backlog:
    """A small project where every issue needs a note, a label and a block: ``count`` tasks
    with no parent (TG101) and a placeholder description (TG103), named ``A1``… in order.

    The write fault suite's backlog: each ``check --apply`` plans ``3 × count`` writes, and
    seeding it costs a handful of REST calls instead of the forty of :func:`seed_backlog`.
    """
    project_id = rest.recreate_project(identifier, f"trackerguard {identifier}")
    bl = Backlog(identifier, project_id)
    for n in range(1, count + 1):
        bl.ids[f"A{n}"] = rest.issue(project_id, "Task", f"Fix it ({n})", description="TBD")
    return bl
