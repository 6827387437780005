"""A stateful Linear simulator (GraphQL over real HTTP on 127.0.0.1) for tests."""

from __future__ import annotations

from .backlog import build
from .resolvers import ListingFault
from .schema import shared_schema, validate_document
from .server import API_KEY, BOT_ID, Fault, LinearSimulator
from .state import World

__all__ = [
    "API_KEY",
    "BOT_ID",
    "Fault",
    "LinearSimulator",
    "ListingFault",
    "World",
    "build",
    "shared_schema",
    "validate_document",
]
