"""Every ``toml`` snippet in the README and ``docs/`` is a configuration people copy: each
one must pass ``trackerguard config`` (the same validation ``check`` does: unknown keys,
rule ids, rule options, custom rules), or, where it is a ``pyproject.toml``, be valid TOML
whose ``[tool.trackerguard]`` table (if any) passes."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from trackerguard.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCUMENTS += sorted((ROOT / "examples").glob("*/README.md"))


def _snippets() -> list[tuple[str, str]]:
    found = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for number, body in enumerate(re.findall(r"```toml\n(.*?)```", text, re.S), 1):
            found.append((f"{document.relative_to(ROOT)}#{number}", body))
    return found


SNIPPETS = _snippets()


def test_the_docs_hold_toml_snippets_to_check() -> None:
    assert len(SNIPPETS) >= 20  # README and every tracker page show configuration


@pytest.mark.parametrize(("where", "body"), SNIPPETS, ids=[where for where, _ in SNIPPETS])
def test_every_documented_toml_snippet_is_a_valid_configuration(
    where: str, body: str, tmp_path: Path
) -> None:
    parsed = tomllib.loads(body)  # TOML first: a broken snippet names itself
    if "project" in parsed or "build-system" in parsed:  # a pyproject.toml
        if "trackerguard" not in parsed.get("tool", {}):
            return
        config = tmp_path / "pyproject.toml"
    else:
        config = tmp_path / "trackerguard.toml"
    config.write_text(body, encoding="utf-8")
    environment = {name: None for name in os.environ if name.startswith("TRACKERGUARD_")}
    result = CliRunner().invoke(
        main, ["config", "--config", str(config), "--format", "json"], env=environment
    )
    assert result.exit_code == 0, f"{where}: {result.stderr}"
