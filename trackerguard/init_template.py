"""``trackerguard init``: a commented starting config, and a small TOML writer for ``config``."""

from __future__ import annotations

import json
from typing import Any

_TRACKER_SECTIONS = {
    "file": '[file]\npath = "backlog.json"   # relative to this file\n',
    "jira": (
        "[jira]\n"
        'url = "https://your-site.atlassian.net"\n'
        'email = "bot@example.com"\n'
        "# token: set TRACKERGUARD_JIRA__TOKEN (never in this file)\n"
    ),
    "github": (
        "[github]\n"
        'repos = ["your-org/your-repo"]\n'
        "# token: set TRACKERGUARD_GITHUB__TOKEN (never in this file)\n"
    ),
    "redmine": (
        "[redmine]\n"
        'url = "https://redmine.example.com"\n'
        'projects = ["your-project"]\n'
        "# api_key: set TRACKERGUARD_REDMINE__API_KEY (never in this file)\n"
    ),
    "gitlab": (
        "[gitlab]\n"
        'url = "https://gitlab.com"\n'
        'projects = ["your-group/your-project"]\n'
        "# token: set TRACKERGUARD_GITLAB__TOKEN (never in this file)\n"
    ),
    "linear": (
        "[linear]\n"
        'teams = ["ENG"]\n'
        "# api_key: set TRACKERGUARD_LINEAR__API_KEY (never in this file)\n"
    ),
}
TRACKERS: tuple[str, ...] = tuple(_TRACKER_SECTIONS)
"""The trackers ``init --tracker`` can write a config for: every built-in adapter."""
SECRET_ENV = {
    "jira": "TRACKERGUARD_JIRA__TOKEN",
    "github": "TRACKERGUARD_GITHUB__TOKEN",
    "redmine": "TRACKERGUARD_REDMINE__API_KEY",
    "gitlab": "TRACKERGUARD_GITLAB__TOKEN",
    "linear": "TRACKERGUARD_LINEAR__API_KEY",
}

STARTER_BACKLOG = {
    "items": [
        {
            "key": "GOAL-1",
            "type": "Initiative",
            "title": "Grow self-serve revenue",
            "description": "## Key results\n- Self-serve share of revenue from 20% to 35% by Q4",
            "status": "In Progress",
            "assignee": "you",
            "due": "2030-12-31",
        },
        {
            "key": "EPIC-1",
            "type": "Epic",
            "title": "CSV export",
            "parent": "GOAL-1",
            "description": "Customers ask support for exports every week.\n\n"
            "## Done when\n- [ ] export button\n- [ ] scheduled export",
            "status": "To Do",
            "assignee": "you",
            "milestone": "2030.1",
        },
        {
            "key": "TASK-1",
            "type": "Story",
            "title": "Add an export button",
            "parent": "EPIC-1",
            "description": "As an admin I want an export button so that I can share "
            "reports without asking support.",
            "status": "To Do",
        },
        {
            "key": "TASK-2",
            "type": "Task",
            "title": "Refactor the billing client",
            "description": "",
            "status": "To Do",
        },
    ]
}
"""A four-item backlog for the file tracker: a healthy chain and one orphan to flag."""


def starter_backlog() -> str:
    return json.dumps(STARTER_BACKLOG, indent=2) + "\n"


def template(tracker: str) -> str:
    return f"""# trackerguard configuration — see docs/configuration.md
tracker = "{tracker}"
fail_on = "block"        # exit 1 when a finding is at or above this severity
apply = false            # dry run unless --apply

{_TRACKER_SECTIONS[tracker]}
# Strategy levels, top first. Items of no level are ignored.
[[levels]]
name = "initiative"
types = ["Initiative", "Objective", "Goal"]

[[levels]]
name = "epic"
types = ["Epic", "Feature"]

[[levels]]
name = "work"
types = ["Story", "Task", "Bug", "Sub-task", "Spike", "Chore"]

[graph]
goal_link_types = ["implements", "contributes to", "part of"]

[actions]
label = "trackerguard"
skip_label = "trackerguard:skip"
grace_hours = 24

# Roll out gently: observe -> comment -> label -> block.
[rules.TG101]
mode = "comment"

[rules.TG205]
days = 30
"""


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value if isinstance(value, list) else str(value))


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """Render plain data as TOML (enough for ``trackerguard config --format toml``)."""
    scalars: list[str] = []
    tables: list[str] = []
    for key, value in data.items():
        if value is None:
            continue
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            body = to_toml(value, name)
            tables.append(f"[{name}]\n{body}" if body.strip() else f"[{name}]\n")
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for entry in value:
                tables.append(f"[[{name}]]\n{to_toml(entry, '')}")
        else:
            scalars.append(f"{key} = {_value(value)}")
    return "\n".join(scalars) + ("\n\n" if scalars and tables else "\n") + "\n".join(tables)
