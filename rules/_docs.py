"""Shared wording for the built-in rules (kept in one place so comments read consistently)."""

from __future__ import annotations

from trackerguard.levels import LevelMap


def higher_levels(levels: LevelMap, level: str | None) -> str:
    """'an epic or initiative' style list of the levels above ``level``."""
    above = [name for name in levels.names if levels.rank(name) < levels.rank(level)]
    if not above:
        return "a goal"
    names = list(reversed(above))
    article = "an" if names[0][:1].lower() in "aeiou" else "a"
    return f"{article} {' or '.join(names)}"
