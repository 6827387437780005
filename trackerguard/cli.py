"""The ``trackerguard`` command line (see DESIGN.md "CLI").

Exit codes: ``0`` nothing at or above ``--fail-on``; ``1`` findings at or above it; ``2``
usage or configuration error (the message names the key and the file); ``3`` tracker
unreachable, authentication failed, or the run was partial (an item not judged, a write
that failed or was not done); the report is written in every one of these cases. Errors
print one line, never a traceback (``TRACKERGUARD_DEBUG=1`` shows it), and never a secret.
A reader that goes away early (``| head``) stops a command quietly with exit 1, as Click
and Python do.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from trackerguard import __version__
from trackerguard.adapter import ScanRequest
from trackerguard.errors import TrackerguardError, UsageError
from trackerguard.plugins_manager import Registry, build_registry
from trackerguard.settings import (
    Settings,
    check_tracker_sections,
    load_settings,
    plugin_tracker_models,
)
from trackerguard.terminal import install_terminal_safety, terminal_safe
from trackerguard.urls import install_url_redaction, redact_text

F = TypeVar("F", bound=Callable[..., Any])
FORMATS_HELP = "text|json|markdown|junit|html (or a plugin's format)"


def _fail(exc: TrackerguardError) -> None:
    if os.environ.get("TRACKERGUARD_DEBUG"):
        import traceback

        traceback.print_exc()
    click.echo(f"trackerguard: error: {_shown(exc)}", err=True)
    sys.exit(exc.exit_code)


def _shown(message: object) -> str:
    """An error for the terminal: inert (control characters made visible) and with no URL
    credentials (``https://bot:TOKEN@host``, ``?private_token=…``), whichever code wrote it."""
    return redact_text(terminal_safe(message, multiline=True))


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except TrackerguardError as exc:
        _fail(exc)
    except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
        raise
    except BrokenPipeError:
        # The reader went away (``trackerguard explain … | head``): the user's choice, not a
        # bug. Click stops quietly on it (exit 1, as Python itself does), for every command.
        raise
    except Exception as exc:  # a bug in a plugin (or in trackerguard): one line, exit 3
        from trackerguard.failures import describe

        if os.environ.get("TRACKERGUARD_DEBUG"):
            import traceback

            traceback.print_exc()
        click.echo(
            f"trackerguard: error: unexpected {_shown(describe(exc))}; the run did not "
            "finish "
            "(a bug in a plugin or in trackerguard; TRACKERGUARD_DEBUG=1 shows the traceback)",
            err=True,
        )
        sys.exit(3)


def config_options(func: F) -> F:
    """``--config`` and ``--plugins-dir`` on every command."""
    func = click.option(
        "--plugins-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Directory of project-local plugin *.py files.",
    )(func)
    func = click.option(
        "--config",
        "config_file",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Config file (default: ./trackerguard.toml, then [tool.trackerguard]).",
    )(func)
    return func


def _setup(
    config_file: Path | None, plugins_dir: Path | None, **overrides: Any
) -> tuple[Settings, Registry]:
    if config_file is not None and not config_file.is_file():
        raise UsageError(f"--config: file '{config_file}' does not exist")
    if plugins_dir is not None:
        overrides["plugins_dir"] = plugins_dir
    install_url_redaction()
    install_terminal_safety()
    settings = load_settings(config_file, overrides)
    registry = build_registry(settings.plugins_dir)
    models = plugin_tracker_models(registry.trackers)
    if models:  # again, now that the plugins' own settings models are known
        settings = load_settings(config_file, overrides, tracker_models=models)
    check_tracker_sections(settings, registry.trackers)
    from trackerguard.env_check import check_environment

    check_environment(
        os.environ, type(settings).model_fields, (info.name for info in registry.plugins)
    )
    configure = registry.hook.trackerguard_configure
    try:
        configure.call_historic(kwargs={"settings": settings})
    except Exception as exc:
        from trackerguard.errors import PluginError
        from trackerguard.failures import describe, raising_function

        plugin = raising_function(
            exc, ((i.function.__code__, i.plugin_name) for i in configure.get_hookimpls())
        )
        who = f"plugin '{plugin}'" if plugin else "a plugin"
        raise PluginError(f"{who}: hook trackerguard_configure raised {describe(exc)}") from exc
    return settings, registry


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trackerguard")
def main() -> None:
    """trackerguard: flag work without a goal and goals without a plan."""


_leave_fast = False
"""Set by a one-shot command once everything it must leave behind is written and closed."""
_console = False
"""True when :func:`entry` runs the command: the process ends with it."""


def entry() -> None:
    """The ``trackerguard`` console script (and ``python -m trackerguard.cli``).

    Why not ``main`` itself: after a ``check`` the process holds the whole scan (tens of
    thousands of decoded issues, items, verdicts) and Python's own teardown frees it object
    by object, which was a tenth of a 10,000-issue Jira scan's wall time for nothing. Once
    ``check`` has written its report, closed the state store and flushed its output, the
    process leaves with ``os._exit``. Every other command (``serve`` above all) exits the
    ordinary way; tests that invoke ``main`` in-process are not affected either.
    """
    global _console
    _console = True
    try:
        main()
    except SystemExit as exit_:
        if not _leave_fast:
            raise
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (BrokenPipeError, ValueError):  # the reader went away: nothing left to tell
            code = code or 1
        import logging

        logging.shutdown()
        os._exit(code)


# -- check ---------------------------------------------------------------------------------------
@main.command()
@click.argument("keys", nargs=-1)
@config_options
@click.option("--tracker", default=None, help="Tracker to read (default: config 'tracker').")
@click.option("--query", default=None, help="Tracker query, e.g. JQL 'project = ACME'.")
@click.option("--since", default=None, help="Only items updated since TS (ISO) or 'last'.")
@click.option("--format", "fmt", default="text", show_default=True, help=FORMATS_HELP)
@click.option(
    "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write here."
)
@click.option(
    "--report",
    "extra_reports",
    multiple=True,
    metavar="FORMAT=FILE",
    help="Also write the report in FORMAT to FILE, from the same run (repeatable), "
    "e.g. --report junit=trackerguard.xml --report markdown=summary.md.",
)
@click.option("--apply/--dry-run", "apply", default=None, help="Apply actions (default: dry run).")
@click.option(
    "--fail-on",
    type=click.Choice(["info", "warn", "block", "never"]),
    default=None,
    help="Exit 1 when a finding is at or above this severity (default: block).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, no summary on stderr.")
def check(
    keys: tuple[str, ...],
    config_file: Path | None,
    plugins_dir: Path | None,
    tracker: str | None,
    query: str | None,
    since: str | None,
    fmt: str,
    output: Path | None,
    extra_reports: tuple[str, ...],
    apply: bool | None,
    fail_on: str | None,
    quiet: bool,
) -> None:
    """Scan a project, report findings, and (with --apply) act on them."""
    from trackerguard.incremental import carry_over, decisions_carried_out
    from trackerguard.progress import make_progress
    from trackerguard.run import Runner, paused_gc
    from trackerguard.summary_issue import maintain_summary

    global _leave_fast
    # The whole check builds data that stays alive until the report is written: the cyclic
    # collector would only re-walk it (see ``paused_gc``). In-process callers get it back
    # when check returns; the console command leaves with it off, since turning it back on
    # with a whole scan's objects still young made the next allocation walk all of them
    # (a tenth of a second at 10,000 issues) moments before the process ended.
    if _console:
        gc.disable()
    with _errors(), nullcontext() if _console else paused_gc():
        settings, registry = _setup(
            config_file, plugins_dir, tracker=tracker, query=query, apply=apply, fail_on=fail_on
        )
        writer = _writer(registry, fmt, "--format")
        also = [_extra_report(registry, spec) for spec in extra_reports]
        runner = Runner(settings, registry)
        try:
            request = ScanRequest(query=settings.query, keys=tuple(keys))
            resolved = runner.resolve_since(since, request)
            request = ScanRequest(query=request.query, keys=request.keys, since=resolved)
            started = datetime.now(UTC)
            report = runner.check(request, progress=make_progress(quiet))
            carry_over(report, runner.state, request, runner.engine.waivers)
            if report.read_error is None:  # nothing was read: no point on the trend
                report.trend = runner.record_history(request, report)
                maintain_summary(runner.adapter, settings, report, request)
            text = _render(writer, fmt, report, registry, output)
            if output is not None:
                _write(output, text)
            else:
                _echo_report(text)
            for extra_fmt, extra_writer, path in also:
                _write(path, _render(extra_writer, extra_fmt, report, registry, path))
            if decisions_carried_out(report):
                runner.record_success(request, started)
            code = report.exit_code(settings.fail_on)
            if not quiet and output is not None:
                counts = report.counts()
                click.echo(
                    f"trackerguard: {len(report.items)} items, {counts['block']} block, "
                    f"{counts['warn']} warn, {counts['info']} info -> {output}",
                    err=True,
                )
            if report.read_error is not None:
                click.echo(f"trackerguard: error: {_shown(report.read_error)}", err=True)
            elif report.partial:
                missing = terminal_safe(
                    ", ".join(dict.fromkeys(e.item for e in report.errors if not e.judged))
                )
                if missing:
                    click.echo(f"trackerguard: partial scan; not judged: {missing}", err=True)
                unwritten = report.unwritten()
                if unwritten:
                    items = terminal_safe(", ".join(dict.fromkeys(a.item for a in unwritten)))
                    click.echo(
                        f"trackerguard: partial run; {len(unwritten)} write(s) failed or not "
                        f"done: {items}",
                        err=True,
                    )
        finally:
            runner.close()
    _leave_fast = True
    sys.exit(code)


def _writer(registry: Registry, fmt: str, option: str) -> Callable[..., str]:
    writer = registry.outputs.get(fmt)
    if writer is None:
        known = ", ".join(sorted(registry.outputs))
        raise UsageError(f"{option}: unknown format '{fmt}' (available: {known})")
    return writer


def _extra_report(registry: Registry, spec: str) -> tuple[str, Callable[..., str], Path]:
    """``--report FORMAT=FILE`` → (format, writer, path)."""
    fmt, sep, path = spec.partition("=")
    if not sep or not fmt.strip() or not path.strip():
        raise UsageError(
            f"--report: expected FORMAT=FILE (e.g. junit=trackerguard.xml), got '{spec}'"
        )
    fmt = fmt.strip()
    return fmt, _writer(registry, fmt, "--report"), Path(path.strip())


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the report to '{path}': {exc.strerror or exc}") from None


def _echo_report(text: str) -> None:
    """The report on standard output; a full disk or a dead device (``> /dev/full``) is a
    one-line error like a report file that cannot be written, not "an unexpected bug". A
    reader that went away (``| head``) is left to Click (see ``_errors``)."""
    try:
        click.echo(text, nl=False)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise UsageError(
            f"cannot write the report to standard output: {exc.strerror or exc}"
        ) from None


def _render(
    writer: Callable[..., str], fmt: str, report: Any, registry: Registry, output: Path | None
) -> str:
    """The report in ``fmt``; an output plugin that raises is a one-line error naming it."""
    try:
        if fmt == "text":
            from trackerguard.outputs.text_output import report_width

            terminal = output is None and sys.stdout.isatty()
            color = terminal and not os.environ.get("NO_COLOR")
            return writer(report, color=color, width=report_width(terminal))
        return writer(report)
    except Exception as exc:
        from trackerguard.errors import PluginError
        from trackerguard.failures import describe

        owner = registry.owners.get(("output", fmt), "?")
        raise PluginError(f"output '{fmt}' of plugin '{owner}' failed: {describe(exc)}") from exc


# -- rules / explain -----------------------------------------------------------------------------
@main.command("rules")
@config_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules_command(config_file: Path | None, plugins_dir: Path | None, fmt: str) -> None:
    """List every rule with its id, name, default severity and summary."""
    from trackerguard.rule import options_schema
    from trackerguard.run import _custom_rules

    with _errors():
        settings, registry = _setup(config_file, plugins_dir)
        rules = dict(registry.rules)
        rules.update(_custom_rules(settings, registry))
        owners = {key: plugin for (kind, key), plugin in registry.owners.items() if kind == "rule"}
        rows = []
        for rule_id in sorted(rules):
            rule = rules[rule_id]
            config = settings.rule_config(rule_id)
            rows.append(
                {
                    "id": rule_id,
                    "name": rule.name,
                    "severity": str(config.severity or rule.default_severity),
                    "default_severity": str(rule.default_severity),
                    "applies_to": rule.applies_to_label(),
                    "enabled": config.enabled,
                    "summary": rule.summary(),
                    "plugin": owners.get(rule_id, "config (custom_rules)"),
                    "options": options_schema(rule).get("properties", {}),
                }
            )
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title="trackerguard rules", show_lines=False)
    for column in ("id", "name", "severity", "applies to", "summary"):
        table.add_column(column)
    for row in rows:
        severity = row["severity"] if row["enabled"] else "disabled"
        cells = (row["id"], row["name"], severity, row["applies_to"], row["summary"])
        # Plugin and custom-rule text: shown as text, never read as rich markup.
        table.add_row(*(Text(terminal_safe(cell, multiline=True)) for cell in cells))
    from trackerguard.outputs.text_output import report_width

    Console(width=max(120, report_width(sys.stdout.isatty())), highlight=False).print(table)


@main.command()
@click.argument("rule_id", required=False)
@config_options
@click.option("--item", "item_key", default=None, help="Explain every rule's verdict on one item.")
@click.option("--tracker", default=None)
def explain(
    rule_id: str | None,
    config_file: Path | None,
    plugins_dir: Path | None,
    item_key: str | None,
    tracker: str | None,
) -> None:
    """Show a rule's documentation, or (--item KEY) why an item was or was not flagged."""
    from trackerguard.run import Runner, _custom_rules

    with _errors():
        settings, registry = _setup(config_file, plugins_dir, tracker=tracker)
        if item_key:
            runner = Runner(settings, registry)
            try:
                item, explanations, _ = runner.explain_item(item_key)
            finally:
                runner.close()
            say = terminal_safe
            click.echo(f"{say(item.key)}  {say(item.title)}")
            click.echo(
                f"type {say(item.type or '-')} · level {say(item.level or '-')} · status "
                f"{say(item.status or '-')} ({item.status_category.value})"
            )
            for entry in explanations:
                if rule_id and entry.rule != rule_id.upper():
                    continue
                verdict = entry.verdict
                if not entry.applies or verdict is None:
                    state = "n/a"
                elif verdict.passed:
                    state = "pass"
                else:
                    state = "FAIL"
                click.echo(
                    f"\n{entry.rule} {entry.name}: {state}"
                    + (f" — {say(entry.note, multiline=True)}" if entry.note else "")
                )
                if verdict is not None:
                    if verdict.message:
                        click.echo(f"  {say(verdict.message, multiline=True)}")
                    if verdict.evidence:
                        click.echo(f"  evidence: {say(verdict.evidence, multiline=True)}")
                    if not verdict.passed:
                        click.echo(f"  confidence: {verdict.confidence}")
                        if verdict.hint:
                            click.echo(f"  hint: {say(verdict.hint, multiline=True)}")
            return
        if not rule_id:
            raise UsageError("explain: give a RULE_ID (e.g. TG103) or --item KEY")
        rules = dict(registry.rules)
        rules.update(_custom_rules(settings, registry))
        rule = rules.get(rule_id.upper())
        if rule is None:
            raise UsageError(
                f"explain: unknown rule id '{rule_id}' (known: {', '.join(sorted(rules))})"
            )
        _print_rule_doc(rule, registry)


def _print_rule_doc(rule: Any, registry: Registry) -> None:
    """A rule's docstring rendered for the terminal (bold headings, not raw ``**``)."""
    from io import StringIO

    from rich.console import Console
    from rich.markdown import Markdown

    from trackerguard.outputs.text_output import report_width

    terminal = sys.stdout.isatty()
    buffer = StringIO()
    console = Console(
        file=buffer,
        width=report_width(terminal),
        force_terminal=terminal and not os.environ.get("NO_COLOR"),
        no_color=not terminal or bool(os.environ.get("NO_COLOR")),
        highlight=False,
    )
    console.print(f"{rule.id} {rule.name} (default severity: {rule.default_severity})\n")
    console.print(Markdown(_paragraph_headings(rule.documentation())))
    url = rule.docs_url()
    owner = registry.owners.get(("rule", rule.id))
    if url:
        console.print(f"\nDocs: {url}", soft_wrap=True)
    else:
        console.print(f"\nDocs: none published by plugin '{owner}' (it may set Rule.docs)")
    click.echo("\n".join(line.rstrip() for line in buffer.getvalue().splitlines()))


def _paragraph_headings(doc: str) -> str:
    """``**Why it matters**`` on its own line becomes a Markdown heading of its paragraph."""
    import re

    return re.sub(r"(?m)^\*\*([^*\n]+)\*\*:?\s*$", r"\n#### \1\n", doc)


# -- plugins / config / init ---------------------------------------------------------------------
@main.command()
@config_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def plugins(config_file: Path | None, plugins_dir: Path | None, fmt: str) -> None:
    """List loaded plugins, where they came from, and what they registered."""
    with _errors():
        _, registry = _setup(config_file, plugins_dir)
    if fmt == "json":
        click.echo(json.dumps([info.to_dict() for info in registry.plugins], indent=2))
        return
    for info in registry.plugins:
        registered = []
        if info.rules:
            registered.append("rules: " + ", ".join(info.rules))
        if info.trackers:
            registered.append("trackers: " + ", ".join(info.trackers))
        if info.outputs:
            registered.append("outputs: " + ", ".join(info.outputs))
        click.echo(f"{info.name}  [{info.origin}]")
        click.echo("    " + ("; ".join(registered) if registered else "(hooks only)"))


@main.command("config")
@config_options
@click.option("--format", "fmt", type=click.Choice(["json", "toml"]), default="json")
def config_command(config_file: Path | None, plugins_dir: Path | None, fmt: str) -> None:
    """Validate and print the effective configuration (secrets masked)."""
    with _errors():
        settings, registry = _setup(config_file, plugins_dir)
        from trackerguard.run import Runner

        Runner(settings, registry).close()  # validates rule ids, options, custom rules
    data = settings.masked()
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        from trackerguard.init_template import to_toml

        click.echo(to_toml(data))


def _init_trackers() -> list[str]:
    from trackerguard.init_template import TRACKERS

    return list(TRACKERS)


@main.command()
@click.option("--force", is_flag=True, help="Overwrite an existing trackerguard.toml.")
@click.option(
    "--tracker",
    type=click.Choice(_init_trackers()),
    default="file",
    show_default=True,
)
def init(force: bool, tracker: str) -> None:
    """Write a commented trackerguard.toml to start from (and, for the file tracker, a
    small example backlog.json when there is none)."""
    from trackerguard.init_template import SECRET_ENV, starter_backlog, template

    target = Path("trackerguard.toml")
    if target.exists() and not force:
        click.echo("trackerguard: error: trackerguard.toml exists (use --force)", err=True)
        sys.exit(2)
    target.write_text(template(tracker), encoding="utf-8")
    wrote = [str(target)]
    if tracker == "file":
        backlog = Path("backlog.json")
        if not backlog.exists():
            backlog.write_text(starter_backlog(), encoding="utf-8")
            wrote.append(f"{backlog} (a 4-item example to replace with your items)")
        click.echo(f"wrote {' and '.join(wrote)}; next: trackerguard check")
        return
    click.echo(
        f"wrote {target} (tracker: {tracker}); next: edit the [{tracker}] section, "
        f"set {SECRET_ENV[tracker]}, then run trackerguard check"
    )


# -- service -------------------------------------------------------------------------------------
@main.command()
@config_options
@click.option("--host", default=None, help="Bind address (default: [service] host, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: [service] port, 8000).")
def serve(
    config_file: Path | None, plugins_dir: Path | None, host: str | None, port: int | None
) -> None:
    """Run the webhook service."""
    with _errors():
        settings, registry = _setup(config_file, plugins_dir)
        from trackerguard.service.cli import run_serve

        run_serve(settings, registry, host=host, port=port)


@main.group()
def queue() -> None:
    """Inspect and replay the service's delivery queue and dead letters."""


@queue.command("list")
@config_options
@click.option("--dead", is_flag=True, help="Only dead letters.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def queue_list(config_file: Path | None, plugins_dir: Path | None, dead: bool, fmt: str) -> None:
    """List queued jobs and dead letters."""
    with _errors():
        settings, _ = _setup(config_file, plugins_dir)
        from trackerguard.service.cli import queue_list as run

        run(settings, dead=dead, fmt=fmt)


@queue.command("retry")
@click.argument("job_id", required=False)
@click.option("--all", "retry_all", is_flag=True, help="Retry every dead letter.")
@config_options
def queue_retry(
    job_id: str | None, retry_all: bool, config_file: Path | None, plugins_dir: Path | None
) -> None:
    """Move a dead letter (or all) back to the queue."""
    with _errors():
        if not job_id and not retry_all:
            raise UsageError("queue retry: give a job ID or --all")
        settings, _ = _setup(config_file, plugins_dir)
        from trackerguard.service.cli import queue_retry as run

        run(settings, job_id=job_id, retry_all=retry_all)


@queue.command("purge")
@config_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def queue_purge(config_file: Path | None, plugins_dir: Path | None, yes: bool) -> None:
    """Delete every dead letter."""
    with _errors():
        settings, _ = _setup(config_file, plugins_dir)
        if not yes:
            click.confirm("Delete every dead letter?", abort=True)
        from trackerguard.service.cli import queue_purge as run

        run(settings)


@queue.command("migrate")
@config_options
def queue_migrate(config_file: Path | None, plugins_dir: Path | None) -> None:
    """Create or upgrade the queue's tables (Postgres: the job engine's schema and ours)."""
    with _errors():
        settings, _ = _setup(config_file, plugins_dir)
        from trackerguard.service.cli import queue_migrate as run

        run(settings)


# Governance commands (waivers, diff, report --history) register themselves on ``main``.
from trackerguard import cli_governance as _governance  # noqa: E402, F401

if __name__ == "__main__":  # pragma: no cover
    # ``python -m trackerguard.cli`` runs this file as ``__main__``, a second copy of the
    # module: the governance commands register on ``trackerguard.cli.main``, so run that.
    from trackerguard.cli import entry as _entry

    _entry()
