"""A stateful GitHub simulator (REST + GraphQL over real HTTP on 127.0.0.1) for tests.

Use :class:`GitHubSimulator` directly or through the fixtures in ``tests/test_github_*.py``;
``backlog.build`` fills it with a realistic multi-repository backlog.
"""

from __future__ import annotations

from .backlog import REPOS, build, generate
from .resolvers import ListingFault
from .schema import derived_schema, shared_schema, validate_document
from .server import INSTALLATION_TOKEN, TOKEN, Fault, GitHubSimulator
from .state import World

__all__ = [
    "INSTALLATION_TOKEN",
    "REPOS",
    "TOKEN",
    "Fault",
    "GitHubSimulator",
    "ListingFault",
    "World",
    "build",
    "derived_schema",
    "generate",
    "shared_schema",
    "validate_document",
]
