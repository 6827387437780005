"""Progress bars for long scans: drawn on a TTY, silent in CI, with --quiet or when piped.

A phase's name is shown as text (escaped from rich markup, control characters made
visible by :func:`~trackerguard.terminal.terminal_safe`): plugins and runners may name a
phase after tracker data."""

from __future__ import annotations

import os
import sys
from typing import Any


class RichProgress:
    """A rich progress bar on stderr, one task per phase."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=sys.stderr),
            transient=True,
        )
        self._task: Any = None
        self._progress.start()

    def phase(self, name: str, total: int | None) -> None:
        from rich.markup import escape

        from trackerguard.terminal import terminal_safe

        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(escape(terminal_safe(name)), total=total)

    def advance(self, count: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, count)

    def done(self) -> None:
        self._progress.stop()


class NoProgress:
    """Progress that draws nothing (CI, --quiet, pipes, the service)."""

    def phase(self, name: str, total: int | None) -> None:
        return None

    def advance(self, count: int = 1) -> None:
        return None

    def done(self) -> None:
        return None


def make_progress(quiet: bool) -> RichProgress | NoProgress:
    """A bar only when a person is watching: stderr is a TTY, not CI, not --quiet."""
    if quiet or os.environ.get("CI") or not sys.stderr.isatty():
        return NoProgress()
    return RichProgress()
