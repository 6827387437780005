"""Ruby in the test Redmine's own process space: ``scripts/redmine-test-server runner``.

REST cannot create trackers or set ``created_on``, and it creates ~10 issues a second; bulk
fixtures and backdating go through ``rails runner`` instead. Each ``REDMINE_CI_DIR`` is its
own Redmine instance, so the runner must be pointed at the directory of the server the tests
talk to: :func:`run_ruby` passes that directory and the server's URL, and the script refuses
to run when they do not belong together (it would change another instance's database).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from .server import CI_DIR, RedmineServer

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "redmine-test-server"


def runner_env(server: RedmineServer, ci_dir: Path = CI_DIR) -> dict[str, str]:
    env = dict(os.environ)
    env["REDMINE_CI_DIR"] = str(ci_dir)
    env["REDMINE_URL"] = server.url
    return env


def run_ruby(
    server: RedmineServer,
    code: str,
    *args: str,
    ci_dir: Path = CI_DIR,
    timeout: float = 600,
) -> str:
    """Run ``code`` with ``rails runner`` (as www-data) on ``server``'s instance; its stdout.

    Raises ``AssertionError`` with the script's last stderr lines when it fails.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".rb", delete=False, encoding="utf-8") as f:
        f.write(code)
    try:
        os.chmod(f.name, 0o644)
        proc = subprocess.run(
            [str(SCRIPT), "runner", f.name, *args],
            env=runner_env(server, ci_dir),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        os.unlink(f.name)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise AssertionError(f"redmine-test-server runner failed ({proc.returncode}):\n{tail}")
    return proc.stdout
