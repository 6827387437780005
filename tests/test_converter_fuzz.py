"""Fuzz every tracker's converter and the file tracker's reader with hypothesis.

Tracker data is input: any field may come back null, a string where an object was due, a
list of numbers, deeply nested. A converter must then either return a work item or raise
one of :data:`trackerguard.errors.DATA_ERRORS`, which every adapter turns into an
``errors[]`` entry for that item; the file tracker's reader raises ``ConfigError`` (exit 2).
Anything else would be a traceback in a run.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trackerguard.plugins.file.adapter import FileAdapter
from trackerguard.plugins.file.settings import FileSettings
from trackerguard.plugins.redmine.mapping import to_item

from trackerguard.adapter import AdapterContext, ScanRequest
from trackerguard.errors import DATA_ERRORS, ConfigError
from trackerguard.levels import DEFAULT_LEVELS, LevelMap
from trackerguard.model import WorkItem
from trackerguard.settings import Settings
from trackerguard.status import StatusMap

from . import test_github_convert as github_cases
from . import test_gitlab_convert as gitlab_cases
from . import test_jira_adapter as jira_cases
from . import test_linear_convert as linear_cases
from . import test_redmine_mapping as redmine_cases

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out.extend(_paths(child, (*prefix, index)))
    return out


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` with one to three values anywhere in it replaced by arbitrary JSON, or
    deleted (a field the tracker left out)."""
    node = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(node) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = node
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = draw(JSON)
    return node


def converts_or_raises_typed(convert: Any, node: Any) -> None:
    try:
        result = convert(node)
    except DATA_ERRORS:
        return
    assert isinstance(result, WorkItem)


# -- the trackers' converters ------------------------------------------------------------------
GITHUB = github_cases.make().converter


@FUZZ
@given(mutated(github_cases.node()))
def test_github_converter(node: dict[str, Any]) -> None:
    converts_or_raises_typed(GITHUB.convert, node)


GITLAB = gitlab_cases.converter()


@FUZZ
@given(mutated(gitlab_cases.issue()))
def test_gitlab_issue_converter(node: dict[str, Any]) -> None:
    converts_or_raises_typed(lambda n: GITLAB.convert_issue(n, [], None), node)


@FUZZ
@given(mutated({"id": 3, "iid": 2, "group_id": 9, "title": "Epic", "state": "opened",
                "labels": ["a"], "web_url": "https://gitlab.example.com/groups/g/-/epics/2",
                "created_at": "2026-11-01T10:00:00.000Z", "due_date": "2027-01-01",
                "parent_iid": 1, "author": {"username": "bo"}}))  # fmt: skip
def test_gitlab_epic_converter(node: dict[str, Any]) -> None:
    converts_or_raises_typed(lambda n: GITLAB.convert_epic(n, "g"), node)


LINEAR = linear_cases.converter()


@FUZZ
@given(mutated(linear_cases.issue_node()))
def test_linear_issue_converter(node: dict[str, Any]) -> None:
    converts_or_raises_typed(LINEAR.issue, node)


@FUZZ
@given(mutated(linear_cases.project_node()))
def test_linear_project_converter(node: dict[str, Any]) -> None:
    converts_or_raises_typed(LINEAR.project, node)


JIRA = jira_cases.mapper()
JIRA_ISSUE = jira_cases.issue(
    labels=["a"],
    assignee={"displayName": "Ana", "accountId": "1"},
    duedate="2027-01-01",
    description={"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "Why: because"}]}]},
    issuelinks=[{"type": {"name": "Implements", "outward": "implements", "inward": "is implemented by"},
                 "outwardIssue": {"key": "ACME-2"}}],
    parent={"key": "ACME-9"},
    fixVersions=[{"name": "1.0", "releaseDate": "2027-02-01"}],
    created="2026-01-01T00:00:00.000+0000",
    updated="2026-02-01T00:00:00.000+0000",
)  # fmt: skip


@FUZZ
@given(mutated(JIRA_ISSUE))
def test_jira_mapper(node: dict[str, Any]) -> None:
    converts_or_raises_typed(JIRA.item, node)


def _redmine_context() -> Any:
    versions = {
        v.id: v
        for v in map(redmine_cases.to_version, redmine_cases.load("versions.json")["versions"])
    }
    return redmine_cases.MappingContext(
        base_url=redmine_cases.BASE,
        levels=LevelMap(DEFAULT_LEVELS),
        statuses=StatusMap(),
        versions=versions,
        label_field="Labels",
    )


REDMINE_CTX = _redmine_context()
REDMINE_ISSUE = redmine_cases.load("issues_page.json")["issues"][0]


@FUZZ
@given(mutated(REDMINE_ISSUE))
def test_redmine_mapper(node: dict[str, Any]) -> None:
    converts_or_raises_typed(lambda n: to_item(n, REDMINE_CTX), node)


# -- the file tracker's reader -----------------------------------------------------------------
FILE_BACKLOG = {
    "items": [
        {"key": "E-1", "type": "Epic", "title": "Goal", "assignee": "ana", "due": "2030-01-01",
         "labels": ["a"], "links": [{"type": "implements", "target": "I-1"}],
         "fields": {"team": "x"}, "created": "2026-01-01T00:00:00Z",
         "comments": [{"id": "c1", "author": "ana", "body": "hi"}],
         "trackerguard": {"blocked": True, "status_before_block": "To Do"}},
        {"key": "S-1", "type": "Story", "title": "Work", "parent": "E-1", "status": "To Do"},
    ]
}  # fmt: skip


@FUZZ
@given(mutated(FILE_BACKLOG))
def test_file_tracker_reader(tmp_path_factory: Any, document: dict[str, Any]) -> None:
    path = Path(tmp_path_factory.mktemp("fuzz")) / "backlog.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    context = AdapterContext(Settings(), LevelMap(DEFAULT_LEVELS), StatusMap())
    adapter = FileAdapter(FileSettings(path=path), context)
    try:
        items = list(adapter.scan(ScanRequest()))
    except ConfigError:
        return
    assert all(isinstance(item, WorkItem) for item in items)


# -- an adapter turns odd data into an error for that item -------------------------------------
def test_redmine_issue_of_an_unexpected_shape_is_one_error_and_the_rest_is_read() -> None:
    """Before, one issue whose ``tracker`` was a string ended the whole scan with a traceback."""
    import httpx

    def corrupted(request: httpx.Request) -> httpx.Response:
        answer = redmine_cases._recorded(request)
        if request.url.path == "/issues.json" and answer.status_code == 200:
            page = json.loads(answer.content)
            for issue in page["issues"]:
                if issue["id"] == 4:
                    issue["tracker"] = "Bug"  # an object in the API
                    issue["status"] = ["New"]
            return httpx.Response(200, json=page)
        return answer

    adapter = redmine_cases._adapter(transport=httpx.MockTransport(corrupted))
    adapter.check_connection()
    items = {item.key for item in adapter.scan(redmine_cases.ScanRequest())}
    assert len(items) == 36 and "#4" not in items
    (error,) = adapter.context.errors
    assert error.item == "#4" and "could not read the issue" in error.message


@FUZZ
@given(
    st.sampled_from(["backlog.json", "backlog.yaml"]),
    st.text(max_size=200) | st.binary(max_size=200),
)
def test_file_tracker_reader_on_arbitrary_bytes(
    tmp_path_factory: Any, name: str, content: str | bytes
) -> None:
    path = Path(tmp_path_factory.mktemp("fuzz")) / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    context = AdapterContext(Settings(), LevelMap(DEFAULT_LEVELS), StatusMap())
    adapter = FileAdapter(FileSettings(path=path), context)
    try:
        items = list(adapter.scan(ScanRequest()))
    except ConfigError:
        return
    assert all(isinstance(item, WorkItem) for item in items)
