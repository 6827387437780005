"""The Jira adapter's reading: shapes of both flavours, levels, fields, request economy."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from trackerguard.plugins.jira.adapter import strip_order
from trackerguard.plugins.jira.mapping import (
    FieldIds,
    Mapper,
    discover_fields,
    level_from_hierarchy,
    parse_time,
)
from trackerguard.plugins.jira.settings import JiraSettings

from tests.jira_sim import SimState, big, realistic
from tests.jira_sim.harness import run_check, simulator
from trackerguard.levels import DEFAULT_LEVELS, LevelMap
from trackerguard.model import StatusCategory
from trackerguard.status import StatusMap

NAMES = ("initiative", "epic", "work")


def mapper(cloud: bool = True, **kw: Any) -> Mapper:
    return Mapper(
        base_url="https://acme.atlassian.net",
        cloud=cloud,
        ids=kw.pop("ids", FieldIds("customfield_1", "customfield_2", "customfield_3")),
        levels=LevelMap(DEFAULT_LEVELS),
        statuses=StatusMap(),
        **kw,
    )


def issue(key: str = "ACME-1", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "summary": "S",
        "issuetype": {"name": "Story", "hierarchyLevel": 0},
        "status": {"name": "To Do", "statusCategory": {"key": "new"}},
    }
    base.update(fields)
    return {"id": "1", "key": key, "fields": base}


@pytest.mark.parametrize(
    ("level", "expected"),
    [(-1, "work"), (0, "work"), (1, "epic"), (2, "initiative"), (5, "initiative")],
)
def test_hierarchy_levels(level: int, expected: str) -> None:
    assert level_from_hierarchy(level, NAMES) == expected


def test_levels_from_config_ignores_hierarchy() -> None:
    raw = issue(issuetype={"name": "Capability", "hierarchyLevel": 1})
    assert mapper().item(raw).level == "epic"
    assert mapper(levels_from="config").item(raw).level is None
    dc = issue(issuetype={"name": "Epic"})  # DC types carry no hierarchyLevel
    assert mapper(cloud=False).item(dc).level == "epic"


def test_dc_parents_from_epic_link_and_parent_link() -> None:
    m = mapper(cloud=False)
    assert m.item(issue(customfield_1="ACME-9")).parent == "ACME-9"
    epic = issue(issuetype={"name": "Epic"}, customfield_2={"data": {"key": "ACME-2"}})
    assert m.item(epic).parent == "ACME-2"
    sub = issue(issuetype={"name": "Sub-task", "subtask": True}, parent={"key": "ACME-5"})
    assert m.item(sub).parent == "ACME-5"
    # Cloud reads only `parent`, never the deprecated Epic Link.
    assert mapper().item(issue(customfield_1="ACME-9")).parent is None


def test_links_status_text_and_bot_state() -> None:
    raw = issue(
        issuelinks=[
            {
                "type": {
                    "name": "Implements",
                    "inward": "is implemented by",
                    "outward": "implements",
                },
                "outwardIssue": {"key": "ACME-1"},
            },
            {
                "type": {"name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
                "inwardIssue": {"key": "ACME-7"},
            },
        ],
        status={"name": "Won't Do", "statusCategory": {"key": "done"}},
        description={
            "type": "doc",
            "version": 1,
            "content": [
                {
                    "type": "heading",
                    "attrs": {"level": 2},
                    "content": [{"type": "text", "text": "Why"}],
                },
                {"type": "paragraph", "content": [{"type": "text", "text": "Because."}]},
            ],
        },
        updated="2026-01-31T03:52:51.000+0000",
    )
    raw["properties"] = {
        "trackerguard": {
            "comment_id": "55",
            "fingerprint": "abc",
            "blocked": True,
            "status_before_block": "To Do",
        }
    }
    item = mapper().item(raw)
    assert [(lk.type, lk.direction, lk.target, lk.name) for lk in item.links] == [
        ("implements", "outward", "ACME-1", "Implements"),
        ("is blocked by", "inward", "ACME-7", "Blocks"),
    ]
    assert item.status_category is StatusCategory.CANCELLED  # "Won't Do" is not delivered
    assert item.description == "## Why\n\nBecause."
    assert item.bot is not None and item.bot.comment is not None
    assert (item.bot.comment.id, item.bot.comment.fingerprint) == ("55", "abc")
    assert item.bot.blocked and item.bot.status_before_block == "To Do"
    assert item.updated == parse_time("2026-01-31T03:52:51.000+0000")
    assert item.url == "https://acme.atlassian.net/browse/ACME-1"
    wiki = mapper(cloud=False).item(issue(description="h2. Why\nBecause."))
    assert wiki.description.startswith("## Why")


def test_bot_writes_do_not_count_as_activity() -> None:
    raw = issue(updated="2026-03-01T10:00:30.000+0000")
    raw["properties"] = {
        "trackerguard": {
            "written_at": "2026-03-01T10:00:00+00:00",
            "seen_activity": "2026-01-01T00:00:00+00:00",
        }
    }
    item = mapper().item(raw)
    assert item.activity == parse_time("2026-01-01T00:00:00+00:00")
    raw["fields"]["updated"] = "2026-03-05T10:00:00.000+0000"  # a human edited since
    assert mapper().item(raw).activity == parse_time("2026-03-05T10:00:00.000+0000")


def test_field_discovery() -> None:
    fields = [
        {
            "id": "customfield_777",
            "name": "Epic Link",
            "custom": True,
            "schema": {"type": "any", "custom": "com.pyxis.greenhopper.jira:gh-epic-link"},
        },
        {
            "id": "customfield_778",
            "name": "Parent",
            "custom": True,
            "schema": {"type": "any", "custom": "com.atlassian.jpo:jpo-custom-field-parent"},
        },
        {"id": "customfield_779", "name": "Flagged", "custom": True, "schema": {"type": "array"}},
        {
            "id": "customfield_900",
            "name": "Impediment flag",
            "custom": True,
            "schema": {"type": "array"},
        },
    ]
    ids = discover_fields(fields)
    assert ids == FieldIds("customfield_777", "customfield_778", "customfield_779")
    assert discover_fields(fields, flagged="Impediment flag").flagged == "customfield_900"
    assert ids.clause(ids.epic_link) == "cf[777]"


def test_request_fields_are_minimal() -> None:
    cloud = mapper().request_fields(flagged=False)
    assert "*all" not in cloud and "comment" not in cloud and "customfield_1" not in cloud
    assert {"customfield_1", "customfield_2"} <= set(
        mapper(cloud=False).request_fields(flagged=False)
    )
    assert "customfield_3" in mapper().request_fields(flagged=True)


def test_strip_order() -> None:
    assert strip_order("project = ACME ORDER BY rank ASC") == "project = ACME"
    assert (
        strip_order('summary ~ "order by" AND project = X')
        == 'summary ~ "order by" AND project = X'
    )


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from trackerguard.settings import Settings

    monkeypatch.setenv("TRACKERGUARD_JIRA__URL", "https://acme.atlassian.net")
    monkeypatch.setenv("TRACKERGUARD_JIRA__TOKEN", "tok-secret-1")
    monkeypatch.setenv("TRACKERGUARD_JIRA__BLOCK", "flag")
    monkeypatch.setenv("TRACKERGUARD_JIRA__REQUEST_BUDGET", "123")
    jira = Settings().jira
    assert isinstance(jira, JiraSettings)
    assert (jira.url, jira.block, jira.request_budget) == (
        "https://acme.atlassian.net",
        "flag",
        123,
    )
    assert "tok-secret-1" not in repr(jira) and "tok-secret-1" not in str(Settings().masked())


def test_cloud_never_uses_the_removed_search(tmp_path: Path) -> None:
    with simulator(big(SimState("cloud"), 450, project="ACME")) as sim:
        result = run_check(sim, tmp_path, apply=False)
        assert result.exit_code in (0, 1), result.stderr
        assert result.report["summary"]["items"] == 450
        assert not [e for e in sim.log if e[1].endswith("/search")]
        # serverInfo, myself, first page (shortened to 37 by the strict simulator), one
        # id-only page, 5 bulk fetches of up to 100 ids: 9 reads for 450 issues.
        assert sim.reads <= 9, sim.log


def test_dc_pages_past_the_search_window(tmp_path: Path) -> None:
    with simulator(big(SimState("datacenter"), 700, project="ACME"), result_window=250) as sim:
        env = {"TRACKERGUARD_JIRA__SEARCH_WINDOW": "250"}
        result = run_check(sim, tmp_path, apply=False, env=env)
        assert result.exit_code in (0, 1), result.stderr
        assert result.report["summary"]["items"] == 700
        assert not result.report["errors"]
        narrowed = [e for e in sim.log if e[1].endswith("/search") and e[2] == 200]
        assert len(narrowed) >= 4
        assert not [e for e in sim.log if e[2] == 400]


def test_flavor_detected_and_plugin_registered(tmp_path: Path) -> None:
    from trackerguard.plugins_manager import build_registry

    registry = build_registry()
    assert "jira" in registry.trackers
    with simulator(realistic(SimState("datacenter"))) as sim:
        result = run_check(sim, tmp_path, apply=False)
        assert result.exit_code == 1
        assert {"Bearer".lower()} == set(sim.seen_auth)


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.timezones()
    )
)
def test_parse_time_reads_jira_timestamps(when: Any) -> None:
    offset = when.utcoffset()
    if offset is None or offset.seconds % 60 or offset.days < -1:
        return
    text = when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + when.strftime("%z")
    parsed = parse_time(text)
    assert parsed is not None
    assert abs((parsed - when).total_seconds()) < 0.001


@given(st.text(alphabet="abc =()", max_size=30))
def test_strip_order_keeps_conditions(condition: str) -> None:
    jql = f'{condition} AND summary ~ "order by x" ORDER BY rank DESC'
    assert strip_order(jql) == jql[: jql.rindex(" ORDER BY")].strip()


def test_horizon_from_due_date_else_plans_target_end_and_fix_version() -> None:
    ids = FieldIds("customfield_1", "customfield_2", "customfield_3", "customfield_9")
    m = mapper(ids=ids)
    assert "customfield_9" in m.request_fields(flagged=False)
    planned = m.item(issue(customfield_9="2027-03-31"))
    assert planned.due == date(2027, 3, 31)
    own = m.item(issue(duedate="2027-01-15", customfield_9="2027-03-31"))
    assert own.due == date(2027, 1, 15)
    release = m.item(issue(fixVersions=[{"name": "2027.1", "releaseDate": "2027-02-01"}]))
    assert release.due is None and release.milestone_due == date(2027, 2, 1)
    assert release.horizon == date(2027, 2, 1)
    # The field is found on a site by its Jira Plans type, whatever it is called there.
    found = discover_fields(
        [
            {
                "id": "customfield_77",
                "name": "Ziel-Ende",
                "custom": True,
                "schema": {"custom": "com.atlassian.jpo:jpo-custom-field-baseline-end"},
            }
        ]
    )
    assert found.target_end == "customfield_77"


def test_status_category_is_the_category_hint() -> None:
    review = issue(status={"name": "Peer check", "statusCategory": {"key": "indeterminate"}})
    assert mapper().item(review).status_category is StatusCategory.IN_PROGRESS
    done = issue(status={"name": "Shipped", "statusCategory": {"key": "done"}})
    assert mapper().item(done).status_category is StatusCategory.DONE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-31T03:52:51.000+0000", datetime(2026, 1, 31, 3, 52, 51, tzinfo=UTC)),
        ("2026-01-31T03:52:51.123-0800", datetime(2026, 1, 31, 11, 52, 51, 123000, tzinfo=UTC)),
        ("2026-01-31T03:52:51+05:30", datetime(2026, 1, 30, 22, 22, 51, tzinfo=UTC)),
        ("2026-01-31T03:52:51", datetime(2026, 1, 31, 3, 52, 51, tzinfo=UTC)),
        ("2026-01-31", datetime(2026, 1, 31, tzinfo=UTC)),
        ("31/01/2026", None),
        ("", None),
        (None, None),
    ],
)
def test_jira_timestamps_in_every_offset_shape(text: str | None, expected: datetime | None) -> None:
    assert parse_time(text) == expected
