"""Hook specifications: the whole plugin API of trackerguard, grouped by phase.

Every hook is prefixed ``trackerguard_``. Implementations may accept fewer arguments than
the specification (pluggy passes only the ones they name), so new arguments never break old
plugins. ``docs/plugins.md`` documents each hook; ``tests/test_docs_plugins.py`` fails when
a hook is undocumented or its documented signature drifts from the code below.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from trackerguard.adapter import TrackerAdapter
    from trackerguard.model import WorkItem
    from trackerguard.report import Report, RunContext
    from trackerguard.rule import Finding, Rule
    from trackerguard.settings import Settings

PROJECT = "trackerguard"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

RegisterRule = Callable[["type[Rule]"], None]
RegisterTracker = Callable[[str, "type[TrackerAdapter]"], None]
OutputWriter = Callable[["Report"], str]
RegisterOutput = Callable[[str, OutputWriter], None]


# -- registration (start-up) ---------------------------------------------------------------
@hookspec
def trackerguard_register_rules(register: RegisterRule) -> None:
    """Register rule classes: call ``register(RuleClass)`` once per rule.

    :param register: callback taking a :class:`~trackerguard.rule.Rule` subclass; a rule id
        registered twice is an error naming both plugins.
    """


@hookspec
def trackerguard_register_trackers(register: RegisterTracker) -> None:
    """Register tracker adapters: call ``register(name, AdapterClass)``.

    :param register: callback taking a tracker name and a
        :class:`~trackerguard.adapter.TrackerAdapter` subclass.
    """


@hookspec
def trackerguard_register_outputs(register: RegisterOutput) -> None:
    """Register report formats: call ``register(name, writer)``.

    :param register: callback taking a format name (used by ``--format``) and a function
        ``writer(report) -> str``.
    """


@hookspec(historic=True)
def trackerguard_configure(settings: Settings) -> None:
    """Receive the effective settings once they are loaded (historic: late plugins get it too).

    :param settings: the validated :class:`~trackerguard.settings.Settings`.
    """


# -- evaluation ----------------------------------------------------------------------------
@hookspec
def trackerguard_finding(finding: Finding, item: WorkItem, context: RunContext) -> None:
    """Observe each finding as it is produced (e.g. to forward it to chat or metrics).

    :param finding: the :class:`~trackerguard.rule.Finding`, severity and confidence applied.
    :param item: the :class:`~trackerguard.model.WorkItem` it is about.
    :param context: the :class:`~trackerguard.report.RunContext` of this run.
    """


@hookspec
def trackerguard_run_finished(report: Report, context: RunContext) -> None:
    """Called once per run with the finished report (after actions were applied or planned).

    :param report: the :class:`~trackerguard.report.Report`.
    :param context: the :class:`~trackerguard.report.RunContext` of this run.
    """


HOOK_NAMES: tuple[str, ...] = tuple(
    name for name in list(globals()) if name.startswith("trackerguard_")
)

__all__ = [
    "HOOK_NAMES",
    "PROJECT",
    "OutputWriter",
    "RegisterOutput",
    "RegisterRule",
    "RegisterTracker",
    "hookimpl",
    "hookspec",
]
