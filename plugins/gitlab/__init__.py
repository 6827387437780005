"""GitLab tracker adapter: issues, tasks, epics, milestones and notes (REST v4).

Kept import-light (no httpx import here): the plugin manager imports every built-in
adapter package at start-up, including for runs that never touch GitLab.
"""

from __future__ import annotations

from trackerguard.hooks import RegisterTracker, hookimpl


@hookimpl
def trackerguard_register_trackers(register: RegisterTracker) -> None:
    from .adapter import GitLabAdapter

    register("gitlab", GitLabAdapter)
