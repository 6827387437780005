"""The Redmine adapter (Redmine 5.0+ REST API): issues, parent tasks, relations, versions.

Kept import-light: the adapter module (httpx, text normalisation) loads only when the
``redmine`` tracker is actually used.
"""

from __future__ import annotations

from trackerguard.hooks import RegisterTracker, hookimpl


@hookimpl
def trackerguard_register_trackers(register: RegisterTracker) -> None:
    """Register the ``redmine`` tracker."""
    from trackerguard.plugins.redmine.adapter import RedmineAdapter

    register("redmine", RedmineAdapter)
