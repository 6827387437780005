"""Test harness: a project directory wired to a running GitLab simulator, and a CLI runner.

``Project.check()`` runs ``trackerguard check --tracker gitlab --format json`` in-process
(click's runner) with the token in the environment only, never in the config file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


@dataclass
class Project:
    """A ``trackerguard.toml`` pointing at the simulator."""

    sim: GitLabSimulator
    root: Path
    projects: list[str]
    gitlab: dict[str, Any] = field(default_factory=dict)
    top: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def write(self) -> Path:
        options: dict[str, Any] = {
            "projects": self.projects,
            "url": self.sim.url,
            "backoff": 0.01,
            **self.gitlab,
        }
        lines = [f'tracker = "gitlab"\nstate_path = "state.db"\n{self.top}\n{LEVELS}', "[gitlab]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in options.items()]
        path = self.root / "trackerguard.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def run(self, *args: str) -> tuple[int, str, str]:
        from click.testing import CliRunner

        from trackerguard.cli import main

        config = self.write()
        env = {"TRACKERGUARD_GITLAB__TOKEN": TOKEN, **self.env}
        result = CliRunner().invoke(
            main, [*args[:1], "--config", str(config), *args[1:]], env=env, catch_exceptions=False
        )
        return result.exit_code, result.stdout, result.stderr

    def check(self, *extra: str, apply: bool = True) -> tuple[int, dict[str, Any]]:
        args = ["check", "--tracker", "gitlab", "--format", "json", "--quiet"]
        if apply:
            args.append("--apply")
        code, out, err = self.run(*args, *extra)
        try:
            return code, json.loads(out)
        except ValueError:
            raise AssertionError(f"exit {code}, not JSON: {out[:500]!r} {err[:2000]!r}") from None
