"""Tracker text made inert before it reaches a terminal: reports, progress and log lines.

Titles, keys, messages and error texts come from trackers, that is from anyone who can
file an issue. A title holding ``ESC [ 2 J`` clears the reader's screen; ``ESC ] 8 ;;``
plants a hyperlink; ``ESC ] 0 ;`` retitles the window; a carriage return or a newline
forges a line of the report or the log that trackerguard never wrote. rich passes such
escapes through (it strips only bell, backspace and carriage return), so every
terminal-facing output shows tracker text through :func:`terminal_safe`:

* C0 controls, DEL and C1 controls (``\\x9b`` is a one-byte CSI to many terminals) become
  visible ``\\xNN`` escapes, as the JUnit report shows characters XML cannot carry;
* so do the Unicode line and paragraph separators and the bidirectional overrides and
  isolates (U+202A–U+202E, U+2066–U+2069), which reorder what a reader sees;
* tab and newline are kept only where the text is meant to span lines
  (``multiline=True``: a finding's message or hint); a key or a title stays one line.

:class:`TerminalSafeFilter` does the same to log records (the message text, each string
argument as one line, and a formatted traceback), and :func:`install_terminal_safety`
puts it on the handlers that write to a terminal: the root logger's and Python's
last-resort handler, which prints warnings when nothing is configured (``check``).
"""

from __future__ import annotations

import logging
import re

__all__ = ["TerminalSafeFilter", "install_terminal_safety", "terminal_safe"]

_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE_MULTILINE = re.compile(f"[{_UNSAFE}]")
_UNSAFE_LINE = re.compile(f"[{_UNSAFE}\t\n]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: object, *, multiline: bool = False) -> str:
    """``text`` with every control character shown as an escape (see the module docstring)."""
    value = text if isinstance(text, str) else str(text)
    pattern = _UNSAFE_MULTILINE if multiline else _UNSAFE_LINE
    return pattern.sub(_shown, value)


class TerminalSafeFilter(logging.Filter):
    """Neutralises control characters in a record before a handler formats it.

    The message template is trackerguard's (its newlines are kept); each string argument is
    tracker or payload text and is kept on one line. The record is rewritten once, so every
    later handler sees the same inert text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_terminal_safe", False):
            return True
        if isinstance(record.msg, str):
            record.msg = terminal_safe(record.msg, multiline=True)
        if isinstance(record.args, tuple):
            record.args = tuple(
                terminal_safe(arg) if isinstance(arg, str) else _inert(arg) for arg in record.args
            )
        elif isinstance(record.args, dict):
            record.args = {
                key: terminal_safe(arg) if isinstance(arg, str) else _inert(arg)
                for key, arg in record.args.items()
            }
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = terminal_safe(text, multiline=True)
        record._terminal_safe = True
        return True


def _inert(value: object) -> object:
    """A non-string argument: kept as it is (``%d``, ``%r`` still work) unless its text holds
    a control character; then it is shown by its safe ``str``."""
    if value is None or isinstance(value, bool | int | float):
        return value
    try:
        text = str(value)
    except Exception:  # a broken __str__ is the formatter's business, as before
        return value
    return terminal_safe(text) if _UNSAFE_LINE.search(text) else value


def install_terminal_safety() -> None:
    """Attach :class:`TerminalSafeFilter` to the root logger's handlers and to Python's
    last-resort handler; idempotent (call it after the handlers are configured)."""
    targets: list[logging.Filterer] = list(logging.getLogger().handlers)
    if logging.lastResort is not None:
        targets.append(logging.lastResort)
    for target in targets:
        if not any(isinstance(f, TerminalSafeFilter) for f in target.filters):
            target.addFilter(TerminalSafeFilter())
