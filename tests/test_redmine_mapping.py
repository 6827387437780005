"""The Redmine mapping, notes and client on recorded API answers (``tests/data/redmine/``).

The recordings come from the Debian Redmine 5.0 started by ``scripts/redmine-test-server``
after one ``trackerguard check --apply`` over the integration backlog (API key redacted).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from trackerguard.plugins.redmine.adapter import RedmineAdapter
from trackerguard.plugins.redmine.client import RedmineClient, RedmineDown
from trackerguard.plugins.redmine.mapping import (
    MappingContext,
    issue_id,
    label_values,
    relation_links,
    status_category,
    to_item,
    to_version,
)
from trackerguard.plugins.redmine.notes import note_fingerprint, read_journals, render_note
from trackerguard.plugins.redmine.settings import RedmineSettings

from trackerguard.adapter import Action, AdapterContext, ScanRequest
from trackerguard.errors import AuthError, ConfigError, TrackerError
from trackerguard.levels import DEFAULT_LEVELS, LevelMap
from trackerguard.model import StatusCategory
from trackerguard.settings import Settings
from trackerguard.state import StateStore
from trackerguard.status import StatusMap

DATA = Path(__file__).resolve().parent / "data" / "redmine"
BASE = "http://127.0.0.1:3000"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def issues() -> dict[int, dict[str, Any]]:
    return {issue["id"]: issue for issue in load("issues_page.json")["issues"]}


@pytest.fixture(scope="module")
def ctx() -> MappingContext:
    versions = {v.id: v for v in map(to_version, load("versions.json")["versions"])}
    return MappingContext(
        base_url=BASE,
        levels=LevelMap(DEFAULT_LEVELS),
        statuses=StatusMap(),
        versions=versions,
        label_field="Labels",
    )


def test_levels_parent_and_url(issues: dict[int, dict[str, Any]], ctx: MappingContext) -> None:
    epic = to_item(issues[4], ctx)
    assert (epic.key, epic.type, epic.level) == ("#4", "Epic", "epic")
    assert epic.parent == "#1"
    assert epic.url == f"{BASE}/issues/4"
    assert to_item(issues[1], ctx).level == "initiative"
    assert to_item(issues[11], ctx).level == "work"
    assert to_item(issues[19], ctx).level is None  # Support: no level, ignored


def test_horizons_owner_and_dates(issues: dict[int, dict[str, Any]], ctx: MappingContext) -> None:
    epic = to_item(issues[4], ctx)
    assert epic.milestone == "2030.1"
    assert epic.milestone_due == date(2030, 6, 30)  # from /projects/:id/versions.json
    assert epic.assignee == "Redmine Admin"
    initiative = to_item(issues[1], ctx)
    assert initiative.due == date(2030, 12, 31)
    assert initiative.created is not None and initiative.created.tzinfo is not None


def test_status_categories(issues: dict[int, dict[str, Any]], ctx: MappingContext) -> None:
    assert to_item(issues[2], ctx).status_category is StatusCategory.DONE  # Closed
    assert to_item(issues[7], ctx).status_category is StatusCategory.CANCELLED  # Rejected
    assert to_item(issues[4], ctx).status_category is StatusCategory.IN_PROGRESS
    assert to_item(issues[16], ctx).status_category is StatusCategory.TODO  # Blocked
    statuses = StatusMap()
    # Redmine's default "Resolved" is open: still judged, never counted as finished.
    resolved = {"name": "Resolved", "is_closed": False}
    assert status_category(resolved, statuses) is StatusCategory.IN_PROGRESS


def test_textile_description_is_normalised(
    issues: dict[int, dict[str, Any]], ctx: MappingContext
) -> None:
    text = to_item(issues[4], ctx).description
    assert text.startswith("## Why\n\nSupport exports reports by hand")
    assert "\r" not in text
    assert "- reviewed and released" in text or "## Success criteria" in text


def test_relations_become_links_seen_from_each_side(issues: dict[int, dict[str, Any]]) -> None:
    related = [i for i in issues.values() if i.get("relations")]
    assert related, "the recording holds a relation"
    relation = related[0]["relations"][0]
    source, target = relation["issue_id"], relation["issue_to_id"]
    (out,) = relation_links(source, [relation])
    (inward,) = relation_links(target, [relation])
    assert (out.direction, out.target, out.name) == ("outward", f"#{target}", "relates")
    assert (inward.direction, inward.target) == ("inward", f"#{source}")
    blocks = {"issue_id": 1, "issue_to_id": 2, "relation_type": "blocks"}
    assert relation_links(2, [blocks])[0].type == "is blocked by"
    assert relation_links(1, [blocks])[0].type == "blocks"


def test_labels_from_a_custom_field(ctx: MappingContext) -> None:
    issue = {
        "id": 5,
        "tracker": {"name": "Task"},
        "status": {"name": "New", "is_closed": False},
        "subject": "x",
        "custom_fields": [{"id": 2, "name": "Labels", "multiple": True, "value": ["a", "b"]}],
    }
    assert to_item(issue, ctx).labels == frozenset({"a", "b"})
    assert label_values("a, b ,") == ["a", "b"]
    assert issue_id("#12") == 12 and issue_id("12") == 12 and issue_id("ACME-1") is None


def test_note_roundtrip_and_journals() -> None:
    md = "<!-- trackerguard -->\n<!-- trackerguard:fingerprint=abc -->\n**trackerguard** found"
    note = render_note(md, "abc123", "textile")
    assert "<!--" not in note
    assert note.startswith("*trackerguard* found")
    assert note.endswith("trackerguard \u00b7 abc123")
    assert note_fingerprint(note) == "abc123"
    assert note_fingerprint("a person's note mentioning trackerguard") is None
    assert render_note("**x**", "fp", "markdown").startswith("**x**")

    issue = load("issue_blocked_with_note.json")["issue"]
    statuses = {s["id"]: s["name"] for s in load("issue_statuses.json")["issue_statuses"]}
    facts = read_journals(
        issue["journals"],
        bot_user_id=1,
        current_status_id=issue["status"]["id"],
        blocked_status_id=7,
        status_names=statuses,
    )
    assert facts.bot.comment is not None
    assert facts.bot.comment.fingerprint == note_fingerprint(issue["journals"][0]["notes"])
    assert facts.bot.blocked is True
    assert facts.bot.status_before_block == "New"
    # Another user's journals are never ours.
    other = read_journals(
        issue["journals"],
        bot_user_id=99,
        current_status_id=7,
        blocked_status_id=7,
        status_names=statuses,
    )
    assert other.bot.comment is None and other.bot.blocked is False


# -- the adapter on a recorded server -----------------------------------------------------------
def _recorded(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if request.headers.get("X-Redmine-API-Key") != "k":
        return httpx.Response(401)
    if path == "/users/current.json":
        return httpx.Response(200, json=load("users_current.json"))
    if path == "/issue_statuses.json":
        return httpx.Response(200, json=load("issue_statuses.json"))
    if path.endswith("/versions.json"):
        return httpx.Response(200, json=load("versions.json"))
    if path == "/issues/16.json":
        return httpx.Response(200, json=load("issue_blocked_with_note.json"))
    if path == "/issues.json":
        page = load("issues_page.json")
        if request.url.params.get("updated_by"):
            page["issues"] = [i for i in page["issues"] if i["id"] == 16]
            page["total_count"] = 1
        return httpx.Response(200, json=page)
    return httpx.Response(404)


def _adapter(
    key: str = "k",
    transport: httpx.BaseTransport | None = None,
    state: StateStore | None = None,
) -> RedmineAdapter:
    settings = RedmineSettings(url=BASE, api_key=key, projects=["tg-smoke"])  # type: ignore[arg-type]
    context = AdapterContext(Settings(), LevelMap(DEFAULT_LEVELS), StatusMap(), state)
    client = RedmineClient(
        BASE,
        key,
        counters=context.requests,
        retries=1,
        transport=transport or httpx.MockTransport(_recorded),
        sleep=lambda _s: None,
    )
    return RedmineAdapter(settings, context, client=client)


def test_scan_reads_pages_and_bot_state_in_few_requests() -> None:
    adapter = _adapter()
    adapter.check_connection()
    items = {item.key: item for item in adapter.scan(ScanRequest())}
    assert len(items) == 37
    blocked = items["#16"]
    assert blocked.bot is not None and blocked.bot.blocked and blocked.bot.comment is not None
    assert items["#4"].bot is None
    # user, issues page, updated-by page, versions, statuses, one journal read.
    assert adapter.context.requests == {"read": 6, "write": 0, "retry": 0}


def test_wrong_key_is_an_auth_error_without_the_key() -> None:
    adapter = _adapter(key="secret-wrong-key")
    with pytest.raises(AuthError) as caught:
        adapter.check_connection()
    assert "secret-wrong-key" not in str(caught.value)


def test_missing_url_is_a_config_error() -> None:
    context = AdapterContext(Settings(), LevelMap(DEFAULT_LEVELS), StatusMap())
    with pytest.raises(ConfigError, match=r"redmine\.url"):
        RedmineAdapter(RedmineSettings(api_key="k"), context)  # type: ignore[arg-type]


def test_unreachable_server_stops_reads_and_writes() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    adapter = _adapter(transport=httpx.MockTransport(refuse))
    with pytest.raises(TrackerError, match="unreachable"):
        adapter.check_connection()
    assert adapter.context.requests["retry"] == 1
    with pytest.raises(RedmineDown):  # no more waiting: the client stays down
        adapter.client.get("/issues.json")


def test_labels_without_a_field_become_one_note() -> None:
    adapter = _adapter()
    adapter.config = adapter.config.model_copy(update={"label_field": None})
    items = {item.key: item for item in adapter.scan(ScanRequest())}
    for key in ("#16", "#17"):
        adapter.apply(items[key], Action(key, "label", "add label", label="trackerguard"))
    assert len(adapter.notes) == 1 and "label_field" in adapter.notes[0]
    assert adapter.context.requests["write"] == 0


def test_journal_facts_are_cached_until_the_issue_changes(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.db")
    first = _adapter(state=store)
    items = {item.key: item for item in first.scan(ScanRequest())}
    assert first.context.requests["read"] == 6
    second = _adapter(state=store)
    again = {item.key: item for item in second.scan(ScanRequest())}
    assert second.context.requests["read"] == 5  # no journal read: same updated_on
    assert again["#16"].bot == items["#16"].bot
    assert again["#16"].last_activity == items["#16"].last_activity
    # Editing our note in place does not move updated_on: the cache follows the edit.
    comment = items["#16"].bot.comment  # type: ignore[union-attr]
    assert comment is not None
    second.journal_cache.note_edited(16, replace(comment, fingerprint="new"))
    third = _adapter(state=store)
    bot = {item.key: item for item in third.scan(ScanRequest())}["#16"].bot
    assert bot is not None and bot.comment is not None and bot.comment.fingerprint == "new"
    store.close()


def test_only_journals_made_of_trackerguard_writes_are_the_bots() -> None:
    """A person running trackerguard with their own key still moves their issues."""
    from trackerguard.plugins.redmine.notes import read_journals

    def journal(jid: int, user: int, when: str, notes: str = "", details: Any = ()) -> Any:
        return {
            "id": jid,
            "user": {"id": user},
            "notes": notes,
            "created_on": when,
            "details": list(details),
        }

    ours = "Findings...\n\ntrackerguard \u00b7 3f2a9c0d1e2b4a5c"
    block = {"property": "attr", "name": "status_id", "old_value": "2", "new_value": "9"}
    label = {"property": "cf", "name": "7", "old_value": None, "new_value": "trackerguard"}
    subject = {"property": "attr", "name": "subject", "old_value": "a", "new_value": "b"}
    journals = [
        journal(1, 5, "2026-01-01T00:00:00Z", "a person's reply"),
        journal(2, 1, "2026-02-01T00:00:00Z", ours),
        journal(3, 1, "2026-03-01T00:00:00Z", details=[block]),
        journal(4, 1, "2026-04-01T00:00:00Z", details=[label]),
    ]
    facts = read_journals(
        journals,
        bot_user_id=1,
        current_status_id=9,
        blocked_status_id=9,
        status_names={2: "In Progress", 9: "Blocked"},
        label_field_id=7,
    )
    assert facts.last_activity is not None and facts.last_activity.month == 1
    assert facts.bot.blocked and facts.bot.status_before_block == "In Progress"
    # The same account editing the subject, or writing a note of its own, is a person.
    for extra in (
        journal(5, 1, "2026-05-01T00:00:00Z", details=[subject]),
        journal(5, 1, "2026-05-01T00:00:00Z", "moving this to next sprint"),
        journal(5, 1, "2026-05-01T00:00:00Z", details=[label, subject]),
    ):
        moved = read_journals(
            [*journals, extra],
            bot_user_id=1,
            current_status_id=9,
            blocked_status_id=9,
            status_names={2: "In Progress", 9: "Blocked"},
            label_field_id=7,
        )
        assert moved.last_activity is not None and moved.last_activity.month == 5
