"""Test harness: a started simulator per test and a ``trackerguard check`` runner against it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from tests.jira_sim.server import JiraSim
from tests.jira_sim.state import Flavor, SimState


@dataclass
class CheckResult:
    exit_code: int
    report: dict[str, Any]
    stdout: str
    stderr: str

    def findings(self, item: str) -> set[str]:
        return {f["rule"] for f in self.report.get("findings", []) if f["item"] == item}

    def actions(self, item: str) -> list[tuple[str, str]]:
        return [(a["kind"], a["status"]) for a in self.report["actions"] if a["item"] == item]


def env_for(sim: JiraSim, workdir: Path, **extra: str) -> dict[str, str]:
    """Connection settings through the environment, exactly as a CI job would set them."""
    state = sim.state
    env = {
        "TRACKERGUARD_JIRA__URL": sim.url,
        "TRACKERGUARD_STATE_PATH": str(workdir / "state.db"),
    }
    if state.flavor == "cloud":
        env["TRACKERGUARD_JIRA__EMAIL"] = state.bot_email
        env["TRACKERGUARD_JIRA__TOKEN"] = state.token
    else:
        env["TRACKERGUARD_JIRA__TOKEN"] = state.pat
    env.update(extra)
    return env


def run_check(
    sim: JiraSim,
    workdir: Path,
    args: Sequence[str] = ("--query", "project = ACME"),
    *,
    apply: bool = True,
    env: dict[str, str] | None = None,
) -> CheckResult:
    """``trackerguard check --tracker jira ... --format json`` in-process (CliRunner)."""
    from trackerguard.cli import main

    argv = ["check", "--tracker", "jira", *args, "--format", "json", "--quiet"]
    if apply:
        argv.append("--apply")
    full_env = env_for(sim, workdir, **(env or {}))
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        result = CliRunner().invoke(main, argv, env=full_env, catch_exceptions=False)
    finally:
        os.chdir(cwd)
    try:
        report = json.loads(result.stdout) if result.stdout.strip() else {}
    except ValueError:
        report = {}
    return CheckResult(result.exit_code, report, result.stdout, result.stderr)


@contextmanager
def simulator(state: SimState, **kwargs: Any) -> Iterator[JiraSim]:
    """A running simulator; spec violations or simulator crashes fail the test at teardown."""
    sim = JiraSim(state, **kwargs).start()
    try:
        yield sim
    finally:
        sim.stop()
    assert not sim.validator.errors, "requests/responses violating the Jira spec:\n" + "\n".join(
        sim.validator.errors[:20]
    )
    assert not sim.errors, "protocol errors seen by the simulator:\n" + "\n".join(sim.errors[:20])


__all__ = ["CheckResult", "Flavor", "env_for", "run_check", "simulator"]
