"""Issue 11 point 4 on the real Redmine: a 2,500-issue project judged completely, near the
minimum of reads.

The project (``redmine_support/scale.py``) has several pages of every kind of request the
adapter makes: 25 pages of issues, 3 pages of issues the API user wrote on (whose journals
are read), goals outside the scanned project in two ``issue_id`` listings and a second
round for their own goals, and an epic whose 120 children live in another project
(``parent_id`` past one page). Dry runs only: the fixture is seeded once per instance and
reused by every later session.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from redmine_support.cli import CheckResult, run_check, write_config
from redmine_support.fixtures import redmine_server  # noqa: F401 (fixture)
from redmine_support.scale import ScaleProject, ensure_scale_project
from redmine_support.server import RedmineServer

pytestmark = pytest.mark.redmine


@pytest.fixture(scope="module")
def scale(server: RedmineServer) -> ScaleProject:
    return ensure_scale_project(server)


def _judged_completely(result: CheckResult, scale: ScaleProject) -> None:
    summary = result.report["summary"]
    assert result.code in (0, 1), (result.code, result.stderr[-2000:])
    assert result.report["errors"] == [], result.report["errors"][:5]
    assert summary["partial"] is False
    assert summary["items"] == scale.summary["scanned"] == 2500


def _reads(result: CheckResult) -> int:
    """Read requests sent, less the retries (a dry run writes nothing to retry)."""
    return int(result.requests["read"]) - int(result.requests.get("retry", 0))


def test_a_2500_issue_project_is_judged_completely_near_the_minimum_of_reads(
    server: RedmineServer, scale: ScaleProject, tmp_path: Path
) -> None:
    config = write_config(tmp_path, server.url, [scale.scanned_project])

    cold = run_check(config, server.api_key, "--fail-on", "never")
    _judged_completely(cold, scale)
    assert cold.requests.get("write", 0) == 0
    # Every request is counted: exactly the plan, nothing per issue beyond the journals of
    # the issues the API user wrote on (a retry of a loaded server's 502 is not the plan's).
    assert _reads(cold) == scale.minimum_reads(), cold.requests
    # The goals outside the scan were read and judged against: the wide epic's children
    # came in (otherwise it would have no child at all: TG201).
    wide = f"#{scale.summary['wide']}"
    assert "TG201" not in {f["rule"] for f in cold.report["findings"] if f["item"] == wide}

    # The same scan again: the journals are remembered by updated_on, the rest is the same.
    warm = run_check(config, server.api_key, "--fail-on", "never")
    _judged_completely(warm, scale)
    assert _reads(warm) == scale.minimum_reads(journals_cached=True), warm.requests
    assert sorted(map(str, warm.report["findings"])) == sorted(map(str, cold.report["findings"]))
