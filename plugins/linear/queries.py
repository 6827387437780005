"""Every GraphQL document the Linear adapter sends (validated against the shared schema).

Reads are paginated Relay connections (``first``/``after``/``pageInfo``); batch look-ups
put issues, projects and initiatives in one document, each part switched on with
``@include``. Each issue and project is read with its latest comments (``comments(last:
N)``) so trackerguard's own comment is found without another request.
"""

from __future__ import annotations

COMMENT_FIELDS = "nodes { id body createdAt updatedAt user { id } }"

ISSUE_FRAGMENT = f"""
fragment TgIssue on Issue {{
  id
  identifier
  number
  title
  description
  url
  createdAt
  updatedAt
  startedAt
  completedAt
  canceledAt
  dueDate
  team {{ id key }}
  state {{ id name type }}
  assignee {{ id displayName }}
  labels(first: 50) {{ nodes {{ id name }} }}
  parent {{ identifier }}
  project {{ slugId }}
  projectMilestone {{ name targetDate }}
  relations(first: 20) {{ nodes {{ type relatedIssue {{ identifier }} }} }}
  comments(last: $commentWindow) {{ {COMMENT_FIELDS} }}
}}
"""

PROJECT_FRAGMENT = f"""
fragment TgProject on Project {{
  id
  slugId
  name
  description
  content
  url
  createdAt
  updatedAt
  startedAt
  completedAt
  canceledAt
  targetDate
  state
  status {{ name type }}
  lead {{ id displayName }}
  labels(first: 50) {{ nodes {{ id name }} }}
  initiatives(first: 10) {{ nodes {{ id }} }}
  comments(last: $commentWindow) {{ {COMMENT_FIELDS} }}
}}
"""

INITIATIVE_FRAGMENT = """
fragment TgInitiative on Initiative {
  id
  slugId
  name
  description
  content
  url
  createdAt
  updatedAt
  targetDate
  status
  owner { id displayName }
  labels(first: 50) { nodes { id name } }
  parentInitiative { id }
}
"""
FRAGMENTS = ISSUE_FRAGMENT + PROJECT_FRAGMENT + INITIATIVE_FRAGMENT

IDENTITY_QUERY = """
query TrackerguardIdentity { viewer { id displayName } organization { urlKey } }
"""

TEAMS_QUERY = """
query TrackerguardTeams($filter: TeamFilter, $labels: [String!]) {
  teams(first: 100, filter: $filter) {
    nodes {
      id
      key
      states(first: 100) { nodes { id name type } }
      labels(first: 50, filter: { name: { in: $labels } }) { nodes { id name } }
    }
  }
  issueLabels(first: 50, filter: { name: { in: $labels }, team: { null: true } }) {
    nodes { id name }
  }
  projectLabels(first: 50, filter: { name: { in: $labels } }) { nodes { id name } }
  initiativeLabels(first: 50, filter: { name: { in: $labels } }) { nodes { id name } }
}
"""

ISSUES_QUERY = (
    """
query TrackerguardIssues($filter: IssueFilter, $first: Int!, $after: String,
                         $commentWindow: Int!) {
  issues(first: $first, after: $after, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    nodes { ...TgIssue }
  }
}
"""
    + ISSUE_FRAGMENT
)

PROJECTS_QUERY = (
    """
query TrackerguardProjects($filter: ProjectFilter, $first: Int!, $after: String,
                           $commentWindow: Int!) {
  projects(first: $first, after: $after, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    nodes { ...TgProject }
  }
}
"""
    + PROJECT_FRAGMENT
)

INITIATIVES_QUERY = (
    """
query TrackerguardInitiatives($first: Int!, $after: String) {
  initiatives(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { ...TgInitiative }
  }
}
"""
    + INITIATIVE_FRAGMENT
)

BATCH_QUERY = (
    """
query TrackerguardBatch(
  $issueFilter: IssueFilter, $withIssues: Boolean!,
  $projectSlugs: [String!], $withProjects: Boolean!,
  $initiativeIds: [ID!], $withInitiatives: Boolean!,
  $commentWindow: Int!
) {
  issues(first: 100, filter: $issueFilter) @include(if: $withIssues) {
    nodes { ...TgIssue }
  }
  projects(first: 100, filter: { slugId: { in: $projectSlugs } }) @include(if: $withProjects) {
    nodes { ...TgProject }
  }
  initiatives(first: 100, filter: { id: { in: $initiativeIds } })
    @include(if: $withInitiatives) {
    nodes { ...TgInitiative }
  }
}
"""
    + FRAGMENTS
)
"""Many issues, projects and initiatives by key in one request (unknown keys are absent)."""

CHILDREN_QUERY = (
    """
query TrackerguardChildren(
  $issueFilter: IssueFilter, $withIssues: Boolean!,
  $projectSlugs: [String!], $withProjects: Boolean!,
  $initiativeIds: [ID!], $withInitiatives: Boolean!,
  $commentWindow: Int!
) {
  issues(first: 50, filter: $issueFilter) @include(if: $withIssues) {
    nodes {
      id identifier
      children(first: 100) { pageInfo { hasNextPage } nodes { ...TgIssue } }
    }
  }
  projects(first: 50, filter: { slugId: { in: $projectSlugs } }) @include(if: $withProjects) {
    nodes { slugId issues(first: 100) { pageInfo { hasNextPage } nodes { ...TgIssue } } }
  }
  initiatives(first: 50, filter: { id: { in: $initiativeIds } })
    @include(if: $withInitiatives) {
    nodes {
      id
      projects(first: 100) { pageInfo { hasNextPage } nodes { ...TgProject } }
      subInitiatives(first: 100) { pageInfo { hasNextPage } nodes { ...TgInitiative } }
    }
  }
}
"""
    + FRAGMENTS
)
"""Direct children of goals: an issue's sub-issues, a project's issues, an initiative's
projects and sub-initiatives (first 100 each; a goal with more is read on through the paged
root ``issues`` listing, see ``LinearAdapter.fetch_children``)."""

COMMENT_CREATE = """
mutation TrackerguardCommentCreate($input: CommentCreateInput!) {
  commentCreate(input: $input) { success comment { id } }
}
"""

COMMENT_UPDATE = """
mutation TrackerguardCommentUpdate($id: String!, $body: String!) {
  commentUpdate(id: $id, input: { body: $body }) { success comment { id } }
}
"""

COMMENT_DELETE = """
mutation TrackerguardCommentDelete($id: String!) {
  commentDelete(id: $id) { success }
}
"""

ADD_LABEL = """
mutation TrackerguardAddLabel($id: String!, $labelId: String!) {
  issueAddLabel(id: $id, labelId: $labelId) { success }
}
"""

REMOVE_LABEL = """
mutation TrackerguardRemoveLabel($id: String!, $labelId: String!) {
  issueRemoveLabel(id: $id, labelId: $labelId) { success }
}
"""

LABEL_CREATE = """
mutation TrackerguardLabelCreate($input: IssueLabelCreateInput!) {
  issueLabelCreate(input: $input) { success issueLabel { id name } }
}
"""

SET_STATE = """
mutation TrackerguardSetState($id: String!, $stateId: String!) {
  issueUpdate(id: $id, input: { stateId: $stateId }) { success }
}
"""

INITIATIVE_COMMENTS_QUERY = """
query TrackerguardInitiativeComments($ids: [ID!], $marker: String!) {
  comments(first: 100, filter: { initiative: { id: { in: $ids } },
                                 body: { contains: $marker } }) {
    nodes { id body createdAt updatedAt user { id } initiative { id } }
  }
}
"""
"""Initiatives have no ``comments`` field: trackerguard's comments on a page of initiatives
are found with one filtered ``comments`` query (only comments carrying the marker)."""


def comments_of(kind: str) -> str:
    """trackerguard's comments on one issue, project or initiative: the re-read after a
    lost ``commentCreate`` answer (was it applied?)."""
    return f"""
query TrackerguardCommentsOf($id: ID!, $marker: String!) {{
  comments(first: 100, filter: {{ {kind}: {{ id: {{ eq: $id }} }},
                                 body: {{ contains: $marker }} }}) {{
    {COMMENT_FIELDS}
  }}
}}
"""


def _label_documents(kind: str) -> tuple[str, str, str]:
    """addLabel, removeLabel and labelCreate mutations for projects or initiatives."""
    title = kind.capitalize()
    add = f"""
mutation Trackerguard{title}AddLabel($id: String!, $labelId: String!) {{
  {kind}AddLabel(id: $id, labelId: $labelId) {{ success }}
}}
"""
    remove = f"""
mutation Trackerguard{title}RemoveLabel($id: String!, $labelId: String!) {{
  {kind}RemoveLabel(id: $id, labelId: $labelId) {{ success }}
}}
"""
    create = f"""
mutation Trackerguard{title}LabelCreate($input: {title}LabelCreateInput!) {{
  {kind}LabelCreate(input: $input) {{ success {kind}Label {{ id name }} }}
}}
"""
    return add, remove, create


LABEL_MUTATIONS = {
    "issue": (ADD_LABEL, REMOVE_LABEL, LABEL_CREATE),
    "project": _label_documents("project"),
    "initiative": _label_documents("initiative"),
}

ALL_DOCUMENTS = {
    "initiative_comments": INITIATIVE_COMMENTS_QUERY,
    **{f"{kind}_comments_of": comments_of(kind) for kind in ("issue", "project", "initiative")},
    **{
        f"{kind}_{op}": doc
        for kind, docs in LABEL_MUTATIONS.items()
        for op, doc in zip(("add", "remove", "create"), docs, strict=True)
    },
    "identity": IDENTITY_QUERY,
    "teams": TEAMS_QUERY,
    "issues": ISSUES_QUERY,
    "projects": PROJECTS_QUERY,
    "initiatives": INITIATIVES_QUERY,
    "batch": BATCH_QUERY,
    "children": CHILDREN_QUERY,
    "comment_create": COMMENT_CREATE,
    "comment_update": COMMENT_UPDATE,
    "comment_delete": COMMENT_DELETE,
    "add_label": ADD_LABEL,
    "remove_label": REMOVE_LABEL,
    "label_create": LABEL_CREATE,
    "set_state": SET_STATE,
}


WAIVER_COMMENTS_QUERY = """
query TgWaiverComments($id: String!) {
  issue(id: $id) { comments(first: 100) { nodes { body user { id } } } }
}
"""
"""People's comments on one issue carrying the waiver label (waiver lines may stand there)."""
