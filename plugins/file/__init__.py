"""The local file tracker: a JSON/YAML backlog, the embedded default."""

from __future__ import annotations

from trackerguard.hooks import RegisterTracker, hookimpl


@hookimpl
def trackerguard_register_trackers(register: RegisterTracker) -> None:
    """Register the ``file`` tracker."""
    from .adapter import FileAdapter

    register("file", FileAdapter)
