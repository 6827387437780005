"""Jira Cloud projects beyond one page are judged completely against the strict simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.jira_sim.backlog import big
from tests.jira_sim.harness import run_check, simulator
from tests.jira_sim.state import SimState


@pytest.mark.parametrize("count", [1_000, 10_000])
def test_every_issue_of_a_big_cloud_project_is_judged(tmp_path: Path, count: int) -> None:
    with simulator(big(SimState("cloud"), count, project="HOLD"), sample_every=50) as sim:
        result = run_check(sim, tmp_path, ("--query", "project = HOLD"), apply=False)
        assert result.exit_code in (0, 1), result.stderr
        assert result.report["summary"]["items"] == count
        assert result.report["summary"]["partial"] is False and result.report["errors"] == []
        # serverInfo + myself + first page + id pages of 5,000 + bulk fetches of 100.
        minimum = 2 + 1 + -(-count // 5000) + -(-(count - 37) // 100)
        assert sim.reads <= minimum, (sim.reads, minimum)
