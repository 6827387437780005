"""Benchmarks stay runnable: each script imports cleanly, and the engine benchmark runs small.

Speed targets are not asserted here (they live in benchmarks/RESULTS.md); this only keeps the
scripts from rotting when the code they drive changes.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_benchmark_script_imports(script: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    monkeypatch.syspath_prepend(str(ROOT / "tests"))
    spec = importlib.util.spec_from_file_location(f"bench_{script.stem}", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)  # the __main__ guard keeps the measurement from running


def test_engine_benchmark_runs_on_a_small_backlog() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/engine.py", "2000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "2,000 structural" in result.stdout and "2,000 full" in result.stdout


def test_service_soak_runs_short_and_prints_its_summary() -> None:
    """The soak's short mode: both runs (healthy, a hung Jira API) for a few seconds."""
    result = subprocess.run(
        [sys.executable, "benchmarks/service_soak.py", "--seconds", "3", "--rate", "60",
         "--senders", "4", "--items", "20"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    summaries = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [s["run"] for s in summaries] == ["healthy", "jira API hangs (10% Jira deliveries)"]
    for summary in summaries:
        assert summary["sent"] == 180 and summary["non_2xx"] == 0, summary
        assert summary["p99_ms"] > 0 and summary["rss_first_last_max"][2] > 10
    assert "| run | sent | non-2xx | ack p50 | ack p99 |" in result.stdout
    assert "| healthy | 180 | 0 |" in result.stdout


def test_jira_scan_benchmark_prints_the_moonshot_block() -> None:
    """The issue 11 moonshot block the lead pastes into RESULTS.md: one row per cold dry
    run with wall, CPU, reads against the minimum and items judged (all of them)."""
    result = subprocess.run(
        [
            sys.executable,
            "benchmarks/jira_scan.py",
            *("--issues", "400", "--latency", "0", "--repeat", "2"),
            *("--dry-only", "--idiomatic", "none", "--sample-every", "50"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr  # 1: a target missed (400 is small)
    block = result.stdout[result.stdout.index("Jira Cloud moonshot: 400 issues") :]
    rows = [line for line in block.splitlines() if line.startswith("| dry run")]
    assert len(rows) == 2, block
    assert all("| 400 | 0 |" in row for row in rows), rows
    assert "every issue judged" in block and "Minimum reads: 5 " in block, block
