"""Misspelled ``TRACKERGUARD_*`` environment variables are errors, not silently ignored.

pydantic-settings rejects an unknown key *below* a section (``TRACKERGUARD_FILE__PATHH``)
but ignores an unknown top-level name: ``TRACKERGUARD_FAIL_ONN=never`` would leave
``fail_on`` at ``block`` without a word. Every ``TRACKERGUARD_<NAME>`` must therefore be a
setting, one of the few variables trackerguard reads itself, or belong to a loaded plugin
(``TRACKERGUARD_<PLUGIN>_…``, e.g. ``TRACKERGUARD_OKR_LOG`` for the plugin ``okr``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from trackerguard.errors import ConfigError

PREFIX = "TRACKERGUARD_"
OWN_VARIABLES = frozenset({"CONFIG", "PLUGINS", "DEBUG", "VENV"})
"""Variables read outside the settings: config path, plugin filter, tracebacks, ./dev's venv."""


def check_environment(
    environ: Mapping[str, str], settings_fields: Iterable[str], plugin_names: Iterable[str]
) -> None:
    """Raise :class:`ConfigError` naming the first unknown ``TRACKERGUARD_*`` variable."""
    fields = {name.upper() for name in settings_fields}
    plugins = [name.upper().replace("-", "_") for name in plugin_names]
    for variable in sorted(environ):
        upper = variable.upper()
        if not upper.startswith(PREFIX):
            continue
        head = upper[len(PREFIX) :].split("__", 1)[0]
        if head.endswith("_FILE") and head[: -len("_FILE")] in fields:
            continue  # a secret read from a file
        if head in fields or head in OWN_VARIABLES:
            continue
        if any(head == plugin or head.startswith(plugin + "_") for plugin in plugins):
            continue
        close = difflib.get_close_matches(head, sorted(fields | OWN_VARIABLES), n=1)
        hint = f"; did you mean {PREFIX}{close[0]}?" if close else ""
        raise ConfigError(
            f"environment variable {variable}: unknown setting '{head.lower()}'{hint} "
            f"(a plugin's own variables start with {PREFIX}<PLUGIN NAME>_)"
        )


__all__ = ["OWN_VARIABLES", "check_environment"]
