"""The smaller things a new user meets first: rule summaries, "applies to", explain's
rendering and links, errors that name the file or the variable, and ``init``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from trackerguard.cli import main
from trackerguard.plugins_manager import build_registry

ROOT = Path(__file__).resolve().parents[1]

PLUGIN_RULE = '''
from trackerguard import Rule, hookimpl, ok


class Nodocs(Rule):
    """A plugin rule without published docs.

    **Why it matters**
    Because.
    """

    id = "ACME1"
    name = "nodocs"

    def check(self, item, ctx):
        return ok()


class Documented(Nodocs):
    """A plugin rule with its own docs."""

    id = "ACME2"
    name = "documented"
    docs = "https://acme.example/rules/acme2"


@hookimpl
def trackerguard_register_rules(register):
    register(Nodocs)
    register(Documented)
'''

CEL_RULE = """
[[custom_rules]]
id = "BUG1"
name = "bug-has-severity"
level = ["work"]
condition = 'item.type == "Bug"'
require = 'has(item.fields.severity)'
message = "A bug needs a severity."
"""


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env or {})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def test_rules_show_whole_summaries_and_custom_rule_levels(
    make_project: Callable[..., Path],
) -> None:
    config = make_project(config=CEL_RULE)
    code, out, _ = invoke("rules", "--config", str(config), "--format", "json")
    assert code == 0
    rows = {row["id"]: row for row in json.loads(out)}
    assert rows["TG204"]["summary"] == (
        "A goal states how success is judged: criteria, key results, metrics with targets, "
        "or a checklist of deliverables that defines completion."
    )
    assert rows["TG205"]["summary"].endswith("has not passed with work still open.")
    assert all(row["summary"].endswith(".") for row in rows.values() if row["id"] != "BUG1")
    assert rows["BUG1"]["applies_to"] == "work"
    code, text, _ = invoke("rules", "--config", str(config))
    line = next(line for line in text.splitlines() if "BUG1" in line)
    assert "│ work " in line and "any" not in line
    assert "defines completion." in text  # the table wraps the cell, it does not cut it


def test_explain_renders_headings_and_links_only_to_real_docs(
    make_project: Callable[..., Path],
) -> None:
    config = make_project(config='plugins_dir = "plugins"')
    (config.parent / "plugins").mkdir()
    (config.parent / "plugins" / "acme.py").write_text(PLUGIN_RULE, encoding="utf-8")
    code, out, _ = invoke("explain", "TG204", "--config", str(config))
    assert code == 0 and "**" not in out
    assert re.search(r"^Why it matters$", out, re.M)
    assert "Docs: https://github.com/trackerguard/trackerguard/blob/main/docs/rules.md#tg204" in out
    _, plugin, _ = invoke("explain", "ACME1", "--config", str(config))
    assert "docs/rules.md" not in plugin and "github.com/trackerguard" not in plugin
    assert "Docs: none published by plugin 'acme'" in plugin
    _, documented, _ = invoke("explain", "ACME2", "--config", str(config))
    assert "Docs: https://acme.example/rules/acme2" in documented
    # Every built-in rule's link points at a heading that exists in docs/rules.md.
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in (ROOT / "docs" / "rules.md").read_text().splitlines()
        if line.startswith("#")
    }
    for rule_id, rule in build_registry(load_entry_points=False).rules.items():
        url = rule.docs_url()
        assert url is not None and url.split("#")[1] in {h.split("-")[0] for h in headings}, rule_id


@pytest.mark.parametrize(
    ("where", "content", "expected"),
    [
        ("trackerguard.toml", "[rules.TG205]\ndays_ = 3\n", "trackerguard.toml: key 'rules.TG205.days_': unknown option"),
        ("trackerguard.toml", "[rules.TG999]\nmode = 'observe'\n", "trackerguard.toml: key 'rules.TG999': unknown rule id"),
        ("pyproject.toml", "[tool.trackerguard.rules.TG205]\ndays = 'soon'\n", "pyproject.toml [tool.trackerguard]: key 'rules.TG205.days'"),
        ("pyproject.toml", "[tool.trackerguard.rules.TG1]\nmode = 'observe'\n", "pyproject.toml [tool.trackerguard]: key 'rules.TG1': unknown rule id"),
    ],
)  # fmt: skip
def test_rule_option_errors_name_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, content: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "backlog.json").write_text('{"items": []}')
    base = 'state_path = "state.db"\n[file]\npath = "backlog.json"\n'
    if where == "pyproject.toml":
        (tmp_path / "trackerguard.toml").write_text(base)
        (tmp_path / "pyproject.toml").write_text(content)
    else:
        (tmp_path / "trackerguard.toml").write_text(base + content)
    code, _, err = invoke("check", "-q")
    assert code == 2 and expected in err and "configuration:" not in err, err


def test_rule_option_from_the_environment_names_the_variable(
    make_project: Callable[..., Path],
) -> None:
    config = make_project()
    code, _, err = invoke(
        "check", "--config", str(config), "-q", env={"TRACKERGUARD_RULES__TG205__DAYS": "soon"}
    )
    assert code == 2
    assert "environment variable TRACKERGUARD_RULES__TG205__DAYS: key 'rules.TG205.days'" in err


CUSTOM = "[[custom_rules]]\nid = 'X1'\nname = 'x'\nmessage = 'm'\n"


@pytest.mark.parametrize(
    ("content", "args", "env", "expected"),
    [
        (CUSTOM + "level = 'nope'\nrequire = 'true'\n", [], {}, "trackerguard.toml: custom_rules[0] (id 'X1'): key 'level': unknown level 'nope'"),
        (CUSTOM + "require = 'item.title ==='\n", [], {}, "trackerguard.toml: custom_rules[0] (id 'X1'): key 'require': syntax error"),
        (CUSTOM.replace("X1", "TG101") + "require = 'true'\n", [], {}, "trackerguard.toml: custom_rules[0] (id 'TG101'): key 'id': custom rule 'TG101'"),
        ("tracker = 'nosuch'\n", [], {}, "trackerguard.toml: key 'tracker': unknown tracker 'nosuch'"),
        ("", ["--tracker", "nosuch"], {}, "command line: key 'tracker': unknown tracker 'nosuch'"),
        ("", [], {"TRACKERGUARD_TRACKER": "nosuch"}, "environment variable TRACKERGUARD_TRACKER: key 'tracker': unknown tracker"),
        ("", [], {"TRACKERGUARD_FILE__PATH": "gone.json"}, "environment variable TRACKERGUARD_FILE__PATH: key 'file.path': backlog file 'gone.json' does not exist"),
    ],
)  # fmt: skip
def test_errors_found_after_loading_name_the_source_too(
    make_project: Callable[..., Path],
    content: str,
    args: list[str],
    env: dict[str, str],
    expected: str,
) -> None:
    """Custom rules, the tracker name and the backlog path are checked once the plugins are
    loaded, not by the settings model: their errors still name the file (or variable)."""
    config = make_project(config=content)
    code, _, err = invoke("check", "--config", str(config), "-q", *args, env=env)
    assert code == 2 and expected in err, err


def test_a_missing_backlog_names_the_config_file(make_project: Callable[..., Path]) -> None:
    config = make_project()
    config.write_text(config.read_text().replace('"backlog.json"', '"gone.json"'))
    code, _, err = invoke("check", "--config", str(config), "-q")
    assert code == 2
    assert f"{config}: key 'file.path': backlog file '{config.parent / 'gone.json'}'" in err, err


def test_misspelled_top_level_variable_is_an_error(make_project: Callable[..., Path]) -> None:
    config = make_project()
    code, _, err = invoke(
        "check", "--config", str(config), "-q", env={"TRACKERGUARD_FAIL_ONN": "never"}
    )
    assert code == 2
    assert "environment variable TRACKERGUARD_FAIL_ONN: unknown setting 'fail_onn'" in err
    assert "did you mean TRACKERGUARD_FAIL_ON?" in err
    # The real name works, and so do trackerguard's own and a loaded plugin's variables.
    env = {"TRACKERGUARD_FAIL_ON": "never", "TRACKERGUARD_DEBUG": "", "TRACKERGUARD_VENV": "x"}
    assert invoke("check", "--config", str(config), "-q", env=env)[0] == 0


def test_a_plugins_own_variables_are_allowed(make_project: Callable[..., Path]) -> None:
    config = make_project(config='plugins_dir = "plugins"')
    (config.parent / "plugins").mkdir()
    (config.parent / "plugins" / "acme.py").write_text(PLUGIN_RULE, encoding="utf-8")
    env = {"TRACKERGUARD_ACME_LOG": "/tmp/x", "TRACKERGUARD_FAIL_ON": "never"}
    assert invoke("check", "--config", str(config), "-q", env=env)[0] == 0
    code, _, err = invoke(
        "check", "--config", str(config), "-q", env={"TRACKERGUARD_ACNE_LOG": "x"}
    )
    assert code == 2 and "TRACKERGUARD_ACNE_LOG" in err


def test_init_offers_every_tracker_and_the_file_tracker_runs_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    registered = set(build_registry(load_entry_points=False).trackers)
    _, help_text, _ = invoke("init", "--help")
    offered = set(re.search(r"\[([a-z|]+)\]", help_text).group(1).split("|"))  # type: ignore[union-attr]
    assert offered == registered
    for tracker in sorted(registered - {"file"}):
        code, out, _ = invoke("init", "--force", "--tracker", tracker)
        assert code == 0 and "TRACKERGUARD_" in out
        assert invoke("config")[0] == 0  # the written config validates
    code, out, _ = invoke("init", "--force")
    assert code == 0 and "backlog.json" in out and "next: trackerguard check" in out
    code, report, err = invoke("check", "--format", "json", "-q")
    assert code == 1, err  # the example has an orphan to flag
    assert json.loads(report)["summary"]["items"] == 4
    # A backlog that exists is never replaced.
    (tmp_path / "backlog.json").write_text('{"items": []}')
    invoke("init", "--force")
    assert (tmp_path / "backlog.json").read_text() == '{"items": []}'


def test_docs_cite_no_missing_file_and_list_every_tracker() -> None:
    for path in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\b([A-Z][A-Z_]+\.md)\b", text):
            assert (ROOT / match.group(1)).exists() or list(ROOT.glob(f"**/{match.group(1)}")), (
                f"{path.name} cites {match.group(1)}, which is not in the repository"
            )
    intro = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8").split("\n\n", 2)[1]
    for tracker in build_registry(load_entry_points=False).trackers:
        assert f"`{tracker}`" in intro, tracker


FAILING_PLUGIN_RULES = '''
from trackerguard import Rule, fail, hookimpl


class Undocumented(Rule):
    """Every story is flagged (no docs)."""

    id = "ACME3"
    name = "undocumented"
    applies_to = "work"

    def check(self, item, ctx):
        return fail("flagged by ACME3")


class Documented(Undocumented):
    """Every story is flagged (with docs)."""

    id = "ACME4"
    name = "documented"
    docs = "https://acme.example/rules/acme4"

    def check(self, item, ctx):
        return fail("flagged by ACME4")


@hookimpl
def trackerguard_register_rules(register):
    register(Undocumented)
    register(Documented)
'''


def test_comments_link_each_rule_to_its_own_docs(make_project: Callable[..., Path]) -> None:
    config = make_project(config='plugins_dir = "plugins"')
    (config.parent / "plugins").mkdir()
    (config.parent / "plugins" / "acme.py").write_text(FAILING_PLUGIN_RULES, encoding="utf-8")
    assert invoke("check", "--config", str(config), "-q", "--apply")[0] == 1
    backlog = json.loads((config.parent / "backlog.json").read_text())
    orphan = next(item for item in backlog["items"] if item["key"] == "S-2")
    body = next(c["body"] for c in orphan["comments"] if "<!-- trackerguard -->" in c["body"])
    assert "[About ACME4](https://acme.example/rules/acme4)" in body
    assert "About ACME3" not in body and "rules.md#acme" not in body
    assert (
        "[About TG101](https://github.com/trackerguard/trackerguard/blob/main/docs/rules.md#tg101)"
        in body
    )
