"""The docs are tested against the code: rule reference, config keys, exit codes."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from trackerguard.errors import ConfigError, PluginError, TrackerError, UsageError
from trackerguard.rules_doc import render
from trackerguard.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_rules_reference_is_generated_from_the_code() -> None:
    committed = (ROOT / "docs" / "rules.md").read_text()
    assert committed == render(), "run: python -m trackerguard.rules_doc > docs/rules.md"


def test_every_builtin_rule_has_the_docstring_sections() -> None:
    for section in re.split(r"^## ", render(), flags=re.M)[1:]:
        for heading in ("**Why it matters**", "**Anti-pattern**", "**Best practice**"):
            assert heading in section, (section.splitlines()[0], heading)


def test_every_config_key_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    documented_elsewhere = {
        "file",
        "jira",
        "github",
        "redmine",
        "gitlab",
        "linear",
        "trackers",
        "service",
    }
    for name, info in Settings.model_fields.items():
        if name in documented_elsewhere:
            continue
        assert f"`{name}`" in text or f"[{name}]" in text or f"[[{name}]]" in text, name
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for key in annotation.model_fields:
                assert f"`{key}`" in text, f"{name}.{key}"


def test_exit_codes_in_readme_match_the_code() -> None:
    readme = (ROOT / "README.md").read_text()
    table = dict(re.findall(r"^\| (\d) \| (.+?) \|$", readme, flags=re.M))
    assert UsageError.exit_code == ConfigError.exit_code == PluginError.exit_code == 2
    assert "configuration" in table[str(ConfigError.exit_code)]
    assert "unreachable" in table[str(TrackerError.exit_code)]
    assert set(table) == {"0", "1", "2", "3"}


def test_readme_links_resolve() -> None:
    readme = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(((?:docs|benchmarks|examples)/[^)#]+)", readme):
        assert (ROOT / target).exists(), target


def test_readme_plugin_and_cel_examples_work(tmp_path: Path) -> None:
    """The two plugin examples in the README load and run on the demo backlog."""
    import json
    import shutil

    from click.testing import CliRunner

    from trackerguard.cli import main

    readme = (ROOT / "README.md").read_text()
    plugin = re.search(r"```python\n(# plugins_dir/payments_rules\.py.*?)```", readme, re.S)
    cel = re.search(r"```toml\n(\[\[custom_rules\]\].*?)```", readme, re.S)
    assert plugin and cel
    (tmp_path / "pd").mkdir()
    (tmp_path / "pd" / "payments_rules.py").write_text(plugin.group(1))
    shutil.copy(ROOT / "examples" / "demo" / "backlog.json", tmp_path / "backlog.json")
    config = tmp_path / "trackerguard.toml"
    config.write_text(f'plugins_dir = "pd"\n[file]\npath = "backlog.json"\n\n{cel.group(1)}')
    runner = CliRunner()
    listed = runner.invoke(main, ["rules", "--config", str(config), "--format", "json"])
    assert listed.exit_code == 0, listed.stderr
    assert {"PAY001", "OKR001"} <= {row["id"] for row in json.loads(listed.stdout)}
    result = runner.invoke(main, ["check", "--config", str(config), "--format", "json", "-q"])
    assert result.exit_code == 1, result.stderr
    assert "PAY001" in {f["rule"] for f in json.loads(result.stdout)["findings"]}
