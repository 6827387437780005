"""One-line descriptions of exceptions raised by plugin code (rules, hooks, outputs, adapters).

A guard's failure must be loud but readable: the person at the terminal (or reading a CI
log) gets the exception's type and message and the place in *their* code that raised it,
never a traceback (``TRACKERGUARD_DEBUG=1`` shows one). The place is the innermost frame of
the traceback, which for a plugin rule is the plugin's own file.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable
from types import CodeType


def describe(exc: BaseException) -> str:
    """``ValueError: boom (at plugins/rules.py:12)``: type, message and innermost location."""
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    where = location(exc)
    return f"{detail} (at {where})" if where else detail


def location(exc: BaseException) -> str:
    """``file:line`` of the innermost frame of ``exc``'s traceback ('' without one)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f"{_short(last.filename)}:{last.lineno}"


def raising_function(exc: BaseException, candidates: Iterable[tuple[CodeType, str]]) -> str | None:
    """The name attached to the first traceback frame whose code is one of ``candidates``
    (a hook implementation's ``__code__`` → its plugin name), else ``None``."""
    by_code = dict(candidates)
    tb = exc.__traceback__
    while tb is not None:
        name = by_code.get(tb.tb_frame.f_code)
        if name is not None:
            return name
        tb = tb.tb_next
    return None


def _short(path: str) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative


__all__ = ["describe", "location", "raising_function"]
