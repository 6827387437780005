"""The GitHub GraphQL schema the simulator validates against and executes with.

* ``shared_schema()``: the shared snapshot ``/work/shared/reference/specs/github.schema.graphql``
  (octokit/graphql-schema, Feb 2025), loaded with two tolerances: ``assume_valid_sdl`` (the
  snapshot defines two ``EnterpriseOwnerInfo`` fields twice) and a cleared schema-validation
  cache (graphql-core 3.3 rejects deprecated implementations of non-deprecated interface
  fields, which GitHub's real schema has). Neither affects query validation.
* ``derived_schema()``: the shared one plus the few newer fields GitHub has since added and
  the adapter uses (:data:`NEWER_SDL`), used to execute queries.

``validate_document`` is what every test relies on: the adapter's document must validate
against the shared schema once the fragments built on newer fields are cut out, and in full
against the derived schema.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from graphql import (
    BREAK,
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    Visitor,
    build_schema,
    extend_schema,
    parse,
    validate,
    visit,
)
from graphql.language import REMOVE

SHARED_SCHEMA = Path(
    os.environ.get("GITHUB_SCHEMA", "/work/shared/reference/specs/github.schema.graphql")
)

NEWER_SDL = """
# Issue types (GitHub changelog 2025-03-18; REST field `type`), newer than the snapshot.
type IssueType implements Node {
  id: ID!
  name: String!
  description: String
  isEnabled: Boolean!
}
extend type Issue {
  issueType: IssueType
}
"""

NEWER_FRAGMENTS = frozenset({"IssueTypeFields"})
"""Fragments that may use fields the shared schema lacks (and nothing else)."""

_ = BREAK  # re-exported for callers writing visitors


def _trust(schema: GraphQLSchema) -> GraphQLSchema:
    schema._validation_errors = []  # see module docstring
    return schema


@cache
def shared_schema() -> GraphQLSchema:
    source = SHARED_SCHEMA.read_text(encoding="utf-8")
    return _trust(build_schema(source, assume_valid_sdl=True))


@cache
def derived_schema() -> GraphQLSchema:
    return _trust(extend_schema(shared_schema(), parse(NEWER_SDL), assume_valid_sdl=True))


class _CutNewer(Visitor):
    def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: object) -> object:
        return REMOVE if node.name.value in NEWER_FRAGMENTS else None

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> object:
        return REMOVE if node.name.value in NEWER_FRAGMENTS else None


def without_newer(document: DocumentNode) -> DocumentNode:
    return visit(document, _CutNewer())  # type: ignore[no-any-return]


def validate_document(query: str) -> list[str]:
    """Problems with a query: empty when it is valid as described in the module docstring."""
    try:
        document = parse(query)
    except Exception as exc:  # graphql.GraphQLSyntaxError
        return [f"syntax: {exc}"]
    problems = [
        f"shared schema: {e.message}" for e in validate(shared_schema(), without_newer(document))
    ]
    problems += [f"derived schema: {e.message}" for e in validate(derived_schema(), document)]
    return problems
