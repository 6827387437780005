"""Terminal escapes from tracker text never reach a terminal (issue 13).

A title holding ``ESC [ 2 J`` would clear the reader's screen, ``ESC ] 8`` plant a link, a
carriage return or a newline forge a line; rich markup in a title (``[link=…]``) would be
read as markup. Each terminal-facing output is checked: the text report (plain and in
colour), ``explain --item``, the error lines on stderr, ``diff``, ``report --history``,
``waivers``, the rules table, the progress bar, ``queue list`` and the log lines (the CLI's
last-resort handler and the service's handler).
"""

from __future__ import annotations

import copy
import io
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from trackerguard.cli import main
from trackerguard.terminal import TerminalSafeFilter, install_terminal_safety, terminal_safe

from .conftest import SMALL_BACKLOG

CLEAR = "\x1b[2J\x1b[H"
LINK = "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07"
C1_CSI = "\x9b31m"
FORGED = "\r\nTG000 everything is fine"
BIDI = "\u202eevil"
MARKUP = "[link=https://evil.example]x[/link]"
HOSTILE = f"Pay {CLEAR}{LINK}{C1_CSI}{FORGED}{BIDI} {MARKUP}"
RAW = ("\x1b", "\x9b", "\x07", "\r", "\u202e", "\x00")


def assert_inert(text: str) -> None:
    """No raw control character is left, and the hostile text is visible as escapes."""
    leaked = [repr(c) for c in RAW if c in text]
    assert not leaked, f"control characters reached the terminal: {leaked}"
    assert "\\x1b[2J" in text, "the escape is shown, not swallowed"


def hostile_backlog(**changes: Any) -> dict[str, Any]:
    backlog = copy.deepcopy(SMALL_BACKLOG)
    for item in backlog["items"]:
        item["title"] = f"{item['title']} {HOSTILE}"
    backlog["items"][3].update(changes)  # S-2, the orphan: always has findings
    return backlog


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# -- the text report --------------------------------------------------------------------------
def test_text_report_shows_hostile_titles_inertly(make_project: Callable[..., Path]) -> None:
    config = make_project(hostile_backlog())
    result = run("check", "--config", str(config), "--format", "text", "--fail-on", "never")
    assert result.exit_code == 0, result.output
    assert_inert(result.stdout)
    assert MARKUP in result.stdout, "rich markup in a title is shown as text, not applied"
    lines = result.stdout.splitlines()
    assert not any(line.startswith("TG000") for line in lines), "a newline forged a line"


def test_coloured_text_report_keeps_only_its_own_escapes(
    make_project: Callable[..., Path],
) -> None:
    from trackerguard.adapter import ScanRequest
    from trackerguard.outputs.text_output import write_text
    from trackerguard.plugins_manager import build_registry
    from trackerguard.progress import NoProgress
    from trackerguard.run import Runner
    from trackerguard.settings import load_settings

    config = make_project(hostile_backlog())
    settings = load_settings(config, {})
    runner = Runner(settings, build_registry(settings.plugins_dir))
    try:
        report = runner.check(ScanRequest(), progress=NoProgress())
    finally:
        runner.close()
    text = write_text(report, color=True, width=120)
    assert "\x1b[" in text, "colour is on: rich's own SGR escapes are there"
    for hostile in ("\x1b[2J", "\x1b[H", "\x1b]", "\x9b", "\x07", "\r", "\u202e"):
        assert hostile not in text, repr(hostile)
    assert "\\x1b[2J" in text


# -- other CLI outputs --------------------------------------------------------------------------
def test_explain_item_shows_the_title_inertly(make_project: Callable[..., Path]) -> None:
    config = make_project(hostile_backlog())
    result = run("explain", "--item", "S-2", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert_inert(result.stdout)
    assert result.stdout.splitlines()[0].startswith("S-2  Refactor billing client Pay ")


def test_error_lines_on_stderr_are_inert(tmp_path: Path) -> None:
    missing = tmp_path / f"trackerguard{CLEAR}.toml"
    result = run("check", "--config", str(missing))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    assert_inert(result.stderr)


def test_partial_scan_names_hostile_keys_inertly(make_project: Callable[..., Path]) -> None:
    backlog = hostile_backlog()
    backlog["items"].append({"key": f"S-9{CLEAR}", "type": "Story", "title": "x"})
    # A rule that fails on data it did not expect leaves the item unjudged: exit 3, named.
    custom = (
        '\n[[custom_rules]]\nid = "X002"\nname = "points"\nmessage = "Estimate it."\n'
        "require = 'item.fields[\"points\"] > 1'\n"
    )
    config = make_project(backlog, config=custom)
    result = run("check", "--config", str(config), "--format", "json", "--fail-on", "never")
    assert result.exit_code == 3, result.output
    assert "partial scan; not judged: " in result.stderr
    assert "S-9\\x1b[2J" in result.stderr
    assert_inert(result.stderr)


def test_diff_text_is_inert(make_project: Callable[..., Path]) -> None:
    config = make_project(hostile_backlog(key=f"S-2{CLEAR}"))
    other = config.parent / "proposal.toml"
    other.write_text(config.read_text() + "\n[rules.TG103]\nenabled = false\n")
    result = run("diff", "--config", str(config), "--against", str(other))
    assert result.exit_code == 0, result.output
    assert "Resolved" in result.stdout
    assert_inert(result.stdout)


def test_history_text_is_inert(make_project: Callable[..., Path]) -> None:
    config = make_project(hostile_backlog())
    run("check", "--config", str(config), "--quiet")
    result = run("report", "--history", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "Initiatives" in result.stdout
    text = result.stdout
    assert not [c for c in RAW if c in text]
    assert "Grow self-serve revenue Pay \\x1b[2J" in text


def test_waivers_listing_is_inert(make_project: Callable[..., Path]) -> None:
    line = f'trackerguard-waiver: TG101 owner=@bo expires=2999-03-01 reason="spike {CLEAR}"'
    backlog = hostile_backlog(
        comments=[{"id": "c1", "author": "bo", "body": line}], labels=["trackerguard:waiver"]
    )
    result = run("waivers", "--config", str(make_project(backlog)))
    assert result.exit_code == 0, result.output
    assert "S-2  TG101  owner @bo" in result.stdout
    assert_inert(result.stdout)


def test_rules_table_reads_no_markup_and_no_escapes(make_project: Callable[..., Path]) -> None:
    custom = (
        "\n[[custom_rules]]\n"
        'id = "X001"\nname = "hostile-summary"\n'
        f'message = "Pay {MARKUP} \\u001b[2J now"\n'
        "require = 'item.title != \"\"'\n"
    )
    result = run("rules", "--config", str(make_project(config=custom)))
    assert result.exit_code == 0, result.output
    assert "X001" in result.stdout
    assert "\x1b" not in result.stdout


def test_progress_bar_shows_a_phase_name_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    from trackerguard.progress import RichProgress

    progress = RichProgress()
    try:
        progress.phase(f"Reading {MARKUP}{CLEAR}", 3)
        task = progress._progress.tasks[0]
        shown = progress._progress.columns[0].render(task)  # the description column
    finally:
        progress.done()
    assert shown.plain == f"Reading {MARKUP}\\x1b[2J\\x1b[H"
    assert "\x1b" not in capsys.readouterr().err.replace("\x1b[?25l", "").replace("\x1b[?25h", "")


def test_queue_list_is_inert(make_project: Callable[..., Path]) -> None:
    from trackerguard.service.backend import open_queue
    from trackerguard.service.queue import Incoming
    from trackerguard.settings import load_settings

    config = make_project(config='[service]\nqueue_path = "queue.db"\n')
    store = open_queue(load_settings(config, {}).service)
    try:
        store.enqueue_many([Incoming("file", "d-1", (f"S-1{CLEAR}",), attributed=True)])
    finally:
        store.close()
    result = run("queue", "list", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "queued jobs: 1" in result.stdout
    assert_inert(result.stdout)


# -- log lines ----------------------------------------------------------------------------------
@pytest.fixture
def stream_handler() -> Iterator[io.StringIO]:
    """A root handler like ``logging.basicConfig`` installs, removed afterwards."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)


def test_service_log_lines_are_inert(stream_handler: io.StringIO) -> None:
    from trackerguard.service.cli import configure_service_logging

    configure_service_logging()
    log = logging.getLogger("trackerguard.service.worker")
    log.warning("shutdown: job %s (%s) requeued unfinished", 7, f"acme/web#1{FORGED}{CLEAR}")
    try:
        raise ValueError(f"tracker said {CLEAR}")
    except ValueError:
        log.exception("job %s failed", 8)
    text = stream_handler.getvalue()
    assert_inert(text)
    assert "acme/web#1\\x0d\\x0aTG000" in text, "the forged line stays on the job's line"
    assert not any(line.startswith("TG000") for line in text.splitlines())
    assert "ValueError: tracker said \\x1b[2J" in text, "the traceback is inert too"


def test_cli_last_resort_log_lines_are_inert(capsys: pytest.CaptureFixture[str]) -> None:
    """With no handler configured (``check``), Python prints warnings through
    ``logging.lastResort``; the CLI installs the filter there."""
    install_terminal_safety()
    assert logging.lastResort is not None
    assert any(isinstance(f, TerminalSafeFilter) for f in logging.lastResort.filters)
    record = logging.LogRecord(
        "trackerguard.gitlab", logging.WARNING, __file__, 1, "%s: %s", ("GitLab", HOSTILE), None
    )
    logging.lastResort.handle(record)
    err = capsys.readouterr().err
    assert err.startswith("GitLab: Pay ")
    assert_inert(err)


def test_terminal_safe_keeps_ordinary_text() -> None:
    text = "Überweisung für 東京 — “quoted”, tab\tand\nnewline ✓"
    assert terminal_safe(text, multiline=True) == text
    assert terminal_safe(text) == text.replace("\t", "\\x09").replace("\n", "\\x0a")
    assert json.dumps(terminal_safe("\x00\x7f\x85\u2028")) == json.dumps("\\x00\\x7f\\x85\\u2028")
