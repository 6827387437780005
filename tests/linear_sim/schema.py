"""The shared Linear GraphQL schema the simulator validates against and executes with.

``shared_schema()`` loads ``/work/shared/reference/specs/linear.schema.graphql`` (the
``@linear/sdk`` schema snapshot). ``validate_document`` is what every test relies on: a
document the adapter sends must validate against it, unchanged.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from graphql import GraphQLSchema, build_schema, parse, validate

SHARED_SCHEMA = Path(
    os.environ.get("LINEAR_SCHEMA", "/work/shared/reference/specs/linear.schema.graphql")
)


@cache
def shared_schema() -> GraphQLSchema:
    schema = build_schema(SHARED_SCHEMA.read_text(encoding="utf-8"), assume_valid_sdl=True)
    schema._validation_errors = []  # trust the vendor's SDL; only queries are validated
    return schema


def validate_document(query: str) -> list[str]:
    """Problems with a document against the shared schema (empty when valid)."""
    try:
        document = parse(query)
    except Exception as exc:  # graphql.GraphQLSyntaxError
        return [f"syntax: {exc}"]
    return [error.message for error in validate(shared_schema(), document)]
