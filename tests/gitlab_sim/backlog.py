"""A small but realistic GitLab backlog: group epics, label-level epics, tasks, orphans.

``acme`` (group) holds epics ``acme&1`` (labelled ``level::initiative``) and ``acme&2`` (an
epic-level goal outside the scanned projects); projects ``acme/web`` and ``acme/api`` hold
the issues. Expected high-confidence findings: TG101 on ``ORPHANS``; TG201/202/203 on
``acme/web#6`` (a label-level epic with no children, owner or milestone).
"""

from __future__ import annotations

from datetime import date, timedelta

from .state import World

PROJECTS = ("acme/web", "acme/api")
ORPHANS = {"acme/web#4", "acme/web#5", "acme/web#6", "acme/api#5"}
WHY = (
    "## Why\nCustomers abandon signup because the form asks for twelve fields; support "
    "reports that this costs us roughly a third of new trials every month.\n"
)
MEASURE = "## Success criteria\n- Trial-to-paid conversion above 8% by the end of Q3\n"


def build(world: World) -> World:
    later = date.today() + timedelta(days=90)
    world.epic(
        "acme",
        "Self-serve growth",
        labels=["level::initiative"],
        due=later,
        description=WHY + MEASURE,
    )
    world.epic("acme", "Billing reliability", parent_iid=1, due=later, description=WHY + MEASURE)
    web, api = PROJECTS
    # acme/web#1: a goal placed by a scoped label, served by a task and child of an epic.
    world.issue(
        web,
        "Redesign onboarding",
        labels=["level::epic", "workflow::In Progress"],
        assignees=["ana"],
        milestone=("2030.1", later),
        parent="acme&1",
        description=WHY + MEASURE,
    )
    world.issue(
        web,
        "Shorten the signup form",
        issue_type="task",
        parent=f"{web}#1",
        description="As a trial user I want a short form so that I can start in a minute.",
    )
    world.issue(web, "Explain pricing on the signup page", parent="acme&1", description=WHY)
    world.issue(web, "Refactor the session store", description=WHY)  # orphan #4
    orphan = world.issue(web, "Upgrade the CSS toolchain", labels=["bug"], description=WHY)
    world.note(orphan.key, "Which version do we target?", "bo")
    world.note(orphan.key, "changed the description", "bo", system=True)
    world.issue(web, "Mobile app", labels=["level::epic"], description=WHY + MEASURE)  # #6
    world.issue(api, "Retry failed card payments", parent="acme&2", description=WHY)
    closed = world.issue(api, "Old cleanup", parent="acme&2", description=WHY)
    world.close(closed.key, days_ago=3)
    ancient = world.issue(api, "Ancient cleanup", description=WHY)
    world.close(ancient.key, days_ago=60)
    dropped = world.issue(api, "Dropped idea", description=WHY)
    world.close(dropped.key, days_ago=1, labels=["wontfix"])
    world.issue(api, "Tune connection pools", description=WHY)  # orphan #5
    world.link(f"{api}#5", f"{web}#1", "relates_to")
    return world
