"""What ``trackerguard serve`` and ``trackerguard queue ...`` run."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from trackerguard.errors import UsageError
from trackerguard.service.backend import QueueStore, open_queue
from trackerguard.terminal import install_terminal_safety, terminal_safe
from trackerguard.urls import install_url_redaction

if TYPE_CHECKING:
    from trackerguard.plugins_manager import Registry
    from trackerguard.settings import Settings


SWITCH_INTERVAL = 0.0005
"""The interpreter's thread switch interval while serving (``sys.setswitchinterval``)."""


def _store(settings: Settings, *, check_schema: bool = True) -> QueueStore:
    return open_queue(settings.service, check_schema=check_schema)


def run_serve(
    settings: Settings, registry: Registry, *, host: str | None = None, port: int | None = None
) -> None:
    """Run the service under uvicorn until SIGTERM/SIGINT, then drain and exit."""
    import uvicorn

    from trackerguard.service.app import create_app
    from trackerguard.service.http import uvicorn_config

    configure_service_logging()
    # Workers judging items hold the GIL in long stretches; the event loop and the queue
    # writer need it back after every socket read and statement. At the default 5 ms, each
    # hand-over could add 5 ms to an acknowledgement; at 0.5 ms, a tenth of that.
    sys.setswitchinterval(SWITCH_INTERVAL)
    app = create_app(settings, registry)
    service = app.state.service
    cfg = settings.service
    config = uvicorn_config(
        app, cfg, host=host or cfg.host, port=cfg.port if port is None else port
    )

    class _Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            service.begin_drain()  # 503 for deliveries still arriving on open connections
            super().handle_exit(sig, frame)

    _Server(config).run()


def configure_service_logging() -> None:
    """INFO lines on stderr (unless the host configured logging), with tracker URLs redacted
    (they appear in request lines) and control characters from payloads made inert (an item
    key from a webhook is logged with its job)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    install_url_redaction()
    install_terminal_safety()


def _when(stamp: Any) -> str:
    if not isinstance(stamp, int | float):
        return "-"
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def queue_list(settings: Settings, *, dead: bool = False, fmt: str = "text") -> None:
    """Print the queued jobs and the dead letters (only dead letters with ``dead``)."""
    store = _store(settings)
    try:
        jobs = [] if dead else store.list_jobs()
        letters = store.list_dead()
    finally:
        store.close()
    if fmt == "json":
        out: dict[str, Any] = {"dead": letters}
        if not dead:
            out["jobs"] = jobs
        click.echo(json.dumps(out, indent=2))
        return
    if not dead:
        click.echo(f"queued jobs: {len(jobs)}")
        for job in jobs:
            error = terminal_safe(job["last_error"]) if job["last_error"] else ""
            click.echo(
                f"  {job['id']:>6}  {job['state']:<8} {job['tracker']}:"
                f"{terminal_safe(job['item'])}  "
                f"deliveries={job['deliveries']} attempts={job['attempts']} "
                f"due={_when(job['not_before'])} origin={terminal_safe(job['origin'])}"
                + (f"  last error: {error}" if error else "")
            )
    click.echo(f"dead letters: {len(letters)}")
    for letter in letters:
        click.echo(
            f"  {letter['id']:>6}  {letter['tracker']}:{terminal_safe(letter['item'])}  "
            f"attempts={letter['attempts']} died={_when(letter['died'])}  "
            f"last error: {terminal_safe(letter['last_error'] or '-')}"
        )


def queue_retry(settings: Settings, *, job_id: str | None = None, retry_all: bool = False) -> None:
    """Move one dead letter (``job_id``) or all of them back to the queue, due now."""
    if not retry_all:
        if job_id is None:
            raise UsageError("queue retry: give a job ID or --all")
        try:
            wanted: int | None = int(job_id)
        except ValueError:
            raise UsageError(f"queue retry: job ID must be a number, got '{job_id}'") from None
    else:
        wanted = None
    store = _store(settings)
    try:
        moved = store.retry_dead(wanted)
    finally:
        store.close()
    if wanted is not None and moved == 0:
        raise UsageError(f"queue retry: no dead letter with ID {wanted}")
    click.echo(f"requeued {moved} dead letter(s); a running service picks them up")


def queue_purge(settings: Settings) -> None:
    """Delete every dead letter."""
    store = _store(settings)
    try:
        removed = store.purge_dead()
    finally:
        store.close()
    click.echo(f"purged {removed} dead letter(s)")
    sys.stdout.flush()


def queue_migrate(settings: Settings) -> None:
    """Apply the queue's schema. SQLite creates its tables on open; Postgres needs this once
    per database (and after upgrades), before the first ``serve``."""
    store = _store(settings, check_schema=False)
    try:
        migrate = getattr(store, "migrate", None)
        done = migrate() if migrate is not None else []
    finally:
        store.close()
    click.echo("queue schema: " + (", ".join(done) + " created" if done else "up to date"))
    sys.stdout.flush()
