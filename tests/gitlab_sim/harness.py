"""Test harness: a project directory wired to a running GitLab simulator, and a CLI runner.

``Project.check()`` runs ``trackerguard check --tracker gitlab --format json`` in-process
(click's runner) with the token in the environment only, never in the config file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..sim_support import SimProject
from .server import TOKEN, GitLabSimulator

LEVELS = """
[[levels]]
name = "initiative"
types = ["Initiative"]

[[levels]]
name = "epic"
types = ["Epic"]

[[levels]]
name = "work"
types = ["Task", "Issue", "Incident"]
"""


@dataclass
class Project(SimProject):
    """A ``trackerguard.toml`` pointing at the simulator."""

    tracker: ClassVar[str] = "gitlab"
    credential: ClassVar[tuple[str, str]] = ("TRACKERGUARD_GITLAB__TOKEN", TOKEN)
    levels: ClassVar[str] = LEVELS

    sim: GitLabSimulator
    root: Path
    projects: list[str]
    gitlab: dict[str, Any] = field(default_factory=dict)
    top: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def options(self) -> dict[str, Any]:
        return {
            "projects": self.projects,
            "url": self.sim.url,
            "backoff": 0.01,
            **self.gitlab,
        }
