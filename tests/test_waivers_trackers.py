"""Waiver lines in people's comments, read by the real adapters (Jira here; GitHub beside the
summary issue tests): the label gates the look-up, the bot's own comments never count."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.jira_sim import JiraSim, SimState, realistic
from tests.jira_sim.harness import run_check, simulator

LINE = 'trackerguard-waiver: TG101 owner=@ana expires=2099-01-31 reason="pilot"'


@pytest.fixture(params=["cloud", "datacenter"])
def sim(request: pytest.FixtureRequest) -> Iterator[JiraSim]:
    with simulator(realistic(SimState(request.param))) as running:
        yield running


def _body(flavor: str, text: str) -> object:
    if flavor == "datacenter":
        return text  # v2: wiki markup strings
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    return {"type": "doc", "version": 1, "content": [paragraph]}


def test_jira_waiver_line_in_a_comment_waives_only_with_the_label(
    sim: JiraSim, tmp_path: Path
) -> None:
    issue = sim.state.issues["ACME-22"]
    sim.state.new_comment(issue, "human-ana", _body(sim.state.flavor, LINE))
    before = run_check(sim, tmp_path, apply=False)
    assert "TG101" in before.findings("ACME-22")  # no label: the line waives nothing
    [open_finding] = [
        f for f in before.report["findings"] if f["item"] == "ACME-22" and f["rule"] == "TG101"
    ]
    assert open_finding.get("waived") is None

    issue.labels.append("trackerguard:waiver")
    after = run_check(sim, tmp_path, apply=False)
    [waived] = [
        f for f in after.report["findings"] if f["item"] == "ACME-22" and f["rule"] == "TG101"
    ]
    assert waived["waived"]["owner"] == "@ana" and waived["waived"]["expires"] == "2099-01-31"
    assert waived["waived"]["source"] == "ACME-22 (comment)"
    assert after.report["summary"]["waived"] >= 1
    assert after.report["summary"]["items"] == before.report["summary"]["items"]


def test_linear_waiver_line_in_a_persons_comment(tmp_path: Path) -> None:
    from .linear_sim import BOT_ID, LinearSimulator
    from .linear_sim import build as build_linear
    from .linear_sim.harness import Project as LinearProject

    sim = LinearSimulator().start()
    build_linear(sim.world)
    try:
        world = sim.world
        issue = world.get("ENG-3")
        label = world.label("trackerguard:waiver", None)
        issue.label_ids.append(label.id)
        person = next(uid for uid in world.users if uid != BOT_ID)
        world.comment(LINE, person, issue_id=issue.id)
        # The bot's own comment with a waiver line never counts (it is not a person's decision).
        world.comment(LINE.replace("TG101", "TG103"), BOT_ID, issue_id=issue.id)
        _, doc = LinearProject(sim, tmp_path).check(apply=False)
        eng3 = {f["rule"]: f for f in doc["findings"] if f["item"] == "ENG-3"}
        assert eng3["TG101"]["waived"]["source"] == "ENG-3 (comment)"
        assert all(f.get("waived") is None for rule, f in eng3.items() if rule != "TG101")
    finally:
        sim.stop()
    assert sim.invalid_queries == [], sim.invalid_queries
