"""A realistic Linear workspace for end-to-end tests.

Workspace ``acme`` with two scanned teams: ``ENG`` (has a "Blocked" workflow state) and
``OPS`` (has none, so blocking falls back to the ``trackerguard:blocked`` label), and a
``DES`` team that is not scanned. Initiatives → projects → issues → sub-issues, with:

* ``Grow self-serve revenue`` (initiative, owned, dated, key results) ← project
  ``CSV export`` (led, dated, done-when list, started) ← ``ENG-1`` ← sub-issue ``ENG-2``;
* ``Reliability`` (initiative without owner, horizon or any project: no plan);
* project ``Dark mode`` in no initiative (does not serve a goal);
* project ``Mobile app`` in an initiative but without issues (no plan);
* orphan issues ``ENG-3`` (no project, no parent; only a ``blocks`` relation, which never
  counts) and ``OPS-1``; a project issue ``ENG-4`` in ``Dark mode``; a done issue closed
  long ago (not read) and an issue of the unscanned team under ``CSV export``.
"""

from __future__ import annotations

from datetime import timedelta

from .state import World, now

KR = (
    "## Why\nSelf-serve customers churn when they cannot get their data out, which costs us "
    "renewals.\n\n## Key results\n- Self-serve share of revenue from 20% to 35% by Q4\n"
    "- Trial-to-paid conversion above 8%\n"
)
PROJECT_DOC = (
    "Support exports reports by hand every week because customers cannot, which costs two "
    "days of support time a month.\n\n## Done when\n- [ ] export button\n- [ ] API endpoint\n"
)
STORY = "As an account admin I want {what} so that I can share reports without asking support."
STATES = [
    ("Backlog", "backlog"),
    ("Todo", "unstarted"),
    ("In Progress", "started"),
    ("Blocked", "started"),
    ("Done", "completed"),
    ("Canceled", "canceled"),
]


def build(world: World) -> World:
    """Fill ``world`` with the e2e workspace; returns it for chaining."""
    ana = world.user("Ana")
    bo = world.user("Bo")
    eng = world.team("ENG", "Engineering", STATES)
    ops = world.team("OPS", "Operations", [s for s in STATES if s[0] != "Blocked"])
    des = world.team("DES", "Design", STATES)
    world.label("backend", eng)
    target = (now() + timedelta(days=120)).date()
    recent = now() - timedelta(days=2)

    revenue = world.initiative(
        "Grow self-serve revenue", "Active", content=KR, owner_id=ana.id, target=target
    )
    world.initiative(
        "Reliability",
        "Planned",
        description="Outages cost us renewals because customers lose trust.",
    )
    export = world.project(
        "CSV export",
        [eng, des],
        ("In Progress", "started"),
        description="Let customers export their reports.",
        content=PROJECT_DOC,
        lead_id=bo.id,
        target=target,
        initiative_ids=[revenue.id],
        started=now() - timedelta(days=20),
        updated=recent,
    )
    dark = world.project(
        "Dark mode",
        [eng],
        ("Planned", "planned"),
        description="Users asked for it because the bright theme strains their eyes at night.",
        content="## Done when\n- [ ] dark palette\n- [ ] toggle in settings\n",
        lead_id=bo.id,
        target=target,
    )
    world.project(
        "Mobile app",
        [eng],
        ("Planned", "planned"),
        description="Field sales cannot demo on phones, which loses deals.",
        content="## Success criteria\n- 500 weekly active users by Q3\n",
        lead_id=ana.id,
        target=target,
        initiative_ids=[revenue.id],
    )

    eng1 = world.issue(
        eng,
        "Add export button",
        STORY.format(what="an export button"),
        "In Progress",
        project_id=export.id,
        assignee_id=bo.id,
        updated=recent,
    )
    world.issue(
        eng,
        "Export as UTF-8 with BOM",
        STORY.format(what="exports that open in Excel"),
        "Todo",
        parent_id=eng1.id,
        project_id=export.id,
    )
    eng3 = world.issue(
        eng,
        "Refactor the CSS build",
        "The CSS build takes four minutes, which slows every deploy because the pipeline "
        "waits for it.",
        "Todo",
    )
    world.issue(
        eng,
        "Dark palette",
        STORY.format(what="a dark palette"),
        "Todo",
        project_id=dark.id,
    )
    old = world.issue(eng, "Old export prototype", "Done long ago.", "Done", age_days=200)
    old.completed = now() - timedelta(days=150)
    old.updated = old.completed
    eng3.relations.append(("blocks", eng1.id))
    world.issue(
        ops,
        "Rotate database credentials",
        "Credentials are two years old, which breaks our SOC 2 control and risks a breach.",
        "Todo",
    )
    world.issue(
        des,
        "Export dialog design",
        STORY.format(what="a clear export dialog"),
        "Todo",
        project_id=export.id,
    )
    return world
