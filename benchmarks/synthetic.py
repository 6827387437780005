"""A synthetic backlog for benchmarks: N items over three levels, shaped like a real tracker.

Shape (per 1,000 items, deterministic for a given seed):

* ~10 initiatives, ~90 epics, ~900 work items (stories, tasks, bugs, sub-tasks);
* work reaches its epic by ``parent`` (most), by an ``implements`` link (5%), or through a
  story (sub-tasks, 8%); 4% of work is orphaned, 1% points to a missing parent, a few chains
  form cycles; some links are ``relates to`` (which never counts);
* ~20% of items are done and ~3% cancelled; a share of goals is in progress with stale
  children or a horizon in the past, some goals lack owner / horizon;
* descriptions come from a pool of varied texts (user stories, prose reasons, bug reports with
  and without impact, filled and unfilled templates, key results, checklists, placeholders,
  empty, one Spanish text). Each item gets its own string (numbers and nouns substituted), so
  nothing benefits from identical-string effects. Median length is about 260 characters,
  like real issue bodies (reference/purpose-in-real-issues.md).

Texts are stored already in trackerguard's canonical Markdown (what ``normalize`` produces for
Markdown input), because the benchmark measures the engine, not the adapter's parsing.

Usage::

    from benchmarks.synthetic import generate
    items = generate(100_000, seed=1)          # list[WorkItem]
    python benchmarks/synthetic.py 1000        # print a size/shape summary
"""

from __future__ import annotations

import random
import statistics
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from trackerguard.model import Link, StatusCategory, WorkItem

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
"""The clock the benchmark judges at (pass it to RuleContext / RunContext)."""

_WHO = [
    "customers",
    "admins",
    "analysts",
    "finance teams",
    "support agents",
    "new users",
    "enterprise buyers",
    "on-call engineers",
    "partners",
    "trial users",
]
_THING = [
    "dashboard",
    "export",
    "checkout",
    "alert",
    "report",
    "connector",
    "workspace",
    "audit log",
    "invoice",
    "pivot table",
    "query",
    "filter",
    "share link",
    "API token",
]
_TEAM = ["payments", "platform", "growth", "data", "mobile", "security", "frontend", "ingestion"]
_PEOPLE = [f"user{i:03d}" for i in range(200)]
_GOAL_SUFFIX = ["overhaul", "v2", "for enterprise", "at scale", "self-serve"]
_WORK_SUFFIX = [
    "cleanup",
    "export",
    "filter",
    "permissions",
    "timeout",
    "crash on save",
    "dark mode",
    "pagination",
]

# Work descriptions: {w} who, {t} thing, {n} number, {m} second number.
_WORK_TEXTS = [
    # user stories with a benefit
    "As one of the {w}, I want to pin a {t} to the top of the list so that I can find it in "
    "the morning without scrolling through {n} others.",
    "As an admin, I want to limit who can create a {t} so that our workspace does not fill up "
    "with {n} abandoned copies that nobody owns.",
    # prose reasons
    "The {t} page loads in {n} seconds for large workspaces because every row is fetched "
    "up front. {w} open it several times a day, so the delay adds up to real lost time and "
    "they have told us it is the main reason they export to spreadsheets instead.",
    "Today {w} have to ask support to change the {t} owner, which takes about {n} hours on "
    "average. Letting them do it themselves would reduce tickets by roughly {m} a week and "
    "unblock teams when someone leaves the company.",
    "We keep getting reports that the {t} shows stale numbers after a refresh. This matters "
    "because {w} make decisions on these figures; last month {n} accounts escalated it.",
    "Moving the {t} code behind an interface lets us test it without the network. Right now a "
    "flaky dependency fails about {n}% of CI runs, and engineers lose time re-running them.",
    "Several {w} asked for keyboard shortcuts on the {t} screen. Power users spend most of "
    "their day there and the mouse-only flow slows them down; {n} votes on the feedback board.",
    # bug with impact
    "Saving a {t} with more than {n} fields returns a 500 error.\n\nImpact: {w} lose their "
    "changes without warning, and {m} customers reported data loss this week.",
    # bug with reproduction steps only
    "Steps to reproduce:\n\n1. Open a {t}\n2. Change the date filter to last {n} days\n"
    "3. Click export\n\nExpected: file downloads. Actual: spinner forever. Chrome {m}.",
    # section with real content
    "# Why\n\nThe {t} settings are split over three screens, and {w} regularly miss the "
    "retention option; {n} tickets last quarter were about this.\n\n# Scope\n\n"
    "- Merge the screens\n- Keep the old URLs working",
    "# Context\n\nThe {t} service still runs on the old queue, which drops messages when it "
    "restarts. We lost {n} events in the last incident.\n\n# Plan\n\nMove it to the new "
    "queue and add a replay job.",
    # short but fine
    "Needed for the {t} migration: without it {w} cannot switch over.",
    # weak / no reason (low-confidence territory)
    "Update the {t} component to the new design system. See the Figma file, frame {n}.",
    "Add a column for the {t} owner and sort by it by default. Width about {n}px.",
    "Refactor {t} handling in the API layer and remove the old helpers ({n} call sites).",
    # restated title
    "{T} cleanup.",
    # unfilled templates
    "# Problem\n\n_Describe the problem this solves_\n\n# Proposal\n\n"
    "<!-- What should we do? Link designs or documents. -->",
    "<!-- Please fill in the sections below -->\n\n**Describe the bug**\n\n"
    "_A clear and concise description of what the bug is._\n\n**To Reproduce**\n\n"
    "_Steps to reproduce the behaviour._",
    # placeholders / empty
    "TBD",
    "",
    "",
    # another language
    "Los {w} no pueden exportar el {t} porque el botón falla con más de {n} filas, y tienen "
    "que copiar los datos a mano cada semana.",
]

# Extra detail appended to some work texts (real bodies carry notes, links, criteria).
_DETAILS = [
    "\n\nNotes: the current implementation lives in the {t} module; see the design doc and "
    "the discussion in the {t} channel from last sprint. Keep the old behaviour behind a flag "
    "for {n} days.",
    "\n\n- Keep the existing URLs working\n- Add metrics for the {t} endpoint\n"
    "- Update the help centre article",
    "\n\nRelated: SYN-{n}, SYN-{m}. Design: https://design.example/{t}/{n}",
    "\n\nAcceptance criteria:\n\n- The {t} change is behind a feature flag\n- Load test "
    "with {n} concurrent users passes\n- Rollback documented",
]

_GOAL_TEXTS = [
    "{W} abandon the {t} flow at the last step; {n}% of sessions end there.\n\n# Key results\n\n"
    "- Completion of the {t} flow from {n}% to {m}%\n- Support tickets about it down by half",
    "Make the {t} fast for large accounts.\n\n# Success criteria\n\n"
    "- p95 load time under {n} ms for workspaces over 1M rows\n- No churn citing speed",
    "Deliverables that complete this goal:\n\n- [x] {T} design approved\n- [ ] {T} API "
    "available\n- [ ] Migration of the {n} existing accounts\n- [ ] Docs published",
    "# Acceptance criteria\n\n- {W} can create a {t} in under {n} clicks\n"
    "- The {t} is searchable\n- Export works for up to {m} rows",
    "Done when every {t} created before 2026 has been migrated and the old {t} service has "
    "had no traffic for {n} days.",
    "# Goal\n\nGrow usage of the {t} among {w}.\n\n# Success metrics\n\n"
    "Metric:\n\nBaseline:\n\nTarget:",
    "Improve the {t} experience for {w}.",
    "",
]


def _fill(text: str, rnd: random.Random, detail: float = 0.0) -> str:
    if not text:
        return text
    if detail and len(text) > 40 and "<!--" not in text and rnd.random() < detail:
        text += rnd.choice(_DETAILS)
        if rnd.random() < 0.5:
            text += rnd.choice(_DETAILS)
    who = rnd.choice(_WHO)
    thing = rnd.choice(_THING)
    return text.format(
        w=who,
        W=who[:1].upper() + who[1:],
        t=thing,
        T=thing[:1].upper() + thing[1:],
        n=rnd.randint(2, 900),
        m=rnd.randint(2, 900),
    )


def _status(
    rnd: random.Random, p_done: float, p_cancel: float, p_progress: float
) -> tuple[str, StatusCategory]:
    r = rnd.random()
    if r < p_done:
        return "Done", StatusCategory.DONE
    if r < p_done + p_cancel:
        return "Won't Do", StatusCategory.CANCELLED
    if r < p_done + p_cancel + p_progress:
        return "In Progress", StatusCategory.IN_PROGRESS
    return "To Do", StatusCategory.TODO


def _stamp(rnd: random.Random, max_days: int) -> datetime:
    return NOW - timedelta(days=rnd.randint(1, max_days), minutes=rnd.randint(0, 1439))


def iter_items(n: int, seed: int = 1, prefix: str = "SYN") -> Iterator[WorkItem]:
    """Yield ``n`` items (goals first within each block of 1,000, like a real export)."""
    rnd = random.Random(seed)
    n_init = max(1, n // 100)
    n_epic = max(1, n * 9 // 100)
    n_work = max(0, n - n_init - n_epic)
    keys = iter(range(1, n + 1))
    init_keys: list[str] = []
    epic_keys: list[str] = []
    story_keys: list[str] = []

    def key() -> str:
        return f"{prefix}-{next(keys)}"

    def goal(level: str, type_name: str, parent: str | None) -> WorkItem:
        k = key()
        status, cat = _status(rnd, 0.15, 0.03, 0.45)
        created = _stamp(rnd, 700)
        due = None
        milestone = None
        milestone_due = None
        r = rnd.random()
        if r < 0.45:
            due = (NOW + timedelta(days=rnd.randint(-120, 300))).date()
        elif r < 0.75:
            milestone = f"2027.{rnd.randint(1, 6)}"
            milestone_due = date(2027, rnd.randint(1, 12), 1)
        links: tuple[Link, ...] = ()
        if parent is not None and rnd.random() < 0.05:
            links = (Link("contributes to", "outward", parent),)
            parent = None
        return WorkItem(
            tracker="synthetic",
            key=k,
            title=f"{rnd.choice(_THING).capitalize()} {rnd.choice(_GOAL_SUFFIX)}",
            type=type_name,
            url=f"https://tracker.example/browse/{k}",
            level=level,
            status=status,
            status_category=cat,
            description=_fill(rnd.choice(_GOAL_TEXTS), rnd, detail=0.7),
            parent=parent,
            links=links,
            assignee=rnd.choice(_PEOPLE) if rnd.random() < 0.8 else None,
            due=due,
            milestone=milestone,
            milestone_due=milestone_due,
            labels=frozenset({rnd.choice(_TEAM)}),
            created=created,
            updated=max(created, _stamp(rnd, 120)),
        )

    for _ in range(n_init):
        item = goal("initiative", "Initiative", None)
        init_keys.append(item.key)
        yield item
    for _ in range(n_epic):
        parent = rnd.choice(init_keys) if rnd.random() < 0.93 else None
        item = goal("epic", rnd.choice(["Epic", "Epic", "Feature"]), parent)
        epic_keys.append(item.key)
        yield item
    types = ["Story"] * 5 + ["Task"] * 3 + ["Bug"] * 2
    cycle_with: str | None = None
    for i in range(n_work):
        k = key()
        r = rnd.random()
        parent: str | None = None
        links: tuple[Link, ...] = ()
        type_name = rnd.choice(types)
        if cycle_with is not None:
            # second half of a two-item cycle: point back at the previous item
            parent, cycle_with = cycle_with, None
            type_name = "Task"
        elif r < 0.82:
            parent = rnd.choice(epic_keys)
        elif r < 0.87:
            links = (Link("implements", "outward", rnd.choice(epic_keys)),)
        elif r < 0.95 and story_keys:
            parent = rnd.choice(story_keys)
            type_name = "Sub-task"
        elif r < 0.96:
            parent = f"{prefix}-MISSING-{i}"
        elif r < 0.962 and i + 1 < n_work:
            # first half of a two-item cycle: parent is the next item, which points back
            parent = f"{prefix}-{n_init + n_epic + i + 2}"
            cycle_with = k
            type_name = "Task"
        # else: orphan (4%)
        if rnd.random() < 0.1:
            links = (*links, Link("relates to", "outward", rnd.choice(epic_keys)))
        status, cat = _status(rnd, 0.20, 0.03, 0.25)
        created = _stamp(rnd, 500)
        item = WorkItem(
            tracker="synthetic",
            key=k,
            title=f"{rnd.choice(_THING).capitalize()} {rnd.choice(_WORK_SUFFIX)}",
            type=type_name,
            url=f"https://tracker.example/browse/{k}",
            level="work",
            status=status,
            status_category=cat,
            description=_fill(rnd.choice(_WORK_TEXTS), rnd, detail=0.85),
            parent=parent,
            links=links,
            assignee=rnd.choice(_PEOPLE) if rnd.random() < 0.6 else None,
            labels=frozenset({rnd.choice(_TEAM)}) if rnd.random() < 0.7 else frozenset(),
            created=created,
            updated=max(created, _stamp(rnd, 200)),
        )
        if type_name == "Story" and parent is not None:
            story_keys.append(k)
            if len(story_keys) > 5000:
                story_keys = story_keys[-2500:]
        yield item


def generate(n: int, seed: int = 1, prefix: str = "SYN") -> list[WorkItem]:
    """``n`` synthetic items (see the module docstring for the shape)."""
    return list(iter_items(n, seed, prefix))


def describe(items: list[WorkItem]) -> str:
    """A one-paragraph summary of a generated backlog (sanity check for the shape)."""
    from collections import Counter

    levels = Counter(item.level for item in items)
    cats = Counter(item.status_category.value for item in items)
    lengths = [len(item.description) for item in items]
    empty = sum(1 for n in lengths if n == 0)
    orphans = sum(
        1
        for item in items
        if item.level == "work"
        and not item.parent
        and not any(link.type != "relates to" for link in item.links)
    )
    return (
        f"{len(items)} items: {dict(levels)}; status {dict(cats)}; description median "
        f"{statistics.median(lengths):.0f} chars (empty {empty}); orphan work {orphans}"
    )


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print(describe(generate(size)))
