"""Benchmark: 20 declarative CEL rules vs the same 20 rules as Python plugin rules.

    python benchmarks/custom_rules.py [--items 100000] [--write]

Builds a synthetic backlog (initiatives → epics → stories/bugs/tasks with labels, custom
fields, dates, assignees), compiles the 20 ``[[custom_rules]]`` below, registers the same
20 conditions as ``Rule`` subclasses through a plugin (``trackerguard_register_rules``),
and times ``Engine.evaluate`` over every item for each set on one core, after checking both
produce the same findings. ``--write`` records the figures in ``benchmarks/RESULTS_custom.md``.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import trackerguard
from trackerguard import Rule, RuleContext, Severity, Verdict, WorkItem, fail, ok
from trackerguard.custom import compile_custom_rules
from trackerguard.engine import Engine
from trackerguard.graph import StrategyGraph
from trackerguard.levels import LevelMap
from trackerguard.model import StatusCategory
from trackerguard.plugins_manager import build_registry
from trackerguard.settings import CustomRuleConfig, Settings

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TEAM = re.compile(r"^team:")
MILESTONE = re.compile(r"^v[0-9]+\.[0-9]+$")
KEY = re.compile(r"^[A-Z]+-[0-9]+$")
SHOUT = re.compile(r"^[A-Z0-9 ]+$")
KNOWN_TYPES = {"Story", "Bug", "Task", "Epic", "Initiative"}

# (id, level, condition, require) — and the same check in Python below.
CEL_RULES: list[tuple[str, str | None, str, str]] = [
    ("R01", "work", 'item.type == "Story"', "item.assignee != null"),
    ("R02", None, "true", "size(item.title) <= 80"),
    ("R03", None, "true", '!item.title.startsWith("WIP")'),
    ("R04", None, 'item.type == "Bug"', "has(item.fields.severity)"),
    ("R05", None, 'item.status_category == "in_progress"', "has(item.fields.points)"),
    ("R06", None, "has(item.fields.points)", "item.fields.points <= 13"),
    ("R07", "epic", "true", "item.due != null"),
    ("R08", None, "item.due != null", "item.due > now"),
    (
        "R09",
        None,
        'item.status_category == "in_progress" && item.updated != null',
        'now - item.updated < duration("720h")',
    ),
    ("R10", None, "true", 'item.labels.exists(l, l.startsWith("team:"))'),
    ("R11", None, "true", '!("blocked" in item.labels) || has(item.fields.blocked_reason)'),
    ("R12", "work", "item.parent != null", "item.goal != null"),
    ("R13", None, "item.goal != null", 'item.goal.status_category != "cancelled"'),
    ("R14", None, "item.milestone != null", 'item.milestone.matches("^v[0-9]+\\\\.[0-9]+$")'),
    ("R15", None, "true", 'item.key.matches("^[A-Z]+-[0-9]+$")'),
    ("R16", None, "true", 'item.type in ["Story", "Bug", "Task", "Epic", "Initiative"]'),
    ("R17", "epic", "true", "size(item.children) > 0"),
    ("R18", None, "true", "size(item.labels) <= 5"),
    ("R19", None, "true", '!item.title.matches("^[A-Z0-9 ]+$")'),
    ("R20", None, "item.assignee != null", '!item.assignee.endsWith("-bot")'),
]


def _python_checks() -> dict[str, Callable[[WorkItem, RuleContext], bool | None]]:
    """The same 20 conditions in Python: None = does not apply, else whether it holds."""

    def in_progress(item: WorkItem) -> bool:
        return item.status_category is StatusCategory.IN_PROGRESS

    def goal(item: WorkItem, ctx: RuleContext) -> WorkItem | None:
        return ctx.graph.goal(item.key)

    return {
        "R01": lambda i, c: i.assignee is not None if i.type == "Story" else None,
        "R02": lambda i, c: len(i.title) <= 80,
        "R03": lambda i, c: not i.title.startswith("WIP"),
        "R04": lambda i, c: "severity" in i.fields if i.type == "Bug" else None,
        "R05": lambda i, c: "points" in i.fields if in_progress(i) else None,
        "R06": lambda i, c: i.fields["points"] <= 13 if "points" in i.fields else None,
        "R07": lambda i, c: i.due is not None,
        "R08": lambda i, c: (
            datetime.combine(i.due, datetime.min.time(), UTC) > c.now if i.due else None
        ),
        "R09": lambda i, c: (
            c.now - i.updated < timedelta(hours=720)
            if in_progress(i) and i.updated is not None
            else None
        ),
        "R10": lambda i, c: any(TEAM.match(label) for label in i.labels),
        "R11": lambda i, c: "blocked" not in i.labels or "blocked_reason" in i.fields,
        "R12": lambda i, c: goal(i, c) is not None if i.parent is not None else None,
        "R13": lambda i, c: (
            g.status_category is not StatusCategory.CANCELLED
            if (g := goal(i, c)) is not None
            else None
        ),
        "R14": lambda i, c: bool(MILESTONE.match(i.milestone)) if i.milestone else None,
        "R15": lambda i, c: bool(KEY.match(i.key)),
        "R16": lambda i, c: i.type in KNOWN_TYPES,
        "R17": lambda i, c: len(c.graph.child_keys(i.key)) > 0,
        "R18": lambda i, c: len(i.labels) <= 5,
        "R19": lambda i, c: not SHOUT.match(i.title),
        "R20": lambda i, c: not i.assignee.endswith("-bot") if i.assignee else None,
    }


def python_rule_plugin() -> object:
    """A plugin registering the 20 conditions as ordinary Python rules."""
    classes: list[type[Rule]] = []
    for rule_id, level, _, _ in CEL_RULES:
        test = _python_checks()[rule_id]

        def check(
            self: Rule,
            item: WorkItem,
            ctx: RuleContext,
            _test: Callable[[WorkItem, RuleContext], bool | None] = test,
            _level: str | None = level,
        ) -> Verdict | None:
            if _level is not None and item.level != _level:
                return None
            holds = _test(item, ctx)
            if holds is None:
                return None
            return ok() if holds else fail(f"{self.id} failed")

        classes.append(
            type(
                f"Py{rule_id}",
                (Rule,),
                {
                    "id": f"P{rule_id}",
                    "name": f"py-{rule_id}",
                    "check": check,
                    "default_severity": Severity.WARN,
                    "__doc__": f"Python {rule_id}.",
                },
            )
        )

    class Plugin:
        @trackerguard.hookimpl
        def trackerguard_register_rules(self, register: Callable[[type[Rule]], None]) -> None:
            for cls in classes:
                register(cls)

    return Plugin()


def cel_configs() -> list[CustomRuleConfig]:
    return [
        CustomRuleConfig(
            id=rule_id,
            name=f"cel-{rule_id}",
            level=[level] if level else [],
            condition=condition,
            require=require,
            message=f"{rule_id} failed",
        )
        for rule_id, level, condition, require in CEL_RULES
    ]


def backlog(count: int, seed: int = 7) -> list[WorkItem]:
    rng = random.Random(seed)
    levels = LevelMap(Settings().levels)
    items: list[WorkItem] = []
    initiatives = max(1, count // 500)
    epics = max(1, count // 20)
    statuses = (
        [("To Do", StatusCategory.TODO)] * 5
        + [("In Progress", StatusCategory.IN_PROGRESS)] * 4
        + [("Cancelled", StatusCategory.CANCELLED)]
    )
    for index in range(count):
        if index < initiatives:
            type_name, parent = "Initiative", None
        elif index < initiatives + epics:
            type_name, parent = "Epic", f"ACME-{rng.randrange(initiatives)}"
        else:
            type_name = rng.choice(["Story", "Story", "Story", "Bug", "Task"])
            parent = f"ACME-{initiatives + rng.randrange(epics)}" if rng.random() < 0.9 else None
        status, category = rng.choice(statuses)
        labels = {f"team:{rng.choice('abcdef')}"} if rng.random() < 0.8 else set()
        if rng.random() < 0.05:
            labels.add("blocked")
        fields: dict[str, Any] = {}
        if rng.random() < 0.6:
            fields["points"] = rng.choice([1, 2, 3, 5, 8, 13, 21])
        if type_name == "Bug" and rng.random() < 0.7:
            fields["severity"] = rng.choice(["low", "high"])
        title = rng.choice(["Export reports as CSV", "WIP checkout", "FIX LOGIN", "Pay by card"])
        items.append(
            WorkItem(
                tracker="file",
                key=f"ACME-{index}",
                title=title + f" {index}",
                type=type_name,
                level=levels.classify(type_name),
                status=status,
                status_category=category,
                description="As a customer I want this so that I can do that. " * 4,
                parent=parent,
                assignee=rng.choice([None, "ana", "ben", "deploy-bot"]),
                due=(NOW + timedelta(days=rng.randrange(-60, 200))).date()
                if rng.random() < 0.5
                else None,
                milestone=rng.choice([None, "v1.2", "Q3"]),
                labels=frozenset(labels),
                fields=fields,
                created=NOW - timedelta(days=rng.randrange(2, 400)),
                updated=NOW - timedelta(days=rng.randrange(0, 90)),
            )
        )
    return items


def time_engine(engine: Engine, items: list[WorkItem], ctx: RuleContext) -> tuple[float, int]:
    """CPU seconds of this process (one core; robust on a shared machine) and findings."""
    gc.collect()
    started = time.process_time()
    count = 0
    for item in items:
        count += len(engine.evaluate(item, ctx))
    return time.process_time() - started, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update RESULTS_custom.md")
    args = parser.parse_args()

    settings = Settings(custom_rules=cel_configs())
    items = backlog(args.items)
    started = time.perf_counter()
    graph = StrategyGraph(
        {i.key: i for i in items}, LevelMap(settings.levels), settings.graph.goal_link_types
    )
    for item in items:
        graph.goal_of(item.key)  # resolve the graph up front: both sets share it
    graph_seconds = time.perf_counter() - started
    ctx = RuleContext(graph, settings, NOW)

    started = time.perf_counter()
    cel_rules = compile_custom_rules(
        settings.custom_rules, level_names=["initiative", "epic", "work"]
    )
    compile_ms = (time.perf_counter() - started) * 1000
    registry = build_registry(load_entry_points=False, extra=[("bench", python_rule_plugin())])
    py_rules = {k: v for k, v in registry.rules.items() if k.startswith("PR")}
    cel_engine = Engine(cel_rules, settings)
    py_engine = Engine(py_rules, settings)

    # same verdicts
    sample = items[: min(len(items), 20_000)]
    cel_keys = sorted(
        (f.finding.rule, f.finding.item) for i in sample for f in cel_engine.evaluate(i, ctx)
    )
    py_keys = sorted(
        (f.finding.rule[1:], f.finding.item) for i in sample for f in py_engine.evaluate(i, ctx)
    )
    assert cel_keys == py_keys, "CEL and Python rules disagree"

    cel_best = min(time_engine(cel_engine, items, ctx)[0] for _ in range(args.repeat))
    py_best = min(time_engine(py_engine, items, ctx)[0] for _ in range(args.repeat))
    findings = time_engine(cel_engine, items, ctx)[1]
    n = len(items)
    lines = [
        f"items: {n:,}; rules: {len(CEL_RULES)}; findings: {findings:,}; "
        f"graph build+resolve {graph_seconds:.2f}s (shared, not counted)",
        f"compile 20 CEL rules: {compile_ms:.1f} ms",
        "CPU time of one process (single core), best of the repeats:",
        f"CEL custom rules:    {cel_best:6.2f} s  {n / cel_best:10,.0f} items/s  "
        f"{cel_best / n * 1e6:6.1f} µs/item",
        f"Python rule plugins: {py_best:6.2f} s  {n / py_best:10,.0f} items/s  "
        f"{py_best / n * 1e6:6.1f} µs/item",
        f"ratio CEL/Python: {cel_best / py_best:.2f}x",
        f"python {platform.python_version()} on {platform.machine()}, "
        f"common-expression-language {_version('common-expression-language')}",
    ]
    print("\n".join(lines))
    if args.write:
        out = Path(__file__).with_name("RESULTS_custom.md")
        text = out.read_text(encoding="utf-8") if out.exists() else ""
        marker = "<!-- measured -->"
        block = (
            f"{marker}\n```\n$ python benchmarks/custom_rules.py --items {n}\n"
            + "\n".join(lines)
            + "\n```\n"
        )
        out.write_text(text.split(marker)[0] + block if marker in text else text + block, "utf-8")
    if n / cel_best < 20_000:
        print("WARNING: below the 20,000 items/s target", file=sys.stderr)


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


if __name__ == "__main__":
    main()
