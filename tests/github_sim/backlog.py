"""A realistic organisation backlog for end-to-end tests (and a generator for benchmarks).

Organisation ``acme`` with three scanned repositories (``web``, ``api``, ``ops``) and a
``roadmap`` repository that is *not* scanned but holds an initiative that work in ``web``
serves (a cross-repo parent that must be followed in batch). It mixes issue types and
label-based levels, sub-issues across repositories, milestones, not-planned children,
orphans, an issue with neither type nor level label, and a pull request that would close a
blocked issue.
"""

from __future__ import annotations

from datetime import timedelta

from .state import World, now

REPOS = ["acme/web", "acme/api", "acme/ops"]

KR = (
    "## Why\nSelf-serve customers churn when they cannot get their data out, which costs us "
    "renewals.\n\n## Key results\n- Self-serve share of revenue from 20% to 35% by Q4\n"
    "- Trial-to-paid conversion above 8%\n"
)
EPIC_BODY = (
    "Support exports reports by hand every week because customers cannot, which costs two "
    "days of support time a month.\n\n## Done when\n- [ ] export button\n- [ ] API endpoint\n"
)
STORY = "As an account admin I want {what} so that I can share reports without asking support."


def build(world: World) -> World:
    """Fill ``world`` with the e2e backlog; returns it for chaining."""
    old = now() - timedelta(days=3)
    due = now() + timedelta(days=120)
    roadmap_ms = world.milestone("acme/roadmap", "FY30", due)
    web_ms = world.milestone("acme/web", "2030.1", due)
    ops_ms = world.milestone("acme/ops", "Q3 reliability", due)

    world.issue(
        "acme/roadmap",
        "Grow self-serve revenue",
        type="Initiative",
        body=KR,
        assignees=["ana"],
        milestone=roadmap_ms,
        created_at=old,
        updated_at=old,
    )

    # acme/web
    world.issue(
        "acme/web",
        "CSV export",
        type="Epic",
        body=EPIC_BODY,
        assignees=["bo"],
        milestone=web_ms,
        parent="acme/roadmap#1",
        created_at=old,
        updated_at=old,
    )
    world.issue(
        "acme/web",
        "Add export button",
        type="Task",
        body=STORY.format(what="an export button"),
        parent="acme/web#1",
        created_at=old,
        updated_at=old,
    )
    world.issue(
        "acme/web",
        "Scheduled export",
        type="Task",
        parent="acme/web#1",
        body=STORY.format(what="scheduled exports"),
        created_at=old,
        updated_at=old,
    )
    world.close("acme/web#3", "NOT_PLANNED", days_ago=2)
    world.issue(
        "acme/web",
        "Refactor the CSS build",
        type="Task",
        created_at=old,
        updated_at=old,
        body="The CSS build takes four minutes, which slows every "
        "deploy because the pipeline waits for it.",
    )
    world.issue(
        "acme/web",
        "Fix login redirect loop",
        type="Bug",
        created_at=old,
        updated_at=old,
        body="Users get stuck in a redirect loop after SSO, so they cannot sign in at all.",
    )
    world.issue(
        "acme/web",
        "Dark mode",
        type="Epic",
        created_at=old,
        updated_at=old,
        body="Users asked for it because the bright theme strains their eyes at night."
        "\n\n## Done when\n- [ ] dark palette\n- [ ] toggle in settings\n",
    )
    world.issue(
        "acme/web",
        "Dark palette",
        type="Task",
        parent="acme/web#6",
        body=STORY.format(what="a dark palette"),
        created_at=old,
        updated_at=old,
    )
    world.close("acme/web#7", "NOT_PLANNED", days_ago=1)
    world.issue(
        "acme/web",
        "Billing revamp",
        labels=["epic"],
        body=EPIC_BODY,
        assignees=["cy"],
        milestone=web_ms,
        parent="acme/roadmap#1",
        created_at=old,
        updated_at=old,
    )
    world.issue(
        "acme/web",
        "Update the README badges",
        created_at=old,
        updated_at=old,
        body="The badges point at the old CI, so contributors think the build is red.",
    )
    world.pull("acme/web", 100, "a" * 40, ["acme/web#5"])

    # acme/api
    world.issue(
        "acme/api",
        "Export endpoint",
        type="Task",
        parent="acme/web#1",
        body=STORY.format(what="an export endpoint"),
        created_at=old,
        updated_at=old,
    )
    world.issue(
        "acme/api",
        "Old cleanup",
        type="Task",
        parent="acme/web#1",
        body="Done long ago.",
        created_at=old - timedelta(days=90),
        updated_at=old - timedelta(days=90),
    )
    world.close("acme/api#2", "COMPLETED", days_ago=60)
    world.issue(
        "acme/api",
        "Invoice PDF",
        type="Task",
        parent="acme/web#8",
        body=STORY.format(what="invoice PDFs"),
        created_at=old,
        updated_at=old,
    )
    world.issue(
        "acme/api",
        "Export pagination",
        type="Task",
        parent="acme/web#1",
        body=STORY.format(what="paginated exports"),
        created_at=old,
        updated_at=old,
    )
    world.close("acme/api#4", "COMPLETED", days_ago=3)

    # acme/ops
    world.issue(
        "acme/ops",
        "Reliability",
        type="Initiative",
        body=KR,
        assignees=["dee"],
        milestone=ops_ms,
        created_at=old,
        updated_at=old,
    )
    world.issue(
        "acme/ops",
        "Service level objectives",
        type="Epic",
        body=EPIC_BODY,
        assignees=["dee"],
        milestone=ops_ms,
        parent="acme/ops#1",
        created_at=old,
        updated_at=old,
    )
    world.issue(
        "acme/ops",
        "Define API SLO",
        type="Task",
        parent="acme/ops#2",
        body=STORY.format(what="an API SLO"),
        created_at=old,
        updated_at=old,
    )
    return world


def generate(world: World, total: int, repos: list[str] | None = None) -> World:
    """A large synthetic backlog for the benchmark: 1 initiative per 500 issues, 1 epic per 25."""
    repos = repos or REPOS
    old = now() - timedelta(days=5)
    for index, repo in enumerate(repos):
        per_repo = total // len(repos) + (1 if index < total % len(repos) else 0)
        ms = world.milestone(repo, "Next", now() + timedelta(days=90))
        initiative = epic = None
        for i in range(per_repo):
            if i % 500 == 0:
                initiative = world.issue(
                    repo,
                    f"Initiative {i}",
                    type="Initiative",
                    body=KR,
                    assignees=["ana"],
                    milestone=ms,
                    created_at=old,
                    updated_at=old,
                ).key
            elif i % 25 == 1:
                epic = world.issue(
                    repo,
                    f"Epic {i}",
                    type="Epic",
                    body=EPIC_BODY,
                    assignees=["bo"],
                    milestone=ms,
                    parent=initiative,
                    created_at=old,
                    updated_at=old,
                ).key
            else:
                orphan = i % 97 == 0
                world.issue(
                    repo,
                    f"Task {i}",
                    type="Task",
                    body=STORY.format(what=f"item {i}"),
                    parent=None if orphan else epic,
                    created_at=old,
                    updated_at=old,
                )
    return world
