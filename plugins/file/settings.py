"""``[file]`` configuration section: the local backlog file tracker."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from trackerguard.adapter import TrackerSettings


class FileSettings(TrackerSettings):
    """Where the backlog file lives; relative paths are relative to the config file."""

    path: Path = Path("backlog.json")
    format: Literal["auto", "json", "yaml"] = "auto"
