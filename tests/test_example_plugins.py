"""The example plugins work as their authors would use them.

* ``examples/plugins/local``: a single-file plugin in a ``plugins_dir`` plus a declarative
  rule, used from its ``trackerguard.toml`` alone;
* ``examples/plugins/trackerguard-okr``: a separately packaged distribution, built and
  installed into a throw-away virtual environment (which sees this checkout's trackerguard
  through a ``.pth`` file, so nothing is downloaded), then its own test suite and an
  end-to-end ``trackerguard check`` run there.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from click.testing import CliRunner

from trackerguard.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "plugins"


def test_local_plugin_and_custom_rule_from_config_alone(tmp_path: Path) -> None:
    project = tmp_path / "local"
    shutil.copytree(EXAMPLES / "local", project)
    config = project / "trackerguard.toml"
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--config", str(config), "--format", "json", "-q"])
    assert result.exit_code == 0, result.output  # fail_on = "never"
    found = {(f["rule"], f["item"]) for f in json.loads(result.stdout)["findings"]}
    assert ("LOC101", "DEMO-2") in found  # the plugins_dir rule
    assert ("BUG1", "DEMO-3") in found  # the declarative rule
    assert ("BUG1", "DEMO-4") not in found
    listed = runner.invoke(main, ["plugins", "--config", str(config)])
    assert "no_wip_titles  [plugins_dir (" in listed.stdout and "rules: LOC101" in listed.stdout


@pytest.fixture(scope="module")
def okr_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with trackerguard-okr installed from a wheel build of the example."""
    root = tmp_path_factory.mktemp("okr")
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # trackerguard (editable), its dependencies, pytest and setuptools come from this venv
    # (addsitedir, not a plain path line, so the editable install's own .pth is processed)
    lines = [f"import site; site.addsitedir({path!r})" for path in site.getsitepackages()]
    (Path(purelib) / "_trackerguard_dev.pth").write_text("\n".join(lines) + "\n", "utf-8")
    source = root / "src"
    shutil.copytree(
        EXAMPLES / "trackerguard-okr",
        source,
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"),
    )
    # a real wheel build (isolated: setuptools/wheel come from the configured index/cache)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return env_dir


def run_in(env_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "TRACKERGUARD_PLUGINS"}
    environ.update(env)
    environ["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{environ.get('PATH', '')}"
    return subprocess.run(list(args), capture_output=True, text=True, env=environ, cwd=env_dir)


@pytest.mark.slow
def test_okr_plugin_installs_and_its_tests_pass(okr_venv: Path) -> None:
    python = str(okr_venv / "bin" / "python")
    shown = run_in(okr_venv, python, "-m", "pip", "show", "trackerguard-okr")
    assert "Version: 0.1.0" in shown.stdout, shown.stderr
    tests = EXAMPLES / "trackerguard-okr" / "tests"
    result = run_in(
        okr_venv,
        python,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(tests.parent),
        str(tests),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "10 passed" in result.stdout  # 4 tests + 6 cases collected from the YAML file


@pytest.mark.slow
def test_okr_plugin_end_to_end(okr_venv: Path, tmp_path: Path) -> None:
    backlog = {
        "items": [
            {"key": "KR-1", "type": "Key Result", "title": "Conversion 2.1% -> 2.6%"},
            {"key": "E-1", "type": "Epic", "title": "One-click checkout", "parent": "KR-1"},
            {"key": "E-2", "type": "Epic", "title": "Tech debt"},
            {
                "key": "S-1",
                "type": "Story",
                "title": "Saved cards",
                "parent": "E-1",
                "fields": {"team": "payments"},
            },
            {
                "key": "S-2",
                "type": "Story",
                "title": "Upgrade SDK",
                "parent": "E-2",
                "fields": {"team": "payments"},
            },
        ]
    }
    (tmp_path / "backlog.json").write_text(json.dumps(backlog), encoding="utf-8")
    config = tmp_path / "trackerguard.toml"
    config.write_text(
        'fail_on = "never"\n[file]\npath = "backlog.json"\n[rules.OKR101]\nteams = ["payments"]\n',
        encoding="utf-8",
    )
    exe = str(okr_venv / "bin" / "python")
    plugins = run_in(okr_venv, exe, "-m", "trackerguard.cli", "plugins", "--config", str(config))
    assert "okr  [entry point (trackerguard-okr 0.1.0)]" in plugins.stdout, plugins.stderr
    assert "rules: OKR101" in plugins.stdout and "outputs: okr-csv" in plugins.stdout

    log = tmp_path / "okr.jsonl"
    result = run_in(
        okr_venv,
        exe,
        "-m",
        "trackerguard.cli",
        "check",
        "--config",
        str(config),
        "--format",
        "okr-csv",
        "-q",
        TRACKERGUARD_OKR_LOG=str(log),
    )
    assert result.returncode == 0, result.stderr
    rows = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["rule"] == "OKR101"]
    assert [(r["item"], r["goal"], r["key_result"]) for r in rows] == [("S-2", "E-2", "")]
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    assert {"item": "S-2", "rule": "OKR101"}.items() <= next(
        entry for entry in logged if entry["rule"] == "OKR101"
    ).items()

    restricted = run_in(
        okr_venv,
        exe,
        "-m",
        "trackerguard.cli",
        "check",
        "--config",
        str(config),
        "-q",
        TRACKERGUARD_PLUGINS="",
    )
    assert restricted.returncode == 2  # [rules.OKR101] configured, plugin not loaded
    assert "rules.OKR101': unknown rule id" in restricted.stderr
