"""Shared fixtures for the core tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SMALL_BACKLOG: dict[str, Any] = {
    "items": [
        {
            "key": "I-1",
            "type": "Initiative",
            "title": "Grow self-serve revenue",
            "description": "## Key results\n- Self-serve share of revenue from 20% to 35% by Q4\n"
            "- Trial-to-paid conversion above 8%",
            "status": "In Progress",
            "assignee": "ana",
            "due": "2030-06-30",
            "created": "2026-01-01T00:00:00Z",
            "updated": "2026-01-01T00:00:00Z",
        },
        {
            "key": "E-1",
            "type": "Epic",
            "title": "CSV export",
            "parent": "I-1",
            "description": "Support exports reports by hand every week because customers cannot.\n\n"
            "## Done when\n- [ ] export button\n- [ ] scheduled export",
            "status": "To Do",
            "assignee": "bo",
            "milestone": "2030.1",
            "created": "2026-01-01T00:00:00Z",
        },
        {
            "key": "S-1",
            "type": "Story",
            "title": "Add export button",
            "parent": "E-1",
            "description": "As an admin I want an export button so that I can share reports "
            "without asking support.",
            "status": "To Do",
            "created": "2026-01-01T00:00:00Z",
        },
        {
            "key": "S-2",
            "type": "Story",
            "title": "Refactor billing client",
            "description": "",
            "status": "To Do",
            "created": "2026-01-01T00:00:00Z",
        },
    ]
}


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """Write a backlog + trackerguard.toml into tmp_path; return the config path."""

    def make(backlog: dict[str, Any] | None = None, config: str = "") -> Path:
        (tmp_path / "backlog.json").write_text(json.dumps(backlog or SMALL_BACKLOG, indent=2))
        path = tmp_path / "trackerguard.toml"
        path.write_text(f'state_path = "state.db"\n{config}\n[file]\npath = "backlog.json"\n')
        return path

    return make


from tests.pg_support import (  # noqa: E402, F401  (fixtures of the queue tests)
    _pg_migrated_session,
    pg_database,
    pg_migrated,
)
