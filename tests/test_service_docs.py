"""docs/service.md documents every [service] key and every metric the service exports."""

from __future__ import annotations

import re
from pathlib import Path

from trackerguard.service.metrics import Metrics
from trackerguard.service.settings import ServiceSettings

DOC = Path(__file__).resolve().parents[1] / "docs" / "service.md"


def test_every_service_key_is_documented() -> None:
    text = DOC.read_text()
    missing = [k for k in ServiceSettings.model_fields if f"`{k}`" not in text]
    assert missing == []


def test_every_metric_is_documented() -> None:
    text = DOC.read_text()
    names = {
        metric.name + ("_total" if metric.type == "counter" else "")
        for metric in Metrics(lambda: {"pending": 0}, lambda: 0.0).registry.collect()
    }
    assert names and all(f"`{name}`" in text for name in names), sorted(
        n for n in names if f"`{n}`" not in text
    )
    assert re.search(r"/etc/systemd/system/trackerguard\.service", text)


def _event_table() -> set[tuple[str, str, str]]:
    text = DOC.read_text()
    section = text.split("### Events and what they queue", 1)[1].split("\n### ", 1)[0]
    rows = set()
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1].startswith("`") and cells[1].endswith("`"):
            rows.add((cells[0], cells[1].strip("`"), cells[2]))
    return rows


def test_the_event_table_is_the_code_event_map() -> None:
    from trackerguard.plugins.github.webhooks import EVENTS as GITHUB
    from trackerguard.plugins.gitlab.webhooks import EVENTS as GITLAB
    from trackerguard.plugins.jira.webhooks import EVENTS as JIRA
    from trackerguard.plugins.linear.webhooks import EVENTS as LINEAR

    code = {
        (tracker, event, queued)
        for tracker, events in (
            ("github", GITHUB), ("gitlab", GITLAB), ("jira", JIRA), ("linear", LINEAR)
        )
        for event, queued in events.items()
    }  # fmt: skip
    assert _event_table() == code


# What each tracker's UI calls the subscriptions docs/service.md asks for, and the events
# they send: every subscription must be handled by the code, every handled event subscribed.
_SUBSCRIPTIONS = {
    "github": (
        "**GitHub**",
        {"Issues": "issues", "Issue comments": "issue_comment", "Sub-issues": "sub_issues",
         "Milestones": "milestone"},
    ),
    "linear": (
        "**Linear**",
        {"Issues": "Issue", "Comments": "Comment", "Projects": "Project",
         "Initiatives": "Initiative"},
    ),
}  # fmt: skip


def test_subscription_lists_match_the_code() -> None:
    from trackerguard.plugins.github.webhooks import EVENTS as GITHUB
    from trackerguard.plugins.jira.webhooks import EVENTS as JIRA
    from trackerguard.plugins.linear.webhooks import EVENTS as LINEAR

    text = DOC.read_text()
    handled = {"github": set(GITHUB), "linear": set(LINEAR)}
    for tracker, (heading, names) in _SUBSCRIPTIONS.items():
        paragraph = text.split(heading, 1)[1].split("\n\n", 1)[0]
        sentence = paragraph.split("vents:", 1)[1].split(".", 1)[0]
        listed = set(re.findall(r"\*([A-Z][A-Za-z -]+)\*", sentence))
        assert listed == set(names), (tracker, listed)
        assert {names[n] for n in listed} == handled[tracker]
    jira = text.split("**Jira**", 1)[1].split("\n\n", 1)[0]
    for verb in ("created", "updated", "deleted"):
        assert f"jira:issue_{verb}" in JIRA and f"comment_{verb}" in JIRA
    assert "Issue link created/deleted" in jira and "issuelink_created" in JIRA
    assert "Comment created/updated/deleted" in jira
