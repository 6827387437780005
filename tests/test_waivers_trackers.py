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
