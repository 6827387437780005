"""A stateful GitLab simulator (REST v4 + work item GraphQL over real HTTP on 127.0.0.1).

Use :class:`GitLabSimulator` directly or through the fixtures in ``tests/test_gitlab_*.py``;
``backlog.build`` fills it with a small, realistic backlog.
"""

from __future__ import annotations

from .backlog import ORPHANS, PROJECTS, build
from .server import BOT, TOKEN, Fault, GitLabSimulator, ListingFault
from .state import World

__all__ = [
    "BOT",
    "ORPHANS",
    "PROJECTS",
    "TOKEN",
    "Fault",
    "GitLabSimulator",
    "ListingFault",
    "World",
    "build",
]
