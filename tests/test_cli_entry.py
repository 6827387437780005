"""The console entry point: every command reachable, and a ``check`` that leaves fast loses
nothing (its report, its exit code, the history and the state it wrote)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ENTRIES = (["-m", "trackerguard"], ["-m", "trackerguard.cli"])


def _commands(help_text: str) -> set[str]:
    listed = help_text.split("Commands:", 1)[1]
    return {m.group(1) for m in re.finditer(r"^\s{2}(\S+)\s", listed, flags=re.M)}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e[1])
def test_every_command_is_reachable_from_python_dash_m(entry: list[str]) -> None:
    """``python -m trackerguard.cli`` runs the file as ``__main__``; the governance commands
    register on ``trackerguard.cli.main`` and were missing from that copy."""
    out = subprocess.run(
        [sys.executable, *entry, "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert {"check", "serve", "queue", "waivers", "diff", "report"} <= _commands(out)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e[1])
def test_a_check_that_leaves_fast_writes_everything_first(
    make_project: Callable[..., Path], entry: list[str]
) -> None:
    config = make_project()
    cwd = config.parent
    (cwd / "extra").mkdir()
    argv = [sys.executable, *entry, "check", "--config", str(config), "--format", "json", "-q"]
    argv += ["--report", f"markdown={cwd / 'extra' / 'summary.md'}"]
    first = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=120)
    report = json.loads(first.stdout)  # the whole report reached the pipe
    blocking = report["summary"]["findings"]["block"] > 0
    assert first.returncode == (1 if blocking else 0)
    assert report["summary"]["items"] == len(
        json.loads((cwd / "backlog.json").read_text())["items"]
    )
    assert "trackerguard" in (cwd / "extra" / "summary.md").read_text()
    # The run's snapshot was committed to the state store before the process left.
    second = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=120)
    assert second.returncode == first.returncode
    history = subprocess.run(
        [sys.executable, *entry, "report", "--history", "--config", str(config), "--format", "json"],
        capture_output=True, text=True, cwd=cwd, timeout=120, check=True,
    )  # fmt: skip
    assert len(json.loads(history.stdout)["points"]) == 2


def test_a_check_that_fails_to_start_exits_the_ordinary_way(tmp_path: Path) -> None:
    """A configuration error is exit 2 with its one-line message (no fast path involved)."""
    bad = tmp_path / "trackerguard.toml"
    bad.write_text('tracker = "file"\nfail_on = "sometimes"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "trackerguard", "check", "--config", str(bad), "-q"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "fail_on" in proc.stderr and "Traceback" not in proc.stderr


def test_an_in_process_check_gives_the_garbage_collector_back(
    make_project: Callable[..., Path],
) -> None:
    """Only the console command leaves with the collector off (it ends right after); a
    caller running ``main`` in its own process gets it back on."""
    import gc

    from click.testing import CliRunner

    from trackerguard.cli import main

    config = make_project()
    assert gc.isenabled()
    result = CliRunner().invoke(main, ["check", "--config", str(config), "--quiet"])
    assert result.exit_code in (0, 1), result.output
    assert gc.isenabled()


@pytest.mark.parametrize(
    "command",
    [["explain", "--item", "I-1"], ["check", "--format", "json", "--fail-on", "never"], ["rules"]],
    ids=lambda c: c[0],
)
def test_a_reader_that_goes_away_stops_the_command_quietly(
    make_project: Callable[..., Path], command: list[str]
) -> None:
    """``trackerguard explain --item X | head``: the reader closes the pipe early. That is the
    user's choice, not a bug in a plugin: no "unexpected BrokenPipeError" line, no "Exception
    ignored" at shutdown, never a traceback; exit 1, as Click and Python stop on a closed pipe."""
    config = make_project()
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes its first byte
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "trackerguard", *command, "--config", str(config)],
            stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=config.parent, timeout=120,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert proc.stderr == ""
    assert proc.returncode == 1


def test_a_report_that_cannot_be_written_to_standard_output_is_a_one_line_error(
    make_project: Callable[..., Path],
) -> None:
    """``trackerguard check > /dev/full`` (a full disk): the same one-line error as a report
    file that cannot be written, exit 2, never "unexpected … a bug in a plugin"."""
    config = make_project()
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "trackerguard", "check", "--config", str(config),
             "--format", "json", "-q"],
            stdout=full, stderr=subprocess.PIPE, text=True, cwd=config.parent, timeout=120,
        )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "trackerguard: error: cannot write the report to standard output: No space left on device"
    ]
