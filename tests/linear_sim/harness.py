"""Test harness: a project directory wired to a running simulator, and a CLI runner.

``Project.check()`` runs ``trackerguard check --tracker linear --format json`` in-process
(click's runner) with the API key in the environment only, never in the config file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..sim_support import SimProject
from .server import API_KEY, LinearSimulator


@dataclass
class Project(SimProject):
    """A ``trackerguard.toml`` pointing at the simulator."""

    tracker: ClassVar[str] = "linear"
    credential: ClassVar[tuple[str, str]] = ("TRACKERGUARD_LINEAR__API_KEY", API_KEY)

    sim: LinearSimulator
    root: Path
    teams: list[str] = field(default_factory=lambda: ["ENG", "OPS"])
    linear: dict[str, Any] = field(default_factory=dict)
    top: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def options(self) -> dict[str, Any]:
        return {
            "teams": self.teams,
            "api_url": self.sim.api_url,
            "backoff": 0.01,
            **self.linear,
        }
