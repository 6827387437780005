"""A project-local plugin: one file in the ``plugins_dir``, no packaging needed.

``trackerguard.toml`` points at this folder with ``plugins_dir = "plugins"``; every ``*.py``
file there (not starting with ``_``) is loaded as a plugin.
"""

from __future__ import annotations

from trackerguard import Rule, RuleContext, Severity, Verdict, WorkItem, fail, hookimpl, ok

MARKERS = ("WIP", "TODO", "XXX")


class NoWipTitles(Rule):
    """Titles say what the work is, not that it is unfinished ("WIP", "TODO").

    **Why it matters**
    A title is what everyone reads in boards and reports; "WIP: stuff" tells them nothing.

    **Best practice**
    Name the outcome ("Customers can export reports as CSV") and track progress in the status.
    """

    id = "LOC101"
    name = "no-wip-titles"
    default_severity = Severity.WARN
    applies_to = "any"

    def check(self, item: WorkItem, ctx: RuleContext) -> Verdict | None:
        first = item.title.split(maxsplit=1)[0].rstrip(":").upper() if item.title else ""
        if first in MARKERS:
            return fail(
                f"Its title starts with {first!r}.",
                hint="Name the outcome in the title; progress belongs in the status.",
            )
        return ok()


@hookimpl
def trackerguard_register_rules(register):  # type: ignore[no-untyped-def]
    register(NoWipTitles)
