"""The wheel: built from the fixed layout, installed into a clean venv, and run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_into_a_clean_venv_and_runs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
    )
    (wheel,) = dist.glob("trackerguard-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/", 1)[0] for name in names}
    assert {n for n in top_level if not n.endswith(".dist-info")} == {"trackerguard"}
    for expected in (
        "trackerguard/py.typed",
        "trackerguard/rules/tg101_serves_a_goal.py",
        "trackerguard/plugins/file/adapter.py",
        "trackerguard/plugins/jira/__init__.py",
        "trackerguard/plugins/github/__init__.py",
        "trackerguard/plugins/redmine/__init__.py",
    ):
        assert expected in names

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", str(wheel)], check=True)
    exe = env_dir / "bin" / "trackerguard"
    rules = subprocess.run(
        [exe, "rules", "--format", "json"], capture_output=True, text=True, cwd=tmp_path
    )
    assert rules.returncode == 0, rules.stderr
    ids = {row["id"] for row in json.loads(rules.stdout)}
    assert {"TG101", "TG102", "TG103", "TG201", "TG202", "TG203", "TG204", "TG205"} <= ids

    demo = tmp_path / "demo"
    shutil.copytree(ROOT / "examples" / "demo", demo)
    check = subprocess.run(
        [exe, "check", "--config", str(demo / "trackerguard.toml"), "--format", "json", "--quiet"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert check.returncode == 1, check.stderr
    assert json.loads(check.stdout)["summary"]["items"] >= 60

    probe = subprocess.run(
        [python, "-c", "import rules"], capture_output=True, text=True, cwd=tmp_path
    )
    assert probe.returncode != 0  # no top-level 'rules' package leaks into site-packages
    probe = subprocess.run(
        [python, "-c", "import plugins"], capture_output=True, text=True, cwd=tmp_path
    )
    assert probe.returncode != 0
