"""The rule-author kit: test a rule against items written as data, in a few lines.

Items are written in the schema of the file tracker (``docs/file-tracker.md``: ``key``,
``type``, ``title``, ``description``, ``status``, ``parent``, ``links``, ``labels``,
``fields``, ``due``, ``created``...) and go through the same conversion, so a case reads
like a small backlog. A case file (YAML) holds many cases::

    rule: OKR1                 # the rule(s) under test (a string or a list); omit = all
    plugins: [trackerguard_okr] # modules registered as plugins (besides the built-ins)
    now: 2026-11-27T12:00:00Z  # the run's clock (default: this value)
    config: {}                 # settings, as in trackerguard.toml (shared by all cases)
    cases:
      - name: a story linked to a key result passes
        items:
          - {key: KR-1, type: Epic, title: "Raise NPS to 50"}
          - {key: S-1, type: Story, title: "Survey", parent: KR-1}
        expect: []
      - name: a story without a key result is flagged
        items: [...]
        expect:
          - {item: S-2, rule: OKR1, severity: warn, message: "key result"}

``expect`` lists every finding of the rules under test, in any order; ``item`` is
required, ``rule`` defaults to the file's single rule, and ``severity``, ``confidence``,
``acts`` and ``message`` / ``hint`` / ``evidence`` (substrings) are checked when given.
``errors`` (optional) lists ``{item, message}`` of evaluation errors the case expects.

Use it from pytest with :func:`case_params` and :func:`check_case`, or the
``trackerguard_cases`` fixture of :mod:`trackerguard.testing.pytest_plugin`; files named
``*.tgcases.yaml`` are collected as tests on their own.
"""

from __future__ import annotations

import glob
import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from trackerguard.adapter import AdapterContext, ItemError
from trackerguard.custom import compile_custom_rules
from trackerguard.engine import Engine, rule_failure
from trackerguard.graph import StrategyGraph
from trackerguard.levels import LevelMap
from trackerguard.model import WorkItem
from trackerguard.plugins.file.adapter import FileAdapter
from trackerguard.plugins.file.settings import FileSettings
from trackerguard.plugins_manager import Registry, build_registry
from trackerguard.rule import Finding, Rule, RuleContext
from trackerguard.settings import Settings
from trackerguard.status import StatusMap

DEFAULT_NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
"""The clock of a case unless it says otherwise (fixed, so grace and staleness are stable)."""

_CHECKED = ("severity", "confidence", "acts")
_SUBSTRINGS = ("message", "hint", "evidence")
_KNOWN_EXPECT_KEYS = frozenset({"item", "rule", *_CHECKED, *_SUBSTRINGS})


# -- building blocks -------------------------------------------------------------------------
def make_settings(config: Mapping[str, Any] | None = None) -> Settings:
    """Settings from a mapping shaped like ``trackerguard.toml`` (defaults for the rest)."""
    return Settings.model_validate(dict(config or {}))


def make_items(
    raw_items: Sequence[Mapping[str, Any]], settings: Settings | None = None
) -> list[WorkItem]:
    """Work items from dicts in the file tracker schema (same parsing, levels and statuses)."""
    settings = settings or make_settings()
    context = AdapterContext(
        settings,
        LevelMap(settings.levels, settings.graph.default_level),
        StatusMap(settings.status),
    )
    adapter = FileAdapter(FileSettings(path=Path("<case>")), context)
    items = [adapter._to_item(dict(raw), index) for index, raw in enumerate(raw_items)]
    keys = [item.key for item in items]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate item key(s) in a case: {', '.join(duplicates)}")
    return items


def make_graph(items: Sequence[WorkItem], settings: Settings | None = None) -> StrategyGraph:
    """The strategy graph over ``items`` (all of them scanned)."""
    settings = settings or make_settings()
    levels = LevelMap(settings.levels, settings.graph.default_level)
    return StrategyGraph({item.key: item for item in items}, levels, settings.graph.goal_link_types)


@lru_cache(maxsize=32)
def _registry(plugins: tuple[str, ...]) -> Registry:
    extra = [(name, importlib.import_module(name)) for name in plugins]
    return build_registry(load_entry_points=False, extra=extra)


def registry_for(plugins: Iterable[str | object] = ()) -> Registry:
    """A registry of the built-ins plus ``plugins`` (module names or plugin objects)."""
    names = [p for p in plugins if isinstance(p, str)]
    objects = [p for p in plugins if not isinstance(p, str)]
    if not objects:
        return _registry(tuple(names))
    extra: list[tuple[str, object]] = [(n, importlib.import_module(n)) for n in names]
    extra += [(getattr(p, "__name__", repr(p)), p) for p in objects]
    return build_registry(load_entry_points=False, extra=extra)


@dataclass
class Outcome:
    """What a run over a case produced: findings (policy applied) and evaluation errors."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)
    items: list[WorkItem] = field(default_factory=list)

    def keys(self) -> list[tuple[str, str]]:
        """``(rule, item)`` of every finding, sorted."""
        return sorted((f.rule, f.item) for f in self.findings)


def run_rules(
    raw_items: Sequence[Mapping[str, Any]] | Sequence[WorkItem],
    *,
    rules: Sequence[str | type[Rule]] | None = None,
    config: Mapping[str, Any] | Settings | None = None,
    plugins: Iterable[str | object] = (),
    now: datetime | None = None,
) -> Outcome:
    """Run the engine on items, as ``trackerguard check`` judges them.

    :param raw_items: dicts in the file tracker schema, or ready :class:`WorkItem` values.
    :param rules: rule ids or classes to run (default: every registered and custom rule).
        Classes that are not registered are added for this run.
    :param config: settings (mapping or :class:`Settings`); ``custom_rules`` are compiled.
    :param plugins: plugin modules (names or objects) to register besides the built-ins.
    :param now: the run's clock (default :data:`DEFAULT_NOW`).
    """
    settings = config if isinstance(config, Settings) else make_settings(config)
    registry = registry_for(plugins)
    available: dict[str, type[Rule]] = dict(registry.rules)
    available.update(
        compile_custom_rules(
            settings.custom_rules,
            registered=registry,
            level_names=[level.name for level in settings.levels],
        )
    )
    if rules is not None:
        chosen: dict[str, type[Rule]] = {}
        for rule in rules:
            if isinstance(rule, str):
                if rule not in available:
                    raise KeyError(
                        f"unknown rule id '{rule}' (known: {', '.join(sorted(available))})"
                    )
                chosen[rule] = available[rule]
            else:
                chosen[rule.id] = rule
        available = chosen
    unused = set(settings.rules) - set(available)
    if unused:  # rule options for rules not under test: keep them out of the engine check
        settings = settings.model_copy(
            update={"rules": {k: v for k, v in settings.rules.items() if k in available}}
        )
    engine = Engine(available, settings)
    if raw_items and isinstance(raw_items[0], WorkItem):
        items = [item for item in raw_items if isinstance(item, WorkItem)]
    else:
        items = make_items(raw_items, settings)  # type: ignore[arg-type]
    graph = make_graph(items, settings)
    ctx = RuleContext(graph, settings, now or DEFAULT_NOW)
    outcome = Outcome(items=items)
    for item in items:
        outcome.findings.extend(policy.finding for policy in _judge(engine, item, ctx, outcome))
    return outcome


def _judge(engine: Engine, item: WorkItem, ctx: RuleContext, outcome: Outcome) -> list[Any]:
    """``engine.evaluate``, except that a rule failing on this item becomes an error entry.

    Unlike ``check`` (where the item is then unjudged), the kit keeps the other rules'
    findings on the item, so a rule author sees every verdict next to the error.
    """
    try:
        return engine.evaluate(item, ctx)
    except Exception:
        pass
    # Slow path, only for an item some rule could not evaluate: the same policy, rule by rule.
    if item.level is None or item.is_closed or engine.is_exempt(item):
        return []
    young = engine._young(item, ctx.now)
    found: list[Any] = []
    for active in engine.active:
        if not engine._applies(active, item, ctx.graph):
            continue
        try:
            verdict = active.rule.check(item, ctx)
        except Exception as exc:
            message = rule_failure(active.rule, exc)
            outcome.errors.append(ItemError(item.key, message, judged=False, rule=active.rule.id))
            continue
        if verdict is not None and not verdict.passed:
            found.append(engine._policy(active, item, verdict, young))
    return found


# -- cases ------------------------------------------------------------------------------------
@dataclass
class Case:
    """One YAML case: items in, expected findings out."""

    name: str
    items: list[dict[str, Any]]
    expect: list[dict[str, Any]]
    rules: list[str] | None = None
    config: dict[str, Any] = field(default_factory=dict)
    plugins: list[str] = field(default_factory=list)
    now: datetime = DEFAULT_NOW
    errors: list[dict[str, Any]] | None = None
    source: str = ""

    @property
    def id(self) -> str:
        return f"{Path(self.source).stem}::{self.name}" if self.source else self.name


def _as_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _timestamp(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{where}: 'now' must be a timestamp, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def load_cases(path: str | Path) -> list[Case]:
    """Read the cases of one YAML file (see the module docstring for the format)."""
    path = Path(path)
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(document, dict) or not isinstance(document.get("cases"), list):
        raise ValueError(f"{path}: expected a mapping with a 'cases' list")
    rules = _as_list(document.get("rule", document.get("rules")))
    base_config = document.get("config") or {}
    plugins = _as_list(document.get("plugins")) or []
    now = _timestamp(document["now"], str(path)) if "now" in document else DEFAULT_NOW
    cases: list[Case] = []
    for index, raw in enumerate(document["cases"]):
        where = f"{path}: cases[{index}]"
        if not isinstance(raw, dict) or "name" not in raw:
            raise ValueError(f"{where}: each case needs a 'name'")
        unknown = set(raw) - {"name", "items", "expect", "rule", "rules", "config", "now", "errors"}
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        expect = raw.get("expect")
        if not isinstance(expect, list):
            raise ValueError(f"{where} ({raw['name']}): 'expect' must be a list (use [] for none)")
        for entry in expect:
            if not isinstance(entry, dict) or "item" not in entry:
                raise ValueError(f"{where} ({raw['name']}): each expected finding needs 'item'")
            extra = set(entry) - _KNOWN_EXPECT_KEYS
            if extra:
                raise ValueError(f"{where} ({raw['name']}): unknown expect key(s) {sorted(extra)}")
        config = {**base_config, **(raw.get("config") or {})}
        case_rules = _as_list(raw.get("rule", raw.get("rules")))
        cases.append(
            Case(
                name=str(raw["name"]),
                items=list(raw.get("items") or []),
                expect=[dict(entry) for entry in expect],
                rules=case_rules if case_rules is not None else rules,
                config=config,
                plugins=plugins,
                now=_timestamp(raw["now"], where) if "now" in raw else now,
                errors=raw.get("errors"),
                source=str(path),
            )
        )
    return cases


def collect_cases(*patterns: str | Path) -> list[Case]:
    """The cases of every file matching the glob patterns (sorted by file name)."""
    files: list[str] = []
    for pattern in patterns:
        files.extend(sorted(glob.glob(str(pattern), recursive=True)))
    if not files:
        raise FileNotFoundError(f"no case files match {', '.join(map(str, patterns))}")
    return [case for name in files for case in load_cases(name)]


def case_params(*patterns: str | Path) -> list[Any]:
    """``pytest.param`` per case, for ``@pytest.mark.parametrize("case", case_params(...))``."""
    import pytest

    return [pytest.param(case, id=case.id) for case in collect_cases(*patterns)]


def run_case(case: Case) -> Outcome:
    """Run a case's items through the engine with its rules, config, plugins and clock."""
    return run_rules(
        case.items, rules=case.rules, config=case.config, plugins=case.plugins, now=case.now
    )


def _matches(finding: Finding, expected: Mapping[str, Any], default_rule: str | None) -> bool:
    if finding.item != str(expected["item"]):
        return False
    rule = expected.get("rule", default_rule)
    if rule is not None and finding.rule != rule:
        return False
    for key in _CHECKED:
        if key in expected and str(getattr(finding, key)).lower() != str(expected[key]).lower():
            return False
    return all(
        str(expected[key]).casefold() in str(getattr(finding, key)).casefold()
        for key in _SUBSTRINGS
        if key in expected
    )


def compare(
    findings: Sequence[Finding], expected: Sequence[Mapping[str, Any]], *, rule: str | None = None
) -> list[str]:
    """Differences between actual findings and expected ones (empty when they agree).

    Every expected entry must match a distinct finding, and every finding must be expected.
    """
    problems: list[str] = []
    remaining = list(findings)
    for entry in expected:
        match = next((f for f in remaining if _matches(f, entry, rule)), None)
        if match is None:
            problems.append(f"missing: {dict(entry)}")
        else:
            remaining.remove(match)
    for finding in remaining:
        problems.append(
            f"unexpected: {{item: {finding.item}, rule: {finding.rule}, severity: "
            f"{finding.severity}, message: {finding.message!r}}}"
        )
    return problems


def check_case(case: Case) -> Outcome:
    """Run ``case`` and raise ``AssertionError`` listing every difference; return the outcome."""
    outcome = run_case(case)
    default_rule = case.rules[0] if case.rules and len(case.rules) == 1 else None
    problems = compare(outcome.findings, case.expect, rule=default_rule)
    if case.errors is not None:
        for entry in case.errors:
            if not any(
                e.item == str(entry.get("item"))
                and str(entry.get("message", "")).casefold() in e.message.casefold()
                for e in outcome.errors
            ):
                problems.append(f"missing error: {entry}")
        if len(outcome.errors) != len(case.errors):
            problems.append(
                f"errors: expected {len(case.errors)}, got {[e.message for e in outcome.errors]}"
            )
    elif outcome.errors:
        problems.append(f"unexpected errors: {[e.message for e in outcome.errors]}")
    if problems:
        found = (
            "\n".join(f"    {f.rule} {f.item} [{f.severity}] {f.message}" for f in outcome.findings)
            or "    (none)"
        )
        raise AssertionError(
            f"case {case.id!r}:\n  " + "\n  ".join(problems) + f"\n  findings:\n{found}"
        )
    return outcome


__all__ = [
    "DEFAULT_NOW",
    "Case",
    "Outcome",
    "case_params",
    "check_case",
    "collect_cases",
    "compare",
    "load_cases",
    "make_graph",
    "make_items",
    "make_settings",
    "registry_for",
    "run_case",
    "run_rules",
]
