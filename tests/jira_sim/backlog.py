"""Seed data: a realistic small backlog (every case the rules care about) and a big one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.jira_sim.state import SimState

GOOD_GOAL = """## Why
Self-serve customers churn in the first month because checkout is confusing; support spends
two people on payment tickets.

## Success measures
- Checkout conversion from 41% to 55% by the end of Q3
- Payment support tickets halved"""

GOOD_STORY = """As a returning customer I want my card remembered so that I can pay in one click
instead of typing it again, which is where most abandoned carts happen today."""


def realistic(state: SimState) -> SimState:
    """Initiatives, epics, stories, sub-tasks, links, a done goal, cancelled children, orphans."""
    add = state.add
    due = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
    add(
        "ACME-1",
        "Grow self-serve revenue",
        "Initiative",
        status="In Progress",
        description=GOOD_GOAL,
        assignee="alice",
        due=due,
    )
    add(
        "ACME-2",
        "Retire the legacy reporting stack",
        "Initiative",
        status="Done",
        description=GOOD_GOAL,
        assignee="bob",
        due=due,
    )
    add("ACME-3", "Expand to the EU market", "Initiative", status="To Do")
    add(
        "ACME-10",
        "Checkout redesign",
        "Epic",
        status="In Progress",
        parent="ACME-1",
        description=GOOD_GOAL,
        assignee="carol",
        due=due,
    )
    add(
        "ACME-11",
        "Remove old report exports",
        "Epic",
        status="In Progress",
        parent="ACME-2",
        description=GOOD_GOAL,
        assignee="dan",
        due=due,
    )
    add(
        "ACME-12",
        "Mobile app",
        "Epic",
        status="To Do",
        description=GOOD_GOAL,
        assignee="erin",
        due=due,
    )
    add(
        "ACME-20",
        "Remember the card",
        "Story",
        status="In Progress",
        parent="ACME-10",
        description=GOOD_STORY,
    )
    add("ACME-21", "Add Apple Pay", "Story", parent="ACME-10")
    add("ACME-22", "Refactor the invoice mailer", "Story", description=GOOD_STORY)
    add("ACME-23", "Pricing page A/B test", "Story", description=GOOD_STORY)
    state.link("ACME-23", "Implements", "ACME-1")
    add("ACME-24", "Update the FAQ", "Task", description=GOOD_STORY)
    state.link("ACME-24", "Relates", "ACME-1")
    add("ACME-25", "Write the migration", "Sub-task", parent="ACME-20", description=GOOD_STORY)
    add(
        "ACME-26",
        "Old CSV export breaks on commas",
        "Bug",
        parent="ACME-11",
        description=GOOD_STORY,
    )
    add(
        "ACME-27",
        "Alerting for the payment service",
        "Story",
        parent="OPS-5",
        description=GOOD_STORY,
    )
    add("ACME-28", "Clean up feature flags", "Task", description=GOOD_STORY)
    add("ACME-30", "iOS prototype", "Story", status="Won't Do", parent="ACME-12")
    add("ACME-31", "Android prototype", "Story", status="Won't Do", parent="ACME-12")
    add("ACME-40", "Fix typo in footer", "Story", status="Done", description="")
    # Outside the query: a goal in another project, referenced by ACME-27.
    add(
        "OPS-1",
        "Reliable operations",
        "Initiative",
        status="In Progress",
        description=GOOD_GOAL,
        assignee="olga",
        due=due,
    )
    add(
        "OPS-5",
        "Observability",
        "Epic",
        status="In Progress",
        parent="OPS-1",
        description=GOOD_GOAL,
        assignee="olga",
        due=due,
    )
    state.forbidden.add("ACME-28")
    return state


def big(state: SimState, n: int = 10_000, project: str = "BIG", orphan_every: int = 0) -> SimState:
    """``n`` issues on three levels (1 initiative per 10 epics per ~40 stories).

    ``orphan_every``: every N-th story has no parent (gives the run something to write).
    """
    initiatives = max(1, n // 400)
    epics = max(1, n // 40)
    stories = n - initiatives - epics
    number = 0
    base = datetime.now(UTC) - timedelta(days=200)
    due = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()

    def key() -> str:
        nonlocal number
        number += 1
        return f"{project}-{number}"

    init_keys = []
    for i in range(initiatives):
        k = key()
        state.add(
            k,
            f"Initiative {i}",
            "Initiative",
            status="In Progress",
            description=GOOD_GOAL,
            assignee="alice",
            due=due,
            created=base + timedelta(minutes=number),
        )
        init_keys.append(k)
    epic_keys = []
    for i in range(epics):
        k = key()
        state.add(
            k,
            f"Epic {i}",
            "Epic",
            status="In Progress",
            parent=init_keys[i % initiatives],
            description=GOOD_GOAL,
            assignee="bob",
            due=due,
            created=base + timedelta(minutes=number),
        )
        epic_keys.append(k)
    for i in range(stories):
        k = key()
        orphan = orphan_every and i % orphan_every == orphan_every - 1
        state.add(
            k,
            f"Story {i}",
            "Story",
            parent=None if orphan else epic_keys[i % epics],
            description=GOOD_STORY,
            created=base + timedelta(minutes=number),
        )
    return state
