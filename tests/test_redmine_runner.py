"""``scripts/redmine-test-server runner`` reaches the instance under test, and only that one.

Each ``REDMINE_CI_DIR`` is its own Redmine instance. A runner that ran against another
directory's database (the default one, when the caller had sourced only the env file) made
bulk fixtures and backdating land where the server under test never looks.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from redmine_support.fixtures import redmine_server  # noqa: F401 (fixture)
from redmine_support.rest import RedmineRest
from redmine_support.runner import SCRIPT, run_ruby, runner_env
from redmine_support.server import CI_DIR, ENV_FILE, RedmineServer

pytestmark = pytest.mark.redmine

LOOKUP = 'p = Project.find_by(identifier: ARGV[0])\nputs "ID=#{p&.id} ISSUES=#{p ? p.issues.count : -1}"\n'


def test_the_runner_reads_and_writes_the_database_the_server_serves(server: RedmineServer) -> None:
    rest = RedmineRest(server.url, server.api_key)
    try:
        project_id = rest.recreate_project("tg-it-runner", "trackerguard runner")
        first = rest.issue(project_id, "Task", "made over REST")
        out = run_ruby(server, LOOKUP, "tg-it-runner")
        assert f"ID={project_id} ISSUES=1" in out, out
        # A write made by the runner is what the server then answers with.
        run_ruby(
            server,
            "Issue.where(id: ARGV[0].to_i).update_all(subject: 'renamed by the runner')\n",
            str(first),
        )
        assert rest.read(first)["subject"] == "renamed by the runner"
    finally:
        rest.close()


def test_the_env_file_names_its_instance(server: RedmineServer) -> None:
    """Sourcing the env file (``set -a; . env``) must also select the instance for runner."""
    values = dict(
        line.split("=", 1) for line in ENV_FILE.read_text(encoding="utf-8").splitlines() if line
    )
    assert values["REDMINE_URL"] == server.url
    assert Path(values["REDMINE_CI_DIR"]).resolve() == CI_DIR.resolve()


def _runner(server: RedmineServer, ci_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "runner", "/dev/null"],
        env={**runner_env(server, ci_dir), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_url_served_by_another_instance_is_refused(server: RedmineServer) -> None:
    proc = _runner(server, CI_DIR, REDMINE_URL="http://127.0.0.1:9")
    assert proc.returncode == 1
    assert "is not the instance in" in proc.stderr and server.url in proc.stderr


def test_a_directory_never_started_is_refused(server: RedmineServer, tmp_path: Path) -> None:
    proc = _runner(server, tmp_path / "elsewhere")
    assert proc.returncode == 1
    assert "no Redmine instance in" in proc.stderr and "start it first" in proc.stderr
