"""The Jira tracker adapter (Cloud and Data Center). Importable without network access."""

from __future__ import annotations

from typing import Any

from trackerguard.hooks import hookimpl


@hookimpl
def trackerguard_register_trackers(register: Any) -> None:
    from trackerguard.plugins.jira.adapter import JiraAdapter

    register("jira", JiraAdapter)
