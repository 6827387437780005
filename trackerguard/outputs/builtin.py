"""Registers the built-in report formats through the same hook plugins use."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from trackerguard.hooks import RegisterOutput, hookimpl

_FORMATS = {
    "text": ("trackerguard.outputs.text_output", "write_text"),
    "json": ("trackerguard.outputs.json_output", "write_json"),
    "markdown": ("trackerguard.outputs.markdown_output", "write_markdown"),
    "junit": ("trackerguard.outputs.junit_output", "write_junit"),
    "html": ("trackerguard.outputs.html_output", "write_html"),
}


def _on_first_use(module: str, name: str) -> Callable[..., str]:
    """A writer that imports its module when a report is first written in that format:
    a run writes one or two formats, and the others (rich for text, the HTML templates)
    would cost start-up time for nothing."""

    def writer(*args: Any, **kwargs: Any) -> str:
        write: Callable[..., str] = getattr(importlib.import_module(module), name)
        return write(*args, **kwargs)

    writer.__name__ = writer.__qualname__ = name
    writer.__module__ = module
    return writer


@hookimpl
def trackerguard_register_outputs(register: RegisterOutput) -> None:
    """Register text, json, markdown, junit and html."""
    for fmt, (module, name) in _FORMATS.items():
        register(fmt, _on_first_use(module, name))
