"""The GitHub Action (action.yml) and the GitLab CI template (templates/trackerguard.yml),
run here the way the CI systems run them.

GitHub: the composite action's steps are read from action.yml, their ``${{ … }}``
expressions evaluated against the inputs (defaults plus the workflow's ``with:``),
``github.action_path`` and ``runner.temp``, and each ``run`` script executed as GitHub's
``shell: bash`` does (``bash --noprofile --norc -eo pipefail``) with fresh
``GITHUB_OUTPUT`` and a shared ``GITHUB_STEP_SUMMARY`` file; the action's outputs are then
resolved from the step outputs. GitLab: the template's ``spec:inputs`` are interpolated
(``$[[ inputs.x ]]``), the job's variables exported and its script lines run in one bash
session with ``set -eo pipefail``, then the artifact paths it declares are checked.

Both install trackerguard from a copy of this checkout (the action from its own
``action_path``), into fresh virtualenvs, and judge the demo backlog.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
pytestmark = pytest.mark.slow


def checkout_copy(where: Path) -> Path:
    """The repository's tracked (and new, unignored) files, as an action checkout has them."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    for name in listed:
        source = ROOT / name
        if source.is_file():
            target = where / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return where


def demo_workspace(where: Path) -> Path:
    where.mkdir()
    shutil.copy(ROOT / "examples/demo/backlog.json", where / "backlog.json")
    shutil.copy(ROOT / "examples/demo/trackerguard.toml", where / "trackerguard.toml")
    return where


# -- GitHub ---------------------------------------------------------------------------------
class GitHubRunner:
    """Runs a composite action's steps like the GitHub runner does (bash steps only)."""

    def __init__(self, action_path: Path, temp: Path) -> None:
        self.action_path = action_path
        self.action = yaml.safe_load((action_path / "action.yml").read_text(encoding="utf-8"))
        self.temp = temp

    def run(
        self, workspace: Path, with_: Mapping[str, str], *, skip: tuple[str, ...] = ()
    ) -> tuple[bool, dict[str, str], str, list[str]]:
        """(success, action outputs, step summary, logs) of one use of the action."""
        inputs = {
            name: str(spec.get("default", "")) for name, spec in self.action["inputs"].items()
        }
        unknown = set(with_) - set(inputs)
        assert not unknown, f"inputs the action does not declare: {unknown}"
        inputs.update(with_)
        summary = self.temp / "step_summary.md"
        summary.write_text("", encoding="utf-8")
        steps: dict[str, dict[str, str]] = {}
        logs: list[str] = []
        success = True
        assert self.action["runs"]["using"] == "composite"
        for index, step in enumerate(self.action["runs"]["steps"]):
            if step.get("name") in skip:
                continue
            assert step["shell"] == "bash", "the runner only knows bash steps"
            context = {"inputs": inputs, "steps": steps}
            env = {
                **os.environ,
                "GITHUB_ACTION_PATH": str(self.action_path),
                "GITHUB_WORKSPACE": str(workspace),
                "RUNNER_TEMP": str(self.temp),
                "GITHUB_STEP_SUMMARY": str(summary),
                "CI": "true",
                "GITHUB_ACTIONS": "true",
            }
            env.pop("VIRTUAL_ENV", None)
            for key, value in (step.get("env") or {}).items():
                env[key] = self.evaluate(str(value), context)
            output_file = self.temp / f"output_{index}"
            output_file.write_text("", encoding="utf-8")
            env["GITHUB_OUTPUT"] = str(output_file)
            script = self.temp / f"step_{index}.sh"
            script.write_text(self.evaluate(step["run"], context), encoding="utf-8")
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=workspace, env=env, capture_output=True, text=True, timeout=600,
            )  # fmt: skip
            logs.append(done.stdout + done.stderr)
            if "id" in step:
                steps[step["id"]] = {"outputs": parse_outputs(output_file.read_text())}  # type: ignore[dict-item]
            if done.returncode != 0:
                success = False
                break
        outputs = {
            name: self.evaluate(str(spec["value"]), {"inputs": inputs, "steps": steps})
            for name, spec in self.action["outputs"].items()
        }
        return success, outputs, summary.read_text(encoding="utf-8"), logs

    def evaluate(self, text: str, context: Mapping[str, Any]) -> str:
        def value(match: re.Match[str]) -> str:
            path = match.group(1).split(".")
            if path[0] == "github" and path[1:] == ["action_path"]:
                return str(self.action_path)
            if path[0] == "runner" and path[1:] == ["temp"]:
                return str(self.temp)
            assert path[0] in ("inputs", "steps"), f"unsupported expression {match.group(0)}"
            node: Any = context
            for part in path:  # a missing property is null, and null renders as ''
                node = node.get(part) if isinstance(node, Mapping) else None
            return "" if node is None else str(node)

        return EXPRESSION.sub(value, text)


def parse_outputs(text: str) -> dict[str, str]:
    """``name=value`` lines and ``name<<DELIM`` blocks, as the runner reads GITHUB_OUTPUT."""
    out: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            for follow in lines:
                if follow == delimiter:
                    break
                body.append(follow)
            out[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
    return out


@pytest.fixture(scope="module")
def github(tmp_path_factory: pytest.TempPathFactory) -> GitHubRunner:
    base = tmp_path_factory.mktemp("gha")
    runner = GitHubRunner(checkout_copy(base / "action"), base / "runner-temp")
    runner.temp.mkdir()
    success, _, _, logs = runner.run(
        demo_workspace(base / "install-ws"), {}, skip=("Run trackerguard check",)
    )
    assert success, logs
    assert "trackerguard" in logs[0]  # --version after the install
    return runner


def test_action_declares_the_inputs_and_outputs_people_use(github: GitHubRunner) -> None:
    action = github.action
    assert {"config", "tracker", "query", "apply", "fail-on"} <= set(action["inputs"])
    assert {"items", "block", "warn", "info", "exit-code", "partial"} <= set(action["outputs"])
    install = action["runs"]["steps"][0]
    assert "${{ github.action_path }}" in str(install["env"])  # its own checkout
    assert "upload" not in json.dumps(action).lower().replace("upload-artifact if", "")


def test_action_dry_run_fails_on_blocking_findings_and_writes_the_summary(
    github: GitHubRunner, tmp_path: Path
) -> None:
    workspace = demo_workspace(tmp_path / "ws")
    before = (workspace / "backlog.json").read_text()
    success, outputs, summary, logs = github.run(workspace, {})
    assert not success  # blocking findings at the default fail-on: the step fails
    assert outputs["exit-code"] == "1"
    report = json.loads((workspace / outputs["report-dir"] / "report.json").read_text())
    counts = report["summary"]["findings"]
    assert outputs["items"] == str(report["summary"]["items"]) and int(outputs["items"]) >= 60
    assert (outputs["block"], outputs["warn"], outputs["info"]) == (
        str(counts["block"]),
        str(counts["warn"]),
        str(counts["info"]),
    )
    assert int(outputs["block"]) > 0 and outputs["partial"] == "false" and outputs["errors"] == "0"
    assert summary.startswith("## trackerguard report (file, dry run)")
    assert f"| {counts['block']} | {counts['warn']} | {counts['info']} |" in summary
    assert len(summary.encode()) <= 1024 * 1024
    ET.parse(workspace / outputs["report-dir"] / "report.xml")  # JUnit is valid XML
    assert "<html" in (workspace / outputs["report-dir"] / "report.html").read_text()
    assert (workspace / "backlog.json").read_text() == before  # a dry run writes nothing
    assert "block" in logs[-1]  # the text report is in the job log


def test_action_inputs_reach_the_command(github: GitHubRunner, tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path / "ws")
    config = workspace / "trackerguard.toml"
    config.rename(workspace / "custom.toml")
    success, outputs, summary, _ = github.run(
        workspace,
        {"config": "custom.toml", "fail-on": "never", "apply": "true", "report-dir": "out"},
    )
    assert success, outputs
    assert outputs["exit-code"] == "0" and outputs["report-dir"] == "out"
    report = json.loads((workspace / "out" / "report.json").read_text())
    assert report["summary"]["applied"] is True
    assert {a["status"] for a in report["actions"]} == {"applied"}
    backlog = (workspace / "backlog.json").read_text()
    assert "<!-- trackerguard -->" in backlog  # --apply wrote comments
    # Applying again writes nothing (verdicts are stable).
    success, outputs, _, _ = github.run(
        workspace, {"config": "custom.toml", "fail-on": "never", "apply": "true"}
    )
    assert success and (workspace / "backlog.json").read_text() == backlog

    # Without a fail-on input, the config's fail_on decides (the blocking findings remain).
    assert not github.run(workspace, {"config": "custom.toml"})[0]
    custom = workspace / "custom.toml"
    custom.write_text(custom.read_text().replace('fail_on = "block"', 'fail_on = "never"'))
    success, outputs, _, _ = github.run(workspace, {"config": "custom.toml"})
    assert success and outputs["exit-code"] == "0" and int(outputs["block"]) > 0

    # A bad input is a configuration error: exit 2, the step fails, no counts invented.
    success, outputs, summary, logs = github.run(workspace, {"config": "missing.toml"})
    assert not success and outputs["exit-code"] == "2" and outputs["block"] == ""
    assert "missing.toml" in logs[-1] and summary == ""


# -- GitLab ---------------------------------------------------------------------------------
def gitlab_job(inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The job of templates/trackerguard.yml with its inputs interpolated."""
    text = (ROOT / "templates" / "trackerguard.yml").read_text(encoding="utf-8")
    spec_doc, jobs_doc = text.split("\n---\n", 1)
    spec = yaml.safe_load(spec_doc)["spec"]["inputs"]
    unknown = set(inputs) - set(spec)
    assert not unknown, f"inputs the template does not declare: {unknown}"
    values = {name: inputs.get(name, entry.get("default")) for name, entry in spec.items()}
    for name, entry in spec.items():
        if "options" in entry:
            assert values[name] in entry["options"], name

    def interpolate(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        return str(value).lower() if isinstance(value, bool) else str(value)

    jobs = yaml.safe_load(re.sub(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]", interpolate, jobs_doc))
    ((name, job),) = jobs.items()
    return name, job


def run_gitlab_job(job: Mapping[str, Any], project: Path, venv: Path) -> int:
    """The job's script lines in one bash session, as the GitLab runner runs them."""
    lines = ["set -eo pipefail"]
    for line in job["script"]:
        lines.append(line)
    script = project / ".gitlab-job.sh"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {
        **os.environ,
        **{key: str(value) for key, value in job["variables"].items()},
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PROJECT_DIR": str(project),
        "TG_VENV": str(venv),
    }
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        ["bash", str(script)], cwd=project, env=env, capture_output=True, text=True, timeout=600
    )
    (project / ".gitlab-job.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    return done.returncode


def test_gitlab_template_writes_junit_and_markdown_artifacts(tmp_path: Path) -> None:
    source = checkout_copy(tmp_path / "trackerguard-src")
    name, job = gitlab_job({"install": str(source), "fail-on": "never", "job-name": "guard"})
    assert name == "guard" and job["stage"] == "test" and job["image"].startswith("python:3")
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always"
    junit = artifacts["reports"]["junit"]
    assert junit == "trackerguard-report/junit.xml"
    assert artifacts["paths"] == ["trackerguard-report/"]

    project = demo_workspace(tmp_path / "project")
    code = run_gitlab_job(job, project, tmp_path / "venv")
    log = (project / ".gitlab-job.log").read_text()
    assert code == 0, log
    assert "trackerguard: exit code 0" in log
    suites = ET.parse(project / junit).getroot()
    failures = sum(int(s.get("failures", 0)) for s in suites.iter("testsuite"))
    report = json.loads((project / "trackerguard-report" / "report.json").read_text())
    assert (
        failures == report["summary"]["findings"]["block"] + report["summary"]["findings"]["warn"]
    )
    markdown = (project / "trackerguard-report" / "report.md").read_text()
    assert markdown.startswith("## trackerguard")
    assert (project / "trackerguard-report" / "report.html").is_file()

    # With the default fail-on the job fails on the demo's blocking findings (exit 1),
    # and the artifacts are still written (artifacts: when: always keeps them).
    _, strict = gitlab_job({"install": str(source), "apply": True})
    assert run_gitlab_job(strict, project, tmp_path / "venv") == 1
    again = json.loads((project / "trackerguard-report" / "report.json").read_text())
    assert again["summary"]["applied"] is True  # a fresh report, not the earlier one
    assert (project / junit).is_file()


def _documented_gitlab_includes() -> list[tuple[str, dict[str, Any]]]:
    """The ``include:`` examples people copy: the README's and the template's own header."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "trackerguard.yml" in b]
    header = (ROOT / "templates" / "trackerguard.yml").read_text(encoding="utf-8")
    commented = "\n".join(
        line[3:] for line in header.split("\nspec:", 1)[0].splitlines() if line.startswith("#  ")
    )
    found = []
    for where, text in [("README.md", b) for b in blocks] + [("template header", commented)]:
        for include in yaml.safe_load(text)["include"]:
            if include.get("file") == "/templates/trackerguard.yml":
                found.append((where, include["inputs"]))
    return found


def test_the_documented_gitlab_includes_would_run() -> None:
    """A git URL needs git in the image, and python:3.11-slim (the default) has none: an
    example that installs from git and keeps the default image fails at ``pip install``."""
    examples = _documented_gitlab_includes()
    assert {where for where, _ in examples} == {"README.md", "template header"}
    for where, inputs in examples:
        _, job = gitlab_job(inputs)  # every input is one the template declares
        if str(inputs.get("install", "")).startswith("git+"):
            assert "slim" not in job["image"], f"{where}: a git URL on an image without git"
