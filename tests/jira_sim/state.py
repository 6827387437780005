"""The simulated Jira site: issues, fields, comments, properties, transitions.

One object holds the whole site so tests can seed it and read the effect of trackerguard's
writes back. It knows the two wire shapes (Cloud: ``parent`` for every level, ADF on v3;
Data Center: Epic Link / Parent Link custom fields, wiki markup on v2, no
``hierarchyLevel``), and stores rich text as simple Markdown-like text it renders per API
version, so the same backlog serves both flavours.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

Flavor = Literal["cloud", "datacenter"]

STATUS_CATEGORIES = {
    "new": {"id": 2, "key": "new", "name": "To Do", "colorName": "blue-gray"},
    "indeterminate": {
        "id": 4,
        "key": "indeterminate",
        "name": "In Progress",
        "colorName": "yellow",
    },
    "done": {"id": 3, "key": "done", "name": "Done", "colorName": "green"},
}
STATUSES = {
    "To Do": ("10000", "new"),
    "In Progress": ("3", "indeterminate"),
    "Blocked": ("10100", "indeterminate"),
    "Done": ("10001", "done"),
    "Won't Do": ("10002", "done"),
}
# name -> (id, hierarchyLevel, subtask)
ISSUE_TYPES = {
    "Initiative": ("10200", 2, False),
    "Epic": ("10000", 1, False),
    "Story": ("10001", 0, False),
    "Task": ("10002", 0, False),
    "Bug": ("10004", 0, False),
    "Sub-task": ("10003", -1, True),
}
LINK_TYPES = {
    "Implements": ("10300", "is implemented by", "implements"),
    "Relates": ("10003", "relates to", "relates to"),
    "Blocks": ("10000", "is blocked by", "blocks"),
}


def ts(when: datetime) -> str:
    """Jira's timestamp shape: ``2026-01-31T03:52:51.000+0000``."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def to_adf(text: str) -> dict[str, Any]:
    """Markdown-lite (``## heading``, ``- item``, paragraphs) to an ADF document."""
    content: list[dict[str, Any]] = []
    bullets: list[dict[str, Any]] = []

    def flush() -> None:
        if bullets:
            content.append({"type": "bulletList", "content": list(bullets)})
            bullets.clear()

    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if stripped.startswith("#"):
            flush()
            level = len(stripped) - len(stripped.lstrip("#"))
            content.append(
                {
                    "type": "heading",
                    "attrs": {"level": min(level, 6)},
                    "content": [{"type": "text", "text": stripped.lstrip("#").strip()}],
                }
            )
        elif stripped.startswith("- "):
            bullets.append(
                {
                    "type": "listItem",
                    "content": [
                        {"type": "paragraph", "content": [{"type": "text", "text": stripped[2:]}]}
                    ],
                }
            )
        else:
            flush()
            content.append({"type": "paragraph", "content": [{"type": "text", "text": stripped}]})
    flush()
    return {"type": "doc", "version": 1, "content": content}


def to_wiki(text: str) -> str:
    out = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("#"):
            level = len(stripped) - len(stripped.lstrip("#"))
            out.append(f"h{min(level, 6)}. {stripped.lstrip('#').strip()}")
        elif stripped.startswith("- "):
            out.append("* " + stripped[2:])
        else:
            out.append(line)
    return "\n".join(out)


def adf_text(doc: Any) -> str:
    """Plain text of an ADF document (what the simulator stores for a v3 comment)."""
    if isinstance(doc, dict):
        if doc.get("type") == "text":
            return str(doc.get("text", ""))
        inner = "".join(adf_text(c) for c in doc.get("content", []) or [])
        if doc.get("type") in ("paragraph", "heading", "listItem", "codeBlock"):
            return inner + "\n"
        return inner
    return ""


@dataclass
class SimComment:
    id: str
    issue: str
    author: str
    body: str
    """Stored as received: ADF documents are kept as dicts, wiki strings as strings."""
    created: datetime
    updated: datetime
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class SimIssue:
    id: int
    key: str
    summary: str
    type: str
    status: str = "To Do"
    description: str = ""
    parent: str | None = None
    """The hierarchy parent of any level (Cloud shape; DC splits it, see ``fields``)."""
    labels: list[str] = field(default_factory=list)
    links: list[tuple[str, str, str]] = field(default_factory=list)
    """(link id, link type name, target key) as outward links held by this issue."""
    assignee: str | None = None
    due: str | None = None
    fix_version: str | None = None
    flagged: bool = False
    created: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(days=60))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(days=2))
    properties: dict[str, Any] = field(default_factory=dict)
    comment_ids: list[str] = field(default_factory=list)

    @property
    def project(self) -> str:
        return self.key.rsplit("-", 1)[0]


class SimState:
    """The site. All mutation goes through methods holding one lock (threaded server)."""

    def __init__(self, flavor: Flavor = "cloud") -> None:
        self.flavor: Flavor = flavor
        self.lock = threading.RLock()
        self.issues: dict[str, SimIssue] = {}
        self.by_id: dict[int, str] = {}
        self.comments: dict[str, SimComment] = {}
        self.inward: dict[str, set[str]] = {}
        """target key → keys of issues holding a link to it (inward side index)."""
        self.forbidden: set[str] = set()
        """Issue keys the bot may read but not edit (writes answer 403)."""
        self._next_issue_id = 10000
        self._next_comment_id = 50000
        self._next_link_id = 70000
        # Custom field ids differ per site: use unusual ones so nothing can hard-code them.
        base = 10014 if flavor == "cloud" else 12310
        self.epic_link_id = f"customfield_{base}"
        self.parent_link_id = f"customfield_{base + 4}"
        self.flagged_id = f"customfield_{base + 7}"
        self.bot_account = "5b10ac8d82e05b22cc7d4ef5"
        self.bot_name = "trackerguard-bot"
        self.bot_email = "bot@acme.example"
        self.token = "cloud-api-token-s3cr3t"
        self.pat = "dc-personal-access-token-s3cr3t"
        self.bot_tz = "America/Los_Angeles"
        """The bot user's time zone: JQL dates are interpreted in it (as in real Jira)."""

    # -- seeding -----------------------------------------------------------------------------
    def add(
        self,
        key: str,
        summary: str,
        type: str,
        *,
        status: str = "To Do",
        description: str = "",
        parent: str | None = None,
        labels: list[str] | None = None,
        assignee: str | None = None,
        due: str | None = None,
        fix_version: str | None = None,
        created: datetime | None = None,
        updated: datetime | None = None,
    ) -> SimIssue:
        with self.lock:
            self._next_issue_id += 1
            issue = SimIssue(
                id=self._next_issue_id,
                key=key,
                summary=summary,
                type=type,
                status=status,
                description=description,
                parent=parent,
                labels=list(labels or []),
                assignee=assignee,
                due=due,
                fix_version=fix_version,
            )
            if created is not None:
                issue.created = created
            if updated is not None:
                issue.updated = updated
            self.issues[key] = issue
            self.by_id[issue.id] = key
            return issue

    def link(self, source: str, link_type: str, target: str) -> None:
        """``source`` <outward verb of link_type> ``target`` (e.g. ACME-5 implements ACME-1)."""
        with self.lock:
            self._next_link_id += 1
            self.issues[source].links.append((str(self._next_link_id), link_type, target))
            self.inward.setdefault(target, set()).add(source)

    # -- lookups -------------------------------------------------------------------------------
    def get(self, key_or_id: str) -> SimIssue | None:
        if key_or_id.isdigit():
            key = self.by_id.get(int(key_or_id))
            return self.issues.get(key) if key else None
        return self.issues.get(key_or_id.upper())

    def links_of(self, issue: SimIssue) -> list[tuple[str, str, str, str]]:
        """(link id, type name, direction, other key) as seen from ``issue``."""
        out = [(lid, name, "outward", target) for lid, name, target in issue.links]
        for source in self.inward.get(issue.key, ()):
            for lid, name, target in self.issues[source].links:
                if target == issue.key:
                    out.append((lid, name, "inward", source))
        return out

    def epic_link(self, issue: SimIssue) -> str | None:
        """DC: a story's epic lives in Epic Link, not in ``parent``."""
        parent = self.issues.get(issue.parent or "")
        if parent is not None and parent.type == "Epic" and issue.type != "Sub-task":
            return parent.key
        return None

    def parent_link(self, issue: SimIssue) -> str | None:
        """DC: an epic's initiative lives in Parent Link (Advanced Roadmaps)."""
        parent = self.issues.get(issue.parent or "")
        if parent is not None and issue.type == "Epic":
            return parent.key
        return None

    def dc_parent(self, issue: SimIssue) -> str | None:
        """DC: ``parent`` only for sub-tasks."""
        return issue.parent if issue.type == "Sub-task" else None

    def bot_comment(self, key: str) -> SimComment | None:
        """trackerguard's comment on ``key`` (for assertions): the newest one the bot wrote
        (comments added through an issue edit carry no comment property)."""
        mine = self.bot_comments(key)
        return mine[-1] if mine else None

    def bot_comments(self, key: str) -> list[SimComment]:
        """Every comment the bot wrote on ``key``, oldest first."""
        issue = self.issues[key]
        return [
            self.comments[c] for c in issue.comment_ids if self.comments[c].author == self.bot_name
        ]

    def new_comment(self, issue: SimIssue, author: str, body: Any) -> SimComment:
        with self.lock:
            self._next_comment_id += 1
            now = datetime.now(UTC)
            comment = SimComment(str(self._next_comment_id), issue.key, author, body, now, now)
            self.comments[comment.id] = comment
            issue.comment_ids.append(comment.id)
            return comment
