"""Plugin code that raises never crashes a run: a rule that raises on an item leaves that
item unjudged (an ``errors[]`` entry naming rule, item and exception; exit 3), a rule that
raises everywhere is named once in a note, and hooks, outputs and adapters that raise give
one line, never a traceback, from ``check`` and from ``serve``."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from click.testing import CliRunner

from trackerguard.cli import main

RAISING_RULE = '''
from trackerguard import Rule, hookimpl, ok


class Fragile(Rule):
    """Stories must not be about billing (raises on items without a description)."""

    id = "ACME1"
    name = "fragile"
    applies_to = "work"

    def check(self, item, ctx):
        first_word = item.description.split()[0]  # IndexError on an empty description
        return ok(first_word)


@hookimpl
def trackerguard_register_rules(register):
    register(Fragile)
'''

ALWAYS_RAISING_RULE = '''
from trackerguard import Rule, hookimpl


class Broken(Rule):
    """A rule with a bug on every item."""

    id = "ACME2"
    name = "broken"

    def check(self, item, ctx):
        return item.fields["no such field"]


@hookimpl
def trackerguard_register_rules(register):
    register(Broken)
'''


def run(config: Path, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["check", "--config", str(config), "--quiet", *extra], catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def plugin_project(make_project: Callable[..., Path], **plugins: str) -> Path:
    config = make_project(config='plugins_dir = "plugins"')
    folder = config.parent / "plugins"
    folder.mkdir()
    for name, source in plugins.items():
        (folder / f"{name}.py").write_text(source, encoding="utf-8")
    return config


def test_a_raising_plugin_rule_leaves_the_item_unjudged_exit_3(
    make_project: Callable[..., Path],
) -> None:
    config = plugin_project(make_project, acme=RAISING_RULE)
    code, out, err = run(config, "--format", "json")
    assert code == 3, err
    assert "Traceback" not in out + err
    report = json.loads(out)
    assert report["summary"]["partial"] is True
    [error] = report["errors"]
    assert error["item"] == "S-2" and error["rule"] == "ACME1"
    assert "rule ACME1 (fragile)" in error["message"]
    assert "IndexError: list index out of range" in error["message"]
    assert "acme.py:" in error["message"]  # where the plugin raised
    # S-2 is not judged: not counted, no findings (TG101 would flag it), nothing planned.
    assert report["summary"]["items"] == 3
    assert "S-2" not in {f["item"] for f in report["findings"]}
    assert "S-2" not in {a["item"] for a in report["actions"]}
    assert report["notes"] == []  # the rule judged S-1: not broken everywhere
    assert "not judged: S-2" in err
    # --fail-on never does not hide a partial run.
    assert run(config, "--fail-on", "never")[0] == 3


def test_a_raising_rule_never_takes_back_an_earlier_verdict(
    make_project: Callable[..., Path],
) -> None:
    """An item whose comment, label and block came from an earlier run keeps them while a
    rule raises on it: an unjudged item is never 'fixed'."""
    config = make_project()
    assert run(config, "--apply")[0] == 1  # S-2 (no goal) is commented, labelled, blocked
    folder = config.parent / "plugins"
    folder.mkdir()
    (folder / "acme.py").write_text(RAISING_RULE, encoding="utf-8")
    config.write_text('plugins_dir = "plugins"\n' + config.read_text(), encoding="utf-8")
    before = (config.parent / "backlog.json").read_text()
    code, out, _ = run(config, "--apply", "--format", "json")
    assert code == 3
    report = json.loads(out)
    assert "S-2" not in {a["item"] for a in report["actions"]}
    assert (config.parent / "backlog.json").read_text() == before
    # Its open findings of the earlier run are still reported, marked as not re-judged.
    carried = {(f["item"], f["rule"], f["rejudged"]) for f in report["findings"]}
    assert ("S-2", "TG101", False) in carried


def test_a_rule_raising_on_every_item_is_named_in_one_note(
    make_project: Callable[..., Path],
) -> None:
    config = plugin_project(make_project, broken=ALWAYS_RAISING_RULE)
    code, out, err = run(config, "--format", "json")
    assert code == 3 and "Traceback" not in out + err
    report = json.loads(out)
    assert sorted(e["item"] for e in report["errors"]) == ["E-1", "I-1", "S-1", "S-2"]
    assert all("KeyError: 'no such field'" in e["message"] for e in report["errors"])
    notes = [n for n in report["notes"] if "ACME2" in n]
    assert len(notes) == 1 and "failed on all 4 items" in notes[0]
    assert report["summary"]["items"] == 0
    text = run(config)[1]  # the text report shows the note and the errors
    assert "ACME2 failed on all 4 items" in text


HOOKS = {
    "finding": """
from trackerguard import hookimpl

@hookimpl
def trackerguard_finding(finding, item, context):
    raise RuntimeError("chat is down")
""",
    "run_finished": """
from trackerguard import hookimpl

@hookimpl
def trackerguard_run_finished(report, context):
    raise RuntimeError("metrics sink is down")
""",
}


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_a_raising_observer_hook_makes_the_run_partial(
    make_project: Callable[..., Path], hook: str
) -> None:
    config = plugin_project(make_project, observer=HOOKS[hook])
    code, out, err = run(config, "--format", "json")
    assert code == 3 and "Traceback" not in out + err
    report = json.loads(out)
    [error] = report["errors"]  # named once, however many findings it saw
    assert error["item"] == "(run)"
    assert f"plugin 'observer': hook trackerguard_{hook} raised RuntimeError" in error["message"]
    assert report["summary"]["items"] == 4  # judging went on


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        (
            "conf",
            "from trackerguard import hookimpl\n\n@hookimpl\n"
            "def trackerguard_configure(settings):\n    raise ValueError('no token')\n",
            "plugin 'conf': hook trackerguard_configure raised ValueError: no token",
        ),
        (
            "out",
            "from trackerguard import hookimpl\n\ndef write(report):\n    return 1 / 0\n\n"
            "@hookimpl\ndef trackerguard_register_outputs(register):\n"
            "    register('csv', write)\n",
            "output 'csv' of plugin 'out' failed: ZeroDivisionError: division by zero",
        ),
        (
            "ctor",
            "from trackerguard import Rule, hookimpl\n\nclass R(Rule):\n    id = 'ACME3'\n"
            "    name = 'r'\n    def __init__(self, options=None):\n"
            "        raise OSError('missing dictionary')\n\n"
            "@hookimpl\ndef trackerguard_register_rules(register):\n    register(R)\n",
            "rule ACME3 failed to start: OSError: missing dictionary",
        ),
    ],
)
def test_plugin_errors_outside_judging_are_one_line_exit_2(
    make_project: Callable[..., Path], name: str, source: str, expected: str
) -> None:
    config = plugin_project(make_project, **{name: source})
    extra = ("--format", "csv") if name == "out" else ()
    code, out, err = run(config, *extra)
    assert code == 2, err
    assert expected in err and "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1


BROKEN_ADAPTER = """
from trackerguard import TrackerAdapter, hookimpl


class Flaky(TrackerAdapter):
    name = "flaky"

    def scan(self, request):
        raise KeyError("issues")


@hookimpl
def trackerguard_register_trackers(register):
    register("flaky", Flaky)
"""


def test_an_adapter_bug_is_one_line_exit_3(make_project: Callable[..., Path]) -> None:
    config = plugin_project(make_project, flaky=BROKEN_ADAPTER)
    config.write_text(config.read_text() + "\n[trackers.flaky]\n", encoding="utf-8")
    code, out, err = run(config, "--tracker", "flaky")
    assert code == 3 and "Traceback" not in out + err
    assert "unexpected KeyError: 'issues' (at " in err and "flaky.py:" in err


# -- serve ----------------------------------------------------------------------------------
sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_support import helpers as h  # noqa: E402


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_serve_dead_letters_an_item_a_rule_raises_on_without_a_traceback(
    tmp_path: Path,
) -> None:
    config = h.write_setup(tmp_path, stories=1, service={"max_attempts": 2})
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    shutil.copy(h.PLUGINS_DIR / "webfile.py", plugins / "webfile.py")
    (plugins / "acme.py").write_text(ALWAYS_RAISING_RULE, encoding="utf-8")
    config.write_text(
        config.read_text().replace(f'plugins_dir = "{h.PLUGINS_DIR}"', 'plugins_dir = "plugins"'),
        encoding="utf-8",
    )
    log = tmp_path / "serve.log"
    proc = h.ServeProcess(config, log).start()
    try:
        body, headers = h.signed({"event": "updated", "key": "S-1", "actor": "ana"}, "d-1")
        response = httpx.post(proc.url + "/webhooks/webfile", content=body, headers=headers)
        assert response.status_code == 202

        def dead() -> list[dict[str, Any]]:
            listed = CliRunner().invoke(
                main, ["queue", "list", "--dead", "--format", "json", "--config", str(config)]
            )
            return list(json.loads(listed.stdout)["dead"])

        assert h.wait_until(lambda: len(dead()) == 1, 30), log.read_text()
        letter = dead()[0]
        assert letter["item"] == "S-1"
        assert "rule ACME2 (broken)" in letter["last_error"]
        assert "KeyError" in letter["last_error"]
        assert h.comments_of(tmp_path / "backlog.json")["S-1"] == 0  # never acted on
    finally:
        proc.stop()
    assert "Traceback" not in log.read_text()


def test_a_raising_prepare_is_left_for_check_to_report() -> None:
    """``Rule.prepare`` runs while the tracker is still read; an exception there must not
    stop the read: it is ignored, and ``check`` (raising too) names the rule and item."""
    from trackerguard import Rule
    from trackerguard.engine import Engine
    from trackerguard.graph import StrategyGraph
    from trackerguard.levels import LevelMap
    from trackerguard.model import WorkItem
    from trackerguard.rule import RuleContext
    from trackerguard.settings import load_settings

    class Brittle(Rule):
        """Reads a field every item lacks."""

        id = "ACME3"
        name = "brittle"
        applies_to = "work"
        prepared: ClassVar[list[str]] = []

        def prepare(self, item: WorkItem, ctx: RuleContext) -> None:
            self.prepared.append(item.key)
            raise KeyError("no such field")

        def check(self, item: WorkItem, ctx: RuleContext) -> None:
            raise KeyError("no such field")

    settings = load_settings(None, {})
    engine = Engine({"ACME3": Brittle}, settings)
    levels = LevelMap(settings.levels, settings.graph.default_level)
    item = WorkItem(tracker="file", key="W-1", title="Work", level=levels.bottom)
    graph = StrategyGraph({item.key: item}, levels, settings.graph.goal_link_types)
    engine.prepare(item, RuleContext(StrategyGraph({}, levels, ()), settings))
    assert Brittle.prepared == ["W-1"]
    errors: list[Any] = []
    assert engine.evaluate(item, RuleContext(graph, settings), errors) == []
    assert [(e.item, e.rule, e.judged) for e in errors] == [("W-1", "ACME3", False)]
