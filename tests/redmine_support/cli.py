"""Run ``trackerguard check --tracker redmine`` as a user would: a subprocess, a config file,
the API key in the environment only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class CheckResult:
    code: int
    report: dict[str, Any]
    stderr: str

    @property
    def requests(self) -> dict[str, int]:
        return dict(self.report.get("summary", {}).get("requests", {}))

    def findings_for(self, key: str) -> set[str]:
        return {f["rule"] for f in self.report.get("findings", []) if f["item"] == key}

    def actions_for(self, key: str) -> list[dict[str, Any]]:
        return [a for a in self.report.get("actions", []) if a["item"] == key]


def write_config(
    directory: Path, url: str, projects: list[str], **redmine: str | int | bool
) -> Path:
    """A trackerguard.toml for the test project (no grace period: fixtures are minutes old)."""
    path = directory / "trackerguard.toml"
    extra = "".join(f"{key} = {json.dumps(value)}\n" for key, value in redmine.items())
    path.write_text(
        f'tracker = "redmine"\nstate_path = "{directory / "state.db"}"\n\n'
        "[actions]\ngrace_hours = 0\n\n"
        f'[redmine]\nurl = "{url}"\nprojects = {json.dumps(projects)}\n{extra}',
        encoding="utf-8",
    )
    return path


def trackerguard_command() -> list[str]:
    exe = Path(sys.executable).parent / "trackerguard"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("trackerguard")
    if found:
        return [found]
    return [sys.executable, "-m", "trackerguard.cli"]


def run_check(config: Path, api_key: str, *args: str, timeout: float = 300) -> CheckResult:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKERGUARD_")}
    env["TRACKERGUARD_REDMINE__API_KEY"] = api_key
    env["NO_COLOR"] = "1"
    proc = subprocess.run(
        [
            *trackerguard_command(),
            "check",
            "--tracker",
            "redmine",
            "--config",
            str(config),
            "--format",
            "json",
            "--quiet",
            *args,
        ],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    try:
        report = json.loads(proc.stdout) if proc.stdout.strip() else {}
    except json.JSONDecodeError:
        report = {"_stdout": proc.stdout}
    return CheckResult(proc.returncode, report, proc.stderr)
