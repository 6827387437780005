"""Every GraphQL document the adapter can send validates against the shared GitHub schema.

The one field newer than the shared snapshot (``Issue.issueType``) lives only in the
``IssueTypeFields`` fragment: with that fragment cut out, each document must validate against
the shared schema unchanged; in full it must validate against the shared schema extended by
exactly that field. Documents with issue types switched off must validate as they are.
"""

from __future__ import annotations

import pytest
from graphql import parse, validate
from trackerguard.plugins.github import graphql as gql

from .github_sim.schema import NEWER_FRAGMENTS, shared_schema, validate_document

KEYS = [("acme", "web", 1), ("acme", "web", 12), ("acme", "api", 3)]
DOCUMENTS = {
    "issues": gql.ISSUES_QUERY,
    "search": gql.SEARCH_QUERY,
    "items": gql.items_query(KEYS),
    "children": gql.items_query(KEYS, children=True),
}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_documents_validate_with_issue_types(name: str) -> None:
    assert validate_document(gql.with_fragments(DOCUMENTS[name], True)) == []


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_documents_validate_against_the_shared_schema_without_issue_types(name: str) -> None:
    document = parse(gql.with_fragments(DOCUMENTS[name], False))
    assert [e.message for e in validate(shared_schema(), document)] == []


def test_viewer_query_is_valid() -> None:
    assert [e.message for e in validate(shared_schema(), parse(gql.VIEWER_QUERY))] == []


def test_only_the_issue_type_fragment_is_newer_than_the_snapshot() -> None:
    full = parse(gql.with_fragments(gql.ISSUES_QUERY, True))
    errors = validate(shared_schema(), full)
    assert {e.message for e in errors} == {"Cannot query field 'issueType' on type 'Issue'."}
    assert {"IssueTypeFields"} == NEWER_FRAGMENTS


def test_keys_are_parsed_strictly() -> None:
    assert gql.parse_key("acme/web#12") == ("acme", "web", 12)
    for bad in ("acme/web", "acme#1", 'acme/we"b#1', "acme/web#x", "a/b/c#1"):
        assert gql.parse_key(bad) is None


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_documents_with_a_project_validate_against_the_shared_schema(name: str) -> None:
    """The Projects (v2) fragment needs nothing newer than the shared snapshot."""
    fragment = gql.project_fragment("Status", ["Target date", 'Sprint "2"', "Iteration"])
    document = parse(gql.with_fragments(DOCUMENTS[name], False, fragment))
    assert [e.message for e in validate(shared_schema(), document)] == []
    assert validate_document(gql.with_fragments(DOCUMENTS[name], True, fragment)) == []


def test_project_lookup_validates_against_the_shared_schema() -> None:
    assert [e.message for e in validate(shared_schema(), parse(gql.PROJECT_QUERY))] == []
