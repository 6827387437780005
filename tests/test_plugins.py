"""The plugin framework: hooks, discovery, restriction, conflicts, failures, ``plugins``."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
import typing
from pathlib import Path

import pluggy
import pytest
from click.testing import CliRunner

import trackerguard
from trackerguard import hooks
from trackerguard.cli import main
from trackerguard.errors import PluginError
from trackerguard.plugins_manager import RESTRICT_ENV, build_registry

RULE_PLUGIN = '''
from trackerguard import Rule, hookimpl, fail

class NoTodo(Rule):
    """Titles do not start with TODO."""
    id = "{rule_id}"
    name = "no-todo"
    applies_to = "work"

    def check(self, item, ctx):
        return fail("Title starts with TODO.") if item.title.startswith("TODO") else None

@hookimpl
def trackerguard_register_rules(register):
    register(NoTodo)
'''


def write(directory: Path, name: str, source: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def fake_distribution(
    root: Path, dist: str, version: str, entry: str, module: str, source: str
) -> None:
    """An installed distribution (dist-info + module) with a ``trackerguard`` entry point."""
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[trackerguard]\n{entry} = {module}\n", encoding="utf-8"
    )
    write(root, f"{module}.py", source)


@pytest.fixture(autouse=True)
def _no_restriction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RESTRICT_ENV, raising=False)


# -- hooks --------------------------------------------------------------------------------------
def test_hookimpl_is_exported() -> None:
    assert trackerguard.hookimpl is hooks.hookimpl
    assert "hookimpl" in trackerguard.__all__


@pytest.mark.parametrize("name", hooks.HOOK_NAMES)
def test_every_hook_is_typed_and_documented(name: str) -> None:
    function = getattr(hooks, name)
    assert name.startswith("trackerguard_")
    doc = inspect.getdoc(function) or ""
    assert doc.strip(), f"{name} has no docstring"
    hints = typing.get_type_hints(function, globalns=_hook_namespace())
    params = list(inspect.signature(function).parameters)
    assert params, name
    for param in params:
        assert param in hints, f"{name}({param}) is not typed"
        assert f":param {param}:" in doc, f"{name}: :param {param}: undocumented"
    assert hints["return"] is type(None)


def _hook_namespace() -> dict[str, object]:
    from trackerguard.adapter import TrackerAdapter
    from trackerguard.model import WorkItem
    from trackerguard.report import Report, RunContext
    from trackerguard.rule import Finding, Rule
    from trackerguard.settings import Settings

    return {
        **vars(hooks),
        "TrackerAdapter": TrackerAdapter,
        "WorkItem": WorkItem,
        "Report": Report,
        "RunContext": RunContext,
        "Finding": Finding,
        "Rule": Rule,
        "Settings": Settings,
    }


def test_expected_hooks_exist() -> None:
    assert set(hooks.HOOK_NAMES) == {
        "trackerguard_register_rules",
        "trackerguard_register_trackers",
        "trackerguard_register_outputs",
        "trackerguard_configure",
        "trackerguard_finding",
        "trackerguard_run_finished",
    }


def test_implementation_may_take_fewer_arguments(tmp_path: Path) -> None:
    seen: list[str] = []

    class Observer:
        @trackerguard.hookimpl
        def trackerguard_finding(self, finding: trackerguard.Finding) -> None:
            seen.append(finding.item)

    registry = build_registry(load_entry_points=False, extra=[("observer", Observer())])
    registry.hook.trackerguard_finding(finding=_finding(), item=None, context=None)
    assert seen == ["S-1"]


def _finding() -> trackerguard.Finding:
    return trackerguard.Finding(
        "X1", "x", trackerguard.Severity.WARN, "S-1", "", "m", "", "high", ""
    )


def test_misspelled_hook_is_an_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        "typo.py",
        """
        from trackerguard import hookimpl

        @hookimpl
        def trackerguard_register_rule(register):
            pass
    """,
    )
    with pytest.raises(PluginError) as caught:
        build_registry(tmp_path, load_entry_points=False)
    message = str(caught.value)
    assert "'typo' [plugins_dir" in message and "unknown hook" in message
    assert "trackerguard_register_rule" in message


def test_extra_argument_is_an_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        "extra.py",
        """
        from trackerguard import hookimpl

        @hookimpl
        def trackerguard_register_rules(register, colour):
            pass
    """,
    )
    with pytest.raises(PluginError, match=r"plugin 'extra' .* failed to register"):
        build_registry(tmp_path, load_entry_points=False)


def test_undecorated_hook_is_an_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        "forgot.py",
        """
        def trackerguard_register_rules(register):
            pass
    """,
    )
    with pytest.raises(PluginError, match=r"forgot.*without @trackerguard.hookimpl"):
        build_registry(tmp_path, load_entry_points=False)


def test_configure_is_historic(tmp_path: Path) -> None:
    write(
        tmp_path,
        "conf.py",
        """
        from trackerguard import hookimpl
        SEEN = []

        @hookimpl
        def trackerguard_configure(settings):
            SEEN.append(settings.tracker)
    """,
    )
    registry = build_registry(tmp_path, load_entry_points=False)
    from trackerguard.settings import Settings

    registry.hook.trackerguard_configure.call_historic(kwargs={"settings": Settings()})
    module = registry.manager.get_plugin("conf")
    assert module.SEEN == ["file"]


# -- discovery -----------------------------------------------------------------------------------
def test_builtins_register_through_the_hooks() -> None:
    registry = build_registry(load_entry_points=False)
    assert {"TG101", "TG205"} <= set(registry.rules)
    assert {"file", "jira", "github", "redmine"} <= set(registry.trackers)
    assert {"text", "json", "markdown", "junit", "html"} <= set(registry.outputs)
    assert registry.info("trackerguard.rules").source == "built-in"


def test_builtin_adapters_are_imported_only_when_their_tracker_is_looked_up() -> None:
    """A ``check --tracker jira`` must not pay for importing five other adapters (and httpx);
    names are known and claimed without the import, the class arrives on first look-up."""
    code = textwrap.dedent(
        """
        import sys
        from trackerguard.plugins_manager import build_registry
        registry = build_registry(load_entry_points=False)
        loaded = lambda: sorted(m for m in sys.modules if m.endswith(".adapter")
                                and m.startswith("trackerguard.plugins."))
        before = loaded()
        names = sorted(registry.trackers)
        jira = registry.trackers["jira"]
        print(before, names, loaded(), jira.__name__, "httpx" in sys.modules)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == (
        "[] ['file', 'github', 'gitlab', 'jira', 'linear', 'redmine'] "
        "['trackerguard.plugins.jira.adapter'] JiraAdapter False"
    ), out


def test_plugins_dir_loads_py_files_and_skips_private(tmp_path: Path) -> None:
    write(tmp_path, "todo.py", RULE_PLUGIN.format(rule_id="LOC1"))
    write(tmp_path, "_helper.py", "raise RuntimeError('never imported')\n")
    write(tmp_path, "notes.txt", "not a plugin\n")
    registry = build_registry(tmp_path, load_entry_points=False)
    info = registry.info("todo")
    assert info.source == "plugins_dir" and info.path == str(tmp_path / "todo.py")
    assert info.rules == ["LOC1"] and "LOC1" in registry.rules


def test_missing_plugins_dir_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="does not exist"):
        build_registry(tmp_path / "nope", load_entry_points=False)


def test_entry_point_plugin_is_loaded_with_its_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_distribution(
        tmp_path, "tg-todo", "1.2.3", "todo", "tg_todo_plugin", RULE_PLUGIN.format(rule_id="EP1")
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = build_registry()
    info = registry.info("todo")
    assert (info.source, info.distribution, info.version) == ("entry point", "tg-todo", "1.2.3")
    assert info.origin == "entry point (tg-todo 1.2.3)"
    assert "EP1" in registry.rules


def test_entry_point_import_failure_names_plugin_distribution_version_and_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_distribution(
        tmp_path,
        "tg-broken",
        "0.9",
        "broken",
        "tg_broken_plugin",
        "import does_not_exist_anywhere\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError) as caught:
        build_registry()
    message = str(caught.value)
    assert "plugin 'broken'" in message
    assert "tg-broken 0.9" in message
    assert "failed to import" in message and "does_not_exist_anywhere" in message


def test_restriction_env_selects_external_plugins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    fake_distribution(site, "tg-a", "1.0", "alpha", "tg_alpha", RULE_PLUGIN.format(rule_id="A1"))
    fake_distribution(
        site, "tg-b", "1.0", "beta", "tg_beta", "raise ImportError('beta must not load')\n"
    )
    local = tmp_path / "local"
    write(local, "gamma.py", RULE_PLUGIN.format(rule_id="G1"))
    write(local, "delta.py", "raise ImportError('delta must not load')\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv(RESTRICT_ENV, "alpha, gamma")
    registry = build_registry(local)
    names = {info.name for info in registry.plugins}
    assert {"alpha", "gamma"} <= names and not {"beta", "delta"} & names
    assert "trackerguard.rules" in names  # built-ins always load


def test_empty_restriction_loads_no_external_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "gamma.py", "raise ImportError('must not load')\n")
    monkeypatch.setenv(RESTRICT_ENV, "")
    registry = build_registry(tmp_path)
    assert all(info.source == "built-in" for info in registry.plugins)


def test_restriction_naming_a_missing_plugin_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RESTRICT_ENV, "nosuchplugin")
    with pytest.raises(PluginError, match="TRACKERGUARD_PLUGINS names nosuchplugin"):
        build_registry()


# -- conflicts and failures ------------------------------------------------------------------------
def test_same_rule_id_from_two_plugins_names_both(tmp_path: Path) -> None:
    write(tmp_path, "one.py", RULE_PLUGIN.format(rule_id="DUP1"))
    write(tmp_path, "two.py", RULE_PLUGIN.format(rule_id="DUP1"))
    with pytest.raises(PluginError) as caught:
        build_registry(tmp_path, load_entry_points=False)
    message = str(caught.value)
    assert "rule 'DUP1' is registered by two plugins" in message
    assert "'one' [plugins_dir" in message and "'two' [plugins_dir" in message


def test_plugin_reusing_a_builtin_rule_id_names_both(tmp_path: Path) -> None:
    write(tmp_path, "mine.py", RULE_PLUGIN.format(rule_id="TG101"))
    with pytest.raises(PluginError) as caught:
        build_registry(tmp_path, load_entry_points=False)
    assert "'trackerguard.rules' [built-in]" in str(caught.value)
    assert "'mine' [plugins_dir" in str(caught.value)


def test_same_tracker_name_names_both(tmp_path: Path) -> None:
    write(
        tmp_path,
        "tracker.py",
        """
        from trackerguard import TrackerAdapter, hookimpl

        class Other(TrackerAdapter):
            name = "file"

        @hookimpl
        def trackerguard_register_trackers(register):
            register("file", Other)
    """,
    )
    with pytest.raises(PluginError) as caught:
        build_registry(tmp_path, load_entry_points=False)
    message = str(caught.value)
    assert "tracker 'file' is registered by two plugins" in message
    assert "'trackerguard.plugins.file' [built-in]" in message and "'tracker'" in message


def test_same_output_name_is_an_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        "out.py",
        """
        from trackerguard import hookimpl

        @hookimpl
        def trackerguard_register_outputs(register):
            register("json", lambda report: "")
    """,
    )
    with pytest.raises(PluginError, match="output 'json' is registered by two plugins"):
        build_registry(tmp_path, load_entry_points=False)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "raise RuntimeError('boom at import')\n",
            "failed to import: RuntimeError: boom at import",
        ),
        ("import nonexistent_module_xyz\n", "ModuleNotFoundError"),
        ("def broken(:\n", "SyntaxError"),
        (
            "from trackerguard import hookimpl\n@hookimpl\n"
            "def trackerguard_register_rules(register):\n    raise ValueError('no')\n",
            "failed to register: ValueError: no",
        ),
        (
            "from trackerguard import hookimpl\n@hookimpl\n"
            "def trackerguard_register_rules(register):\n    register(object)\n",
            "is not a trackerguard.Rule subclass",
        ),
        (
            "from trackerguard import hookimpl, Rule\nclass R(Rule):\n    name = 'r'\n"
            "@hookimpl\ndef trackerguard_register_rules(register):\n    register(R)\n",
            "without a 'id'",
        ),
        (
            "from trackerguard import hookimpl\n@hookimpl\n"
            "def trackerguard_register_trackers(register):\n    register('x', dict)\n",
            "not a trackerguard.TrackerAdapter subclass",
        ),
    ],
)
def test_failing_plugin_is_named_with_its_cause(tmp_path: Path, source: str, expected: str) -> None:
    write(tmp_path, "bad.py", source)
    with pytest.raises(PluginError) as caught:
        build_registry(tmp_path, load_entry_points=False)
    assert "plugin 'bad' [plugins_dir" in str(caught.value)
    assert expected in str(caught.value)


def test_failed_file_plugin_leaves_no_module_behind(tmp_path: Path) -> None:
    import sys

    write(tmp_path, "halfway.py", "X = 1\nraise RuntimeError('stop')\n")
    with pytest.raises(PluginError):
        build_registry(tmp_path, load_entry_points=False)
    assert "trackerguard_local_plugin_halfway" not in sys.modules


def test_cli_stops_with_exit_2_on_a_broken_plugin(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    write(plugins, "bad.py", "raise RuntimeError('boom')\n")
    result = CliRunner().invoke(main, ["check", "--plugins-dir", str(plugins), "-q"])
    assert result.exit_code == 2
    assert "plugin 'bad' [plugins_dir" in result.stderr and "boom" in result.stderr
    assert "Traceback" not in result.stderr


# -- trackerguard plugins -------------------------------------------------------------------------
def test_plugins_command_lists_sources_and_registrations(tmp_path: Path) -> None:
    write(tmp_path, "todo.py", RULE_PLUGIN.format(rule_id="LOC1"))
    runner = CliRunner()
    text = runner.invoke(main, ["plugins", "--plugins-dir", str(tmp_path)])
    assert text.exit_code == 0, text.output
    assert f"todo  [plugins_dir ({tmp_path / 'todo.py'})]" in text.stdout
    assert "rules: LOC1" in text.stdout
    assert "trackerguard.rules  [built-in]" in text.stdout
    assert "trackers: file" in text.stdout and "outputs: text, json" in text.stdout
    data = json.loads(
        runner.invoke(main, ["plugins", "--plugins-dir", str(tmp_path), "--format", "json"]).stdout
    )
    todo = next(p for p in data if p["name"] == "todo")
    assert todo["source"] == "plugins_dir" and todo["rules"] == ["LOC1"]


def test_plugins_command_shows_entry_point_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_distribution(
        tmp_path, "tg-todo", "2.0", "todo", "tg_todo2", RULE_PLUGIN.format(rule_id="EP2")
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    result = CliRunner().invoke(main, ["plugins"])
    assert "todo  [entry point (tg-todo 2.0)]" in result.stdout
    assert "rules: EP2" in result.stdout


# -- observers in a real run ------------------------------------------------------------
def test_finding_and_run_finished_hooks_observe_a_check(tmp_path: Path) -> None:
    backlog = {"items": [{"key": "S-1", "type": "Story", "title": "orphan"}]}
    (tmp_path / "backlog.json").write_text(json.dumps(backlog), encoding="utf-8")
    config = tmp_path / "trackerguard.toml"
    config.write_text('plugins_dir = "plugins"\n[file]\npath = "backlog.json"\n', encoding="utf-8")
    log = tmp_path / "seen.log"
    write(
        tmp_path / "plugins",
        "observer.py",
        f"""
        from trackerguard import hookimpl

        @hookimpl
        def trackerguard_finding(finding, item):
            with open({str(log)!r}, "a") as out:
                out.write(f"finding {{finding.rule}} {{item.key}}\\n")

        @hookimpl
        def trackerguard_run_finished(report):
            with open({str(log)!r}, "a") as out:
                out.write(f"finished {{len(report.findings)}}\\n")
    """,
    )
    result = CliRunner().invoke(main, ["check", "--config", str(config), "-q"])
    assert result.exit_code == 1, result.output
    lines = log.read_text().splitlines()
    assert "finding TG101 S-1" in lines and lines[-1].startswith("finished ")


def test_pluggy_project_name() -> None:
    assert hooks.PROJECT == "trackerguard"
    assert isinstance(build_registry(load_entry_points=False).manager, pluggy.PluginManager)
