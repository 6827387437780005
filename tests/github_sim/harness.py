"""Test harness: a project directory wired to a running simulator, and a CLI runner.

``Project.check()`` runs ``trackerguard check --tracker github --format json`` in-process
(click's runner) with the token in the environment only, never in the config file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..sim_support import SimProject
from .server import TOKEN, GitHubSimulator

LEVELS = """
[[levels]]
name = "initiative"
types = ["Initiative"]
labels = ["initiative"]

[[levels]]
name = "epic"
types = ["Epic", "Feature"]
labels = ["epic"]

[[levels]]
name = "work"
types = ["Task", "Bug"]
"""


@dataclass
class Project(SimProject):
    """A ``trackerguard.toml`` pointing at the simulator."""

    tracker: ClassVar[str] = "github"
    credential: ClassVar[tuple[str, str]] = ("TRACKERGUARD_GITHUB__TOKEN", TOKEN)
    levels: ClassVar[str] = LEVELS

    sim: GitHubSimulator
    root: Path
    repos: list[str]
    github: dict[str, Any] = field(default_factory=dict)
    top: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def options(self) -> dict[str, Any]:
        return {
            "repos": self.repos,
            "api_url": self.sim.api_url,
            "write_interval": 0,
            "backoff": 0.01,
            **self.github,
        }
