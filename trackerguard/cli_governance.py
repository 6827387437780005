"""Governance commands: ``waivers``, ``diff`` and ``report --history``.

They live apart from :mod:`trackerguard.cli` (the everyday commands) because each reads the
tracker in its own way: ``waivers`` to find the waivers stated on items, ``diff`` to judge one
read under two configurations, ``report`` only the state store. None of them ever writes to
a tracker.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel

from trackerguard.adapter import ScanRequest
from trackerguard.cli import _errors, _setup, config_options, main
from trackerguard.errors import UsageError
from trackerguard.settings import (
    Settings,
    find_config_file,
    load_settings,
    plugin_tracker_models,
)
from trackerguard.state import scope_of
from trackerguard.terminal import terminal_safe


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")


# -- waivers -------------------------------------------------------------------------------------
@main.command("waivers")
@config_options
@click.option("--tracker", default=None, help="Tracker to read (default: config 'tracker').")
@click.option("--query", default=None, help="Tracker query whose items' waivers to list.")
@click.option(
    "--config-only", is_flag=True, help="Only the configured waivers (do not read the tracker)."
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def waivers_command(
    config_file: Path | None,
    plugins_dir: Path | None,
    tracker: str | None,
    query: str | None,
    config_only: bool,
    fmt: str,
) -> None:
    """List the waivers (configured and on items) with owner, reason and days left."""
    from trackerguard.progress import NoProgress
    from trackerguard.run import Runner
    from trackerguard.waiver_collect import collect_waivers
    from trackerguard.waivers import Waiver, config_waivers

    today = datetime.now(UTC).date()
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    with _errors():
        settings, registry = _setup(config_file, plugins_dir, tracker=tracker, query=query)
        runner = Runner(settings, registry)
        try:
            known = [a.rule.id for a in runner.engine.active] + runner.engine.disabled
            if config_only:
                targets = [
                    (", ".join(w.items) or f"query: {w.query}", w)
                    for w in config_waivers(settings.waivers, label="the configuration")
                ]
            else:
                request = ScanRequest(query=settings.query)
                scan = runner.read(request, NoProgress())
                book = collect_waivers(
                    settings, runner.adapter, scan.scanned, known, scan_query=request.query
                )
                notes = book.notes
                grouped: dict[Waiver, list[str]] = {}
                for key, waiver in book.all():
                    grouped.setdefault(waiver, []).append(key)
                for waiver in config_waivers(settings.waivers, label="the configuration"):
                    grouped.setdefault(waiver, [])
                targets = [
                    (", ".join(keys) or "(no item matched)", waiver)
                    for waiver, keys in grouped.items()
                ]
        finally:
            runner.close()
    for target, waiver in sorted(targets, key=lambda t: (t[1].expires or today.max, t[0])):
        left = waiver.days_left(today)
        rows.append(
            {
                "items": target,
                "rules": sorted(waiver.rules),
                "owner": waiver.owner,
                "reason": waiver.reason,
                "expires": waiver.expires.isoformat() if waiver.expires else None,
                "days_left": left,
                "status": "permanent" if left is None else ("expired" if left < 0 else "active"),
                "source": waiver.source,
            }
        )
    if fmt == "json":
        click.echo(json.dumps({"waivers": rows, "notes": notes}, indent=2))
        return
    if not rows:
        click.echo("No waivers.")
    for row in rows:
        left = row["days_left"]
        when = (
            "no expiry"
            if left is None
            else (f"expired {-left} days ago" if left < 0 else f"{left} days left")
        )
        # Waivers declared on items carry tracker text: shown with control characters inert.
        say = terminal_safe
        click.echo(
            f"{say(row['items'])}  {say(','.join(row['rules']))}  owner "
            f"{say(row['owner'] or '-')}  {row['expires'] or '-'} ({when})\n    "
            f"{say(row['reason'])}  [{say(row['source'])}]"
        )
    for note in notes:
        click.echo(f"note: {terminal_safe(note, multiline=True)}")


# -- diff ----------------------------------------------------------------------------------------
def _against_settings(
    against: str,
    config_file: Path | None,
    overrides: dict[str, Any],
    tracker_models: Mapping[str, type[BaseModel]],
) -> Settings:
    """``--against FILE`` or ``--against REV`` (the config file as of a git revision)."""
    candidate = Path(against)
    if candidate.is_file():
        return load_settings(candidate, overrides, tracker_models=tracker_models)
    current = config_file or find_config_file()
    if current is None:
        raise UsageError(
            f"--against: '{against}' is not a file, and there is no config file whose git "
            "revision it could name"
        )
    folder = current.resolve().parent
    try:
        shown = subprocess.run(
            ["git", "-C", str(folder), "show", f"{against}:./{current.name}"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"--against: cannot run git: {exc}") from None
    if shown.returncode != 0:
        reason = shown.stderr.strip().splitlines()[-1] if shown.stderr.strip() else "unknown"
        raise UsageError(
            f"--against: '{against}' is neither a file nor a git revision of {current} ({reason})"
        )
    # Same folder, so relative paths in the old file mean what they meant then.
    with tempfile.NamedTemporaryFile(
        "w", suffix=".toml", prefix=".trackerguard-diff-", dir=folder, delete=False
    ) as handle:
        handle.write(shown.stdout)
        temp = Path(handle.name)
    try:
        return load_settings(temp, overrides, tracker_models=tracker_models)
    finally:
        temp.unlink(missing_ok=True)


@main.command("diff")
@click.argument("keys", nargs=-1)
@config_options
@click.option(
    "--against",
    required=True,
    help="The other configuration: a file, or a git revision of the config file (e.g. main).",
)
@click.option("--tracker", default=None, help="Tracker to read (default: config 'tracker').")
@click.option("--query", default=None, help="Tracker query, e.g. JQL 'project = ACME'.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
@click.option(
    "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write here."
)
def diff_command(
    keys: tuple[str, ...],
    config_file: Path | None,
    plugins_dir: Path | None,
    against: str,
    tracker: str | None,
    query: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """What the other configuration would change: newly found, newly blocked, resolved, comments.

    The current configuration is the baseline; --against is the proposal. Reads the tracker
    once and never writes.
    """
    from trackerguard.diff import check_same_shape, compare
    from trackerguard.outputs.diff_output import RENDERERS
    from trackerguard.run import Runner

    with _errors():
        overrides: dict[str, Any] = {"tracker": tracker, "query": query}
        settings, registry = _setup(config_file, plugins_dir, **overrides)
        other = _against_settings(
            against, config_file, overrides, plugin_tracker_models(registry.trackers)
        )
        check_same_shape(settings, other, against)
        base = Runner(settings, registry)
        proposal = Runner(other, registry)
        try:
            request = ScanRequest(query=settings.query, keys=tuple(keys))
            report = compare(base, proposal, request, against=against)
        finally:
            proposal.close()
            base.close()
        _emit(RENDERERS[fmt](report), output)


# -- report --history ----------------------------------------------------------------------------
@main.command("report")
@config_options
@click.option("--history", is_flag=True, help="Coverage and findings over time (required).")
@click.option("--tracker", default=None, help="Tracker (default: config 'tracker').")
@click.option("--query", default=None, help="The query whose runs to show (default: config).")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "markdown", "html"]), default="text"
)
@click.option(
    "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write here."
)
def report_command(
    config_file: Path | None,
    plugins_dir: Path | None,
    history: bool,
    tracker: str | None,
    query: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Draw the trend that every full 'check' records (no tracker is read)."""
    from trackerguard.history import History
    from trackerguard.outputs.history_output import RENDERERS
    from trackerguard.state import StateStore

    with _errors():
        if not history:
            raise UsageError("report: give --history (the only report that needs no scan)")
        settings, _ = _setup(config_file, plugins_dir, tracker=tracker, query=query)
        state = StateStore(settings.state_path)
        try:
            snaps = History(state).load(settings.tracker, scope_of(settings.query))
        finally:
            state.close()
        _emit(RENDERERS[fmt](snaps), output)
