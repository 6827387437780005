"""The GraphQL documents the adapter sends, and the builders of batched look-ups.

One ``issues`` page brings 100 issues with everything a verdict needs (parent, sub-issue
summary, milestone, assignees, labels, the first comments to find trackerguard's own,
pull requests that would close the issue and their ``trackerguard`` status), so a whole
backlog costs about one request per 100 issues.

Schema provenance. Every field below exists in the shared schema snapshot
(``reference/specs/github.schema.graphql``, Feb 2025) **except** ``Issue.issueType``, which
GitHub added to its GraphQL API with issue types (GA 2025; REST exposes the same value as
``type``). It lives alone in :data:`ISSUE_TYPE_FRAGMENT`, spliced into queries only when
``[github] issue_types`` is on; tests validate every document against the shared schema
*without* that fragment and against the shared schema plus the one newer type *with* it. A
server without issue types (older GHES) answers "Cannot query field 'issueType'"; the adapter
then drops the fragment for the rest of the run and classifies by labels.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

ISSUE_TYPE_FRAGMENT = """
# Newer than the shared schema snapshot: Issue.issueType (GitHub issue types, GA 2025).
fragment IssueTypeFields on Issue {
  issueType { name }
}
"""

_ISSUE_FIELDS = """
fragment IssueFields on Issue {
  id
  databaseId
  number
  title
  body
  url
  state
  stateReason
  createdAt
  updatedAt
  closedAt
  lastEditedAt
  repository { nameWithOwner }
  author { login }
  milestone { number title dueOn }
  assignees(first: 10) { nodes { login } }
  labels(first: 50) { nodes { name } }
  parent { number repository { nameWithOwner } }
  subIssuesSummary { total completed }
  comments(first: $commentWindow) {
    totalCount
    nodes { databaseId body createdAt updatedAt author { login } }
  }
  latestComments: comments(last: 5) {
    nodes { body createdAt updatedAt author { login } }
  }
  closedByPullRequestsReferences(first: 10) {
    nodes {
      number
      state
      repository { nameWithOwner }
      commits(last: 1) {
        nodes { commit { oid status { context(name: $statusContext) { state } } } }
      }
    }
  }
  TYPE_SPREAD
  PROJECT_SPREAD
}
"""

ISSUES_QUERY = """
query TrackerguardIssues(
  $owner: String!, $name: String!, $first: Int!,
  $withOpen: Boolean!, $openAfter: String, $openSince: DateTime,
  $withClosed: Boolean!, $closedAfter: String, $closedSince: DateTime,
  $commentWindow: Int!, $statusContext: String!, $label: String!, $blockLabel: String!
) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    nameWithOwner
    tgLabel: label(name: $label) { name }
    tgBlockLabel: label(name: $blockLabel) { name }
    open: issues(
      first: $first, after: $openAfter,
      orderBy: {field: CREATED_AT, direction: ASC},
      filterBy: {states: [OPEN], since: $openSince}
    ) @include(if: $withOpen) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ...IssueFields }
    }
    closed: issues(
      first: $first, after: $closedAfter,
      orderBy: {field: CREATED_AT, direction: ASC},
      filterBy: {states: [CLOSED], since: $closedSince}
    ) @include(if: $withClosed) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ...IssueFields }
    }
  }
}
"""
"""Open issues and recently closed ones of one repository, paged side by side: both lists
advance in the same request until each is exhausted (``@include`` drops a finished one)."""

SEARCH_QUERY = """
query TrackerguardSearch(
  $q: String!, $first: Int!, $after: String, $commentWindow: Int!, $statusContext: String!
) {
  rateLimit { cost remaining resetAt }
  search(query: $q, type: ISSUE, first: $first, after: $after) {
    issueCount
    pageInfo { hasNextPage endCursor }
    nodes { ... on Issue { ...IssueFields } }
  }
}
"""

SUB_ISSUES_QUERY = """
query TrackerguardSubIssues(
  $owner: String!, $name: String!, $number: Int!, $after: String,
  $commentWindow: Int!, $statusContext: String!
) {
  repository(owner: $owner, name: $name) {
    issue(number: $number) {
      subIssues(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { ...IssueFields }
      }
    }
  }
}
"""
"""The further pages of one goal's sub-issues (the batched look-up reads the first 100)."""

VIEWER_QUERY = """
query TrackerguardViewer { viewer { login } rateLimit { limit remaining resetAt } }
"""

_KEY = re.compile(r"^(?P<owner>[A-Za-z0-9_.-]+)/(?P<name>[A-Za-z0-9_.-]+)#(?P<number>[0-9]+)$")
_BATCH_VARS = "$commentWindow: Int!, $statusContext: String!"


PROJECT_QUERY = """
query TrackerguardProject($owner: String!, $number: Int!) {
  repositoryOwner(login: $owner) {
    login
    ... on User { projectV2(number: $number) { id title } }
    ... on Organization { projectV2(number: $number) { id title } }
  }
}
"""
"""Resolves ``[github] project`` (a user's or an organisation's) to its node id, once a run."""

PROJECT_ITEMS = 20
"""Project memberships read per issue (an issue sits in a handful of projects at most)."""


def project_fragment(status_field: str, horizon_fields: Sequence[str]) -> str:
    """The issue's memberships in Projects (v2), with the configured fields by name.

    Field names are inlined as JSON-quoted literals (they come from the configuration), each
    read with ``fieldValueByName``, so one issue page carries its project status and horizon:
    no per-item look-up. The adapter keeps the membership of the configured project.
    """
    horizons = "\n".join(
        f"      h{index}: fieldValueByName(name: {json.dumps(name)}) {{\n"
        "        ... on ProjectV2ItemFieldDateValue { date updatedAt }\n"
        "        ... on ProjectV2ItemFieldIterationValue { startDate duration updatedAt }\n"
        "      }"
        for index, name in enumerate(horizon_fields)
    )
    return (
        "\nfragment ProjectFields on Issue {\n"
        f"  projectItems(first: {PROJECT_ITEMS}) {{\n"
        "    nodes {\n"
        "      project { id }\n"
        f"      status: fieldValueByName(name: {json.dumps(status_field)}) {{\n"
        "        ... on ProjectV2ItemFieldSingleSelectValue { name updatedAt }\n"
        "      }\n"
        f"{horizons}\n"
        "    }\n"
        "  }\n"
        "}\n"
    )


def with_fragments(document: str, issue_types: bool, project: str | None = None) -> str:
    """Attach the issue fragment (and, when enabled, the newer issue-type fragment and the
    Projects fragment built by :func:`project_fragment`)."""
    spread = "...IssueTypeFields" if issue_types else ""
    fields = _ISSUE_FIELDS.replace("TYPE_SPREAD", spread).replace(
        "PROJECT_SPREAD", "...ProjectFields" if project else ""
    )
    return document + fields + (ISSUE_TYPE_FRAGMENT if issue_types else "") + (project or "")


def parse_key(key: str) -> tuple[str, str, int] | None:
    """``owner/repo#12`` → ``("owner", "repo", 12)``; None for anything else."""
    match = _KEY.match(key.strip())
    if match is None:
        return None
    return match["owner"], match["name"], int(match["number"])


def items_query(keys: Sequence[tuple[str, str, int]], children: bool = False) -> str:
    """One document reading many issues (or their sub-issues) across repositories.

    Owners, names and numbers are inlined as literals (they were matched by :data:`_KEY`, and
    strings are JSON-quoted), aliased ``r<i>``/``i<j>`` so the answer maps back to keys.
    """
    by_repo: dict[tuple[str, str], list[int]] = {}
    for owner, name, number in keys:
        by_repo.setdefault((owner, name), []).append(number)
    blocks = []
    for r, ((owner, name), numbers) in enumerate(by_repo.items()):
        inner = []
        for number in numbers:
            if children:
                body = (
                    "{ number repository { nameWithOwner } subIssues(first: 100) "
                    "{ pageInfo { hasNextPage endCursor } nodes { ...IssueFields } } }"
                )
            else:
                body = "{ ...IssueFields }"
            inner.append(f"    i{number}: issue(number: {number}) {body}")
        blocks.append(
            f"  r{r}: repository(owner: {json.dumps(owner)}, name: {json.dumps(name)}) {{\n"
            + "\n".join(inner)
            + "\n  }"
        )
    name = "TrackerguardChildren" if children else "TrackerguardItems"
    return f"query {name}({_BATCH_VARS}) {{\n" + "\n".join(blocks) + "\n}\n"
